package io.comfyfleet.core.worker;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What a gateway heard from one worker of an endpoint, as shared through the store: when it was first and last
 * heard from, the jobs it runs ({@code busy} also when it said so without naming them), since when it is idle
 * (null while busy), whether its self-check failed or it asked to be stopped, and the version it announced on
 * its job-takes (null when it announced none). {@code gateway} is the gateway that wrote the record. {@code models}
 * are the model files it reported holding on its last job-take (model-affinity routing; empty when it reports none).
 *
 * <p>A {@linkplain #starting() starting} record is written by the gateway whose provider started the worker, before
 * anyone heard from it, so every gateway's {@code /health} counts it as initializing. It is told apart without a
 * column of its own: a heard worker is either busy (a flag or jobs) or idle since a time, never neither.
 */
public record WorkerRecord(String endpoint, String workerId, String gateway, Instant firstSeen, Instant lastSeen,
        Instant idleSince, Set<String> jobs, boolean busy, boolean unhealthy, boolean stopRequested, String version,
        String lastJob, Set<String> models) {

    /** A record without held models. */
    public WorkerRecord(String endpoint, String workerId, String gateway, Instant firstSeen, Instant lastSeen,
            Instant idleSince, Set<String> jobs, boolean busy, boolean unhealthy, boolean stopRequested, String version,
            String lastJob) {
        this(endpoint, workerId, gateway, firstSeen, lastSeen, idleSince, jobs, busy, unhealthy, stopRequested, version,
                lastJob, Set.of());
    }

    public WorkerRecord {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(firstSeen, "firstSeen");
        Objects.requireNonNull(lastSeen, "lastSeen");
        jobs = Set.copyOf(jobs);
        models = models == null ? Set.of() : Set.copyOf(models);
    }

    /**
     * A worker its provider started that nobody has heard from yet.
     *
     * @param startedAt when its process, container or pod was created
     * @param now       when the provider last listed it as starting
     */
    public static WorkerRecord starting(String endpoint, String workerId, String gateway, Instant startedAt,
            Instant now, String version) {
        return new WorkerRecord(endpoint, workerId, gateway, startedAt, now, null, Set.of(), false, false, false,
                version, null);
    }

    /** True for a record of {@link #starting}: started, not heard from yet. */
    public boolean starting() {
        return idleSince == null && !busy && jobs.isEmpty();
    }
}
