package io.comfyfleet.worker.output;

/**
 * Where an output ended up.
 *
 * @param type {@code base64} (data holds the bytes), {@code s3_url} (data is a presigned URL) or {@code url}
 *     (data is a gateway output-store URL); the first two are worker-comfyui's names
 * @param data the base64 text or the URL
 * @param size bytes delivered
 * @param sha256 lowercase hex SHA-256 of the bytes delivered, computed while streaming
 */
public record DeliveredOutput(String type, String data, long size, String sha256) {
    public boolean isUrl() {
        return !"base64".equals(type);
    }
}
