package io.comfyfleet.gateway.config;

import io.comfyfleet.gateway.jobs.DuplicateKey;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.templates.Templates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An endpoint's {@code templates:} section: workflow templates by name, each with {@code workflow} (the path of a
 * workflow exported in ComfyUI's API format, relative to the configuration file, or the workflow inline),
 * {@code params} and an optional {@code description}. Each is checked as the admin API checks it; a problem is
 * reported under its key ({@code endpoints[0].templates.portrait: ...}).
 */
final class TemplateSeeds {
    private TemplateSeeds() {}

    static Map<String, JsonNode> read(ConfigNode endpoint, Path baseDir) {
        JsonNode section = endpoint.value("templates");
        Map<String, JsonNode> result = new LinkedHashMap<>();
        if (section.isMissingNode() || section.isNull()) {
            return result;
        }
        if (!section.isObject()) {
            endpoint.problem("templates", "must be a mapping of template names to {workflow, params, description}");
            return result;
        }
        for (String name : section.propertyNames()) {
            String key = "templates." + name;
            JsonNode spec = section.get(name);
            if (!spec.isObject()) {
                endpoint.problem(key, "must be a mapping with workflow, params and description");
                continue;
            }
            ObjectNode definition = (ObjectNode) spec.deepCopy();
            JsonNode workflow = spec.path("workflow");
            if (workflow.isString()) {
                Path file = baseDir == null ? Path.of(workflow.stringValue()) : baseDir.resolve(workflow.stringValue());
                try {
                    // strict like a workflow sent to /run: a key written twice is refused, not read as its last value
                    definition.set("workflow", Json.mapper().readTree(Files.readString(file)));
                } catch (IOException | JacksonException e) {
                    endpoint.problem(key + ".workflow", "cannot read the workflow file " + file + " (" + why(e)
                            + "); give the path of a workflow exported with ComfyUI's \"Export (API)\"");
                    continue;
                }
            }
            try {
                Templates.check(name, definition);
                result.put(name, definition);
            } catch (InvalidRequestException e) {
                endpoint.problem(key, e.getMessage());
            }
        }
        return result;
    }

    /** Why a workflow file could not be read, in words: the parser's own message ends in its internals. */
    private static String why(Exception e) {
        if (e instanceof JacksonException json) {
            if (DuplicateKey.of(json).isPresent()) {
                return DuplicateKey.inFile(json);
            }
            var at = json.getLocation();
            return "it is not JSON: " + (at == null || at.getLineNr() <= 0 ? ""
                    : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ") + json.getOriginalMessage();
        }
        return e instanceof java.nio.file.NoSuchFileException ? "there is no such file" : e.getMessage();
    }
}
