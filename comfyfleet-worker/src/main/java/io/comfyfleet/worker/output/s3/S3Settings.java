package io.comfyfleet.worker.output.s3;

import io.comfyfleet.worker.input.InvalidJobInputException;
import java.net.URI;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * An S3-compatible destination, in the shape a job gives it as {@code s3Config}: {@code accessId},
 * {@code accessSecret}, {@code bucketName}, {@code endpointUrl}, {@code objectPath} (a key prefix), and
 * optionally {@code region} and {@code urlTtlSeconds}.
 */
record S3Settings(String accessId, String accessSecret, String bucket, URI endpoint, String objectPath, String region,
                  Duration urlTtl) {
    static final Duration MAX_PRESIGN = Duration.ofDays(7); // SigV4 limit

    static S3Settings from(JsonNode s3) {
        String where = "s3Config";
        URI endpoint;
        String url = text(s3, "endpointUrl", where);
        try {
            endpoint = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobInputException(where + ".endpointUrl is not a URL: " + url);
        }
        if (endpoint.getScheme() == null || endpoint.getHost() == null) {
            throw new InvalidJobInputException(where + ".endpointUrl must be http(s)://host[:port], got " + url);
        }
        long ttl = s3.path("urlTtlSeconds").asLong(Duration.ofDays(1).toSeconds());
        if (ttl <= 0 || ttl > MAX_PRESIGN.toSeconds()) {
            throw new InvalidJobInputException(where + ".urlTtlSeconds must be between 1 and " + MAX_PRESIGN.toSeconds());
        }
        String prefix = s3.path("objectPath").isString() ? s3.get("objectPath").asString() : "";
        return new S3Settings(text(s3, "accessId", where), text(s3, "accessSecret", where),
                text(s3, "bucketName", where), endpoint, prefix.replaceAll("^/+|/+$", ""),
                s3.path("region").isString() ? s3.get("region").asString() : "us-east-1", Duration.ofSeconds(ttl));
    }

    String key(String jobId, String fileName) {
        return (objectPath.isEmpty() ? "" : objectPath + "/") + jobId + "/" + fileName;
    }

    private static String text(JsonNode s3, String field, String where) {
        JsonNode v = s3 == null ? null : s3.get(field);
        if (v == null || !v.isString() || v.asString().isBlank()) {
            throw new InvalidJobInputException(where + "." + field + " is missing; S3 delivery needs accessId,"
                    + " accessSecret, bucketName and endpointUrl");
        }
        return v.asString();
    }

    @Override
    public String toString() {
        return "S3Settings[bucket=" + bucket + ", endpoint=" + endpoint + ", objectPath=" + objectPath + "]";
    }
}
