package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.gateway.config.EndpointConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A validated {@code /run} or {@code /runsync} body: {@code input} (required), {@code webhook}, {@code policy},
 * {@code s3Config}. Unknown top-level keys are ignored, as RunPod's SDKs send a few of their own.
 *
 * @param policy                the job's policy, the endpoint's defaults filling what the body leaves out
 * @param executionTimeoutGiven whether the body set {@code policy.executionTimeout} itself (else it is the endpoint's
 *                              default, which may change between a request and its repeat, see {@link SameRequest})
 */
public record RunRequest(String inputJson, String webhook, String s3ConfigJson, JobPolicy policy,
        boolean executionTimeoutGiven) {
    // RunPod's bounds for the per-job policy (PROTOCOL.md §1.2)
    static final Duration MIN_EXECUTION_TIMEOUT = Duration.ofSeconds(5);
    static final Duration MIN_TTL = Duration.ofSeconds(10);
    static final Duration MAX = Duration.ofDays(7);
    /** RunPod's policy keys, the only ones a job may set. */
    static final List<String> POLICY_KEYS = List.of("executionTimeout", "ttl", "lowPriority");
    // what a worker needs of a job's s3Config to upload (its S3Settings reads the same fields)
    private static final List<String> S3_REQUIRED = List.of("accessId", "accessSecret", "bucketName", "endpointUrl");
    private static final List<String> S3_OPTIONAL_TEXT = List.of("objectPath", "region");

    /**
     * Parses and checks a request body, filling the policy from the endpoint's defaults.
     *
     * @throws InvalidRequestException naming the field and what to change
     */
    public static RunRequest parse(byte[] body, EndpointConfig endpoint) {
        return parse(parseJson(body), endpoint);
    }

    /**
     * As {@link #parse(byte[], EndpointConfig)}, for a body already parsed with {@link #parseJson(byte[])}.
     *
     * @throws InvalidRequestException naming the field and what to change
     */
    public static RunRequest parse(JsonNode root, EndpointConfig endpoint) {
        if (!root.isObject()) {
            throw new InvalidRequestException("the body must be a JSON object like {\"input\": {...}}, got " + kind(root));
        }
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw new InvalidRequestException("\"input\" is required: send {\"input\": {...}}");
        }
        StorableJson.check(input, "input");
        JsonNode policy = root.get("policy");
        return new RunRequest(
                input.toString(),
                webhook(root.get("webhook")),
                s3Config(root.get("s3Config")),
                policy(policy, endpoint),
                policy != null && policy.hasNonNull("executionTimeout"));
    }

    /** Parses a JSON body, turning any syntax or limit problem into a 400 that says where. */
    public static JsonNode parseJson(byte[] body) {
        if (body.length == 0) {
            throw new InvalidRequestException("the body is empty; send a JSON object");
        }
        try {
            return Json.mapper().readTree(body);
        } catch (JacksonException e) {
            throw new InvalidRequestException(JsonErrors.describe(e), e);
        }
    }

    private static String webhook(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw new InvalidRequestException("\"webhook\" must be an http(s) URL as text, got " + kind(node));
        }
        String url = node.asString();
        StorableJson.checkText(url, "\"webhook\"");
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            if (uri.getHost() == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
                throw new InvalidRequestException("\"webhook\" must be an absolute http:// or https:// URL");
            }
            checkPort(uri, "webhook");
        } catch (URISyntaxException e) {
            throw new InvalidRequestException("\"webhook\" is not a valid URL: " + e.getReason());
        }
        return url;
    }

    private static String s3Config(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidRequestException("\"s3Config\" must be an object (accessId, accessSecret, bucketName,"
                    + " endpointUrl), got " + kind(node));
        }
        // the worker needs these to upload; refusing here saves running the workflow only to fail at delivery
        for (String field : S3_REQUIRED) {
            JsonNode value = node.get(field);
            if (value == null || !value.isString() || value.asString().isBlank()) {
                throw new InvalidRequestException("\"s3Config." + field + "\" is required as text; S3 delivery needs"
                        + " accessId, accessSecret, bucketName and endpointUrl"
                        + (value == null ? "" : ", got " + kind(value)));
            }
        }
        URI url;
        try {
            url = new URI(node.get("endpointUrl").asString());
        } catch (URISyntaxException e) {
            url = null;
        }
        if (url == null || url.getHost() == null
                || !("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))) {
            throw new InvalidRequestException("\"s3Config.endpointUrl\" must be an http(s)://host[:port] URL, e.g."
                    + " https://s3.eu-west-1.amazonaws.com");
        }
        checkPort(url, "s3Config.endpointUrl");
        for (String field : S3_OPTIONAL_TEXT) {
            JsonNode value = node.get(field);
            if (value != null && !value.isNull() && !value.isString()) {
                throw new InvalidRequestException("\"s3Config." + field + "\" must be text, got " + kind(value));
            }
        }
        StorableJson.check(node, "s3Config");
        return node.toString();
    }

    /**
     * {@link URI} takes any digits as a port; one out of range would fail only when the call is made, after the job
     * ran, where the client sees nothing.
     */
    private static void checkPort(URI uri, String field) {
        if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
            throw new InvalidRequestException("\"" + field + "\" has port " + uri.getPort()
                    + "; a port is from 1 to 65535 (or leave it out for the scheme's own)");
        }
    }

    private static JobPolicy policy(JsonNode node, EndpointConfig endpoint) {
        Duration executionTimeout = endpoint.executionTimeout();
        Duration ttl = endpoint.ttl();
        boolean lowPriority = false;
        if (node != null && !node.isNull()) {
            if (!node.isObject()) {
                throw new InvalidRequestException("\"policy\" must be an object (executionTimeout, ttl, lowPriority),"
                        + " got " + kind(node));
            }
            for (String key : node.propertyNames()) {
                if (!POLICY_KEYS.contains(key)) {
                    // a misspelt key would otherwise leave its setting at the default without a word
                    throw new InvalidRequestException("\"policy\" has no key \"" + abbreviate(key)
                            + "\"; it takes " + String.join(", ", POLICY_KEYS) + " (RunPod's names, case as written)");
                }
            }
            executionTimeout = millis(node.get("executionTimeout"), "policy.executionTimeout",
                    MIN_EXECUTION_TIMEOUT, executionTimeout);
            ttl = millis(node.get("ttl"), "policy.ttl", MIN_TTL, ttl);
            JsonNode low = node.get("lowPriority");
            if (low != null && !low.isNull()) {
                if (!low.isBoolean()) {
                    throw new InvalidRequestException("\"policy.lowPriority\" must be true or false, got " + kind(low));
                }
                lowPriority = low.asBoolean();
            }
        }
        return new JobPolicy(executionTimeout, ttl, lowPriority);
    }

    private static Duration millis(JsonNode node, String field, Duration min, Duration fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        String range = "from " + min.toMillis() + " to " + MAX.toMillis() + " ms";
        if (!node.isNumber()) {
            throw new InvalidRequestException("\"" + field + "\" must be a whole number of milliseconds " + range
                    + ", got " + kind(node));
        }
        // 1e9 is a whole number too, as JSON writes it; 1.5 is not
        double value = node.asDouble();
        if (value != Math.rint(value)) {
            throw new InvalidRequestException("\"" + field + "\" must be a whole number of milliseconds " + range
                    + ", got " + node);
        }
        if (value < min.toMillis() || value > MAX.toMillis()) {
            throw new InvalidRequestException("\"" + field + "\" must be " + range + ", got "
                    + abbreviate(node.toString()));
        }
        return Duration.ofMillis((long) value);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /** Describes a JSON value's type for an error message, without echoing its content. */
    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "text";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
