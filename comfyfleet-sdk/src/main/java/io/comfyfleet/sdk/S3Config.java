package io.comfyfleet.sdk;

import java.net.URI;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where the worker uploads the job's outputs: RunPod's {@code s3Config} (any S3-compatible store). It is only
 * passed to the worker, never shown in the job's status; the outputs then come back as {@code s3_url}s, which the
 * SDK downloads. Immutable; the secret is left out of {@link #toString()}.
 */
public final class S3Config {
    private final String endpointUrl;
    private final String accessId;
    private final String accessSecret;
    private final String bucketName;
    private final String objectPath;

    private S3Config(String endpointUrl, String accessId, String accessSecret, String bucketName, String objectPath) {
        this.endpointUrl = endpointUrl;
        this.accessId = accessId;
        this.accessSecret = accessSecret;
        this.bucketName = bucketName;
        this.objectPath = objectPath;
    }

    /**
     * @param endpointUrl  the store's http(s) URL, e.g. {@code https://s3.eu-west-1.amazonaws.com}
     * @param accessId     the access key id
     * @param accessSecret the secret access key
     * @param bucketName   the bucket the outputs go to
     * @throws IllegalArgumentException when a value is blank or the URL is not http(s)
     */
    public static S3Config of(String endpointUrl, String accessId, String accessSecret, String bucketName) {
        URI url;
        try {
            url = URI.create(required(endpointUrl, "endpointUrl"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("s3Config endpointUrl is not a valid URL: \"" + endpointUrl + "\"", e);
        }
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
            throw new IllegalArgumentException("s3Config endpointUrl must be an http:// or https:// URL, got \""
                    + endpointUrl + "\"");
        }
        return new S3Config(endpointUrl, required(accessId, "accessId"), required(accessSecret, "accessSecret"),
                required(bucketName, "bucketName"), null);
    }

    /** A key prefix inside the bucket (RunPod's {@code objectPath}). */
    public S3Config objectPath(String path) {
        return new S3Config(endpointUrl, accessId, accessSecret, bucketName, required(path, "objectPath"));
    }

    void writeTo(ObjectNode node) {
        node.put("accessId", accessId).put("accessSecret", accessSecret).put("bucketName", bucketName)
                .put("endpointUrl", endpointUrl);
        if (objectPath != null) {
            node.put("objectPath", objectPath);
        }
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("s3Config " + name + " must not be blank");
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof S3Config && ((S3Config) o).endpointUrl.equals(endpointUrl)
                && ((S3Config) o).accessId.equals(accessId) && ((S3Config) o).accessSecret.equals(accessSecret)
                && ((S3Config) o).bucketName.equals(bucketName) && Objects.equals(((S3Config) o).objectPath, objectPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(endpointUrl, accessId, bucketName, objectPath);
    }

    @Override
    public String toString() {
        return "S3Config[" + endpointUrl + ", bucket " + bucketName + (objectPath == null ? "" : "/" + objectPath)
                + ", accessId " + accessId + ", secret ***]";
    }
}
