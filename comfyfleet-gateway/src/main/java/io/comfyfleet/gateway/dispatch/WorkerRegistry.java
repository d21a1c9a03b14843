package io.comfyfleet.gateway.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workers the gateway has heard from (job-take, ping, job-done), per endpoint, for {@code /health} and
 * later the autoscaler. Kept in memory: a restarted gateway relearns its workers within one ping interval.
 *
 * <p>A worker counts as live while it was heard from within the liveness window; {@code running} when it
 * holds jobs (its last job-take said {@code job_in_progress=1} or its last ping listed jobs), {@code idle}
 * otherwise; {@code ready} = live and not unhealthy. {@code initializing} and {@code throttled} stay 0
 * until a provider reports workers it is starting.
 */
public final class WorkerRegistry {
    private final Clock clock;
    private final Duration liveness;
    private final ConcurrentHashMap<Key, Seen> workers = new ConcurrentHashMap<>();

    public WorkerRegistry(Clock clock, Duration liveness) {
        this.clock = clock;
        this.liveness = liveness;
    }

    /** The worker asked for work; {@code busy} is its {@code job_in_progress} flag. */
    public void tookJobs(String endpoint, String workerId, boolean busy) {
        update(endpoint, workerId, s -> s.busy = busy);
    }

    /** The worker was given these jobs. */
    public void gaveJobs(String endpoint, String workerId, int count) {
        if (count > 0) {
            update(endpoint, workerId, s -> s.busy = true);
        }
    }

    /** A heartbeat listing the jobs the worker runs; {@code unhealthy} when it reported a failed self-check. */
    public void pinged(String endpoint, String workerId, Collection<String> jobIds, boolean unhealthy) {
        update(endpoint, workerId, s -> {
            s.busy = !jobIds.isEmpty();
            s.unhealthy = unhealthy;
        });
    }

    /** The worker asked to be stopped after its job ({@code stopPod}); the autoscaler reads it. */
    public void stopRequested(String endpoint, String workerId) {
        update(endpoint, workerId, s -> s.stopRequested = true);
    }

    /** Any other sign of life (job-done, job-stream, job-stop poll). */
    public void seen(String endpoint, String workerId) {
        update(endpoint, workerId, s -> { });
    }

    /** True when the worker asked to be stopped. */
    public boolean isStopRequested(String endpoint, String workerId) {
        Seen s = workers.get(new Key(endpoint, workerId));
        return s != null && s.stopRequested;
    }

    /** Live worker counts of one endpoint. */
    public WorkerCounts counts(String endpoint) {
        Instant cutoff = clock.instant().minus(liveness);
        int idle = 0;
        int running = 0;
        int unhealthy = 0;
        for (var entry : workers.entrySet()) {
            Seen s = entry.getValue();
            if (!entry.getKey().endpoint().equals(endpoint) || s.lastSeen.isBefore(cutoff)) {
                continue;
            }
            if (s.unhealthy) {
                unhealthy++;
            } else if (s.busy) {
                running++;
            } else {
                idle++;
            }
        }
        return new WorkerCounts(idle, 0, idle + running, running, 0, unhealthy);
    }

    /** Forgets workers not heard from for ten liveness windows, so the map does not grow forever. */
    public void forgetSilent() {
        Instant cutoff = clock.instant().minus(liveness.multipliedBy(10));
        workers.values().removeIf(s -> s.lastSeen.isBefore(cutoff));
    }

    /** The ids of the live workers of the endpoint. */
    public Set<String> live(String endpoint) {
        Instant cutoff = clock.instant().minus(liveness);
        Set<String> ids = ConcurrentHashMap.newKeySet();
        workers.forEach((k, s) -> {
            if (k.endpoint().equals(endpoint) && !s.lastSeen.isBefore(cutoff)) {
                ids.add(k.workerId());
            }
        });
        return ids;
    }

    private void update(String endpoint, String workerId, java.util.function.Consumer<Seen> change) {
        Instant now = clock.instant();
        workers.compute(new Key(endpoint, workerId), (k, s) -> {
            Seen seen = s == null ? new Seen() : s;
            seen.lastSeen = now;
            change.accept(seen);
            return seen;
        });
    }

    private record Key(String endpoint, String workerId) {}

    private static final class Seen {
        volatile Instant lastSeen;
        volatile boolean busy;
        volatile boolean unhealthy;
        volatile boolean stopRequested;
    }
}
