package io.comfyfleet.gateway.admission;

import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A node catalogue as a worker reports it: the real {@code /object_info} of ComfyUI 0.3.64 on an H100 (from the
 * recordings), as compact JSON bytes and their SHA-256.
 */
public record TestCatalogue(byte[] body, String digest) {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    public static Path captures() {
        String repo = System.getProperty("comfyfleet.repo.dir");
        Path base = repo != null ? Path.of(repo) : Path.of("..").toAbsolutePath().normalize();
        return base.resolve("contracts/comfyui/captures/h100-0.3.64");
    }

    /** A recording of the H100 folder, e.g. {@code err_unknown_node}. */
    public static JsonNode capture(String name) {
        try {
            return MAPPER.readTree(Files.readString(captures().resolve(name + ".json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TestCatalogue h100() {
        return of((ObjectNode) capture("GET_object_info").get("body"));
    }

    public static TestCatalogue of(ObjectNode objectInfo) {
        byte[] body = MAPPER.writeValueAsBytes(objectInfo);
        return new TestCatalogue(body, sha256(body));
    }

    /** The same catalogue without one node type (another worker version). */
    public TestCatalogue without(String nodeType) {
        ObjectNode copy = (ObjectNode) MAPPER.readTree(body);
        copy.remove(nodeType);
        return of(copy);
    }

    /** Reports digest first, then the body when the gateway asks for it; returns the last answer. */
    public Reply report(Api worker, String endpoint, String workerId, String version) {
        Reply first = post(worker, endpoint, workerId, version, new byte[0]);
        if (first.status() != 200 || first.json().path("known").asBoolean()) {
            return first;
        }
        return post(worker, endpoint, workerId, version, body);
    }

    public Reply post(Api worker, String endpoint, String workerId, String version, byte[] bytes) {
        String path = "/v2/" + endpoint + "/catalogue/" + workerId + "?digest=" + digest
                + (version == null ? "" : "&version=" + version);
        return worker.send(worker.request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
