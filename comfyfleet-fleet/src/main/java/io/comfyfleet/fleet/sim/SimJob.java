package io.comfyfleet.fleet.sim;

import java.time.Instant;

/** One job of the trace as the simulation runs it. */
final class SimJob {
    final TraceJob trace;
    final Instant arrivedAt;
    Instant takenAt;
    Instant doneAt;
    String workerId;
    boolean coldStarted;

    SimJob(TraceJob trace, Instant arrivedAt) {
        this.trace = trace;
        this.arrivedAt = arrivedAt;
    }
}
