package io.comfyfleet.gateway.templates;

import io.comfyfleet.gateway.jobs.Json;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A template's {@code params} as one JSON Schema object: its properties, which are required, nothing else. */
final class ParamSchemaDocument {
    private ParamSchemaDocument() {}

    static ObjectNode of(Map<String, ParamSchema> schemas) {
        ObjectNode root = Json.mapper().createObjectNode()
                .put("$schema", "https://json-schema.org/draft/2020-12/schema")
                .put("type", "object")
                .put("additionalProperties", false);
        ObjectNode properties = root.putObject("properties");
        ArrayNode required = root.putArray("required");
        schemas.forEach((name, schema) -> {
            properties.set(name, schema.toJsonSchema());
            if (schema.required()) {
                required.add(name);
            }
        });
        return root;
    }
}
