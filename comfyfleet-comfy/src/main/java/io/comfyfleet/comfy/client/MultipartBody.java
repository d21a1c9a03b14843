package io.comfyfleet.comfy.client;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * A multipart/form-data body whose file part is streamed: text fields first, then the file from its
 * publisher, then the closing boundary; only the small framing lives in memory.
 */
final class MultipartBody {
    private final String boundary;
    private final HttpRequest.BodyPublisher publisher;

    private MultipartBody(String boundary, HttpRequest.BodyPublisher publisher) {
        this.boundary = boundary;
        this.publisher = publisher;
    }

    static MultipartBody of(Map<String, String> fields, String fileField, String filename,
                            HttpRequest.BodyPublisher file) {
        if (filename == null || filename.isBlank() || filename.contains("/") || filename.contains("\\")) {
            throw new IllegalArgumentException("upload filename must be a plain file name without directories "
                    + "(use UploadOptions.subfolder), not '" + filename + "'");
        }
        String boundary = "comfyfleet-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            head.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(quote(f.getKey())).append("\"\r\n\r\n")
                    .append(f.getValue()).append("\r\n");
        }
        head.append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(quote(fileField))
                .append("\"; filename=\"").append(quote(filename)).append("\"\r\n")
                .append("Content-Type: ").append(contentTypeOf(filename)).append("\r\n\r\n");
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(head.toString().getBytes(StandardCharsets.UTF_8)),
                file,
                HttpRequest.BodyPublishers.ofByteArray(tail.getBytes(StandardCharsets.UTF_8)));
        return new MultipartBody(boundary, body);
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    HttpRequest.BodyPublisher publisher() {
        return publisher;
    }

    /** Quotes and line breaks would end the header value early; RFC 7578 percent-encodes them. */
    private static String quote(String value) {
        return value.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static String contentTypeOf(String filename) {
        String guessed = java.net.URLConnection.guessContentTypeFromName(filename);
        return guessed == null ? "application/octet-stream" : guessed;
    }
}
