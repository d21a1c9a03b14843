package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.worker.output.GatewayStoreSink;
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

    /**
     * Two save nodes with the prefixes a/img and b/img make two img_00001_.png, and names the gateway's store keeps as
     * one (日本 and 中国 both become __): each is delivered under a name of its own, so none replaces another.
     */
    @Test
    void outputsOfOneNameAreEachDeliveredToTheStoreUnderANameOfTheirOwn() throws Exception {
        LaunchSpec.Folders folders = new LaunchSpec.Folders(root.resolve("in"), root.resolve("out"), root.resolve("tmp"));
        Path job = folders.output().resolve("p1");
        Files.createDirectories(job.resolve("a"));
        Files.createDirectories(job.resolve("b"));
        Files.writeString(job.resolve("a").resolve("img_00001_.png"), "from a");
        Files.writeString(job.resolve("b").resolve("img_00001_.png"), "from b");
        Files.writeString(job.resolve("日本_00001_.png"), "from 日本");
        Files.writeString(job.resolve("中国_00001_.png"), "from 中国");
        RunOutputs outputs = RunOutputs.fromHistoryOutputs(Json.MAPPER.readTree("""
                {"3":{"images":[{"filename":"img_00001_.png","subfolder":"p1/a","type":"output"}]},
                 "4":{"images":[{"filename":"img_00001_.png","subfolder":"p1/b","type":"output"}]},
                 "5":{"images":[{"filename":"日本_00001_.png","subfolder":"p1","type":"output"}]},
                 "6":{"images":[{"filename":"中国_00001_.png","subfolder":"p1","type":"output"}]}}"""));
        ObjectNode output = Json.MAPPER.createObjectNode();

        try (io.comfyfleet.worker.FakeGateway gateway = new io.comfyfleet.worker.FakeGateway();
             GatewayStoreSink sink = new GatewayStoreSink(URI.create(gateway.url() + "/v2/ep"), "KEY",
                     java.time.Duration.ofSeconds(10))) {
            new OutputCollector(NOBODY).collect("j1", outputs, sink, output, folders, null);

            assertThat(output.has("errors")).as("%s", output).isFalse();
            assertThat(gateway.requests("PUT", "/outputs/")).extracting(r -> r.path().substring(r.path().lastIndexOf('/') + 1))
                    .containsExactly("img_00001_.png", "img_00001_-2.png", "%E6%97%A5%E6%9C%AC_00001_.png",
                            "%E4%B8%AD%E5%9B%BD_00001_-2.png");
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.util.List<String> fetched = new java.util.ArrayList<>();
            for (tools.jackson.databind.JsonNode entry : output.get("outputs")) {
                fetched.add(http.send(java.net.http.HttpRequest.newBuilder(URI.create(entry.get("url").asString())).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            }
            assertThat(fetched).containsExactly("from a", "from b", "from 日本", "from 中国");
            assertThat(output.get("outputs")).extracting(e -> e.get("filename").asString())
                    .as("the result names each file as ComfyUI did").containsExactly("img_00001_.png",
                            "img_00001_.png", "日本_00001_.png", "中国_00001_.png");
        }
    }
}
