package io.comfyfleet.image.models;

import io.comfyfleet.image.recipe.Recipe;
import io.comfyfleet.image.recipe.Recipe.Placement;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The models a worker prepares at start ({@code /opt/comfyfleet/models.json} in the image): the {@code volume} and
 * {@code cache} models of the recipe. Baked models are already in ComfyUI's models folder.
 *
 * @param entries the models, in recipe order
 */
public record ModelManifest(List<Entry> entries) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @param placement {@code volume} or {@code cache}
     * @param source    the URL (cache) or the path under the volume (volume)
     * @param authEnv   the environment variable whose value is sent as {@code Authorization: Bearer}, or null
     */
    public record Entry(String folder, String name, String placement, String source, String sha256, String authEnv) {
        public String id() {
            return folder + "/" + name;
        }
    }

    public ModelManifest {
        entries = List.copyOf(entries);
    }

    public static ModelManifest of(Recipe recipe) {
        List<Entry> entries = new ArrayList<>();
        for (Recipe.Model m : recipe.models()) {
            if (m.placement() == Placement.BAKE) {
                continue;
            }
            String authEnv = m.secret() == null ? null : recipe.secret(m.secret()).map(Recipe.Secret::env).orElse(null);
            entries.add(new Entry(m.folder(), m.name(), m.placement().key(), m.source(), m.sha256(), authEnv));
        }
        return new ModelManifest(entries);
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("models");
        for (Entry e : entries) {
            ObjectNode o = list.addObject();
            o.put("folder", e.folder()).put("name", e.name()).put("placement", e.placement()).put("source", e.source())
                    .put("sha256", e.sha256());
            if (e.authEnv() != null) {
                o.put("authEnv", e.authEnv());
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    public static ModelManifest parse(String json) {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode o : JSON.readTree(json).path("models")) {
            entries.add(new Entry(o.path("folder").asString(), o.path("name").asString(), o.path("placement").asString(),
                    o.path("source").asString(), o.path("sha256").asString(),
                    o.hasNonNull("authEnv") ? o.get("authEnv").asString() : null));
        }
        return new ModelManifest(entries);
    }
}
