package io.comfyfleet.sdk;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A worker speaking RunPod's worker protocol to the gateway, driven step by step by the test: take a job,
 * post progress in the shape {@code comfyfleet-worker}'s ProgressReporter sends, store a file in the gateway's
 * output store, and finish with output in the shape its OutputCollector builds (or fail like its FailureBodies).
 */
final class TestWorker {
    private final String root;
    private final String key;
    private final String id = "test-worker-1";
    private final HttpClient http = HttpClient.newHttpClient();

    TestWorker(String endpointRoot, String key) {
        this.root = endpointRoot;
        this.key = key;
    }

    /** Takes the next job (the gateway holds the poll up to 1 s); fails when none came. */
    JsonNode take() {
        for (int attempt = 0; attempt < 10; attempt++) {
            HttpResponse<String> r = send(request("/job-take/" + id + "?gpu=TEST&job_in_progress=0").GET());
            if (r.statusCode() == 200) {
                return Transport.JSON.readTree(r.body());
            }
        }
        throw new AssertionError("no job to take within 10 holds");
    }

    /** One IN_PROGRESS update as the ComfyFleet worker posts it. */
    void progress(String jobId, double percent, String nodeId, String nodeType, int step, int maxSteps, byte[] preview) {
        ObjectNode p = Transport.JSON.createObjectNode();
        p.put("prompt_id", "prompt-" + jobId);
        p.put("percent", percent);
        p.put("nodes_done", 1);
        p.put("nodes_total", 3);
        p.put("node_id", nodeId);
        p.put("node_type", nodeType);
        p.put("step", step);
        p.put("max_steps", maxSteps);
        p.putArray("cached_nodes").add("1");
        if (preview != null) {
            p.put("preview", "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(preview));
        }
        ObjectNode body = Transport.JSON.createObjectNode();
        body.put("status", "IN_PROGRESS");
        body.set("output", p);
        done(jobId, body);
    }

    /** PUTs a file into the gateway's output store; returns the URL it answers with. */
    String store(String jobId, String name, byte[] bytes) {
        HttpResponse<String> r = send(request("/outputs/" + jobId + "/" + name)
                .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
        check(r);
        return Transport.JSON.readTree(r.body()).path("url").asString();
    }

    /** Finishes with one inline image and one stored file, in both lists the ComfyFleet worker writes. */
    void complete(String jobId, String inlineName, byte[] inline, String storedName, String storedUrl, int storedSize) {
        ObjectNode output = Transport.JSON.createObjectNode();
        String b64 = Base64.getEncoder().encodeToString(inline);
        output.putArray("images").addObject().put("filename", inlineName).put("type", "base64").put("data", b64);
        var outputs = output.putArray("outputs");
        outputs.addObject().put("node_id", "9").put("kind", "image").put("filename", inlineName)
                .put("mime_type", "image/png").put("size", inline.length).put("sha256", sha256(inline))
                .put("type", "base64").put("data", b64);
        if (storedName != null) {
            output.withArray("images").addObject().put("filename", storedName).put("type", "url").put("data", storedUrl);
            outputs.addObject().put("node_id", "10").put("kind", "image").put("filename", storedName)
                    .put("mime_type", "image/png").put("size", storedSize).put("type", "url").put("url", storedUrl);
        }
        outputs.addObject().put("node_id", "11").put("kind", "text").put("key", "text").put("mime_type", "text/plain")
                .put("data", "a caption");
        ObjectNode body = Transport.JSON.createObjectNode();
        body.set("output", output);
        done(jobId, body);
    }

    /** Fails the job as the ComfyFleet worker does when a node raises. */
    void fail(String jobId, String message) {
        ObjectNode body = Transport.JSON.createObjectNode();
        body.put("error", message);
        body.putObject("output").put("reason", "node_error").put("node_id", "3").put("status", "failed");
        done(jobId, body);
    }

    private void done(String jobId, ObjectNode body) {
        // the Python worker labels its JSON as a form; the gateway must read it anyway
        check(send(request("/job-done/" + id + "/" + jobId + "?gpu=TEST&isStream=false")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(10)).header("Authorization", key);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void check(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new AssertionError(r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
