package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobStateConflictException;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.gateway.jobs.IdempotencyKeyReusedException;
import io.comfyfleet.gateway.admission.WorkflowRejectedException;
import io.comfyfleet.gateway.admin.SettingsConflictException;
import io.comfyfleet.gateway.auth.UnauthorizedException;
import io.comfyfleet.gateway.templates.TemplateNotFoundException;
import io.comfyfleet.gateway.jobs.EndpointNotFoundException;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.JsonErrors;
import io.comfyfleet.gateway.jobs.PayloadTooLargeException;
import io.comfyfleet.gateway.ratelimit.RateLimitedException;
import io.comfyfleet.gateway.webhook.WebhookTargetRefusedException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * The one place where failures become HTTP answers, all as {@code {"error": "..."}} but for a workflow refused
 * at admission, which gets ComfyUI's own 400 body ({@code {"error": {...}, "node_errors": {...}}}). A client's mistake
 * is a 4xx that says what to change; only the gateway's own faults are 5xx, and those are logged.
 */
final class ErrorMapping {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

    private ErrorMapping() {}

    static void install(JavalinConfig config) {
        config.routes.exception(Exception.class, ErrorMapping::handle);
        // Javalin answers its own HttpResponseExceptions (405, 503, ...) as text unless they have a handler of
        // their own: registered here, they get the same JSON shape as every other error
        config.routes.exception(HttpResponseException.class, ErrorMapping::handle);
        // a known path asked with a method it does not take is a 405 naming the ones it does, not "not found"
        config.http.prefer405over404 = true;
        // Javalin answers HEAD on any GET route with an empty 200 of its own, without running the route (so
        // without its key check): no route here is meant for HEAD
        config.routes.before(ctx -> {
            if (ctx.method() == HandlerType.HEAD) {
                throw new MethodNotAllowedResponse("HEAD is not served here: use GET",
                        Map.of("availableMethods", "GET"));
            }
        });
        // routes that do not exist: Javalin's own 404/405 get the same JSON shape
        config.routes.error(404, ctx -> {
            String answered = ctx.res().getContentType();
            if (answered == null || !answered.startsWith(HttpIO.JSON)) {
                HttpIO.error(ctx, 404, notFound(ctx));
            }
        });
    }

    /**
     * How much of a refused caller's body is read to get its 401 to it: more than any request but an output upload
     * carries, and no more of the server's time than a keyless caller could take with a valid-looking request.
     */
    static final long UNAUTHORIZED_BODY_READ = 1L << 20;

    static void handle(Exception e, Context ctx) {
        switch (e) {
            case UnauthorizedException u -> {
                // refused before its body was read: a worker with a wrong key posting its node catalogue (about
                // 300 KB) saw a broken connection instead of this 401 now and then (CatalogueRouteTest)
                HttpIO.dropUnreadBody(ctx, UNAUTHORIZED_BODY_READ);
                HttpIO.error(ctx, 401, "unauthorized");
            }
            case InvalidRequestException bad -> HttpIO.error(ctx, 400, bad.getMessage());
            case WorkflowRejectedException refused -> ctx.status(400).contentType(HttpIO.JSON)
                    .result(Json.mapper().writeValueAsBytes(refused.body()));
            case WebhookTargetRefusedException refused -> HttpIO.error(ctx, 400, refused.getMessage());
            case JacksonException bad -> HttpIO.error(ctx, 400, JsonErrors.describe(bad));
            case EndpointNotFoundException nf -> HttpIO.error(ctx, 404, nf.getMessage());
            case TemplateNotFoundException nf -> HttpIO.error(ctx, 404, nf.getMessage());
            case JobNotFoundException nf -> HttpIO.error(ctx, 404, nf.getMessage());
            case JobStateConflictException c -> HttpIO.error(ctx, 409, c.getMessage());
            case SettingsConflictException c -> HttpIO.error(ctx, 409, c.getMessage());
            case IdempotencyKeyReusedException c -> HttpIO.error(ctx, 409, c.getMessage());
            case RateLimitedException limited -> {
                ctx.header("Retry-After", Long.toString(limited.retryAfterSeconds()));
                HttpIO.error(ctx, 429, limited.getMessage());
            }
            case PayloadTooLargeException big -> {
                HttpIO.error(ctx, 413, big.getMessage());
                // the rest of the body is not read; closing is cheaper than draining it
                ctx.header("Connection", "close");
            }
            case JobStoreException store -> {
                log.error("{} {} failed: the job store is unavailable", ctx.method(), ctx.path(), store);
                HttpIO.error(ctx, 503, "the job store is unavailable; try again shortly");
            }
            case HttpResponseException h -> {
                if (h.getStatus() == 405) {
                    ctx.header("Allow", allowed(h));
                } else if (h.getStatus() == 503) {
                    ctx.header("Retry-After", "5");
                }
                HttpIO.error(ctx, h.getStatus(), switch (h.getStatus()) {
                    case 404 -> notFound(ctx);
                    case 405 -> methodNotAllowed(ctx, h);
                    default -> h.getMessage();
                });
            }
            case InterruptedException i -> {
                Thread.currentThread().interrupt();
                HttpIO.error(ctx, 503, "the gateway is stopping; try again");
            }
            default -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                HttpIO.error(ctx, 500, "internal error");
            }
        }
    }

    private static String notFound(Context ctx) {
        String notFound = "not found: " + ctx.method() + " " + HttpIO.abbreviate(ctx.path());
        if (V2_ROUTE_WITHOUT_PREFIX.matcher(ctx.path()).matches()) {
            // a base URL without /v2 (an SDK's baseUrl, RUNPOD_ENDPOINT_BASE_URL, the CLI's --url) is an easy slip
            return notFound + "; the API is under /v2: " + ctx.method() + " " + HttpIO.abbreviate("/v2" + ctx.path())
                    + " (a base URL ends in /v2, e.g. http://127.0.0.1:8080/v2)";
        }
        return notFound;
    }

    /**
     * {@code /{endpoint}/{op}...} for an operation of the client or worker API, which live under {@code /v2}; not
     * {@code /v2/run}, which lacks the endpoint instead.
     */
    private static final java.util.regex.Pattern V2_ROUTE_WITHOUT_PREFIX = java.util.regex.Pattern.compile(
            "/(?!v2/)[^/]+/(run|runsync|status|status-sync|stream|cancel|retry|purge-queue|health|events|outputs|templates"
                    + "|job-take|job-take-batch|job-done|job-stream|job-stop|ping|catalogue)(/.*)?");

    /** The methods the path takes, from Javalin's 405 ("GET, POST"); GET when it names none. */
    private static String allowed(HttpResponseException h) {
        String methods = String.join(", ", h.getDetails().values()).replaceAll("[^A-Z, ]", "").trim();
        return methods.isEmpty() ? "GET" : methods;
    }

    private static String methodNotAllowed(Context ctx, HttpResponseException h) {
        return ctx.method() + " is not served at " + HttpIO.abbreviate(ctx.path()) + ": use " + allowed(h);
    }
}
