package io.comfyfleet.worker.config;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how the worker talks to its gateway, in RunPod's own terms: the four URL templates, the worker
 * id, the key sent verbatim as {@code Authorization}, and the heartbeat interval. Validated once when
 * built, then immutable.
 *
 * <p>Built either from RunPod's environment ({@link #fromEnvironment(Map)}), so the worker runs unchanged
 * on RunPod itself, or from a gateway address ({@link #forGateway}), which derives the same templates.
 */
public final class GatewayEndpoints {
    public static final String ENV_GET_JOB = "RUNPOD_WEBHOOK_GET_JOB";
    public static final String ENV_POST_OUTPUT = "RUNPOD_WEBHOOK_POST_OUTPUT";
    public static final String ENV_POST_STREAM = "RUNPOD_WEBHOOK_POST_STREAM";
    public static final String ENV_PING = "RUNPOD_WEBHOOK_PING";
    public static final String ENV_POD_ID = "RUNPOD_POD_ID";
    public static final String ENV_API_KEY = "RUNPOD_AI_API_KEY";
    public static final String ENV_PING_INTERVAL = "RUNPOD_PING_INTERVAL";
    /** The worker's version as its provider launched it (also on the job-take URL as {@code &version=}). */
    public static final String ENV_WORKER_VERSION = "COMFYFLEET_WORKER_VERSION";

    static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(10);

    private final String jobTakeTemplate;
    private final String jobDoneTemplate;
    private final String jobStreamTemplate;
    private final String pingTemplate;
    private final String workerId;
    private final String apiKey;
    private final Duration pingInterval;
    private final String version;

    private GatewayEndpoints(String jobTake, String jobDone, String jobStream, String ping,
                             String workerId, String apiKey, Duration pingInterval) {
        this(jobTake, jobDone, jobStream, ping, workerId, apiKey, pingInterval, versionParam(jobTake));
    }

    private GatewayEndpoints(String jobTake, String jobDone, String jobStream, String ping,
                             String workerId, String apiKey, Duration pingInterval, String version) {
        this.version = version;
        this.jobTakeTemplate = jobTake;
        this.jobDoneTemplate = jobDone;
        this.jobStreamTemplate = jobStream;
        this.pingTemplate = ping;
        this.workerId = workerId;
        this.apiKey = apiKey;
        this.pingInterval = pingInterval;
    }

    /**
     * Reads RunPod's worker environment.
     *
     * @throws WorkerConfigException naming the variable when one is missing, lacks its {@code $ID}
     *     placeholder or {@code ?} query, or is not an http(s) URL
     */
    public static GatewayEndpoints fromEnvironment(Map<String, String> env) {
        String take = required(env, ENV_GET_JOB);
        requireUrlTemplate(ENV_GET_JOB, take, true);
        requirePlaceholder(ENV_GET_JOB, take, "$ID");
        if (!take.contains("/job-take/")) {
            // the job-stop channel is derived from this path, exactly as runpod-python derives it
            throw new WorkerConfigException(ENV_GET_JOB, "must contain '/job-take/' (got " + take + ")");
        }
        String done = required(env, ENV_POST_OUTPUT);
        requireUrlTemplate(ENV_POST_OUTPUT, done, true);
        requirePlaceholder(ENV_POST_OUTPUT, done, "$ID");
        String stream = env.get(ENV_POST_STREAM);
        if (blank(stream)) {
            stream = done.replace("/job-done/", "/job-stream/");
        } else {
            requireUrlTemplate(ENV_POST_STREAM, stream, true);
            requirePlaceholder(ENV_POST_STREAM, stream, "$ID");
        }
        String ping = env.get(ENV_PING);
        if (!blank(ping)) {
            requireUrlTemplate(ENV_PING, ping, false);
        } else {
            ping = null;
        }
        String workerId = required(env, ENV_POD_ID);
        String key = env.getOrDefault(ENV_API_KEY, "");
        Duration interval = DEFAULT_PING_INTERVAL;
        String rawInterval = env.get(ENV_PING_INTERVAL);
        if (!blank(rawInterval)) {
            interval = parseMillis(ENV_PING_INTERVAL, rawInterval.trim());
        }
        String version = env.get(ENV_WORKER_VERSION);
        return new GatewayEndpoints(take, done, stream, ping, workerId, key, interval,
                blank(version) ? versionParam(take) : version.trim());
    }

    /**
     * Derives RunPod-shaped templates for a ComfyFleet gateway at {@code gatewayUrl}, e.g.
     * {@code http://host:8080/v2/ep/job-take/$ID?gpu=none}.
     *
     * @throws WorkerConfigException naming the flag ({@code --gateway-url}, {@code --endpoint},
     *     {@code --worker-id}, {@code --worker-key}) that is missing or malformed
     */
    public static GatewayEndpoints forGateway(String gatewayUrl, String endpoint, String workerId, String workerKey,
                                              Duration pingInterval) {
        if (blank(gatewayUrl)) {
            throw new WorkerConfigException("--gateway-url", "is required, e.g. --gateway-url http://127.0.0.1:8080");
        }
        URI base = parseHttpUri("--gateway-url", gatewayUrl);
        if (base.getRawQuery() != null || base.getRawFragment() != null) {
            throw new WorkerConfigException("--gateway-url", "must be a bare address without query (got " + gatewayUrl + ")");
        }
        if (blank(endpoint) || !endpoint.matches("[A-Za-z0-9_.-]+")) {
            throw new WorkerConfigException("--endpoint",
                    "must be an endpoint id of letters, digits, '-', '_' or '.' (got " + endpoint + ")");
        }
        if (blank(workerId) || !workerId.matches("[A-Za-z0-9_.-]+")) {
            throw new WorkerConfigException("--worker-id",
                    "must be a worker id of letters, digits, '-', '_' or '.' (got " + workerId + ")");
        }
        if (workerKey == null) {
            throw new WorkerConfigException("--worker-key", "is required (the gateway's worker key)");
        }
        Objects.requireNonNull(pingInterval, "pingInterval");
        if (pingInterval.isNegative() || pingInterval.toMillis() < 100) {
            throw new WorkerConfigException("--ping-interval", "must be at least 100 ms (got " + pingInterval + ")");
        }
        String root = gatewayUrl.replaceAll("/+$", "") + "/v2/" + endpoint;
        // '?gpu=' keeps RunPod's shape: the protocol appends every parameter with '&'
        return new GatewayEndpoints(
                root + "/job-take/$ID?gpu=none",
                root + "/job-done/$RUNPOD_POD_ID/$ID?gpu=none",
                root + "/job-stream/$RUNPOD_POD_ID/$ID?gpu=none",
                root + "/ping/$RUNPOD_POD_ID",
                workerId, workerKey, pingInterval);
    }

    /** {@code GET} here (plus {@code &job_in_progress=0|1}) to take a job. */
    public URI jobTakeUri(boolean jobInProgress) {
        return URI.create(jobTakeTemplate.replace("$ID", enc(workerId)) + "&job_in_progress=" + (jobInProgress ? 1 : 0));
    }

    /**
     * As {@link #jobTakeUri(boolean)}, telling the gateway which model files this worker holds ({@code &models=},
     * newline-separated, for model-affinity routing; RunPod ignores parameters it does not know).
     */
    public URI jobTakeUri(boolean jobInProgress, java.util.Collection<String> heldModels) {
        return URI.create(jobTakeUri(jobInProgress) + "&models=" + enc(String.join("\n", heldModels)));
    }

    /** The job-stop long-poll: the job-take URL with {@code /job-take/} replaced, query kept. */
    public URI jobStopUri() {
        return URI.create(jobTakeTemplate.replace("/job-take/", "/job-stop/").replace("$ID", enc(workerId)));
    }

    /** {@code POST} a job's progress or final result here. */
    public URI jobDoneUri(String jobId, boolean isStream) {
        return URI.create(jobDoneTemplate.replace("$RUNPOD_POD_ID", enc(workerId)).replace("$ID", enc(jobId))
                + "&isStream=" + isStream);
    }

    /** {@code POST} one stream chunk here. */
    public URI jobStreamUri(String jobId) {
        return URI.create(jobStreamTemplate.replace("$RUNPOD_POD_ID", enc(workerId)).replace("$ID", enc(jobId))
                + "&isStream=false");
    }

    /** The heartbeat URL with the in-progress job ids, or null when no ping URL is configured. */
    public URI pingUri(java.util.Collection<String> jobIdsInProgress) {
        return pingUri(jobIdsInProgress.isEmpty() ? "" : "job_id=" + enc(String.join(",", jobIdsInProgress)));
    }

    /**
     * The ping that tells the gateway this worker is unhealthy, as RunPod's workers send it
     * ({@code ?status=unhealthy&check=…&reason=…}, reason cut to 256 characters); null without a ping URL.
     */
    public URI unhealthyPingUri(String check, String reason) {
        String cut = reason.length() > 256 ? reason.substring(0, 256) : reason;
        return pingUri("status=unhealthy&check=" + enc(check) + "&reason=" + enc(cut));
    }

    private URI pingUri(String params) {
        if (pingTemplate == null) {
            return null;
        }
        String url = pingTemplate.replace("$RUNPOD_POD_ID", enc(workerId));
        StringBuilder query = new StringBuilder(params);
        if (query.isEmpty()) {
            return URI.create(url);
        }
        return URI.create(url + (url.contains("?") ? "&" : "?") + query);
    }

    /**
     * The endpoint's root, e.g. {@code http://gateway:8080/v2/ep}: what precedes {@code /job-take/} in the
     * job-take URL. The ComfyFleet gateway's output store lives under it.
     */
    public java.net.URI endpointRoot() {
        return URI.create(jobTakeTemplate.substring(0, jobTakeTemplate.indexOf("/job-take/")));
    }

    public String workerId() {
        return workerId;
    }

    /**
     * The worker's version: {@value #ENV_WORKER_VERSION}, else the {@code version} parameter of the job-take URL;
     * null when neither is given (a worker started by hand).
     */
    public String version() {
        return version;
    }

    /**
     * ComfyFleet's catalogue report ({@code POST}, body optional): the endpoint root's {@code /catalogue/<worker>}
     * with the catalogue's digest and this worker's version. Not part of RunPod's protocol.
     */
    public URI catalogueUri(String digest) {
        return URI.create(endpointRoot() + "/catalogue/" + enc(workerId) + "?digest=" + enc(digest)
                + (version == null ? "" : "&version=" + enc(version)));
    }

    /** The {@code version} query parameter of a URL template, decoded; null when absent. */
    private static String versionParam(String template) {
        int q = template.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : template.substring(q + 1).split("&")) {
            if (pair.startsWith("version=") && pair.length() > "version=".length()) {
                return java.net.URLDecoder.decode(pair.substring("version=".length()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Sent verbatim as {@code Authorization}: RunPod's workers do not add {@code Bearer}. */
    public String apiKey() {
        return apiKey;
    }

    public Duration pingInterval() {
        return pingInterval;
    }

    public boolean pingEnabled() {
        return pingTemplate != null;
    }

    @Override
    public String toString() {
        // never print the key
        return "GatewayEndpoints[take=" + jobTakeTemplate + ", done=" + jobDoneTemplate + ", worker=" + workerId + "]";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.get(name);
        if (blank(v)) {
            throw new WorkerConfigException(name, "is not set; the worker needs it to reach its gateway");
        }
        return v.trim();
    }

    private static void requirePlaceholder(String name, String template, String placeholder) {
        if (!template.contains(placeholder)) {
            throw new WorkerConfigException(name, "must contain the placeholder " + placeholder + " (got " + template + ")");
        }
    }

    private static void requireUrlTemplate(String name, String template, boolean needsQuery) {
        parseHttpUri(name, template.replace("$RUNPOD_POD_ID", "w").replace("$ID", "j"));
        if (needsQuery && !template.contains("?")) {
            throw new WorkerConfigException(name, "must already contain a '?' query (parameters are appended with '&'),"
                    + " e.g. ...?gpu=none (got " + template + ")");
        }
    }

    private static URI parseHttpUri(String name, String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (java.net.URISyntaxException e) {
            throw new WorkerConfigException(name, "is not a valid URL: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new WorkerConfigException(name, "must be an http:// or https:// URL with a host (got " + value + ")");
        }
        return uri;
    }

    private static Duration parseMillis(String name, String raw) {
        try {
            long ms = Long.parseLong(raw);
            if (ms < 100) {
                throw new WorkerConfigException(name, "must be at least 100 (milliseconds), got " + raw);
            }
            return Duration.ofMillis(ms);
        } catch (NumberFormatException e) {
            throw new WorkerConfigException(name, "must be a whole number of milliseconds, got '" + raw + "'");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
