package io.comfyfleet.comfy.workflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * The recordings as the validation tests use them: each folder's catalogue, read once, and its POST /prompt
 * cases. Finding and reading the files is the shared {@link io.comfyfleet.comfy.client.testing.Captures}.
 */
final class Captures {
    static final List<String> FOLDERS = io.comfyfleet.comfy.client.testing.Captures.FOLDERS;
    private static final Map<String, NodeCatalog> CATALOGS = new ConcurrentHashMap<>();

    private Captures() {}

    static Path root() {
        return io.comfyfleet.comfy.client.testing.Captures.root();
    }

    static JsonNode read(String folder, String file) {
        return io.comfyfleet.comfy.client.testing.Captures.load(folder, file);
    }

    static NodeCatalog catalog(String folder) {
        return CATALOGS.computeIfAbsent(folder,
                f -> NodeCatalog.fromObjectInfo(read(f, "GET_object_info.json").get("body")));
    }

    /** The recorded POST /prompt cases of a folder: err_*, ok_*, g*, h*. */
    static List<String> promptCases(String folder) {
        try (Stream<Path> files = Files.list(root().resolve(folder))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("(err_|ok_|g\\d|h\\d).*\\.json"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
