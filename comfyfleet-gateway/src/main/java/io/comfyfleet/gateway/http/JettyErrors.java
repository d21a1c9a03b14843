package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.jobs.Json;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty refuses before any route runs (a URI or headers over its limits, a path it cannot decode, a request
 * line it cannot parse), answered in the gateway's error shape, {@code {"error": "..."}}, with what to change,
 * instead of Jetty's HTML page.
 */
final class JettyErrors extends ErrorHandler {
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, HttpIO.JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
            String contentType, List<Charset> charsets, int code, String message, Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpIO.JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    static byte[] body(int status, String reason) {
        return Json.mapper().writeValueAsBytes(Json.mapper().createObjectNode().put("error", explain(status, reason)));
    }

    private static String explain(int status, String reason) {
        return switch (status) {
            case 414 -> "the request URI is too long: keep ids and query parameters short, and send data in the body";
            case 431 -> "the request headers are too large: send data in the body, not in headers";
            case 400 -> "the request could not be read" + (reason == null || reason.isBlank() ? "" : ": " + reason)
                    + " (" + whatToChange(reason) + ")";
            default -> reason == null || reason.isBlank() ? "HTTP " + status : reason;
        };
    }

    /**
     * Advice for Jetty's 400 by its reason: a path it cannot decode comes with a bare "Bad Request", while a refusal
     * about the headers names them ("No Host", "Multiple Content-Lengths", "Transfer-Encoding and Content-Length"),
     * and pointing those at the path sent the client looking in the wrong place.
     */
    private static String whatToChange(String reason) {
        String r = reason == null ? "" : reason;
        if (r.contains("Content-Length") || r.contains("Transfer-Encoding")) {
            return "send one Content-Length, or Transfer-Encoding: chunked alone";
        }
        if (r.contains("Host")) {
            return "send one Host header";
        }
        if (r.startsWith("Illegal character")) {
            return "no control characters in the request line or headers; percent-encode them in the path";
        }
        if (r.contains("Header")) {
            return "check the request's headers";
        }
        return "check the path's percent-encoding: no %00, no encoded '/' or '\\\\'";
    }
}
