package io.comfyfleet.fleet.autoscale;

import java.util.Map;

/**
 * The autoscaler's read-only view of what the gateway has heard from workers. The gateway implements it from
 * its worker registry (the one behind {@code /health}).
 *
 * <p>Called once per endpoint per autoscaler period, from the autoscaler's thread. An exception is logged and
 * counted, and that endpoint is skipped for this pass.
 */
@FunctionalInterface
public interface WorkerStates {

    /**
     * What the gateway knows of the endpoint's workers, by worker id ({@code RUNPOD_POD_ID}). A worker that has not
     * called the gateway yet is simply absent (the autoscaler then counts it as initializing). Workers the
     * autoscaler did not start may appear; they are ignored.
     */
    Map<String, WorkerActivity> activity(String endpoint);
}
