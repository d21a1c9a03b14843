package io.comfyfleet.sdk;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * The front door of the SDK: a client for one ComfyFleet gateway or RunPod Serverless account. Only the base
 * URL differs between them ({@code http://127.0.0.1:8080/v2} or {@code https://api.runpod.ai/v2}), since both
 * speak RunPod's API. Thread-safe; build one and share it.
 *
 * <pre>{@code
 * ComfyFleetClient client = ComfyFleetClient.builder()
 *         .baseUrl("http://127.0.0.1:8080/v2").apiKey(System.getenv("COMFYFLEET_CLIENT_KEY")).build();
 * JobResult result = client.endpoint("sdxl")
 *         .run(Workflow.read(Path.of("workflow_api.json")), List.of(), RunOptions.defaults())
 *         .onProgress(p -> System.out.println(p.percent() + "%"))
 *         .await(Duration.ofMinutes(5));
 * result.saveTo(Path.of("out"));
 * }</pre>
 */
public final class ComfyFleetClient {
    private final Transport transport;
    private final Duration requestTimeout;
    private final Duration pollInterval;
    private final boolean useEvents;

    private ComfyFleetClient(Builder b) {
        this.transport = new Transport(b.baseUrl, b.apiKey, b.connectTimeout, b.requestTimeout, b.executor,
                b.maxResponseBytes);
        this.requestTimeout = b.requestTimeout;
        this.pollInterval = b.pollInterval;
        this.useEvents = b.useEvents;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The endpoint named {@code id}; makes no request. */
    public Endpoint endpoint(String id) {
        if (id == null || id.isBlank() || id.contains("/")) {
            throw new IllegalArgumentException("an endpoint id must be a non-blank name without '/', got \"" + id + "\"");
        }
        return new Endpoint(this, id);
    }

    Transport transport() {
        return transport;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    Duration pollInterval() {
        return pollInterval;
    }

    boolean useEvents() {
        return useEvents;
    }

    /** Settings of a {@link ComfyFleetClient}; checked by {@link #build()}. */
    public static final class Builder {
        private URI baseUrl;
        private String apiKey;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofSeconds(1);
        private boolean useEvents = true;
        private long maxResponseBytes = Transport.DEFAULT_MAX_RESPONSE_BYTES;
        private java.util.concurrent.Executor executor;

        private Builder() {}

        /** Required: the API root, e.g. {@code http://127.0.0.1:8080/v2} or {@code https://api.runpod.ai/v2}. */
        public Builder baseUrl(String url) {
            Objects.requireNonNull(url, "baseUrl");
            try {
                return baseUrl(URI.create(url.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("baseUrl is not a valid URL: \"" + url + "\"", e);
            }
        }

        public Builder baseUrl(URI url) {
            this.baseUrl = url;
            return this;
        }

        /** The client key of the endpoint(s); sent as {@code Authorization: Bearer <key>}. */
        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        /** How long to wait for a connection (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long to wait for the answer to one ordinary request (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** How often {@code /status} is polled where live events are not available (default 1 s). */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = positive(interval, "pollInterval");
            return this;
        }

        /**
         * The most bytes the SDK reads of one answer ({@code /runsync}, {@code /status}, ...) or of one line of a
         * job's live events (default 128 MB). Those answers carry the outputs inline as base64, and the SDK holds each
         * whole in memory: the cap keeps a broken or hostile server from filling it. Raise it when a job's inline
         * outputs are larger; past it, the call fails with a {@link ComfyFleetException} naming this setting.
         */
        public Builder maxResponseBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxResponseBytes must be positive, got " + bytes);
            }
            this.maxResponseBytes = bytes;
            return this;
        }

        /** Whether to follow a job's live events where the server has them (default true). */
        public Builder useEvents(boolean use) {
            this.useEvents = use;
            return this;
        }

        /**
         * The threads that run the HTTP client's work: reading answers and live events, and calling progress
         * listeners and async continuations (default: the JDK HTTP client's own pool). Waiting jobs hold none
         * of them, so a small pool follows many jobs.
         */
        public Builder executor(java.util.concurrent.Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** @throws IllegalArgumentException when the base URL is missing or not http(s) */
        public ComfyFleetClient build() {
            if (baseUrl == null) {
                throw new IllegalArgumentException("baseUrl is required, e.g. http://127.0.0.1:8080/v2");
            }
            String scheme = baseUrl.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || baseUrl.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be an absolute http:// or https:// URL like"
                        + " http://127.0.0.1:8080/v2, got \"" + baseUrl + "\"");
            }
            if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
                // the API's paths are appended to it: after a '?' or '#' they would be part of the query or fragment
                throw new IllegalArgumentException("baseUrl must not have a query or fragment, like"
                        + " http://127.0.0.1:8080/v2, got \"" + baseUrl + "\"");
            }
            return new ComfyFleetClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
            return d;
        }
    }
}
