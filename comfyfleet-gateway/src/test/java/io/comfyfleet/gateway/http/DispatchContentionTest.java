package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many clients submit while several workers wait in job-take: whether a job is handed over in its own commit
 * or claimed by a woken job-take, every accepted job reaches exactly one worker, and none is left behind.
 */
class DispatchContentionTest {
    private static final int CLIENTS = 6;
    private static final int JOBS_EACH = 25;
    private static final int WORKERS = 4;

    @TempDir
    Path dir;

    @Test
    void everyJobReachesExactlyOneWaitingWorker() throws Exception {
        try (TestGateway gw = new TestGateway(dir);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            List<String> taken = new CopyOnWriteArrayList<>();
            AtomicBoolean taking = new AtomicBoolean(true);
            for (int w = 0; w < WORKERS; w++) {
                String worker = "cw" + w;
                threads.execute(() -> {
                    while (taking.get()) {
                        Reply r = gw.worker.get("/v2/ep1/job-take/" + worker + "?job_in_progress=0");
                        if (r.status() == 200) {
                            taken.add(r.field("id"));
                        }
                    }
                });
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingTakers("ep1") == WORKERS);
            List<java.util.concurrent.Future<?>> clients = new java.util.ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(threads.submit(() -> {
                    for (int i = 0; i < JOBS_EACH; i++) {
                        Reply r = gw.client.post("/v2/ep1/run", "{\"input\":{}}");
                        assertThat(r.status()).isEqualTo(200);
                        accepted.add(r.field("id"));
                    }
                }));
            }
            for (var c : clients) {
                c.get(60, TimeUnit.SECONDS);
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> taken.size() >= CLIENTS * JOBS_EACH);
            taking.set(false);

            assertThat(accepted).hasSize(CLIENTS * JOBS_EACH);
            assertThat(taken).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(accepted);
            assertThat(gw.client.get("/v2/ep1/health").json().path("jobs").path("inQueue").asInt()).isZero();
        }
    }
}
