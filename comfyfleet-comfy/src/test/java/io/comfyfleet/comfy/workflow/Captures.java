package io.comfyfleet.comfy.workflow;

import io.comfyfleet.comfy.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/** The real ComfyUI 0.3.64 recordings in contracts/comfyui/captures, read once per test run. */
final class Captures {
    static final List<String> FOLDERS = List.of("cpu-0.3.64", "h100-0.3.64", "h100-0.3.64-restart");
    private static final Map<String, NodeCatalog> CATALOGS = new ConcurrentHashMap<>();

    private Captures() {}

    static Path root() {
        String repo = System.getProperty("comfyfleet.repo.dir");
        Path base = repo != null ? Path.of(repo) : Path.of("..").toAbsolutePath().normalize();
        return base.resolve("contracts/comfyui/captures");
    }

    static JsonNode read(String folder, String file) {
        try {
            return Json.MAPPER.readTree(Files.readString(root().resolve(folder).resolve(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
