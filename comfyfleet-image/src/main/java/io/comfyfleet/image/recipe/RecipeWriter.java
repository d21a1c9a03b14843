package io.comfyfleet.image.recipe;

import io.comfyfleet.image.recipe.Recipe.FileCopy;
import io.comfyfleet.image.recipe.Recipe.Model;
import io.comfyfleet.image.recipe.Recipe.Node;
import io.comfyfleet.image.recipe.Recipe.Source;
import java.nio.file.Path;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * Writes a recipe as {@code comfyfleet-image.yaml}, with paths relative to the folder the file goes to, so that
 * {@link RecipeParser} reads back the same recipe.
 */
public final class RecipeWriter {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .build();

    private RecipeWriter() {}

    /** @param header comment lines put first (without {@code #}) */
    public static String write(Recipe r, Path dir, String header) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("base", r.base());
        if (!r.apt().isEmpty()) {
            r.apt().forEach(root.putArray("apt")::add);
        }
        root.put("python", r.python());
        ObjectNode comfy = root.putObject("comfyui");
        source(comfy, r.comfyui().source(), dir);
        if (!r.comfyui().requirements()) {
            comfy.put("requirements", false);
        }
        if (!r.comfyui().args().isEmpty()) {
            r.comfyui().args().forEach(comfy.putArray("args")::add);
        }
        if (!r.nodes().isEmpty()) {
            ArrayNode nodes = root.putArray("nodes");
            for (Node n : r.nodes()) {
                ObjectNode o = nodes.addObject().put("name", n.name());
                source(o, n.source(), dir);
            }
        }
        if (!r.pip().packages().isEmpty() || r.pip().indexUrl() != null) {
            ObjectNode pip = root.putObject("pip");
            if (r.pip().indexUrl() != null) {
                pip.put("indexUrl", r.pip().indexUrl());
            }
            if (!r.pip().extraIndexUrls().isEmpty()) {
                r.pip().extraIndexUrls().forEach(pip.putArray("extraIndexUrls")::add);
            }
            r.pip().packages().forEach(pip.putArray("packages")::add);
        }
        if (!r.files().isEmpty()) {
            ArrayNode files = root.putArray("files");
            for (FileCopy c : r.files()) {
                files.addObject().put("from", relative(dir, c.source())).put("to", c.target());
            }
        }
        if (!r.models().isEmpty()) {
            ArrayNode models = root.putArray("models");
            for (Model m : r.models()) {
                ObjectNode o = models.addObject().put("folder", m.folder()).put("name", m.name())
                        .put("source", m.url() != null ? m.url() : m.placement() == Recipe.Placement.VOLUME
                                ? m.path().toString() : relative(dir, m.path()))
                        .put("sha256", m.sha256()).put("placement", m.placement().key());
                if (m.secret() != null) {
                    o.put("secret", m.secret());
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (String line : header.split("\n")) {
            out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
        }
        return out.append(YAML.writeValueAsString(root)).toString();
    }

    private static void source(ObjectNode o, Source s, Path dir) {
        if (s.isGit()) {
            o.put("git", s.git().startsWith("/") ? relative(dir, Path.of(s.git())) : s.git()).put("commit", s.commit());
        } else {
            o.put("path", relative(dir, s.path()));
        }
    }

    /** A path relative to {@code dir} when that is shorter to read, else absolute. */
    static String relative(Path dir, Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path rel = dir.toAbsolutePath().normalize().relativize(abs);
        String r = rel.toString();
        return r.isEmpty() ? "." : r.startsWith("../../..") ? abs.toString() : r.startsWith("..") ? r : "./" + r;
    }
}
