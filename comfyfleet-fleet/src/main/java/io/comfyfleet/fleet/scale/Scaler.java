package io.comfyfleet.fleet.scale;

import java.time.Duration;

/** How an endpoint decides it needs more workers: RunPod's two scaler types, and two that know their cold starts. */
public sealed interface Scaler {

    /**
     * RunPod {@code QUEUE_DELAY}: start one more worker when the oldest queued job has waited longer than
     * {@code delay} and no worker is idle or starting that would take it; at most one start per delay window.
     */
    record QueueDelay(Duration delay) implements Scaler {}

    /** RunPod {@code REQUEST_COUNT}: desired workers = ceil((queued + running) / {@code jobsPerWorker}). */
    record RequestCount(int jobsPerWorker) implements Scaler {}

    /**
     * {@code COLD_START_AWARE}: starts and stops workers from what the autoscaler measured (cold start, execution
     * time, arrivals, see {@link Demand}): a worker is started for a queued job when a new one would serve it sooner
     * than the busy ones, and ahead of a rising arrival rate; an idle worker is kept warm only while the expected
     * cost of the cold start it saves exceeds its idle time (the idle timeout stays an upper bound).
     *
     * @param waitWeight how many GPU-seconds one second of a job's wait is worth; higher keeps more workers warm
     *                   and starts more for a queue (shorter waits, more GPU time)
     */
    record ColdStartAware(double waitWeight) implements Scaler {}

    /**
     * {@code TARGET_WAIT}: the fewest workers that take queued jobs within {@code target} of their arrival, from the
     * measured cold start and execution time (see {@link Demand}): a job waits for a busy or starting worker when that
     * one takes it in time, and gets a new worker only when it would not; idle workers are kept warm only while they
     * are likely enough (over 2/5) to be needed within a cold start. A target shorter than a cold start can only be met
     * by warm workers: {@code minWorkers} and the idle timeout are for that.
     *
     * @param target how long a job may wait in the queue before a worker takes it
     */
    record TargetWait(Duration target) implements Scaler {}
}
