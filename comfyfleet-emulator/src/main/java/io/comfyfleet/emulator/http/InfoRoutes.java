package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.EmulatorException;
import io.comfyfleet.emulator.engine.Engine;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** /object_info, /system_stats, /features, /embeddings and /models, shaped like the recorded answers. */
final class InfoRoutes {
    private final Engine engine;
    private final ObjectNode systemStats;
    private final ArrayNode modelFolders;

    InfoRoutes(Engine engine, List<String> argv) {
        this.engine = engine;
        this.systemStats = (ObjectNode) resource("system_stats.json");
        ArrayNode args = ((ObjectNode) systemStats.get("system")).putArray("argv");
        args.add("main.py");
        argv.forEach(args::add);
        this.modelFolders = (ArrayNode) resource("model_folders.json");
    }

    void objectInfo(Context ctx) {
        Answers.json(ctx, liveCatalogue());
    }

    void objectInfoOne(Context ctx) {
        String name = ctx.pathParam("node_class");
        ObjectNode out = Json.MAPPER.createObjectNode();
        JsonNode info = liveCatalogue().get(name);
        if (info != null) {
            out.set(name, info);
        }
        Answers.json(ctx, out);
    }

    void systemStats(Context ctx) {
        Answers.json(ctx, systemStats);
    }

    void features(Context ctx) {
        Answers.json(ctx, features());
    }

    void embeddings(Context ctx) {
        Answers.json(ctx, Json.MAPPER.createArrayNode());
    }

    void models(Context ctx) {
        Answers.json(ctx, modelFolders);
    }

    /** Checkpoints are the catalogue's CheckpointLoaderSimple options; other known folders are empty. */
    void modelsIn(Context ctx) {
        String folder = ctx.pathParam("folder");
        boolean known = false;
        for (JsonNode name : modelFolders) {
            known |= name.asString().equals(folder);
        }
        if (!known) {
            ctx.status(404).result("");
            return;
        }
        ArrayNode files = Json.MAPPER.createArrayNode();
        if (folder.equals("checkpoints")) {
            engine.catalogue().json().path("CheckpointLoaderSimple").path("input").path("required")
                    .path("ckpt_name").path(0).forEach(files::add);
        }
        Answers.json(ctx, files);
    }

    /** GET /features and the WS feature_flags reply. */
    static ObjectNode features() {
        ObjectNode features = Json.MAPPER.createObjectNode();
        features.put("supports_preview_metadata", true);
        features.put("max_upload_size", 104_857_600L);
        return features;
    }

    /** The catalogue with LoadImage's options listing the input folder now, as ComfyUI scans at call time. */
    private ObjectNode liveCatalogue() {
        ObjectNode catalogue = engine.catalogue().json();
        JsonNode loadImage = catalogue.get("LoadImage");
        if (loadImage == null || !loadImage.path("input").path("required").path("image").isArray()) {
            return catalogue;
        }
        ObjectNode copy = catalogue.deepCopy();
        ArrayNode spec = (ArrayNode) copy.get("LoadImage").get("input").get("required").get("image");
        ArrayNode options = Json.MAPPER.createArrayNode();
        engine.services().files().inputFiles().forEach(options::add);
        spec.set(0, options);
        return copy;
    }

    private static JsonNode resource(String name) {
        try (InputStream in = InfoRoutes.class.getResourceAsStream("/io/comfyfleet/emulator/" + name)) {
            if (in == null) {
                throw new EmulatorException("the emulator resource " + name + " is missing from its jar");
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new EmulatorException("cannot read the emulator resource " + name, e);
        }
    }
}
