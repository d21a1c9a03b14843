package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Refuses a query parameter given more than once, on every route. Each route reads one value of a parameter (the
 * first), so {@code ?status=FAILED&status=COMPLETED} was answered as if the second were not there: the caller saw
 * the failed jobs and believed it saw both. No route takes a list as repeats (a list, like the ping's
 * {@code job_id}, is comma-separated), so a repeat is a mistake to name, not to guess at.
 */
final class RepeatedQueryParams {
    private RepeatedQueryParams() {}

    static void register(RoutesConfig routes) {
        routes.before(RepeatedQueryParams::check);
    }

    static void check(Context ctx) {
        for (Map.Entry<String, List<String>> param : ctx.queryParamMap().entrySet()) {
            List<String> values = param.getValue();
            if (values.size() > 1) {
                String given = values.stream().map(v -> "\"" + HttpIO.abbreviate(v) + "\"")
                        .collect(Collectors.joining(", "));
                throw new InvalidRequestException("?" + HttpIO.abbreviate(param.getKey()) + " is given "
                        + values.size() + " times (" + given + "); this route reads one value: give it once");
            }
        }
    }
}
