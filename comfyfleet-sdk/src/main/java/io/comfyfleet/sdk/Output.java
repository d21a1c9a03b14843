package io.comfyfleet.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * One output file of a finished job: inline base64 ({@code type: base64}), or a link to download
 * ({@code s3_url}, or {@code url} for the ComfyFleet gateway's output store). Links to the same host as the
 * client's base URL get the API key; others (presigned S3 links) are fetched without it.
 */
public final class Output {
    private final String filename;
    private final String kind;
    private final String mimeType;
    private final String type;
    private final String nodeId;
    private final String data;
    private final Transport transport;
    private final Duration timeout;
    private final String jobId;

    Output(String jobId, String filename, String kind, String mimeType, String type, String nodeId, String data,
           Transport transport, Duration timeout) {
        this.jobId = jobId;
        this.filename = filename;
        this.kind = kind;
        this.mimeType = mimeType;
        this.type = type;
        this.nodeId = nodeId;
        this.data = data;
        this.transport = transport;
        this.timeout = timeout;
    }

    /** The file name ComfyUI gave it, e.g. {@code ComfyUI_00001_.png}. */
    public String filename() {
        return filename;
    }

    /** image, video, audio, gif, text, ... ("image" for worker-comfyui's {@code images} list). */
    public String kind() {
        return kind;
    }

    /** The MIME type when the worker said, or null. */
    public String mimeType() {
        return mimeType;
    }

    /** How it was delivered: base64, s3_url or url. */
    public String type() {
        return type;
    }

    /** The node that produced it, or null when the worker did not say (worker-comfyui). */
    public String nodeId() {
        return nodeId;
    }

    /** True when the bytes must be downloaded (s3_url, url). */
    public boolean isLink() {
        return !"base64".equals(type);
    }

    /** The download link of a linked output, or null for inline data. */
    public URI url() {
        return isLink() ? URI.create(data) : null;
    }

    /**
     * The file's bytes: decoded from base64, or downloaded.
     *
     * @throws ComfyFleetException when the download fails or the inline data is not base64
     */
    public byte[] bytes() {
        if (!isLink()) {
            int comma = data.indexOf(',');
            String b64 = data.startsWith("data:") && comma > 0 ? data.substring(comma + 1) : data;
            try {
                return Base64.getMimeDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new ComfyFleetException("output " + filename + " of job " + jobId + " is not valid base64: "
                        + e.getMessage(), jobId, 200, null, e);
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(url()).timeout(timeout).GET();
        if (transport.sameOrigin(url())) {
            transport.authorize(request);
        }
        HttpRequest built = request.build();
        HttpResponse<byte[]> response = transport.exchange(built, HttpResponse.BodyHandlers.ofByteArray(), jobId);
        if (response.statusCode() / 100 != 2) {
            throw Transport.failure(built, response.statusCode(),
                    new String(response.body(), java.nio.charset.StandardCharsets.UTF_8), jobId);
        }
        return response.body();
    }

    /**
     * Writes the file into {@code folder} (created when missing) under its own name, replacing a file of that
     * name; returns the path written.
     *
     * @throws UncheckedIOException when the folder or file cannot be written
     */
    public Path saveTo(Path folder) {
        try {
            Files.createDirectories(folder);
            Path target = folder.resolve(safeName());
            Files.write(target, bytes());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save output " + filename + " of job " + jobId + " into " + folder, e);
        }
    }

    /** Only the last path segment: a server must not be able to make the SDK write outside the folder. */
    String safeName() {
        String name = filename == null ? "" : filename.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        if (name.isBlank() || name.equals(".") || name.equals("..")) {
            name = "output";
        }
        return name;
    }

    @Override
    public String toString() {
        return "Output[" + filename + ", " + type + (mimeType == null ? "" : ", " + mimeType) + "]";
    }
}
