package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * purge-queue deletes the queued jobs (RunPod: "removed"), so a call waiting on one of them is answered at once,
 * as a cancel answers it: 404, saying the job was purged, instead of being held to the end of its wait.
 */
class PurgeQueueTest {
    private static final Duration ANSWERED_AT_ONCE = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    @Test
    void callsWaitingOnAPurgedJobAreAnsweredAtOnceThatItWasPurged() throws Exception {
        AtomicReference<JobStore> store = new AtomicReference<>();
        var config = new ConfigLoader(name -> null).parse(TestGateway.yaml(""), "test config", dir);
        try (TestGateway gw = new TestGateway(config, s -> {
            store.set(s);
            return s;
        })) {
            // no worker polls: the jobs stay queued
            var runsync = CompletableFuture.supplyAsync(
                    () -> gw.client.post("/v2/ep1/runsync?wait=8000", "{\"input\":{}}"));
            String queued = gw.run("{}");
            var statusSync = CompletableFuture.supplyAsync(
                    () -> gw.client.get("/v2/ep1/status-sync/" + queued + "?wait=8000"));
            var stream = CompletableFuture.supplyAsync(() -> gw.client.get("/v2/ep1/stream/" + queued + "?wait=8000"));
            String sync = Awaitility.await().atMost(Duration.ofSeconds(10)).until(
                    () -> store.get().recent("ep1", Optional.of(JobState.IN_QUEUE), 10).stream().map(Job::id)
                            .filter(id -> id.startsWith("sync-")).findFirst().orElse(null),
                    id -> id != null);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(
                    () -> gw.gateway.waitingOnJob(sync) == 1 && gw.gateway.waitingOnJob(queued) == 2);

            long purgedAt = System.nanoTime();
            Reply purge = gw.client.post("/v2/ep1/purge-queue", "{}");
            assertThat(purge.status()).isEqualTo(200);
            assertThat(purge.json().path("removed").asInt()).isEqualTo(2);

            for (var waiting : List.of(runsync, statusSync, stream)) {
                Reply reply = waiting.get(20, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - purgedAt)).as("answered when purged, not at the end"
                        + " of its 8 s wait").isLessThan(ANSWERED_AT_ONCE);
                assertThat(reply.status()).as(reply.text()).isEqualTo(404);
                assertThat(reply.field("error")).contains("removed from the queue of endpoint ep1 by purge-queue");
            }
            assertThat(gw.client.post("/v2/ep1/runsync?wait=1000", "{\"input\":{}}").status())
                    .as("the queue takes jobs again").isEqualTo(200);
            Reply later = gw.status(queued);
            assertThat(later.status()).isEqualTo(404);
            assertThat(later.field("error")).contains(queued).contains("purge-queue");
            assertThat(gw.status("never-was-u1").field("error")).doesNotContain("purge");
        }
    }
}
