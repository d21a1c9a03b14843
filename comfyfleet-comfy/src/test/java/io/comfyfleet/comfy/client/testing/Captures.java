package io.comfyfleet.comfy.client.testing;

import io.comfyfleet.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/** The real ComfyUI 0.3.64 recordings under {@code contracts/comfyui/captures/}. */
public final class Captures {
    public static final List<String> FOLDERS = List.of("cpu-0.3.64", "h100-0.3.64", "h100-0.3.64-restart");

    private Captures() {}

    public static Path root() {
        String repo = System.getProperty("comfyfleet.repo.dir");
        Path base = repo != null ? Path.of(repo) : Path.of("..").toAbsolutePath().normalize();
        Path captures = base.resolve("contracts/comfyui/captures");
        if (!Files.isDirectory(captures)) {
            throw new IllegalStateException("recordings not found at " + captures
                    + "; run the tests through Maven (it sets comfyfleet.repo.dir)");
        }
        return captures;
    }

    public static JsonNode load(String folder, String name) {
        Path file = root().resolve(folder).resolve(name.endsWith(".json") ? name : name + ".json");
        try {
            return Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every recorded case that has WebSocket frames, across the three folders. */
    public static List<Path> casesWithFrames() {
        try (Stream<Path> files = FOLDERS.stream().flatMap(f -> list(root().resolve(f)))) {
            return files.filter(p -> {
                try {
                    return Json.MAPPER.readTree(Files.readString(p)).has("frames");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }

    public static JsonNode read(Path file) {
        try {
            return Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The prompt a recording submitted: its request, or (when the request was not kept) its history entry. */
    public static JsonNode prompt(JsonNode recording) {
        if (recording.has("request")) {
            return recording.get("request").get("prompt");
        }
        return historyEntry(recording).get("prompt").get(2);
    }

    /** The client id a recording used. */
    public static String clientId(JsonNode recording) {
        if (recording.has("request")) {
            return recording.get("request").path("client_id").asString(null);
        }
        return historyEntry(recording).get("prompt").get(3).path("client_id").asString(null);
    }

    private static JsonNode historyEntry(JsonNode recording) {
        return recording.get("history").properties().iterator().next().getValue();
    }

    /** Rebuilds a recorded binary frame: the recorded first bytes, then filler up to the recorded length. */
    public static byte[] binaryFrame(JsonNode binary) {
        byte[] head = hex(binary.get("head").asString());
        byte[] frame = new byte[binary.get("len").asInt()];
        System.arraycopy(head, 0, frame, 0, head.length);
        return frame;
    }

    public static byte[] hex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
