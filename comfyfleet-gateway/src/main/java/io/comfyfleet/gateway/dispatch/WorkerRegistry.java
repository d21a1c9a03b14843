package io.comfyfleet.gateway.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The workers the gateway has heard from (job-take, ping, job-done), per endpoint, for {@code /health} and
 * later the autoscaler. Kept in memory: a restarted gateway relearns its workers within one ping interval.
 *
 * <p>A worker is live while it waits in a job-take or was heard from within the liveness window. It is {@code running} while it holds
 * jobs: those given to it and not yet finished, as corrected by its pings (which list what it runs) and by
 * its job-takes ({@code job_in_progress=0} means it holds none); {@code idle} otherwise; {@code unhealthy}
 * when its ping reported a failed self-check; {@code ready} = idle + running. {@code initializing} and
 * {@code throttled} stay 0 until a provider reports workers it is starting.
 */
public final class WorkerRegistry {
    private final Clock clock;
    private final Duration liveness;
    private final ConcurrentHashMap<Key, Seen> workers = new ConcurrentHashMap<>();
    private volatile ProvisioningView provisioning = ProvisioningView.NONE;
    private volatile JobTakeListener jobTakeListener = (endpoint, workerId) -> { };

    public WorkerRegistry(Clock clock, Duration liveness) {
        this.clock = clock;
        this.liveness = liveness;
    }

    /**
     * The worker asked for work and now waits in a job-take; {@code busy} is its {@code job_in_progress} flag.
     * Call {@link #stoppedAsking} when the job-take answers.
     */
    public void askedForJobs(String endpoint, String workerId, boolean busy) {
        update(endpoint, workerId, s -> {
            s.saysBusy = busy;
            if (!busy) {
                s.jobs.clear();
            }
            s.waitingTakes++;
        });
        jobTakeListener.askedForJobs(endpoint, workerId);
    }

    /**
     * Adds the workers a provider is starting ({@code initializing}, {@code throttled}) and those that died
     * ({@code unhealthy}) to {@link #counts}, and drops those it is stopping: only the provider knows of a worker
     * before its first call and after its last.
     */
    public void provisioning(ProvisioningView view) {
        this.provisioning = view == null ? ProvisioningView.NONE : view;
    }

    /** Called on every job-take (the autoscaler ends a worker's cold start on its first one). */
    public void onJobTake(JobTakeListener listener) {
        this.jobTakeListener = listener == null ? (endpoint, workerId) -> { } : listener;
    }

    /** What the provider knows of the workers (starting, stopping, gone); {@link ProvisioningView#NONE} without one. */
    public ProvisioningView provisioning() {
        return provisioning;
    }

    /** True when the provider is stopping this worker or it has exited (see {@link ProvisioningView#isRetired}). */
    public boolean isRetired(String workerId) {
        return provisioning.isRetired(workerId);
    }

    /** The worker's job-take answered (with jobs or without). */
    public void stoppedAsking(String endpoint, String workerId) {
        update(endpoint, workerId, s -> s.waitingTakes = Math.max(0, s.waitingTakes - 1));
    }

    /** The worker was given these jobs. */
    public void gaveJobs(String endpoint, String workerId, List<String> jobIds) {
        update(endpoint, workerId, s -> {
            s.jobs.addAll(jobIds);
            s.lastJob = jobIds.isEmpty() ? s.lastJob : jobIds.getLast();
        });
    }

    /** The worker reported the final result of a job. */
    public void finished(String endpoint, String workerId, String jobId) {
        update(endpoint, workerId, s -> {
            s.jobs.remove(jobId);
            if (s.jobs.isEmpty()) {
                s.saysBusy = false;
            }
        });
    }

    /** A heartbeat listing the jobs the worker runs; {@code unhealthy} when it reported a failed self-check. */
    public void pinged(String endpoint, String workerId, Collection<String> jobIds, boolean unhealthy) {
        update(endpoint, workerId, s -> {
            s.jobs.clear();
            s.jobs.addAll(jobIds);
            s.saysBusy = !jobIds.isEmpty();
            s.unhealthy = unhealthy;
        });
    }

    /** The worker asked to be stopped after its job ({@code stopPod}); the autoscaler reads it. */
    public void stopRequested(String endpoint, String workerId) {
        update(endpoint, workerId, s -> s.stopRequested = true);
    }

    /** Any other sign of life (job-stream, job-stop poll). */
    public void seen(String endpoint, String workerId) {
        update(endpoint, workerId, s -> { });
    }

    /** True when the worker asked to be stopped. */
    public boolean isStopRequested(String endpoint, String workerId) {
        Seen s = workers.get(new Key(endpoint, workerId));
        return s != null && s.stopRequested;
    }

    /** What is known of each worker of the endpoint heard from recently, by worker id (for the autoscaler). */
    public Map<String, WorkerSnapshot> snapshot(String endpoint) {
        forgetSilent();
        Instant now = clock.instant();
        Map<String, WorkerSnapshot> result = new HashMap<>();
        workers.forEach((key, s) -> {
            if (key.endpoint().equals(endpoint)) {
                int jobs = Math.max(s.jobs.size(), s.saysBusy ? 1 : 0);
                result.put(key.workerId(), new WorkerSnapshot(jobs, s.waitingTakes > 0 ? now : s.lastSeen,
                        jobs > 0 ? null : s.idleSince, s.unhealthy, s.stopRequested));
            }
        });
        return result;
    }

    /** The live workers of one endpoint with what the dashboard shows of each, ordered by id. */
    public List<WorkerDetails> details(String endpoint) {
        Instant cutoff = clock.instant().minus(liveness);
        List<WorkerDetails> result = new java.util.ArrayList<>();
        workers.forEach((key, s) -> {
            boolean live = s.waitingTakes > 0 || !s.lastSeen.isBefore(cutoff);
            if (key.endpoint().equals(endpoint) && live) {
                String state = s.unhealthy ? "unhealthy" : s.isBusy() ? "running" : "idle";
                result.add(new WorkerDetails(key.workerId(), state, s.firstSeen, s.lastSeen,
                        List.copyOf(new java.util.TreeSet<>(s.jobs)), s.lastJob, s.stopRequested));
            }
        });
        result.sort(java.util.Comparator.comparing(WorkerDetails::workerId));
        return result;
    }

    /** Live worker counts of one endpoint. */
    public WorkerCounts counts(String endpoint) {
        forgetSilent();
        Instant cutoff = clock.instant().minus(liveness);
        ProvisionedCounts provided = provisioning.counts(endpoint);
        int idle = 0;
        int running = 0;
        int unhealthy = 0;
        for (var entry : workers.entrySet()) {
            Seen s = entry.getValue();
            boolean live = s.waitingTakes > 0 || !s.lastSeen.isBefore(cutoff);
            // the provider's count wins for its starting workers and knows a stopped worker is gone, though its
            // job-take may stay parked until its hold ends
            if (!entry.getKey().endpoint().equals(endpoint) || !live
                    || provided.counted().contains(entry.getKey().workerId())) {
                continue;
            }
            if (s.unhealthy) {
                unhealthy++;
            } else if (s.isBusy()) {
                running++;
            } else {
                idle++;
            }
        }
        return new WorkerCounts(idle, provided.initializing(), idle + running, running, provided.throttled(),
                unhealthy + provided.failed());
    }

    /** Forgets workers not heard from for ten liveness windows, so the map does not grow forever. */
    void forgetSilent() {
        Instant cutoff = clock.instant().minus(liveness.multipliedBy(10));
        workers.values().removeIf(s -> s.waitingTakes == 0 && s.lastSeen.isBefore(cutoff));
    }

    private void update(String endpoint, String workerId, Consumer<Seen> change) {
        Instant now = clock.instant();
        workers.compute(new Key(endpoint, workerId), (k, s) -> {
            Seen seen = s == null ? new Seen(now) : s;
            boolean wasBusy = seen.isBusy();
            seen.lastSeen = now;
            change.accept(seen);
            if (wasBusy && !seen.isBusy()) {
                seen.idleSince = now;
            }
            return seen;
        });
    }

    private record Key(String endpoint, String workerId) {}

    /** Changed only inside the map's compute for its key; read elsewhere for counts. */
    private static final class Seen {
        final Set<String> jobs = ConcurrentHashMap.newKeySet();
        volatile Instant lastSeen;
        volatile Instant idleSince;
        volatile int waitingTakes;
        volatile boolean saysBusy;
        volatile boolean unhealthy;
        volatile boolean stopRequested;
        final Instant firstSeen;
        volatile String lastJob;

        Seen(Instant firstSeen) {
            this.firstSeen = firstSeen;
            this.lastSeen = firstSeen;
            this.idleSince = firstSeen;
        }

        boolean isBusy() {
            return saysBusy || !jobs.isEmpty();
        }
    }
}
