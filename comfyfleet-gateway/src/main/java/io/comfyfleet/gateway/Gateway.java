package io.comfyfleet.gateway;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.config.StoreSettings;
import io.comfyfleet.gateway.dashboard.Dashboard;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.http.HttpServer;
import io.comfyfleet.gateway.jobs.JobEvents;
import io.comfyfleet.gateway.jobs.JobFeed;
import io.comfyfleet.gateway.jobs.JobService;
import io.comfyfleet.gateway.jobs.Housekeeping;
import io.comfyfleet.gateway.jobs.WorkerService;
import io.comfyfleet.gateway.metrics.FleetMetrics;
import io.comfyfleet.gateway.metrics.GatewayMetrics;
import io.comfyfleet.gateway.outputs.OutputFiles;
import io.comfyfleet.gateway.webhook.WebhookSender;
import io.comfyfleet.gateway.webhook.WebhookSigner;
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
    /** Jobs queued through other gateways on a shared PostgreSQL wake this one's job-takes. */
    private final AutoCloseable queueWatch;
    private final Map<String, Optional<WebhookSigner>> signers = new HashMap<>();

    private Gateway(GatewayConfig config, JobStore store, Clock clock) {
        this.store = store;
        this.webhooks = new WebhookSender(config.webhooks(), clock, store.webhookOutbox());
        for (EndpointConfig endpoint : config.endpoints()) {
            signers.put(endpoint.name(), endpoint.webhookSecret().map(s -> new WebhookSigner(s.bytes())));
        }
        this.events = new JobEvents(webhooks, signers, clock);
        // a worker is live while it polls: job-take and job-stop answer within their hold, pings every 10 s
        this.workers = new WorkerRegistry(clock,
                config.server().jobTakeHold().plus(config.server().lease()));
        JobService jobs = new JobService(store, events, workers, clock);
        WorkerService workerService = new WorkerService(store, events, workers, clock, config.server().lease());
        OutputFiles files = new OutputFiles(config.server().dataDir());
        this.housekeeping = new Housekeeping(store, events, files, clock, config.server().sweepInterval(),
                config.server().retention(), config.server().runsyncRetention());
        List<String> names = config.endpoints().stream().map(EndpointConfig::name).toList();
        this.metrics = new GatewayMetrics(names, store, workers, webhooks);
        this.dashboard = new Dashboard(config.endpoints(), store, workers, clock);
        events.listen(metrics);
        events.listen(dashboard.jobListener());
        events.listen(new io.comfyfleet.gateway.jobs.JobLog());
        this.queueWatch = store.watchQueues(events);
        this.http = new HttpServer(config.server(), new Access(config.endpoints()), jobs, workerService, files,
                new JobFeed(jobs, events), clock, dashboard, metrics, webhooks.targets());
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

    /** Live worker bookkeeping (the autoscaler reads it). */
    public WorkerRegistry workers() {
        return workers;
    }

    /**
     * Where the fleet reports cold starts ({@code comfyfleet_worker_cold_start_seconds} and the dashboard's
     * workers table). The autoscaler's glue calls it with what {@code Autoscaler.workerReady} returns.
     */
    public FleetMetrics fleetMetrics() {
        FleetMetrics shown = dashboard.fleetMetrics();
        return (endpoint, workerId, took) -> {
            metrics.coldStart(endpoint, workerId, took);
            shown.coldStart(endpoint, workerId, took);
        };
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
        dashboard.close();
        metrics.close();
        webhooks.close();
        store.close();
    }
}
