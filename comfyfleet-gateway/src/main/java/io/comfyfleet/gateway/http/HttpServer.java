package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.admin.EndpointAdmin;
import io.comfyfleet.gateway.admission.Admission;
import io.comfyfleet.gateway.admission.Catalogues;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.auth.AdminAccess;
import io.comfyfleet.gateway.config.ServerSettings;
import io.comfyfleet.gateway.dashboard.Dashboard;
import io.comfyfleet.gateway.jobs.JobFeed;
import io.comfyfleet.gateway.jobs.JobService;
import io.comfyfleet.gateway.jobs.WorkerService;
import io.comfyfleet.gateway.metrics.GatewayMetrics;
import io.comfyfleet.gateway.outputs.OutputFiles;
import io.comfyfleet.gateway.ratelimit.ClientRateLimiter;
import io.comfyfleet.gateway.templates.Templates;
import io.comfyfleet.gateway.webhook.WebhookTargets;
import io.javalin.Javalin;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP server: Javalin on Jetty with virtual threads, so each long-poll holds a cheap thread.
 * Javalin stays inside this package; the rest of the gateway never sees it.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private final Javalin app;
    private final Intake intake = new Intake();

    /**
     * The parts of the gateway the routes serve, built by {@code Gateway}.
     *
     * @param access         client and worker keys per endpoint
     * @param jobs           the client API's job operations
     * @param workers        the worker protocol's operations
     * @param files          outputs kept by the gateway's output store
     * @param feed           job events for {@code /stream} and SSE
     * @param dashboard      the dashboard's views
     * @param metrics        counters behind {@code /metrics}
     * @param webhookTargets the check of a job's webhook address
     * @param adminAccess    the admin key
     * @param endpointAdmin  endpoint settings changed through the admin API
     * @param catalogues     the node catalogues workers report
     * @param admission      the check of a workflow against the current catalogue
     * @param templates      workflow templates
     */
    public record Services(Access access, JobService jobs, WorkerService workers, OutputFiles files, JobFeed feed,
            Dashboard dashboard, GatewayMetrics metrics, WebhookTargets webhookTargets, AdminAccess adminAccess,
            EndpointAdmin endpointAdmin, Catalogues catalogues, Admission admission, Templates templates) {}

    /** Builds the server with every route; {@link #start()} opens the port. */
    public HttpServer(ServerSettings server, Clock clock, Services s) {
        Access access = s.access();
        ClientRateLimiter limiter = new ClientRateLimiter(s.metrics());
        ClientRoutes client = new ClientRoutes(access, s.jobs(), server, clock, s.webhookTargets(), limiter,
                s.admission(), s.templates());
        TemplateRoutes templateRoutes = new TemplateRoutes(access, s.adminAccess(), limiter, s.templates());
        CatalogueRoutes catalogueRoutes = new CatalogueRoutes(access, s.catalogues(), server);
        WorkerRoutes worker = new WorkerRoutes(access, s.workers(), server);
        OutputRoutes outputs = new OutputRoutes(access, s.jobs(), s.files(), server);
        EventRoutes events = new EventRoutes(access, s.feed(), clock);
        DocsRoutes docs = new DocsRoutes(access, s.templates());
        DashboardRoutes dashboardRoutes = new DashboardRoutes(access, s.dashboard());
        MetricsRoutes metricsRoutes = new MetricsRoutes(s.metrics(), server.metricsToken());
        AdminRoutes admin = new AdminRoutes(s.adminAccess(), s.endpointAdmin());
        HealthRoutes health = new HealthRoutes(intake);
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.threadPool = threadPool();
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.host = server.host();
            config.jetty.port = server.port();
            config.jetty.modifyServer(jetty -> {
                closeIdleConnectionsAfter(jetty, server.idleTimeout());
                jetty.setErrorHandler(new JettyErrors());
            });
            // bodies are read by HttpIO with per-route limits; this only bounds Javalin's own body cache
            config.http.maxRequestSize = server.maxRunsyncBody();
            // method, path and status only: headers (which carry keys) and bodies are never logged
            config.requestLogger.http((ctx, ms) -> {
                if (log.isDebugEnabled()) { // the arguments cost a few objects per request even when not logged
                    log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.statusCode(), Math.round(ms));
                }
            });
            ErrorMapping.install(config);
            RepeatedQueryParams.register(config.routes);
            intake.register(config.routes);
            client.register(config.routes);
            worker.register(config.routes);
            catalogueRoutes.register(config.routes);
            outputs.register(config.routes);
            events.register(config.routes);
            docs.register(config.routes);
            dashboardRoutes.register(config.routes);
            metricsRoutes.register(config.routes);
            admin.register(config.routes);
            templateRoutes.register(config.routes);
            health.register(config.routes);
        });
    }

    /**
     * Jetty's own loops (acceptors, selectors) on a few platform threads, every request on a virtual thread.
     * Running the loops on virtual threads too (Javalin's default with virtual threads) let connections be
     * dropped unanswered under load, when SQLite's native calls held both carrier threads.
     */
    private static QueuedThreadPool threadPool() {
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("comfyfleet-http");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        return pool;
    }

    /**
     * Jetty's default (30 s) equals the JDK HttpClient's keep-alive (30 s): a client on a starved machine could
     * pick a pooled connection just as the gateway closed it, and its POST then fails with no answer (the JDK
     * retries only idempotent requests). A server timeout longer than the clients' makes the client close first.
     * Held long-polls are not cut by it: Jetty applies it only while the connection waits for bytes.
     */
    private static void closeIdleConnectionsAfter(Server jetty, Duration idleTimeout) {
        jetty.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                for (Connector connector : jetty.getConnectors()) {
                    if (connector instanceof AbstractConnector c) {
                        c.setIdleTimeout(idleTimeout.toMillis());
                    }
                }
            }
        });
    }

    public HttpServer start() {
        app.start();
        return this;
    }

    /** The port it listens on (the real one when configured with 0). */
    public int port() {
        return app.port();
    }

    /** New jobs get 503 from now on; everything else keeps working (a drain before {@link #close()}). */
    public void stopAccepting() {
        intake.close();
    }

    @Override
    public void close() {
        app.stop();
    }
}
