package io.comfyfleet.gateway.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A test worker speaking RunPod's worker protocol over plain HTTP, the way the Python worker does (job-done
 * as JSON labelled a form). What it does with a job is driven by the job's input:
 * {@code {"chunks": [...]}} streams each chunk then finishes with all of them; {@code {"sleepMs": n}} works
 * that long unless told to stop; {@code {"fail": "msg"}} fails; anything else is echoed back as the output.
 * Connection failures (a restarting gateway) are retried, so it keeps working across gateway restarts.
 */
public final class ScriptedWorker implements AutoCloseable {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final String base;
    private final String key;
    private final String workerId;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<String> stopOrders = ConcurrentHashMap.newKeySet();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong finished = new AtomicLong();
    private volatile boolean closed;

    /** @param base for example {@code http://127.0.0.1:8080/v2/ep1} */
    public ScriptedWorker(String base, String key, String workerId) {
        this.base = base;
        this.key = key;
        this.workerId = workerId;
    }

    public ScriptedWorker start() {
        threads.execute(this::takeLoop);
        threads.execute(this::stopLoop);
        return this;
    }

    /** Jobs this worker was told to stop. */
    public Set<String> stopOrders() {
        return stopOrders;
    }

    /** Results (COMPLETED or FAILED) this worker has delivered. */
    public long finished() {
        return finished.get();
    }

    private void takeLoop() {
        while (!closed) {
            try {
                HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create(base + "/job-take/" + workerId + "?gpu=SIM&job_in_progress=" + (running.isEmpty() ? 0 : 1)))
                        .GET());
                if (response.statusCode() == 200) {
                    JsonNode job = MAPPER.readTree(response.body());
                    running.add(job.path("id").asString());
                    threads.execute(() -> work(job));
                } else if (response.statusCode() != 204) {
                    pause();
                }
            } catch (Exception e) {
                pause();
            }
        }
    }

    private void stopLoop() {
        while (!closed) {
            try {
                HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create(base + "/job-stop/" + workerId + "?gpu=SIM")).GET());
                if (response.statusCode() == 200) {
                    MAPPER.readTree(response.body()).path("jobsToStop").forEach(id -> stopOrders.add(id.asString()));
                } else if (response.statusCode() != 204) {
                    pause();
                }
            } catch (Exception e) {
                pause();
            }
        }
    }

    private void work(JsonNode job) {
        String id = job.path("id").asString();
        JsonNode input = job.path("input");
        try {
            ObjectNode result = MAPPER.createObjectNode();
            if (input.has("chunks")) {
                for (JsonNode chunk : input.path("chunks")) {
                    ObjectNode body = MAPPER.createObjectNode();
                    body.set("output", chunk);
                    post("/job-stream/" + workerId + "/" + id + "?gpu=SIM&isStream=false", body.toString());
                }
                result.set("output", input.path("chunks"));
            } else if (input.has("sleepMs")) {
                long until = System.nanoTime() + Duration.ofMillis(input.path("sleepMs").asLong()).toNanos();
                while (System.nanoTime() < until) {
                    if (stopOrders.contains(id)) {
                        return; // RunPod's worker sends no job-done for a stopped job
                    }
                    Thread.sleep(20);
                }
                result.put("output", "slept");
            } else if (input.has("fail")) {
                result.put("error", input.path("fail").asString());
            } else {
                result.set("output", input);
            }
            // delivered even across a gateway restart: the job-done is retried until the gateway answers
            while (!closed) {
                int status = post("/job-done/" + workerId + "/" + id + "?gpu=SIM&isStream=false", result.toString());
                if (status > 0 && status < 500) {
                    if (status == 200) {
                        finished.incrementAndGet();
                    }
                    return;
                }
                pause();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.remove(id);
        }
    }

    /** The HTTP status, or -1 when the gateway could not be reached. */
    private int post(String path, String json) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(json))).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", key).timeout(Duration.ofSeconds(95)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        threads.shutdownNow();
        http.close();
    }
}
