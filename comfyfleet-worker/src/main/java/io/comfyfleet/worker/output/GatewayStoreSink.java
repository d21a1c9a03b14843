package io.comfyfleet.worker.output;

import io.comfyfleet.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Streams the file to the ComfyFleet gateway's output store, {@code PUT /v2/{endpoint}/outputs/{jobId}/{file}}
 * with the worker key, and returns the URL the gateway answers with.
 */
public final class GatewayStoreSink implements OutputSink {
    private final URI endpointRoot;
    private final String workerKey;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param endpointRoot e.g. {@code http://gateway:8080/v2/ep}
     * @param workerKey sent verbatim as {@code Authorization}, as on every worker call
     */
    public GatewayStoreSink(URI endpointRoot, String workerKey, Duration timeout) {
        this.endpointRoot = endpointRoot;
        this.workerKey = workerKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public DeliveredOutput deliver(OutputTarget target, OutputContent content) {
        URI uri = URI.create(endpointRoot + "/outputs/" + enc(target.jobId()) + "/" + enc(target.fileName()));
        AtomicReference<HashingInputStream> sent = new AtomicReference<>();
        HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                HashingInputStream in = new HashingInputStream(content.open());
                sent.set(in);
                return in;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        HttpRequest.BodyPublisher body = content.size() > 0
                ? HttpRequest.BodyPublishers.fromPublisher(stream, content.size()) : stream;
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", target.mimeType() == null ? "application/octet-stream" : target.mimeType())
                .PUT(body);
        if (!workerKey.isEmpty()) {
            request.header("Authorization", workerKey);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new OutputDeliveryException(target, "could not be sent to the gateway output store at " + uri
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutputDeliveryException(target, "upload interrupted", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new OutputDeliveryException(target, "the gateway output store answered HTTP " + response.statusCode()
                    + ": " + response.body(), null);
        }
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(response.body());
        } catch (JacksonException e) {
            // a proxy's page in front of the gateway: this file is not delivered, the job's other outputs still are
            answer = null;
        }
        String url = answer == null ? null : answer.path("url").asString(null);
        if (url == null || sent.get() == null) {
            throw new OutputDeliveryException(target, "the gateway output store answered without a url: "
                    + response.body(), null);
        }
        return new DeliveredOutput("url", url, sent.get().count(), sent.get().sha256());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
