package io.comfyfleet.gateway.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.ServiceUnavailableResponse;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether new jobs are accepted. Closed while the gateway drains before a stop: {@code /run} and
 * {@code /runsync} answer 503 (RunPod clients retry those), while status, results and the worker API keep
 * working so running jobs can finish and be fetched.
 */
final class Intake {
    private final AtomicBoolean open = new AtomicBoolean(true);

    void register(RoutesConfig routes) {
        routes.before("/v2/{endpoint}/run", this::check);
        routes.before("/v2/{endpoint}/runsync", this::check);
    }

    boolean isOpen() {
        return open.get();
    }

    void close() {
        open.set(false);
    }

    private void check(Context ctx) {
        if (!open.get() && "POST".equals(ctx.method().name())) {
            throw new ServiceUnavailableResponse("the gateway is stopping and accepts no new jobs; try again shortly");
        }
    }
}
