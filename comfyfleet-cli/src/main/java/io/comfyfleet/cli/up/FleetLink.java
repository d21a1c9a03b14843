package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.metrics.FleetMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a gateway's worker registry to the autoscaler and the provider it drives: every job-take tells the
 * autoscaler the worker is ready (ending its cold start), as does the first record of it another gateway put on the
 * worker board, {@code /health} counts the provider's starting and dead workers, and names a worker killed without a
 * word (its exit status) as the endpoint's last worker failure; the jobs a worker that ended on its own held go back
 * to the queue at the next sweep rather than when their leases run out. Each cold start it ends goes
 * to the gateway's metrics and dashboard (with several gateways, each of which may end the same worker's cold start,
 * the metric counts it at one of them only: see {@code Gateway.fleetMetrics()}).
 */
final class FleetLink {
    private static final Logger log = LoggerFactory.getLogger(FleetLink.class);
    private FleetLink() {}

    /**
     * Wires the registry to the autoscaler and provider; call once, before workers start.
     *
     * @param coldStarts where each worker's cold start is reported ({@code Gateway.fleetMetrics()})
     * @param endLeases  ends the leases of the jobs a worker that ended on its own held ({@code Gateway.endLeases}),
     *                   returning how many
     */
    public static void attach(WorkerRegistry registry, Autoscaler autoscaler, WorkerProvider provider,
            FleetMetrics coldStarts, ToIntFunction<String> endLeases, Clock clock) {
        Objects.requireNonNull(coldStarts, "coldStarts");
        Objects.requireNonNull(endLeases, "endLeases");
        Objects.requireNonNull(autoscaler, "autoscaler");
        Objects.requireNonNull(clock, "clock");
        registry.provisioning(new ProviderProvisioning(provider));
        // a worker killed or crashed without a word (the out-of-memory killer, a segfault) could not ping why: its exit
        // status is the only reason there is, and /health shows it as the worker's giving up
        provider.onExit(exit -> {
            if (!exit.saidWhy() && exit.exitCode() != 0) {
                registry.gaveUp(exit.endpoint(), exit.workerId(), "exited", exit.description());
            }
            // it will not report again: its jobs need not wait out their leases to be run again
            int ended = endLeases.applyAsInt(exit.workerId());
            if (ended > 0) {
                log.warn("worker {} of endpoint {} held {} job(s): back to the queue within a second, a retry counted",
                        exit.workerId(), exit.endpoint(), ended);
            }
        });
        registry.onJobTake((endpoint, workerId) -> ready(autoscaler, coldStarts, endpoint, workerId, clock.instant()));
        // with several gateways a worker may ask another one first (Kubernetes: one Service for all of them); that
        // one's board record ends its cold start here too, or the autoscaler would count it as starting for ever
        registry.onHeardElsewhere((endpoint, workerId, firstSeen) ->
                ready(autoscaler, coldStarts, endpoint, workerId, firstSeen));
    }

    private static void ready(Autoscaler autoscaler, FleetMetrics coldStarts, String endpoint, String workerId,
            Instant at) {
        try {
            autoscaler.workerReady(workerId, at).ifPresent(took -> coldStarts.coldStart(endpoint, workerId, took));
        } catch (RuntimeException e) {
            // a cold start not recorded must not fail the worker's job-take or the board's round
            log.warn("could not mark worker {} of endpoint {} ready", workerId, endpoint, e);
        }
    }
}
