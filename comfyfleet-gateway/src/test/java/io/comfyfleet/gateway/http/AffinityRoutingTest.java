package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-affinity routing through a real gateway on SQLite: workers report their models on job-take ({@code &models=}),
 * a worker gets the queued job it holds the models of (with {@code routing: fifo} the oldest), a parked worker that
 * holds a new job's models is woken for it, and a job kept for a busy affine worker goes to an idle one once the
 * bound has passed on the gateway's clock.
 */
class AffinityRoutingTest {
    @TempDir
    Path dir;
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private void start(String routing) {
        String yaml = TestGateway.yaml("").replace("    maxRetries: 1\n", "    maxRetries: 1\n" + routing);
        gw = new TestGateway(new ConfigLoader(name -> null).parse(yaml, "test config", dir));
    }

    private static String withCheckpoint(String ckpt) {
        return """
                {"workflow":{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"%s"}},
                  "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"x"}}}}""".formatted(ckpt);
    }

    private Reply take(String worker, String models) {
        return gw.worker.get("/v2/ep1/job-take/" + worker + "?gpu=SIM&job_in_progress=0&models="
                + URLEncoder.encode(models, StandardCharsets.UTF_8));
    }

    /** Both workers tell the gateway what they hold (an empty queue: each job-take ends after its 1 s hold). */
    private void report() {
        var a = CompletableFuture.supplyAsync(() -> take("wa", "a.safetensors"));
        var b = CompletableFuture.supplyAsync(() -> take("wb", "b.safetensors\nlora.safetensors"));
        assertThat(a.join().status()).isEqualTo(204);
        assertThat(b.join().status()).isEqualTo(204);
    }

    @Test
    void withAffinityAWorkerGetsTheJobItHoldsTheModelsOfBeforeAnOlderOne() {
        start("");
        report();
        gw.run(withCheckpoint("a.safetensors"));
        String jobB = gw.run(withCheckpoint("b.safetensors"));
        Reply reply = take("wb", "b.safetensors\nlora.safetensors");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("id")).isEqualTo(jobB);
    }

    @Test
    void withFifoTheOldestJobGoesFirstWhateverTheWorkerHolds() {
        start("    routing: fifo\n");
        report();
        String jobA = gw.run(withCheckpoint("a.safetensors"));
        gw.run(withCheckpoint("b.safetensors"));
        Reply reply = take("wb", "b.safetensors\nlora.safetensors");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("id")).isEqualTo(jobA);
    }

    @Test
    void aNewJobWakesTheParkedWorkerThatHoldsItsModelsNotTheLongestWaiting() throws Exception {
        start("");
        report();
        try (TestGateway slow = gw) {
            var a = CompletableFuture.supplyAsync(() -> take("wa", "a.safetensors"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingTakers("ep1") == 1);
            var b = CompletableFuture.supplyAsync(() -> take("wb", "b.safetensors"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingTakers("ep1") == 2);
            String jobB = gw.run(withCheckpoint("b.safetensors"));
            Reply got = b.get(10, TimeUnit.SECONDS);
            assertThat(got.status()).isEqualTo(200);
            assertThat(got.field("id")).isEqualTo(jobB);
            assertThat(a.get(10, TimeUnit.SECONDS).status()).as("wa holds other models").isEqualTo(204);
            gw = null;
        }
    }

    @Test
    void aJobKeptForABusyAffineWorkerGoesToAnIdleOneOnceTheBoundHasPassed() {
        start("    affinityWait: 200ms\n");
        report();
        String jobB = gw.run(withCheckpoint("b.safetensors"));
        assertThat(take("wa", "a.safetensors").status())
                .as("the gateway's clock stands still: the job stays kept for wb through wa's whole hold")
                .isEqualTo(204);
        gw.clock.advance(Duration.ofMillis(200));
        Reply reply = take("wa", "a.safetensors");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("id")).isEqualTo(jobB);
    }

    @Test
    void aWorkerThatReportsNoModelsGetsJobsNobodyHoldsTheModelsOfAtOnce() {
        start("");
        report();
        String jobC = gw.run(withCheckpoint("c.safetensors"));
        Reply reply = gw.worker.get("/v2/ep1/job-take/runpod-worker?gpu=SIM&job_in_progress=0");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("id")).isEqualTo(jobC);
    }
}
