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
import io.comfyfleet.core.worker.WorkerFailureRecord;
import io.comfyfleet.core.worker.WorkerRecord;

/**
 * The workers the gateway has heard from (job-take, ping, job-done), per endpoint, for {@code /health} and
 * later the autoscaler. Kept in memory: a restarted gateway relearns its workers within one ping interval.
 *
 * <p>A worker is live while it waits in a job-take or was heard from within the liveness window. It is {@code running} while it holds
 * jobs: those given to it and not yet finished, as corrected by its pings (which list what it runs) and by
 * its job-takes ({@code job_in_progress=0} means it holds none); {@code idle} otherwise; {@code unhealthy}
 * when its ping reported a failed self-check; {@code ready} = idle + running. {@code initializing} and
 * {@code throttled} stay 0 until a provider reports workers it is starting.
 *
 * <p>With several gateways on one database, each keeps its own workers here and {@link BoardSync} writes them
 * behind to the store's worker board about once a second, then reads back every gateway's: {@link #counts},
 * {@link #details}, {@link #snapshot} and {@link #versions} see every worker, each as described by the gateway that
 * heard from it last. A job-take never waits for the store.
 */
public final class WorkerRegistry {
    /** How long {@link #lastFailure} shows a worker's giving up: long enough for a client's wait, not forever. */
    static final Duration FAILURE_SHOWN_FOR = Duration.ofMinutes(30);
    private final Clock clock;
    private final Duration liveness;
    private final ConcurrentHashMap<Key, Seen> workers = new ConcurrentHashMap<>();
    /** Per endpoint, the last worker that gave up (heard here or, with several gateways, elsewhere). */
    private final ConcurrentHashMap<String, WorkerFailure> lastFailure = new ConcurrentHashMap<>();
    /** Per endpoint, the last worker that gave up here and is not yet on the board (several gateways). */
    private final ConcurrentHashMap<String, WorkerFailure> unsharedFailure = new ConcurrentHashMap<>();
    private volatile ProvisioningView provisioning = ProvisioningView.NONE;
    private volatile JobTakeListener jobTakeListener = (endpoint, workerId) -> { };
    private volatile HeardElsewhereListener heardElsewhereListener = (endpoint, workerId, firstSeen) -> { };
    /** Other gateways' workers as last read from the board (empty with one gateway). */
    private volatile Map<Key, WorkerRecord> remote = Map.of();
    /**
     * Gateways that lost the control-loop lease to this one, with when: their board records written before then
     * are stale (see {@link #gatewayGone}).
     */
    private final Map<String, Instant> goneGateways = new ConcurrentHashMap<>();
    /** Workers changed here since the last write to the board. */
    private final Set<Key> dirty = ConcurrentHashMap.newKeySet();

    public WorkerRegistry(Clock clock, Duration liveness) {
        this.clock = clock;
        this.liveness = liveness;
    }

    /**
     * The worker asked for work and now waits in a job-take; {@code busy} is its {@code job_in_progress} flag.
     * Call {@link #stoppedAsking} when the job-take answers.
     */
    public void askedForJobs(String endpoint, String workerId, boolean busy) {
        askedForJobs(endpoint, workerId, busy, null);
    }

    /**
     * As {@link #askedForJobs(String, String, boolean)}, with the version the worker announced on its job-take
     * ({@code &version=}); null when it sent none (the last one announced is kept).
     */
    public void askedForJobs(String endpoint, String workerId, boolean busy, String version) {
        update(endpoint, workerId, s -> {
            if (version != null && !version.isBlank()) {
                s.version = version;
            }
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

    /** Told once of each worker another gateway heard from before this one did (see {@link HeardElsewhereListener}). */
    public void onHeardElsewhere(HeardElsewhereListener listener) {
        this.heardElsewhereListener = listener == null ? (endpoint, workerId, firstSeen) -> { } : listener;
    }

    /** What the provider knows of the workers (starting, stopping, gone); {@link ProvisioningView#NONE} without one. */
    public ProvisioningView provisioning() {
        return provisioning;
    }

    /** True when the provider is stopping this worker or it has exited (see {@link ProvisioningView#isRetired}). */
    public boolean isRetired(String workerId) {
        return provisioning.isRetired(workerId);
    }

    /**
     * The model files the worker said it holds on its job-take ({@code &models=}); null when it sent none (a
     * RunPod worker): it then counts as holding nothing. Read by {@link AffinityRouter}.
     */
    public void reportedModels(String endpoint, String workerId, Set<String> models) {
        Set<String> held = models == null ? Set.of() : Set.copyOf(models);
        update(endpoint, workerId, s -> s.models = held);
    }

    /**
     * The models each live worker of the endpoint holds, by worker id, as heard here or through the board from
     * another gateway; workers that hold none, are unhealthy or that the provider is stopping are left out.
     */
    public Map<String, Set<String>> heldModels(String endpoint) {
        Instant cutoff = clock.instant().minus(liveness);
        Map<String, Set<String>> result = new HashMap<>();
        for (View v : views(endpoint)) {
            if (!v.models.isEmpty() && !v.unhealthy && !v.lastSeen.isBefore(cutoff) && !isRetired(v.workerId)) {
                result.put(v.workerId, v.models);
            }
        }
        return result;
    }

    /**
     * The cold start the worker reported on its job-take ({@code &coldstart=}), completed with the time since its
     * provider started it, when the provider here knows that. The first report of a worker counts; later ones
     * (a job-take retried) are ignored.
     */
    public void reportedColdStart(String endpoint, String workerId, ColdStartReport report) {
        Instant now = clock.instant();
        ProvidedWorker provided = provisioning.workers(endpoint).get(workerId);
        Long since = provided == null || provided.startedAt() == null ? null
                : Math.max(0, Duration.between(provided.startedAt(), now).toMillis());
        WorkerColdStart coldStart = WorkerColdStart.of(report, since);
        update(endpoint, workerId, s -> {
            if (s.coldStart == null) {
                s.coldStart = coldStart;
            }
        });
    }

    /** The endpoint's workers' cold starts as they reported them, by worker id (RunPod's workers report none). */
    public Map<String, WorkerColdStart> coldStarts(String endpoint) {
        Map<String, WorkerColdStart> result = new java.util.TreeMap<>();
        workers.forEach((key, s) -> {
            if (key.endpoint().equals(endpoint) && s.coldStart != null) {
                result.put(key.workerId(), s.coldStart);
            }
        });
        return result;
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

    /**
     * A heartbeat listing the jobs the worker runs; {@code unhealthy} when it reported a failed self-check.
     *
     * <p>A worker id no provider here started counts like any other, on purpose: workers started by someone else
     * (RunPod-hosted ones, {@code comfyfleet worker} run by hand) are supported and ping too, and with several
     * gateways a worker may have been started by another gateway's provider. What keeps made-up ids out of
     * {@code /health} is the endpoint's worker key, which every worker route demands: whoever holds it could as
     * well take jobs under any id.
     */
    public void pinged(String endpoint, String workerId, Collection<String> jobIds, boolean unhealthy) {
        update(endpoint, workerId, s -> {
            s.jobs.clear();
            s.jobs.addAll(jobIds);
            s.saysBusy = !jobIds.isEmpty();
            s.unhealthy = unhealthy;
        });
    }

    /**
     * The worker said why it gives up (its unhealthy ping's {@code check} and {@code reason}); kept as the endpoint's
     * last failure. Blank reasons are not kept: there is nothing to show.
     */
    public void gaveUp(String endpoint, String workerId, String check, String reason) {
        if (reason == null || reason.isBlank()) {
            return;
        }
        String cut = reason.strip().replaceAll("\\s*\\R\\s*", " | "); // one line, as clients print it
        if (cut.length() > WorkerFailure.MAX_REASON) {
            cut = cut.substring(0, WorkerFailure.MAX_REASON) + "…";
        }
        String checkCut = check == null || check.isBlank() ? null : check.strip();
        if (checkCut != null && checkCut.length() > WorkerFailure.MAX_CHECK) {
            checkCut = checkCut.substring(0, WorkerFailure.MAX_CHECK) + "…"; // a name, not a text: kept short
        }
        WorkerFailure failure = new WorkerFailure(workerId, checkCut, cut,
                clock.instant());
        lastFailure.put(endpoint, failure);
        unsharedFailure.put(endpoint, failure);
    }

    /** The failures heard here since the last call, one per endpoint, for {@link BoardSync} to write. */
    public List<WorkerFailureRecord> takeUnsharedFailures() {
        List<WorkerFailureRecord> taken = new java.util.ArrayList<>();
        for (String endpoint : List.copyOf(unsharedFailure.keySet())) {
            WorkerFailure f = unsharedFailure.remove(endpoint);
            if (f != null) {
                taken.add(new WorkerFailureRecord(endpoint, f.workerId(), f.check(), f.reason(), f.at()));
            }
        }
        return taken;
    }

    /** Gives failures whose write to the board failed back, unless a later one was heard since. */
    public void unshared(Collection<WorkerFailureRecord> failures) {
        failures.forEach(f -> unsharedFailure.merge(f.endpoint(), failure(f), WorkerRegistry::later));
    }

    /**
     * The endpoints' last failures as the board holds them (several gateways): the board's replaces the one known
     * here unless that one came later (heard here, not written yet), so {@code /health} at every gateway names the
     * same worker and reason, even when two came in the same millisecond.
     */
    public void failuresHeardElsewhere(Collection<WorkerFailureRecord> failures) {
        failures.forEach(f -> lastFailure.merge(f.endpoint(), failure(f),
                (here, board) -> here.at().isAfter(board.at()) ? here : board));
    }

    private static WorkerFailure failure(WorkerFailureRecord f) {
        return new WorkerFailure(f.workerId(), f.check(), f.reason(), f.at());
    }

    private static WorkerFailure later(WorkerFailure a, WorkerFailure b) {
        return b.at().isAfter(a.at()) ? b : a;
    }

    /** The endpoint's last worker that gave up, within the last {@link #FAILURE_SHOWN_FOR}. */
    public java.util.Optional<WorkerFailure> lastFailure(String endpoint) {
        WorkerFailure f = lastFailure.get(endpoint);
        if (f == null || f.at().plus(FAILURE_SHOWN_FOR).isBefore(clock.instant())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(f);
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
        Map<String, WorkerSnapshot> result = new HashMap<>();
        for (View v : views(endpoint)) {
            if (v.starting) {
                continue; // not heard from: the autoscaler knows it from its provider
            }
            int jobs = Math.max(v.jobs.size(), v.busy ? 1 : 0);
            result.put(v.workerId, new WorkerSnapshot(jobs, v.lastSeen, jobs > 0 ? null : v.idleSince, v.unhealthy,
                    v.stopRequested));
        }
        return result;
    }

    /** The live workers of one endpoint with what the dashboard shows of each, ordered by id. */
    public List<WorkerDetails> details(String endpoint) {
        Instant cutoff = clock.instant().minus(liveness);
        List<WorkerDetails> result = new java.util.ArrayList<>();
        for (View v : views(endpoint)) {
            if (!v.lastSeen.isBefore(cutoff)) {
                String state = v.starting ? "starting" : v.unhealthy ? "unhealthy" : v.isBusy() ? "running" : "idle";
                result.add(new WorkerDetails(v.workerId, state, v.firstSeen, v.lastSeen,
                        List.copyOf(new java.util.TreeSet<>(v.jobs)), v.lastJob, v.stopRequested));
            }
        }
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
        int startingElsewhere = 0;
        for (View v : views(endpoint)) {
            // the provider's count wins for its starting workers and knows a stopped worker is gone, though its
            // job-take may stay parked until its hold ends
            if (v.lastSeen.isBefore(cutoff) || provided.counted().contains(v.workerId)) {
                continue;
            }
            if (v.starting) {
                startingElsewhere++; // started by another gateway's provider, not heard from yet
            } else if (v.unhealthy) {
                unhealthy++;
            } else if (v.isBusy()) {
                running++;
            } else {
                idle++;
            }
        }
        return new WorkerCounts(idle, provided.initializing() + startingElsewhere, idle + running, running,
                provided.throttled(),
                unhealthy + provided.failed());
    }

    /**
     * How many live workers of the endpoint announced each version (those that announced none are not counted): the
     * workers {@link #counts} counts as idle, running or unhealthy, so a worker its provider knows is stopping or
     * gone leaves both at once.
     */
    public Map<String, Integer> versions(String endpoint) {
        Instant cutoff = clock.instant().minus(liveness);
        Set<String> providerCounts = provisioning.counts(endpoint).counted();
        Map<String, Integer> result = new java.util.TreeMap<>();
        for (View v : views(endpoint)) {
            if (!v.lastSeen.isBefore(cutoff) && v.version != null && !v.starting
                    && !providerCounts.contains(v.workerId)) {
                result.merge(v.version, 1, Integer::sum);
            }
        }
        return result;
    }

    /**
     * This gateway's workers as records for the board: those changed since the last call, and those waiting in a
     * job-take here (so others see them live); {@code gateway} names this gateway.
     */
    List<WorkerRecord> changedRecords(String gateway) {
        Instant now = clock.instant();
        List<WorkerRecord> result = new java.util.ArrayList<>();
        workers.forEach((key, s) -> {
            boolean parked = s.waitingTakes > 0;
            if (dirty.remove(key) || parked) {
                result.add(new WorkerRecord(key.endpoint(), key.workerId(), gateway, s.firstSeen,
                        parked ? now : s.lastSeen, s.isBusy() ? null : s.idleSince, Set.copyOf(s.jobs), s.saysBusy,
                        s.unhealthy, s.stopRequested, s.version, s.lastJob, s.models));
            }
        });
        return result;
    }

    /**
     * The workers this gateway's provider is starting that nobody has heard from (here or, as the board says,
     * elsewhere), as starting records for the board, heard from now: other gateways count them as initializing.
     */
    List<WorkerRecord> startingRecords(String gateway) {
        Instant now = clock.instant();
        List<WorkerRecord> result = new java.util.ArrayList<>();
        for (StartingWorker w : provisioning.starting()) {
            Key key = new Key(w.endpoint(), w.workerId());
            WorkerRecord elsewhere = remote.get(key);
            if (!workers.containsKey(key) && (elsewhere == null || elsewhere.starting())) {
                result.add(WorkerRecord.starting(w.endpoint(), w.workerId(), gateway, w.startedAt(), now,
                        w.version()));
            }
        }
        return result;
    }

    /** These records could not be written: they go out with the next round. */
    void markChanged(List<WorkerRecord> records) {
        records.forEach(r -> dirty.add(new Key(r.endpoint(), r.workerId())));
    }

    /**
     * Every gateway's records as just read from the board. A worker heard from elsewhere and not yet here, and not
     * heard from in the board's last round, is told to the {@link #onHeardElsewhere} listener.
     */
    void heardElsewhere(List<WorkerRecord> records) {
        Map<Key, WorkerRecord> before = remote;
        Map<Key, WorkerRecord> byKey = new HashMap<>();
        records.forEach(r -> byKey.put(new Key(r.endpoint(), r.workerId()), r));
        remote = byKey;
        byKey.forEach((key, r) -> {
            WorkerRecord last = before.get(key);
            if (!r.starting() && (last == null || last.starting()) && !workers.containsKey(key)) {
                heardElsewhereListener.heardElsewhere(r.endpoint(), r.workerId(), r.firstSeen());
            }
        });
    }

    /**
     * The gateway {@code gateway} lost the control-loop lease to this one: it died (or was paused past its lease,
     * and then stops the workers its provider runs). Its board records are not counted from now until it writes
     * them again: without this they counted until their liveness window ({@code jobTakeHold + lease}, about a
     * minute and 20 s by default) passed, though the dead leader's workers died with it (local workers exit with
     * their up) or cannot reach it. A worker of it that is alive and reaches a gateway still running is heard
     * there within its ping interval and counts again.
     */
    public void gatewayGone(String gateway) {
        goneGateways.put(gateway, clock.instant());
    }

    /** False for a record written by a gateway that lost the control-loop lease, before it lost it. */
    private boolean current(WorkerRecord r) {
        Instant gone = goneGateways.get(r.gateway());
        return gone == null || r.lastSeen().isAfter(gone);
    }

    /**
     * The endpoint's workers, each as heard here or as the board has it from another gateway, whichever heard from
     * it last; a worker parked in a job-take here counts as heard from now.
     */
    private List<View> views(String endpoint) {
        Instant now = clock.instant();
        Map<String, View> result = new HashMap<>();
        workers.forEach((key, s) -> {
            if (key.endpoint().equals(endpoint)) {
                result.put(key.workerId(), new View(key.workerId(), s.waitingTakes > 0 ? now : s.lastSeen, s.firstSeen,
                        s.idleSince, Set.copyOf(s.jobs), s.saysBusy, s.unhealthy, s.stopRequested, s.version,
                        s.lastJob, false, s.models));
            }
        });
        remote.forEach((key, r) -> {
            if (!key.endpoint().equals(endpoint) || !current(r)) {
                return;
            }
            View here = result.get(key.workerId());
            if (r.starting()) {
                if (here == null) { // heard here beats started elsewhere
                    result.put(key.workerId(), new View(key.workerId(), r.lastSeen(), r.firstSeen(), r.lastSeen(),
                            Set.of(), false, false, false, r.version(), null, true, Set.of()));
                }
                return;
            }
            if (here == null || here.lastSeen.isBefore(r.lastSeen())) {
                result.put(key.workerId(), new View(key.workerId(), r.lastSeen(), r.firstSeen(),
                        r.idleSince() == null ? r.lastSeen() : r.idleSince(), r.jobs(), r.busy(), r.unhealthy(),
                        r.stopRequested(), r.version() != null ? r.version() : here == null ? null : here.version,
                        r.lastJob(), false, r.models()));
            }
        });
        return List.copyOf(result.values());
    }

    /** @param starting started by another gateway's provider, not heard from by anyone yet */
    private record View(String workerId, Instant lastSeen, Instant firstSeen, Instant idleSince, Set<String> jobs,
            boolean busy, boolean unhealthy, boolean stopRequested, String version, String lastJob,
            boolean starting, Set<String> models) {
        boolean isBusy() {
            return busy || !jobs.isEmpty();
        }
    }

    /** Forgets workers not heard from for ten liveness windows, so the map does not grow forever. */
    void forgetSilent() {
        Instant cutoff = clock.instant().minus(liveness.multipliedBy(10));
        workers.values().removeIf(s -> s.waitingTakes == 0 && s.lastSeen.isBefore(cutoff));
        goneGateways.values().removeIf(gone -> gone.isBefore(cutoff)); // its records are past their liveness by then
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
            dirty.add(k);
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
        volatile String version;
        volatile Set<String> models = Set.of();
        volatile WorkerColdStart coldStart;

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
