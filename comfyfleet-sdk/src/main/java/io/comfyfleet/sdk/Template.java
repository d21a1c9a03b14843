package io.comfyfleet.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job by template: the name of a workflow template the endpoint's operator registered, and the values of the
 * parameters it exposes. The gateway expands it to the full workflow and refuses a wrong parameter with a message
 * naming it ({@link RequestRejectedException}); {@link Endpoint#templates()} lists what each template takes.
 * Immutable: {@link #param} returns a new one.
 *
 * <pre>{@code
 * JobResult r = ep.runSync(Template.named("portrait").param("prompt", "a lighthouse").param("seed", 7),
 *         List.of(), RunOptions.defaults(), Duration.ofMinutes(2));
 * }</pre>
 */
public final class Template {
    private final String name;
    private final Map<String, JsonNode> params;

    private Template(String name, Map<String, JsonNode> params) {
        this.name = name;
        this.params = params;
    }

    /** @throws IllegalArgumentException when the name is blank */
    public static Template named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a template name must not be blank");
        }
        return new Template(name, Map.of());
    }

    /**
     * This template with one more parameter value: text, a number, a boolean, or a {@link JsonNode}.
     *
     * @throws IllegalArgumentException for a blank name or a null value
     */
    public Template param(String param, Object value) {
        if (param == null || param.isBlank()) {
            throw new IllegalArgumentException("a parameter name must not be blank");
        }
        Objects.requireNonNull(value, () -> "the value of parameter " + param);
        Map<String, JsonNode> next = new LinkedHashMap<>(params);
        next.put(param, value instanceof JsonNode node ? node.deepCopy() : Transport.JSON.valueToTree(value));
        return new Template(name, next);
    }

    public String name() {
        return name;
    }

    /** The parameter values set so far, as JSON. */
    public Map<String, JsonNode> params() {
        return Map.copyOf(params);
    }

    /** Writes {@code "template"} and {@code "params"} into a job's input. */
    void writeTo(ObjectNode input) {
        input.put("template", name);
        ObjectNode p = input.putObject("params");
        params.forEach(p::set);
    }
}
