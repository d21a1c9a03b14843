package io.comfyfleet.gateway.templates;

import io.comfyfleet.gateway.jobs.Json;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Adds templates to the OpenAPI document: one {@code Template_<endpoint>_<name>} schema per template (a
 * {@code /run} body with that template and its typed params), offered beside {@code RunRequest} as the body of
 * {@code /run} and {@code /runsync}. Only the endpoints the caller's key opens are added.
 */
public final class TemplateOpenApi {
    private TemplateOpenApi() {}

    /** A copy of {@code document} with the templates of {@code endpoints}. */
    public static JsonNode with(JsonNode document, List<String> endpoints, Templates templates) {
        ObjectNode doc = (ObjectNode) document.deepCopy();
        ObjectNode schemas = (ObjectNode) doc.path("components").path("schemas");
        ArrayNode refs = Json.mapper().createArrayNode();
        refs.addObject().put("$ref", "#/components/schemas/RunRequest");
        for (String endpoint : endpoints) {
            for (JsonNode t : templates.list(endpoint).path("templates")) {
                String id = "Template_" + endpoint + "_" + t.get("name").stringValue();
                schemas.set(id, runBody(endpoint, t));
                refs.addObject().put("$ref", "#/components/schemas/" + id);
            }
        }
        if (refs.size() > 1) {
            for (String path : List.of("/v2/{endpoint}/run", "/v2/{endpoint}/runsync")) {
                ObjectNode media = (ObjectNode) doc.path("paths").path(path).path("post").path("requestBody")
                        .path("content").path("application/json");
                media.putObject("schema").set("oneOf", refs.deepCopy());
            }
        }
        return doc;
    }

    private static ObjectNode runBody(String endpoint, JsonNode template) {
        ObjectNode params = (ObjectNode) template.get("schema").deepCopy();
        params.remove("$schema"); // OpenAPI 3.0 schema objects have no $schema
        ObjectNode body = Json.mapper().createObjectNode().put("type", "object");
        body.put("description", "Template " + template.get("name").stringValue() + " of endpoint " + endpoint
                + (template.has("description") ? ": " + template.get("description").stringValue() : ""));
        body.putArray("required").add("input");
        ObjectNode input = body.putObject("properties").putObject("input").put("type", "object");
        ArrayNode required = input.putArray("required").add("template");
        if (!params.path("required").isEmpty()) {
            required.add("params");
        }
        ObjectNode props = input.putObject("properties");
        props.putObject("template").put("type", "string").putArray("enum").add(template.get("name").stringValue());
        props.set("params", params);
        props.putObject("images").put("type", "array").put("description", "Files the params name, as"
                + " worker-comfyui's input.images: [{\"name\", \"image\": base64 or data URI}]");
        body.put("x-comfyfleet-endpoint", endpoint);
        return body;
    }
}
