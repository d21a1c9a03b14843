package io.comfyfleet.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
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
    /** The longest file name (in UTF-8 bytes) the common file systems take. */
    private static final int MAX_NAME_BYTES = 255;
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

    /**
     * The download link of a linked output, or null for inline data.
     *
     * @throws ComfyFleetException when the server's link is not a URL
     */
    public URI url() {
        if (!isLink()) {
            return null;
        }
        try {
            URI url = new URI(data);
            if (url.getScheme() == null) {
                throw new URISyntaxException(data, "no scheme");
            }
            return url;
        } catch (URISyntaxException e) {
            throw new ComfyFleetException("output " + filename + " of job " + jobId + " links to '"
                    + Transport.abbreviate(data) + "', which is not a URL", jobId, 200, null, e);
        }
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
        HttpResponse<byte[]> response = transport.exchange(transport.downloads(url()), built,
                HttpResponse.BodyHandlers.ofByteArray(), jobId);
        if (response.statusCode() / 100 == 3) {
            throw Transport.redirected(built, response, jobId);
        }
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
        return saveTo(folder, safeName());
    }

    /** {@link #saveTo(Path)} under {@code name}, a name {@link #safeName()} made safe. */
    Path saveTo(Path folder, String name) {
        try {
            Files.createDirectories(folder);
            Path target = folder.resolve(name);
            Files.write(target, bytes());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save output " + filename + " of job " + jobId + " into " + folder, e);
        }
    }

    /**
     * Only the last path segment: a server must not be able to make the SDK write outside the folder. Characters no
     * file name may hold (NUL, control characters) become {@code _}, and a name longer than a file system takes
     * (255 bytes) is shortened, keeping its extension, so that a saved output never fails on its name alone.
     */
    String safeName() {
        String name = filename == null ? "" : filename.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        name = name.codePoints().map(c -> Character.isISOControl(c) ? '_' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        if (name.isBlank() || name.equals(".") || name.equals("..")) {
            name = "output";
        }
        return shortened(name);
    }

    private static String shortened(String name) {
        if (utf8Length(name) <= MAX_NAME_BYTES) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
        StringBuilder kept = new StringBuilder();
        int budget = MAX_NAME_BYTES - utf8Length(extension);
        for (int i = 0, cp; i < name.length() - extension.length(); i += Character.charCount(cp)) {
            cp = name.codePointAt(i);
            String next = new String(Character.toChars(cp));
            budget -= utf8Length(next);
            if (budget < 0) {
                break;
            }
            kept.append(next);
        }
        return kept + extension;
    }

    private static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    @Override
    public String toString() {
        return "Output[" + filename + ", " + type + (mimeType == null ? "" : ", " + mimeType) + "]";
    }
}
