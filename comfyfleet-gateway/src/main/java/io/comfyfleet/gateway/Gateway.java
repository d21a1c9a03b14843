package io.comfyfleet.gateway;

import io.comfyfleet.core.endpoint.InMemoryEndpointSettings;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.lease.LeaderLease;
import io.comfyfleet.gateway.dispatch.AffinityRouter;
import io.comfyfleet.gateway.dispatch.BoardSync;
import java.util.function.BooleanSupplier;
import io.comfyfleet.gateway.admission.Admission;
import io.comfyfleet.gateway.admission.Catalogues;
import io.comfyfleet.gateway.admission.InMemoryCatalogueStore;
import io.comfyfleet.gateway.admission.RolloutTargetVersion;
import io.comfyfleet.gateway.admin.EndpointAdmin;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.auth.AdminAccess;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.config.StoreSettings;
import io.comfyfleet.gateway.dashboard.Dashboard;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.http.HttpServer;
import io.comfyfleet.gateway.jobs.Housekeeping;
import io.comfyfleet.gateway.jobs.JobEvents;
import io.comfyfleet.gateway.jobs.JobFeed;
import io.comfyfleet.gateway.jobs.JobService;
import io.comfyfleet.gateway.jobs.WorkerService;
import io.comfyfleet.gateway.metrics.FleetMetrics;
import io.comfyfleet.gateway.metrics.GatewayMetrics;
import io.comfyfleet.gateway.outputs.OutputFiles;
import io.comfyfleet.gateway.webhook.WebhookSender;
import io.comfyfleet.gateway.webhook.WebhookSigner;
import io.comfyfleet.gateway.templates.InMemoryTemplateStore;
import io.comfyfleet.gateway.templates.Templates;
import io.comfyfleet.store.JobStores;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running ComfyFleet gateway: the RunPod-compatible client and worker API over one job store, with its
 * background sweeper and webhook delivery. Start one with {@link #start(GatewayConfig, JobStore, Clock)};
 * {@link #close()} stops it and closes the store.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final JobStore store;
    private final JobEvents events;
    private final WebhookSender webhooks;
    private final Housekeeping housekeeping;
    private final HttpServer http;
    private final WorkerRegistry workers;
    private final Dashboard dashboard;
    private final GatewayMetrics metrics;
    private final EndpointAdmin endpointAdmin;
    private final WorkerService workerService;
    /** Jobs queued through other gateways on a shared PostgreSQL wake this one's job-takes. */
    private final AutoCloseable queueWatch;
    private final Map<String, Optional<WebhookSigner>> signers = new HashMap<>();
    /** This gateway among those sharing the database (lease holder, worker records). */
    private final String id = LeaderLease.newHolderId();
    /** Several gateways on one database: who runs the control loop; null when this gateway is alone (SQLite). */
    private final LeaderLease leader;
    /** Several gateways on one database: the worker registry shared through the store; null when alone. */
    private final BoardSync boardSync;

    private Gateway(GatewayConfig config, JobStore store, Clock clock) {
        this.store = store;
        this.webhooks = new WebhookSender(config.webhooks(), clock, store.webhookOutbox());
        // every terminal change stores its webhook call in its own transaction: none is lost to a crash
        webhooks.storeCallsWith(JobEvents::webhookBody);
        for (EndpointConfig endpoint : config.endpoints()) {
            signers.put(endpoint.name(), endpoint.webhookSecret().map(s -> new WebhookSigner(s.bytes())));
        }
        this.events = new JobEvents(webhooks, signers, clock);
        // a worker is live while it polls: job-take and job-stop answer within their hold, pings every 10 s
        this.workers = new WorkerRegistry(clock,
                config.server().jobTakeHold().plus(config.server().lease()));
        // endpoint settings live in the job store (shared by every gateway); a store without a database of its own
        // keeps them in memory
        this.endpointAdmin = new EndpointAdmin(
                store.endpointSettings().orElseGet(InMemoryEndpointSettings::new), config.endpoints(), clock);
        endpointAdmin.seed();
        endpointAdmin.showWorkerProblemsFrom(workers);
        // model-affinity routing per endpoint (routing: affinity | fifo): which worker gets which queued job; the
        // admin API may change it, so it is read from the endpoint's settings (cached for a second)
        AffinityRouter router = new AffinityRouter(store, workers, endpointAdmin::routing);
        JobService jobs = new JobService(store, events, workers, clock, router);
        this.workerService = new WorkerService(store, events, workers, clock, config.server().lease(), router);
        OutputFiles files = new OutputFiles(config.server().dataDir());
        this.leader = store.sharedByGateways()
                ? store.leases().map(l -> new LeaderLease(l, LeaderLease.CONTROL_LOOP, id, clock,
                        config.server().controlLease(), config.server().controlRenew())).orElse(null)
                : null;
        if (leader != null) {
            // the leader it replaces is gone: its workers stop counting on this gateway's /health at once, not
            // when their records' liveness window runs out
            leader.onTakeOver(workers::gatewayGone);
        }
        if (store.sharedByGateways()) {
            // a webhook call is sent by one gateway at a time, and taken over when its gateway stops or dies
            webhooks.shareWith(id);
        }
        this.boardSync = store.sharedByGateways()
                ? store.workerBoard().map(board -> {
                    events.shareStops(board, store);
                    return new BoardSync(workers, events.stops(), board, id, clock, config.server().controlRenew(),
                            config.server().jobTakeHold().plus(config.server().lease()).multipliedBy(10));
                }).orElse(null)
                : null;
        this.housekeeping = new Housekeeping(store, events, files, clock, config.server().sweepInterval(),
                config.server().retention(), config.server().runsyncRetention(), controlGate());
        List<String> names = config.endpoints().stream().map(EndpointConfig::name).toList();
        this.metrics = new GatewayMetrics(names, store, workers, webhooks);
        this.dashboard = new Dashboard(config.endpoints(), store, workers, clock);
        events.listen(metrics);
        events.listen(dashboard.jobListener());
        events.listen(new io.comfyfleet.gateway.jobs.JobLog());
        this.queueWatch = store.watchQueues(events);
        dashboard.showSettingsFrom(endpointAdmin.store());
        AdminAccess adminAccess = new AdminAccess(config.adminKeys());
        if (!adminAccess.enabled()) {
            log.info("the admin API (/admin/endpoints) is off: set server.adminKey (e.g. ${COMFYFLEET_ADMIN_KEY})");
        }
        Catalogues catalogues = new Catalogues(store.catalogues().orElseGet(InMemoryCatalogueStore::new), clock);
        // the current version of an endpoint: a roll-out's target, else the one whose worker reported its catalogue last
        Admission admission = new Admission(catalogues, new RolloutTargetVersion(endpointAdmin.store(),
                catalogues.latestReported(), clock, Catalogues.REFRESH));
        this.http = new HttpServer(config.server(), clock, new HttpServer.Services(
                new Access(config.endpoints()),
                jobs,
                workerService,
                files,
                new JobFeed(jobs, events),
                dashboard,
                metrics,
                webhooks.targets(),
                adminAccess,
                endpointAdmin,
                catalogues,
                admission,
                templates(config, store, admission, clock)));
    }

    /** Templates in the job store (an in-memory one for a store without a database), seeded from the YAML. */
    private static Templates templates(GatewayConfig config, JobStore store, Admission admission, Clock clock) {
        Templates templates = new Templates(store.templates().orElseGet(InMemoryTemplateStore::new),
                admission::currentCatalogue,
                config.endpoints().stream().map(EndpointConfig::name).collect(java.util.stream.Collectors.toSet()),
                clock);
        for (EndpointConfig endpoint : config.endpoints()) {
            endpoint.templates().forEach((name, definition) -> templates.seed(endpoint.name(), name, definition));
        }
        return templates;
    }

    /**
     * Opens the configured store (SQLite file or PostgreSQL) and starts a gateway on it with the system clock.
     *
     * @throws io.comfyfleet.core.job.JobStoreException when the database cannot be opened or migrated
     */
    public static Gateway start(GatewayConfig config) {
        return start(config, openStore(config.store()), Clock.systemUTC());
    }

    /** Opens the store the configuration names. */
    public static JobStore openStore(StoreSettings store) {
        return switch (store.kind()) {
            case SQLITE -> JobStores.openSqlite(store.sqlitePath());
            case POSTGRES -> JobStores.openPostgres(store.postgresUrl(), store.postgresUser(),
                    store.postgresPassword() == null ? null : store.postgresPassword().reveal());
        };
    }

    /**
     * Starts a gateway on {@code store}, which it owns from now on (closed by {@link #close()}).
     *
     * @throws RuntimeException when the port cannot be opened (the store is closed again)
     */
    public static Gateway start(GatewayConfig config, JobStore store, Clock clock) {
        Gateway gateway = new Gateway(config, store, clock);
        try {
            gateway.http.start();
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        if (gateway.leader != null) {
            gateway.leader.start();
        }
        if (gateway.boardSync != null) {
            gateway.boardSync.start();
        }
        gateway.housekeeping.start();
        gateway.webhooks.resume(endpoint -> gateway.signers.getOrDefault(endpoint, Optional.empty()));
        gateway.dashboard.start();
        if (config.server().metricsToken().isEmpty() && !isLoopback(config.server().host())) {
            log.warn("/metrics is open to anyone who can reach {}:{}; set server.metricsToken to require a token",
                    config.server().host(), gateway.port());
        }
        log.info("gateway listening on {}:{} with endpoints {}", config.server().host(), gateway.port(),
                config.endpoints().stream().map(EndpointConfig::name).toList());
        return gateway;
    }

    /** The port the HTTP server listens on. */
    public int port() {
        return http.port();
    }

    /** Leases, timeouts, TTL and retention (tests run a pass on demand after moving the clock). */
    public Housekeeping housekeeping() {
        return housekeeping;
    }

    /**
     * The fenced check the control loop makes right before each action (a sweep, starting or stopping a worker):
     * true while this gateway holds the control-loop lease with its token (always, for a gateway alone on its
     * database). Give it to the autoscaler.
     */
    public BooleanSupplier controlGate() {
        LeaderLease lease = leader;
        return lease == null ? () -> true : lease::confirm;
    }

    /** True while this gateway runs the control loop (the cheap local answer; see {@link #controlGate()}). */
    public boolean isLeader() {
        return leader == null || leader.isLeader();
    }

    /** The control-loop lease when several gateways share the database; empty when this gateway is alone. */
    public Optional<LeaderLease> leaderLease() {
        return Optional.ofNullable(leader);
    }

    /** This gateway's id among those sharing the database. */
    public String id() {
        return id;
    }

    /** Endpoint settings and roll-outs as the job store keeps them (the autoscaler reads the same store). */
    public EndpointAdmin endpointAdmin() {
        return endpointAdmin;
    }

    /** Live worker bookkeeping (the autoscaler reads it). */
    public WorkerRegistry workers() {
        return workers;
    }

    /**
     * Puts the jobs a worker was still running back in the queue at once, without counting a retry: call it once a
     * worker the caller stopped on purpose (a scale-down, a shutdown) is gone, so its jobs need not wait out their
     * leases and are not counted as failed attempts. RunPod's worker protocol has no call for a worker to give a
     * job back; the process that stopped the worker knows it is gone. Waiting job-takes are woken.
     *
     * @return the jobs handed back, oldest first
     */
    public List<io.comfyfleet.core.job.Job> handBack(String workerId) {
        return workerService.handBack(workerId);
    }

    /**
     * Ends the leases of the jobs a worker held that its provider saw end on its own (a crash, a kill): they go back
     * to the queue with a retry counted at the next sweep (about a second), not after their lease (30 s). The job may
     * be what killed the worker, so it counts as a failed attempt, as after a lease that ran out.
     *
     * @return how many leases were ended
     */
    public int endLeases(String workerId) {
        return workerService.endLeases(workerId);
    }

    /**
     * Adds a listener of job changes (told on the thread that made the change: keep it short); {@code up} uses it to
     * have the autoscaler start an endpoint's first worker the moment a job is queued. Call before jobs arrive.
     */
    public void listen(io.comfyfleet.gateway.jobs.JobListener listener) {
        events.listen(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Where the fleet reports cold starts ({@code comfyfleet_worker_cold_start_seconds} and the dashboard's
     * workers table). The autoscaler's glue calls it with what {@code Autoscaler.workerReady} returns. With several
     * gateways on one database, each of whose fleets may see one worker become ready, the metric counts it at the
     * gateway whose report the store keeps (the first) only, a moment later, so the sum over the gateways counts each
     * cold start once; a gateway alone counts it at once.
     */
    public FleetMetrics fleetMetrics() {
        return dashboard.fleetMetrics(metrics);
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /** How many job-takes of the endpoint are waiting for work right now. */
    public int waitingTakers(String endpoint) {
        return events.waitingTakers(endpoint);
    }

    /** How many client long-polls (runsync, status-sync, stream) wait on the job right now. */
    public int waitingOnJob(String jobId) {
        return events.waitingOn(jobId);
    }

    /** Webhook calls not yet delivered or given up. */
    public long pendingWebhooks() {
        return webhooks.pending();
    }

    /**
     * Starts a drain: {@code /run} and {@code /runsync} answer 503 from now on, while workers can still report
     * the jobs they run and clients can still fetch results. {@link #close()} ends it.
     */
    public void stopAccepting() {
        http.stopAccepting();
    }

    @Override
    public void close() {
        events.shutDown();
        try {
            queueWatch.close();
        } catch (Exception e) {
            log.warn("could not stop watching the queue for other gateways' jobs", e);
        }
        http.close();
        housekeeping.close();
        if (boardSync != null) {
            boardSync.close();
        }
        if (leader != null) {
            leader.close(); // gives the lease up: another gateway takes over at its next try
        }
        dashboard.close();
        metrics.close();
        webhooks.close();
        store.close();
    }
}
