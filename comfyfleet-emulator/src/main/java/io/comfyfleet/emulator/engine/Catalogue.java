package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.EmulatorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The node catalogue the emulator serves as /object_info and executes over (output types, output nodes). */
public final class Catalogue {
    private static final String DEFAULT = "/io/comfyfleet/emulator/object_info.json";
    private final ObjectNode objectInfo;

    private Catalogue(ObjectNode objectInfo) {
        this.objectInfo = objectInfo;
    }

    /** The recorded H100 ComfyUI 0.3.64 catalogue (384 nodes, including SlowProgress). */
    public static Catalogue recorded() {
        try (InputStream in = Catalogue.class.getResourceAsStream(DEFAULT)) {
            if (in == null) {
                throw new EmulatorException("the default catalogue " + DEFAULT + " is missing from the emulator jar");
            }
            return of(Json.MAPPER.readTree(in), DEFAULT);
        } catch (IOException | JacksonException e) {
            throw new EmulatorException("cannot read the default catalogue " + DEFAULT + ": " + e.getMessage(), e);
        }
    }

    /**
     * A catalogue from a file: either a GET /object_info body or a recording with a {@code body} key.
     *
     * @throws EmulatorException naming the file when it cannot be read or is not an object of node infos
     */
    public static Catalogue fromFile(Path file) {
        try {
            JsonNode json = Json.MAPPER.readTree(Files.readString(file));
            return of(json.has("body") && json.get("body").isObject() ? json.get("body") : json, file.toString());
        } catch (IOException | JacksonException e) {
            throw new EmulatorException("cannot read the node catalogue " + file + ": " + e.getMessage()
                    + " (pass a GET /object_info JSON body with --object-info)", e);
        }
    }

    private static Catalogue of(JsonNode json, String source) {
        if (!json.isObject() || json.isEmpty()) {
            throw new EmulatorException("the node catalogue " + source + " must be a non-empty JSON object of "
                    + "{class_type: node info}, as GET /object_info answers");
        }
        return new Catalogue((ObjectNode) json);
    }

    public boolean contains(String classType) {
        return objectInfo.has(classType);
    }

    public boolean isOutputNode(String classType) {
        JsonNode info = objectInfo.get(classType);
        return info != null && info.path("output_node").asBoolean(false);
    }

    public List<String> outputTypes(String classType) {
        List<String> types = new ArrayList<>();
        JsonNode info = objectInfo.get(classType);
        if (info != null) {
            info.path("output").forEach(t -> types.add(t.isString() ? t.asString() : "COMBO"));
        }
        return types;
    }

    /** The catalogue JSON itself (callers must not modify it; copy first). */
    public ObjectNode json() {
        return objectInfo;
    }
}
