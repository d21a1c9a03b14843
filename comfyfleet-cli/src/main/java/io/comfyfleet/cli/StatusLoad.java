package io.comfyfleet.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop phase that measures how many {@code GET /status/{id}} requests per second the gateway answers:
 * N clients ask for one finished job's status back to back for a fixed time. Uses the JDK client directly (not
 * the SDK) so the client side parses nothing and the number is the gateway's, as far as one machine allows.
 */
final class StatusLoad {
    /** Requests answered 200, any other answer or failure, and the phase's wall time. */
    record Result(long ok, long errors, long wallMs) {
        double perSecond() {
            return wallMs == 0 ? 0 : ok * 1000.0 / wallMs;
        }
    }

    private StatusLoad() {}

    static Result run(String apiRoot, String endpoint, String jobId, String key, int clients, Duration length)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apiRoot + "/" + endpoint + "/status/" + jobId))
                .timeout(Duration.ofSeconds(10));
        HttpRequest request = (key == null ? b : b.header("Authorization", "Bearer " + key)).build();
        LongAdder ok = new LongAdder();
        LongAdder errors = new LongAdder();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            int code = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                            (code == 200 ? ok : errors).increment();
                        } catch (java.io.IOException e) {
                            errors.increment();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(ok.sum(), errors.sum(), (System.nanoTime() - start) / 1_000_000);
    }
}
