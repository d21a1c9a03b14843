package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.dashboard.DashboardBoard;
import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.dispatch.ProvidedWorker;
import io.comfyfleet.gateway.dispatch.WorkerCounts;
import io.comfyfleet.gateway.dispatch.WorkerDetails;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.jobs.JobListener;
import io.comfyfleet.gateway.metrics.FleetMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the web dashboard shows, as JSON: endpoints with their settings and counts, workers, running jobs with
 * their progress and latest preview, recent jobs, and queue and workers over the last minutes.
 *
 * <p>Every view takes the endpoints the caller may see (those its client key opens) and shows nothing else. No
 * key ever appears in a view. Listens to job changes ({@link #jobListener()}) for previews and to the fleet
 * ({@link #fleetMetrics(FleetMetrics)}) for cold starts; {@link #start()} begins sampling the chart's history.
 *
 * <p>With several gateways on one database, what a gateway learns alone is shared through the store, so the page is
 * the same whichever gateway a poll reaches: job times are read from the jobs ({@link StoreJobTimesFeed}), running
 * jobs' preview frames ({@link StorePreviews}) and workers' cold starts ({@link StoreColdStarts}) from the store's
 * dashboard board.
 */
public final class Dashboard implements AutoCloseable {
    /** How often the chart's history is sampled, and how far back it reaches. */
    public static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(2);
    public static final Duration HISTORY = Duration.ofMinutes(15);
    /** Delay and execution percentiles are taken per bucket of this length: enough jobs per point to mean something. */
    public static final Duration TIMES_BUCKET = Duration.ofSeconds(30);
    static final int MAX_RUNNING_SHOWN = 50;

    private final JobStore store;
    private final WorkerRegistry workers;
    private final Clock clock;
    private final LivePreviews previews = new LivePreviews();
    private final ColdStarts coldStarts = new ColdStarts();
    private final FleetHistory history;
    private final JobTimes times;
    /** Several gateways on one database: job times read from the store; null when this gateway is alone. */
    private final StoreJobTimesFeed storeTimes;
    /** Several gateways: running jobs' frames kept in the store too, and read from it; null when alone. */
    private final StorePreviews storePreviews;
    /** Several gateways: cold starts written to and read from the store; null when alone. */
    private final StoreColdStarts storeColdStarts;
    private volatile EndpointSettingsStore settings;

    public Dashboard(List<EndpointConfig> endpoints, JobStore store, WorkerRegistry workers, Clock clock) {
        this.store = store;
        this.workers = workers;
        this.clock = clock;
        this.history = new FleetHistory(endpoints.stream().map(EndpointConfig::name).toList(), store, workers, clock,
                SAMPLE_INTERVAL, HISTORY);
        this.times = new JobTimes(clock, HISTORY);
        this.storeTimes = store.sharedByGateways()
                ? new StoreJobTimesFeed(store, times, clock, HISTORY, SAMPLE_INTERVAL)
                : null;
        if (storeTimes == null) {
            // alone, the chart learns jobs as they pass through this gateway; the window's past is read from the store
            // once, before the gateway serves (so no job is counted twice), or a restarted gateway's chart starts blank
            new StoreJobTimesFeed(store, times, clock, HISTORY, SAMPLE_INTERVAL).readGuarded();
        }
        var board = store.sharedByGateways() ? store.dashboardBoard() : Optional.<DashboardBoard>empty();
        this.storePreviews = board.map(StorePreviews::new).orElse(null);
        this.storeColdStarts = board.map(b -> new StoreColdStarts(b, times, coldStarts, clock, HISTORY, SAMPLE_INTERVAL))
                .orElse(null);
    }

    /**
     * Shows each endpoint's settings as the job store keeps them (what the admin API changed), its image, version
     * and roll-out; without it the dashboard shows the configuration file's settings.
     */
    public void showSettingsFrom(EndpointSettingsStore settings) {
        this.settings = settings;
    }

    /**
     * Starts sampling queue depth and workers every {@link #SAMPLE_INTERVAL}, and with several gateways reading the
     * job times and cold starts from the store as often.
     */
    public void start() {
        history.start();
        if (storeTimes != null) {
            storeTimes.start();
        }
        if (storePreviews != null) {
            storePreviews.start();
        }
        if (storeColdStarts != null) {
            storeColdStarts.start();
        }
    }

    /**
     * Register with the job events: remembers each running job's latest preview frame, and each job's delay and
     * execution time for the charts.
     */
    public JobListener jobListener() {
        return new JobListener() {
            @Override
            public void taken(Job job) {
                if (storeTimes == null) { // else read from the store, with the other gateways' jobs
                    times.taken(job);
                }
            }

            @Override
            public void changed(Job job) {
                previews.changed(job);
                if (storePreviews != null && job.state() != JobState.IN_PROGRESS) {
                    storePreviews.ended(job.id());
                }
                if (storeTimes == null) {
                    times.changed(job);
                }
            }

            @Override
            public void progressed(String jobId, String outputJson) {
                Optional<String> frame = previews.keep(jobId, outputJson);
                if (storePreviews != null) {
                    frame.ifPresent(f -> storePreviews.put(jobId, f));
                }
            }
        };
    }

    /**
     * Where the fleet's cold starts land, for the workers table and the cold-start chart; with several gateways
     * through the store, so every gateway shows them, each worker's first report only.
     *
     * @param counted told each cold start once across the gateways (the gateway's metrics): at once when this gateway
     *                is alone; with several, by the gateway whose report the store keeps (the first), after its write
     */
    public FleetMetrics fleetMetrics(FleetMetrics counted) {
        Objects.requireNonNull(counted, "counted");
        return (endpoint, workerId, took) -> {
            if (storeColdStarts != null) {
                storeColdStarts.record(endpoint, workerId, took, counted);
                return;
            }
            counted.coldStart(endpoint, workerId, took);
            coldStarts.record(endpoint, workerId, took);
            times.coldStart(endpoint, workerId, took);
        };
    }

    /** Endpoints with settings, job and worker counts, live workers, and running jobs with progress. */
    public ObjectNode overview(List<EndpointConfig> visible) {
        Instant now = clock.instant();
        ObjectNode root = DashboardJson.object();
        root.put("now", now.toString());
        ArrayNode endpoints = root.putArray("endpoints");
        ArrayNode workerRows = root.putArray("workers");
        ArrayNode running = root.putArray("running");
        List<ObjectNode> runningRows = new java.util.ArrayList<>();
        for (EndpointConfig endpoint : visible) {
            JobCounts jobs = store.counts(endpoint.name());
            WorkerCounts counts = workers.counts(endpoint.name());
            ObjectNode card = DashboardJson.endpoint(endpoint, jobs, counts);
            workers.lastFailure(endpoint.name()).ifPresent(f -> DashboardJson.lastWorkerFailure(card, f, now));
            EndpointSettingsStore stored = settings;
            if (stored != null) {
                DashboardJson.versions(card, stored.get(endpoint.name()), stored.rollout(endpoint.name()));
            }
            endpoints.add(card);
            workerRows.addAll(workerRows(endpoint.name(), now));
            for (Job job : store.recent(endpoint.name(), Optional.of(JobState.IN_PROGRESS), MAX_RUNNING_SHOWN)) {
                runningRows.add(DashboardJson.job(job, now));
            }
        }
        java.util.Map<String, String> frames = latestFrames(runningRows.stream().map(r -> r.get("id").asString())
                .toList());
        for (ObjectNode row : runningRows) {
            String frame = frames.get(row.get("id").asString());
            if (frame != null) {
                row.put("preview", frame);
            }
            running.add(row);
        }
        return root;
    }

    /**
     * The latest frames of these running jobs: alone, those this gateway kept; with several gateways, those in the
     * store (the latest, whichever gateway the worker posted to), else this gateway's (one not written yet).
     */
    private java.util.Map<String, String> latestFrames(List<String> jobIds) {
        java.util.Map<String, String> frames = new java.util.HashMap<>();
        for (String id : jobIds) {
            previews.of(id).ifPresent(f -> frames.put(id, f));
        }
        if (storePreviews != null && !jobIds.isEmpty()) {
            frames.putAll(storePreviews.of(jobIds));
        }
        return frames;
    }

    /**
     * The endpoint's workers from the same two sources as its counts: the gateway's registry (idle, running,
     * unhealthy) corrected by the provider (stopping, exited, stopped), plus the provider's workers still starting,
     * which have not called yet. A stopped worker stays listed, as stopped, until the registry forgets it.
     */
    private List<ObjectNode> workerRows(String endpoint, Instant now) {
        java.util.Map<String, ProvidedWorker> provided = workers.provisioning().workers(endpoint);
        java.util.TreeMap<String, ObjectNode> rows = new java.util.TreeMap<>();
        for (WorkerDetails w : workers.details(endpoint)) {
            ProvidedWorker p = provided.get(w.workerId());
            String state = p != null && p.ended() ? p.state() : w.state();
            rows.put(w.workerId(), DashboardJson.worker(endpoint, w, state, coldStarts.of(endpoint, w.workerId()), now)
                    .put("problem", p == null ? null : p.problem()));
        }
        provided.forEach((id, p) -> {
            if (!rows.containsKey(id) && p.startedAt() != null && !p.state().equals("up")) {
                rows.put(id, DashboardJson.providedWorker(endpoint, id, p, coldStarts.of(endpoint, id), now));
            }
        });
        // the cold-start column's two parts: ComfyFleet's share and ComfyUI's, as the worker reported them
        workers.coldStarts(endpoint).forEach((id, c) -> {
            ObjectNode row = rows.get(id);
            if (row != null) {
                c.writeTo(row.putObject("coldStartParts"));
            }
        });
        return List.copyOf(rows.values());
    }

    /**
     * The newest jobs of the visible endpoints (or of one of them), newest first, like RunPod's console.
     *
     * @param state empty: every state
     */
    public ObjectNode jobs(List<EndpointConfig> visible, Optional<JobState> state, int limit) {
        Instant now = clock.instant();
        List<Job> newest = visible.stream()
                .flatMap(e -> store.recent(e.name(), state, limit).stream())
                .sorted(java.util.Comparator.comparing(Job::createdAt).reversed())
                .limit(limit)
                .toList();
        ObjectNode root = DashboardJson.object();
        ArrayNode rows = root.putArray("jobs");
        newest.forEach(job -> rows.add(DashboardJson.job(job, now)));
        return root;
    }

    /**
     * One job in full for the detail view: its timeline, worker, whole error, the workflow's nodes and its outputs
     * (inline images as data URIs, stored files as links), and while it runs its progress and latest preview.
     *
     * @return empty when there is no such job on the visible endpoints (unknown, expired, or another key's)
     */
    public Optional<ObjectNode> job(List<EndpointConfig> visible, String jobId) {
        Instant now = clock.instant();
        return store.find(jobId, now)
                .filter(job -> visible.stream().anyMatch(e -> e.name().equals(job.endpoint())))
                .map(job -> {
                    ObjectNode node = DashboardJson.jobDetail(job, now);
                    if (job.state() == JobState.IN_PROGRESS) {
                        String frame = latestFrames(List.of(job.id())).get(job.id());
                        if (frame != null) {
                            node.put("preview", frame);
                        }
                    }
                    return node;
                });
    }

    /**
     * The charts over the last {@link #HISTORY}, over the visible endpoints, oldest first: queue depth and workers
     * summed, one point per {@link #SAMPLE_INTERVAL} (a sample the store could not answer is missing); delay and
     * execution time p50 and p95 per {@link #TIMES_BUCKET}; and each cold start with its worker.
     */
    public ObjectNode series(List<EndpointConfig> visible) {
        List<String> names = visible.stream().map(EndpointConfig::name).toList();
        ObjectNode root = DashboardJson.object();
        root.put("now", clock.instant().toEpochMilli());
        root.put("windowMs", HISTORY.toMillis());
        root.put("intervalMs", history.interval().toMillis());
        root.put("capacity", history.capacity());
        ArrayNode points = root.putArray("points");
        history.samples().forEach(s -> points.add(DashboardJson.point(s.at(), s.total(names))));
        root.put("bucketMs", TIMES_BUCKET.toMillis());
        ArrayNode buckets = root.putArray("times");
        times.buckets(names, TIMES_BUCKET).forEach(b -> buckets.add(DashboardJson.times(b)));
        ArrayNode colds = root.putArray("coldStarts");
        times.coldStarts(names).forEach(e -> colds.add(DashboardJson.coldStart(e)));
        return root;
    }

    /** Takes a sample of the chart's history now (tests; the background sampler does it on its own). */
    void sampleNow() {
        history.sample();
    }

    @Override
    public void close() {
        history.close();
        if (storeTimes != null) {
            storeTimes.close();
        }
        if (storePreviews != null) {
            storePreviews.close();
        }
        if (storeColdStarts != null) {
            storeColdStarts.close();
        }
    }
}
