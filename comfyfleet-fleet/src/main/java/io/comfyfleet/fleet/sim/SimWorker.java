package io.comfyfleet.fleet.sim;

import java.time.Instant;

/** One simulated worker: billed from {@code startedAt} until {@code stoppedAt}. */
final class SimWorker {
    final String id;
    final String endpoint;
    final Instant startedAt;
    final Instant readyAt;
    boolean ready;
    boolean stopping;
    Instant stoppedAt;
    Instant idleSince;
    SimJob job;
    String lastModel;

    SimWorker(String id, String endpoint, Instant startedAt, Instant readyAt) {
        this.id = id;
        this.endpoint = endpoint;
        this.startedAt = startedAt;
        this.readyAt = readyAt;
    }

    boolean gone() {
        return stoppedAt != null;
    }

    /** Ready, not stopping, no job: may take one. */
    boolean free() {
        return ready && !stopping && job == null && !gone();
    }
}
