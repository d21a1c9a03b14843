package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.worker.output.InlineSink;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where output bytes come from: ComfyUI's folder on disk when the worker knows it, else {@code /view}. The
 * ComfyUI here is a closed port, so any {@code /view} fails: a delivered file was read from disk.
 */
class OutputCollectorTest {
    private static final ComfyClient NOBODY = ComfyClient.create(URI.create("http://127.0.0.1:9"));

    @TempDir
    Path root;

    private static RunOutputs saved(String subfolder, String name) {
        return RunOutputs.fromHistoryOutputs(Json.MAPPER.readTree("""
                {"9":{"images":[{"filename":"%s","subfolder":"%s","type":"output"}]}}""".formatted(name, subfolder)));
    }

    @Test
    void aFileInTheKnownOutputFolderIsReadFromDiskHashedAndEncodedInOnePass() throws Exception {
        LaunchSpec.Folders folders = new LaunchSpec.Folders(root.resolve("in"), root.resolve("out"), root.resolve("tmp"));
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5};
        Files.createDirectories(folders.output().resolve("p1"));
        Files.write(folders.output().resolve("p1").resolve("a_00001_.png"), png);
        ObjectNode output = Json.MAPPER.createObjectNode();

        new OutputCollector(NOBODY).collect("j1", saved("p1", "a_00001_.png"), new InlineSink(1024), output, folders,
                null);

        assertThat(output.has("errors")).as("%s", output).isFalse();
        ObjectNode entry = (ObjectNode) output.get("outputs").get(0);
        assertThat(Base64.getDecoder().decode(entry.get("data").asString())).isEqualTo(png);
        assertThat(entry.get("size").asLong()).isEqualTo(png.length);
        assertThat(entry.get("sha256").asString())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(png)));
        assertThat(output.get("images").get(0).get("data").asString()).isEqualTo(entry.get("data").asString());
    }

    @Test
    void withoutKnownFoldersOrOutsideThemTheFileIsFetchedOverView() throws Exception {
        LaunchSpec.Folders folders = new LaunchSpec.Folders(root.resolve("in"), root.resolve("out"), root.resolve("tmp"));
        Files.createDirectories(folders.output());
        Files.write(root.resolve("secret.png"), new byte[] {1, 2, 3});
        Files.write(folders.output().resolve("b.png"), new byte[] {4, 5, 6});

        ObjectNode attached = Json.MAPPER.createObjectNode();
        new OutputCollector(NOBODY).collect("j2", saved("", "b.png"), new InlineSink(1024), attached, null, null);
        ObjectNode escaping = Json.MAPPER.createObjectNode();
        new OutputCollector(NOBODY).collect("j3", saved("..", "secret.png"), new InlineSink(1024), escaping, folders,
                null);

        // both went to /view, which nobody answers here
        assertThat(attached.get("errors").get(0).asString()).contains("b.png").contains("not delivered");
        assertThat(escaping.get("errors").get(0).asString()).contains("secret.png").contains("not delivered");
        assertThat(escaping.get("outputs")).isEmpty();
    }
}
