package io.comfyfleet.gateway.admin;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.ScalerType;
import io.comfyfleet.core.endpoint.ScalingBounds;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.Routing;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A {@code PATCH /admin/endpoints/{ep}} body, checked field by field against the same bounds as
 * {@code comfyfleet.yaml} (the shared {@link ScalingBounds} and {@link ScalerType}); every refusal names the field.
 * Durations are seconds, as the GET shows them ({@code idleTimeout} whole, {@code affinityWait} to the millisecond).
 */
final class EndpointPatch {
    static final List<String> FIELDS = List.of("image", "rollback", "minWorkers", "maxWorkers", "idleTimeout",
            "scaler", "maxSurge", "routing", "affinityWait");
    static final int MAX_SURGE = 100;

    private EndpointPatch() {}

    /**
     * The settings after applying {@code body} to {@code current}.
     *
     * @param routing the endpoint's routing now (from {@code current}, or the configuration's when it keeps none)
     * @throws InvalidRequestException naming the field, for anything not acceptable
     */
    static EndpointSettings apply(EndpointSettings current, JsonNode body, Routing routing) {
        if (body == null || !body.isObject()) {
            throw new InvalidRequestException("the body must be a JSON object with any of " + FIELDS);
        }
        if (body.isEmpty()) {
            throw new InvalidRequestException("nothing to change: give any of " + FIELDS);
        }
        for (String name : body.propertyNames()) {
            if (!FIELDS.contains(name)) {
                throw new InvalidRequestException("unknown field \"" + name + "\": the body may hold " + FIELDS);
            }
        }
        EndpointSettings next = current;
        if (body.has("image") && body.has("rollback")) {
            throw new InvalidRequestException("rollback: give either image or rollback, not both");
        }
        if (body.has("image")) {
            JsonNode image = body.get("image");
            if (image.isNull()) {
                next = next.withImage(null);
            } else if (!image.isString() || !ConfigLoader.IMAGE.matcher(image.asString()).matches()) {
                throw new InvalidRequestException("image: must be an image reference like"
                        + " registry.example.com/team/worker:1.2 (or null for the provider's default), got " + image);
            } else {
                next = next.withImage(image.asString());
            }
        }
        if (body.has("rollback")) {
            if (!body.get("rollback").isBoolean() || !body.get("rollback").asBoolean()) {
                throw new InvalidRequestException("rollback: must be true, got " + body.get("rollback"));
            }
            if (!current.imageChanged()) {
                throw new InvalidRequestException("rollback: endpoint \"" + current.endpoint()
                        + "\" has no previous image to roll back to (its image was never changed); to run the"
                        + " provider's default image, send {\"image\": null}");
            }
            // back to the image before the last change, the provider's default (null) included; the current image
            // becomes the previous one, so a second roll-back undoes the first
            next = next.rolledBack();
        }
        int min = integer(body, "minWorkers", next.minWorkers(), 0, ScalingBounds.MAX_WORKERS);
        int max = integer(body, "maxWorkers", next.maxWorkers(), 0, ScalingBounds.MAX_WORKERS);
        if (max < min) {
            String field = body.has("maxWorkers") ? "maxWorkers" : "minWorkers";
            throw new InvalidRequestException(field + ": maxWorkers (" + max + ") must be at least minWorkers ("
                    + min + ")");
        }
        Duration idle = body.has("idleTimeout")
                ? Duration.ofSeconds(integer(body, "idleTimeout", 0, (int) ScalingBounds.MIN_IDLE_TIMEOUT.toSeconds(),
                        (int) ScalingBounds.MAX_IDLE_TIMEOUT.toSeconds()))
                : next.idleTimeout();
        int surge = integer(body, "maxSurge", next.maxSurge(), 1, MAX_SURGE);
        String type = next.scalerType();
        double value = next.scalerValue();
        if (body.has("scaler")) {
            JsonNode scaler = body.get("scaler");
            if (!scaler.isObject()) {
                throw new InvalidRequestException("scaler: must be an object like {\"type\": \"QUEUE_DELAY\","
                        + " \"value\": 4}, got " + scaler);
            }
            for (String name : scaler.propertyNames()) {
                if (!Set.of("type", "value").contains(name)) {
                    throw new InvalidRequestException("scaler." + name + ": unknown field; the scaler has type and"
                            + " value");
                }
            }
            if (scaler.has("type")) {
                JsonNode t = scaler.get("type");
                ScalerType named = t.isString() ? ScalerType.named(t.asString()) : null;
                if (named == null) {
                    throw new InvalidRequestException("scaler.type: must be " + ScalerType.NAMES + ", got " + t);
                }
                if (!t.asString().equals(type) && !scaler.has("value")) {
                    value = named.defaultValue();
                }
                type = t.asString();
            }
            if (scaler.has("value")) {
                JsonNode v = scaler.get("value");
                if (!v.isNumber()) {
                    throw new InvalidRequestException("scaler.value: must be a number, got " + v);
                }
                value = v.asDouble();
                // only a value sent is checked: one not sent is the type's default or the one kept, checked when set
                ScalerType valueType = ScalerType.named(type);
                if (!valueType.accepts(value)) {
                    throw new InvalidRequestException("scaler.value: " + valueType.refusal(v.toString()));
                }
            }
        }
        next = next.withScaling(min, max, idle, type, value, surge);
        if (body.has("routing") || body.has("affinityWait")) {
            Routing.Mode mode = body.has("routing") ? mode(body.get("routing")) : routing.mode();
            Duration wait = body.has("affinityWait") ? affinityWait(body.get("affinityWait")) : routing.affinityWait();
            next = next.withRouting(mode.name(), wait);
        }
        return next;
    }

    private static Routing.Mode mode(JsonNode n) {
        if (n.isString()) {
            for (Routing.Mode m : Routing.Mode.values()) {
                if (m.name().equalsIgnoreCase(n.asString().trim())) {
                    return m;
                }
            }
        }
        throw new InvalidRequestException("routing: must be \"affinity\" or \"fifo\", got " + n);
    }

    private static Duration affinityWait(JsonNode n) {
        double max = Routing.MAX_WAIT.toMillis() / 1000.0;
        if (!n.isNumber() || !(n.asDouble() >= 0 && n.asDouble() <= max)) {
            throw new InvalidRequestException("affinityWait: must be a number of seconds from 0 to " + (int) max
                    + " (e.g. 0.3 for 300 ms), got " + n);
        }
        return Duration.ofMillis(Math.round(n.asDouble() * 1000));
    }

    private static int integer(JsonNode body, String field, int fallback, int min, int max) {
        if (!body.has(field)) {
            return fallback;
        }
        JsonNode n = body.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw new InvalidRequestException(field + ": must be a whole number from " + min + " to " + max
                    + ", got " + n);
        }
        return n.asInt();
    }
}
