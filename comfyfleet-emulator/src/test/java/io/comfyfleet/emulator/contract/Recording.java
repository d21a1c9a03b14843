package io.comfyfleet.emulator.contract;

import io.comfyfleet.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/** One recorded case from contracts/comfyui/captures (request, answer, frames, history, views). */
record Recording(String folder, String name, JsonNode json) {

    static Path capturesRoot() {
        String repo = System.getProperty("comfyfleet.repo.dir");
        Path root = repo == null ? Path.of("..") : Path.of(repo);
        return root.resolve("contracts/comfyui/captures");
    }

    static Recording load(String folder, String name) {
        Path file = capturesRoot().resolve(folder).resolve(name + ".json");
        try {
            return new Recording(folder, name, Json.MAPPER.readTree(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording " + file, e);
        }
    }

    JsonNode request() {
        return json.get("request");
    }

    int httpStatus() {
        return json.path("http_status").asInt(200);
    }

    JsonNode response() {
        return json.get("response");
    }

    JsonNode frames() {
        return json.path("frames");
    }

    JsonNode historyEntry() {
        JsonNode history = json.path("history");
        return history.isObject() && !history.isEmpty() ? history.values().iterator().next() : null;
    }

    JsonNode body() {
        return json.get("body");
    }
}
