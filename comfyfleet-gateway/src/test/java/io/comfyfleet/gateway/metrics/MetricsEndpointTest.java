package io.comfyfleet.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} of a real gateway after real jobs: queue, job states, delay and execution times, workers, webhooks. */
class MetricsEndpointTest {
    @TempDir
    Path dir;
    TestGateway gw;
    HttpServer receiver;
    Api anonymous;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(dir);
        anonymous = gw.client.withKey(null);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ok", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.createContext("/broken", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        gw.close();
        receiver.stop(0);
    }

    @Test
    void queuedJobsShowAsQueueDepthOfTheirEndpoint() {
        gw.run("{\"a\":1}");
        gw.run("{\"a\":2}");
        gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).post("/v2/ep2/run", "{\"input\":{}}");

        Scrape s = scrape();

        assertThat(s.value("comfyfleet_queue_depth", "endpoint", "ep1")).isEqualTo(2);
        assertThat(s.value("comfyfleet_queue_depth", "endpoint", "ep2")).isEqualTo(1);
        assertThat(s.value("comfyfleet_jobs", "endpoint", "ep1", "state", "IN_QUEUE")).isEqualTo(2);
        assertThat(s.value("comfyfleet_jobs", "endpoint", "ep1", "state", "IN_PROGRESS")).isZero();
    }

    @Test
    void theGatewaysOwnJvmAndProcessAreMeasured() {
        Scrape s = scrape();

        assertThat(s.hasSeries("jvm_memory_used_bytes")).isTrue();
        assertThat(s.hasSeries("jvm_threads_live_threads")).as("%s", s).isTrue();
        assertThat(s.value("process_uptime_seconds")).isPositive();
        assertThat(s.hasSeries("system_cpu_count")).isTrue();
        assertThat(s.hasSeries("process_files_open_files")).isTrue();
        // seconds, the unit Prometheus names and dashboards expect, not Micrometer's nanoseconds
        assertThat(s.value("process_cpu_seconds_total")).isPositive().isLessThan(1e6);
        assertThat(s.toString()).doesNotContain("process_cpu_time_ns");
    }

    @Test
    void finishedJobsAreCountedByStateWithDelayAndExecutionTimeHistograms() {
        String done = gw.run("{\"a\":1}");
        String failed = gw.run("{\"a\":2}");
        String cancelled = gw.run("{\"a\":3}");
        gw.clock.advance(Duration.ofSeconds(2)); // the first job waits 2.003 s in the queue
        assertThat(gw.take("w1")).isEqualTo(done);
        Scrape running = scrape();
        assertThat(running.value("comfyfleet_jobs", "endpoint", "ep1", "state", "IN_PROGRESS")).isEqualTo(1);
        assertThat(running.value("comfyfleet_workers", "endpoint", "ep1", "state", "running")).isEqualTo(1);

        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + done, "{\"status\":\"IN_PROGRESS\",\"output\":{\"percent\":50}}");
        gw.clock.advance(Duration.ofSeconds(3));
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + done, "{\"output\":{\"images\":[]}}");
        assertThat(gw.take("w1")).isEqualTo(failed);
        gw.clock.advance(Duration.ofMillis(400));
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + failed, "{\"error\":\"out of memory\"}");
        gw.client.post("/v2/ep1/cancel/" + cancelled, null);

        Scrape s = scrape();
        assertThat(s.value("comfyfleet_jobs_finished_total", "endpoint", "ep1", "state", "COMPLETED")).isEqualTo(1);
        assertThat(s.value("comfyfleet_jobs_finished_total", "endpoint", "ep1", "state", "FAILED")).isEqualTo(1);
        assertThat(s.value("comfyfleet_jobs_finished_total", "endpoint", "ep1", "state", "CANCELLED")).isEqualTo(1);
        assertThat(s.value("comfyfleet_queue_depth", "endpoint", "ep1")).isZero();

        // delay: 2.003 s for the first job; the second, submitted 1 ms later, was taken 2 s + 3 s after the first
        assertThat(s.value("comfyfleet_job_delay_seconds_count", "endpoint", "ep1")).isEqualTo(2);
        assertThat(s.value("comfyfleet_job_delay_seconds_sum", "endpoint", "ep1")).isCloseTo(2.003 + 5.002, within(1e-6));
        assertThat(s.value("comfyfleet_job_delay_seconds_bucket", "endpoint", "ep1", "le", "2.5")).isEqualTo(1);
        assertThat(s.value("comfyfleet_job_delay_seconds_bucket", "endpoint", "ep1", "le", "5.0")).isEqualTo(1);
        assertThat(s.value("comfyfleet_job_delay_seconds_bucket", "endpoint", "ep1", "le", "10.0")).isEqualTo(2);

        // execution: 3 s completed, 0.4 s failed; the cancelled job never ran, so it has no execution time
        assertThat(s.value("comfyfleet_job_execution_seconds_count", "endpoint", "ep1", "state", "COMPLETED")).isEqualTo(1);
        assertThat(s.value("comfyfleet_job_execution_seconds_sum", "endpoint", "ep1", "state", "COMPLETED")).isEqualTo(3.0);
        assertThat(s.value("comfyfleet_job_execution_seconds_bucket", "endpoint", "ep1", "state", "COMPLETED", "le", "2.5")).isZero();
        assertThat(s.value("comfyfleet_job_execution_seconds_bucket", "endpoint", "ep1", "state", "COMPLETED", "le", "5.0")).isEqualTo(1);
        assertThat(s.value("comfyfleet_job_execution_seconds_sum", "endpoint", "ep1", "state", "FAILED")).isEqualTo(0.4);
        assertThat(s.toString()).doesNotContain("state=\"CANCELLED\",le=");

        assertThat(s.value("comfyfleet_workers", "endpoint", "ep1", "state", "idle")).isEqualTo(1);
        assertThat(s.value("comfyfleet_workers", "endpoint", "ep1", "state", "running")).isZero();
    }

    @Test
    void coldStartsReportedByTheFleetAreCountedWithTheirDuration() {
        gw.gateway.fleetMetrics().coldStart("ep1", "w1", Duration.ofSeconds(12));
        gw.gateway.fleetMetrics().coldStart("ep1", "w2", Duration.ofSeconds(40));

        Scrape s = scrape();

        assertThat(s.value("comfyfleet_worker_cold_start_seconds_count", "endpoint", "ep1")).isEqualTo(2);
        assertThat(s.value("comfyfleet_worker_cold_start_seconds_sum", "endpoint", "ep1")).isEqualTo(52.0);
        assertThat(s.value("comfyfleet_worker_cold_start_seconds_bucket", "endpoint", "ep1", "le", "20.0")).isEqualTo(1);
        assertThat(s.value("comfyfleet_worker_cold_start_seconds_bucket", "endpoint", "ep1", "le", "60.0")).isEqualTo(2);
    }

    @Test
    void webhookDeliveriesAndFailuresAreCounted() {
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        submitWithWebhook(base + "/ok");
        submitWithWebhook(base + "/broken");
        for (int i = 0; i < 2; i++) {
            String id = gw.take("w1");
            assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(200);
        }

        // the test gateway tries 3 times, 50 ms then 100 ms apart, before it gives up on the broken receiver
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape s = scrape();
            assertThat(s.value("comfyfleet_webhooks_delivered_total")).isEqualTo(1);
            assertThat(s.value("comfyfleet_webhooks_failed_total")).isEqualTo(1);
            assertThat(s.value("comfyfleet_webhooks_pending")).isZero();
        });
    }

    @Test
    void openWithoutAKeyByDefault() {
        Reply reply = anonymous.get("/metrics");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    }

    @Test
    void aConfiguredTokenIsRequired() {
        gw.close();
        gw = new TestGateway(dir.resolve("with-token"), "  metricsToken: metrics-token-0123456789");
        Api anyone = gw.client.withKey(null);

        assertThat(anyone.get("/metrics").status()).isEqualTo(401);
        assertThat(gw.client.get("/metrics").status()).as("a client key is not the metrics token").isEqualTo(401);
        Reply reply = anyone.send(anyone.request("/metrics").header("Authorization", "Bearer metrics-token-0123456789").GET());
        assertThat(reply.status()).isEqualTo(200);
        assertThat(new Scrape(reply.text()).hasSeries("comfyfleet_queue_depth")).isTrue();
    }

    private void submitWithWebhook(String url) {
        Reply reply = gw.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"" + url + "\"}");
        assertThat(reply.status()).isEqualTo(200);
    }

    private Scrape scrape() {
        Reply reply = anonymous.get("/metrics");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return new Scrape(reply.text());
    }
}
