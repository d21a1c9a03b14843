package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.ComfyException;

/**
 * ComfyUI answered a request with a status this route does not expect (anything but 2xx, unless the route
 * documents otherwise). Carries the route, the status and the start of the body, which is what ComfyUI
 * uses to say what went wrong.
 */
public class ComfyHttpException extends ComfyException {
    static final int EXCERPT_CHARS = 500;

    private final String route;
    private final int status;
    private final String bodyExcerpt;

    public ComfyHttpException(String route, int status, String body) {
        this(route, status, body, "ComfyUI answered " + route + " with HTTP " + status + ": " + excerpt(body));
    }

    protected ComfyHttpException(String route, int status, String body, String message) {
        super(message);
        this.route = route;
        this.status = status;
        this.bodyExcerpt = excerpt(body);
    }

    /** The method and path, e.g. {@code "GET /view"}. */
    public String route() {
        return route;
    }

    public int status() {
        return status;
    }

    /** The first {@value #EXCERPT_CHARS} characters of the response body (empty if there was none). */
    public String bodyExcerpt() {
        return bodyExcerpt;
    }

    static String excerpt(String body) {
        if (body == null || body.isEmpty()) {
            return "";
        }
        return body.length() <= EXCERPT_CHARS ? body : body.substring(0, EXCERPT_CHARS) + "...";
    }
}
