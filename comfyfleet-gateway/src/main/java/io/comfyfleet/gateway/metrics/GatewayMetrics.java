package io.comfyfleet.gateway.metrics;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.dispatch.WorkerCounts;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.jobs.JobListener;
import io.comfyfleet.gateway.ratelimit.ClientRateLimiter;
import io.comfyfleet.gateway.ratelimit.RateLimitMetrics;
import io.comfyfleet.gateway.webhook.WebhookSender;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Prometheus metrics. Micrometer stays inside this class: the job code reports through
 * {@link JobListener}, the fleet through {@link FleetMetrics}, and the HTTP route only asks for {@link #scrape()}.
 *
 * <p>Series (every one tagged {@code endpoint}):
 * <ul>
 *   <li>{@code comfyfleet_queue_depth} jobs IN_QUEUE now; {@code comfyfleet_jobs{state=IN_QUEUE|IN_PROGRESS}}
 *       live jobs, read from the store at scrape time</li>
 *   <li>{@code comfyfleet_jobs_finished_total{state}} jobs that reached COMPLETED, FAILED, CANCELLED or TIMED_OUT
 *       since this gateway started</li>
 *   <li>{@code comfyfleet_job_delay_seconds} (histogram) time in queue until a worker took the job</li>
 *   <li>{@code comfyfleet_job_execution_seconds{state}} (histogram) time from take to end</li>
 *   <li>{@code comfyfleet_workers{state=idle|running|initializing|throttled|unhealthy}} workers now</li>
 *   <li>{@code comfyfleet_worker_cold_start_seconds} (histogram; its {@code _count} is the number of cold
 *       starts) as reported by the fleet</li>
 *   <li>{@code comfyfleet_webhooks_delivered_total}, {@code comfyfleet_webhooks_failed_total} (given up after
 *       every attempt), {@code comfyfleet_webhooks_pending} (gateway-wide, no endpoint tag)</li>
 *   <li>{@code comfyfleet_rate_limited_requests_total{routes=write|read}} client requests refused with 429 by
 *       the endpoint's {@code rateLimit} (write routes) or {@code statusRateLimit} (read routes)</li>
 * </ul>
 */
public final class GatewayMetrics implements JobListener, FleetMetrics, RateLimitMetrics, AutoCloseable {
    /** The Prometheus text format this answers with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(GatewayMetrics.class);

    // from "instant" to "someone should look": RunPod-style jobs run for seconds to minutes
    private static final Duration[] JOB_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800);
    private static final Duration[] COLD_START_BUCKETS = seconds(1, 5, 10, 20, 30, 60, 120, 300, 600);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Listens to the JVM's GC notifications until {@link #close()}. */
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final JobStore store;
    private final ConcurrentHashMap<SeriesKey, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<SeriesKey, Counter> counters = new ConcurrentHashMap<>();

    /**
     * Registers the gauges of every endpoint, reading the store and the worker registry at each scrape.
     */
    public GatewayMetrics(Collection<String> endpoints, JobStore store, WorkerRegistry workers, WebhookSender webhooks) {
        this.store = store;
        ProcessCpuSeconds.replaceNanoseconds(registry); // first: its filter must see every meter registered
        for (String endpoint : endpoints) {
            Gauge.builder("comfyfleet_queue_depth", () -> jobs(endpoint, JobCounts::inQueue))
                    .description("Jobs waiting in the queue").tag("endpoint", endpoint).register(registry);
            Gauge.builder("comfyfleet_jobs", () -> jobs(endpoint, JobCounts::inQueue))
                    .description("Live jobs by state").tags("endpoint", endpoint, "state", "IN_QUEUE").register(registry);
            Gauge.builder("comfyfleet_jobs", () -> jobs(endpoint, JobCounts::inProgress))
                    .description("Live jobs by state").tags("endpoint", endpoint, "state", "IN_PROGRESS").register(registry);
            workerGauge(workers, endpoint, "idle", WorkerCounts::idle);
            workerGauge(workers, endpoint, "running", WorkerCounts::running);
            workerGauge(workers, endpoint, "initializing", WorkerCounts::initializing);
            workerGauge(workers, endpoint, "throttled", WorkerCounts::throttled);
            workerGauge(workers, endpoint, "unhealthy", WorkerCounts::unhealthy);
            for (ClientRateLimiter.Group group : ClientRateLimiter.Group.values()) {
                rateLimited(endpoint, group); // registered up front: a scrape shows 0 rather than no series
            }
        }
        FunctionCounter.builder("comfyfleet_webhooks_delivered", webhooks, WebhookSender::delivered)
                .description("Webhook calls answered with a 2xx").register(registry);
        FunctionCounter.builder("comfyfleet_webhooks_failed", webhooks, WebhookSender::abandoned)
                .description("Webhook calls given up after every attempt").register(registry);
        Gauge.builder("comfyfleet_webhooks_pending", webhooks, WebhookSender::pending)
                .description("Webhook calls not yet delivered or given up").register(registry);
        // the gateway's own health next to the fleet's: heap, GC pauses, threads, CPU, open files, uptime
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Stops listening to the JVM's garbage collections. */
    @Override
    public void close() {
        gc.close();
    }

    /** The current values in Prometheus' text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void taken(Job job) {
        if (job.startedAt() != null) {
            timer("comfyfleet_job_delay_seconds", "Time from submission until a worker took the job",
                    JOB_BUCKETS, "endpoint", job.endpoint())
                    // the job's own figure: a take's clock read may precede a concurrent submit's by a millisecond
                    .record(Duration.ofMillis(job.delayTimeMillis(job.startedAt())));
        }
    }

    @Override
    public void changed(Job job) {
        if (!job.state().isTerminal()) {
            return;
        }
        String state = job.state().name();
        counters.computeIfAbsent(new SeriesKey("comfyfleet_jobs_finished", List.of(job.endpoint(), state)),
                k -> Counter.builder("comfyfleet_jobs_finished").description("Jobs that reached a terminal state")
                        .tags("endpoint", job.endpoint(), "state", state).register(registry)).increment();
        if (job.startedAt() != null && job.finishedAt() != null) {
            timer("comfyfleet_job_execution_seconds", "Time from take until the job ended", JOB_BUCKETS,
                    "endpoint", job.endpoint(), "state", state)
                    .record(Duration.ofMillis(job.executionTimeMillis(job.finishedAt())));
        }
    }

    @Override
    public void refused(String endpoint, ClientRateLimiter.Group group) {
        rateLimited(endpoint, group).increment();
    }

    private Counter rateLimited(String endpoint, ClientRateLimiter.Group group) {
        return Counter.builder("comfyfleet_rate_limited_requests")
                .description("Client requests refused with 429 by the endpoint's rate limit")
                .tags("endpoint", endpoint, "routes", group.name().toLowerCase(Locale.ROOT))
                .register(registry);
    }

    @Override
    public void coldStart(String endpoint, String workerId, Duration took) {
        timer("comfyfleet_worker_cold_start_seconds", "Time from starting a worker until its first job-take",
                COLD_START_BUCKETS, "endpoint", endpoint)
                .record(took);
    }

    private Timer timer(String name, String description, Duration[] buckets, String... tags) {
        // looked up once per series: building a timer's description and buckets costs more than recording
        return timers.computeIfAbsent(new SeriesKey(name, List.of(tags)), k -> Timer.builder(name)
                .description(description).tags(tags).serviceLevelObjectives(buckets).register(registry));
    }

    private record SeriesKey(String name, List<String> tags) {}

    private void workerGauge(WorkerRegistry workers, String endpoint, String state, ToIntFunction<WorkerCounts> pick) {
        Gauge.builder("comfyfleet_workers", () -> pick.applyAsInt(workers.counts(endpoint)))
                .description("Workers by state").tags("endpoint", endpoint, "state", state).register(registry);
    }

    /** NaN (Prometheus' "no value") when the store cannot answer, so a scrape still shows everything else. */
    private double jobs(String endpoint, java.util.function.ToLongFunction<JobCounts> pick) {
        try {
            return pick.applyAsLong(store.counts(endpoint));
        } catch (RuntimeException e) {
            log.warn("metrics: job counts of endpoint {} unavailable: {}", endpoint, e.toString());
            return Double.NaN;
        }
    }

    private static Duration[] seconds(double... values) {
        Duration[] result = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Duration.ofMillis(Math.round(values[i] * 1000));
        }
        return result;
    }
}
