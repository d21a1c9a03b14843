package io.comfyfleet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientDefaultsTest {
    @TempDir
    Path dir;

    @Test
    void withoutAConfigFileTheBuiltInDefaultsApply() {
        assertThat(ClientDefaults.in(dir)).isEqualTo(new ClientDefaults("http://127.0.0.1:8080/v2", "comfyui"));
    }

    @Test
    void theConfigFileGivesTheServerPortAndTheFirstEndpoint() throws Exception {
        Files.writeString(dir.resolve("comfyfleet.yaml"), """
                server:
                  host: 0.0.0.0
                  port: 9123
                endpoints:
                  - name: sdxl
                    clientKeys: ["${COMFYFLEET_CLIENT_KEY}"]
                  - name: flux
                """);

        assertThat(ClientDefaults.in(dir)).isEqualTo(new ClientDefaults("http://127.0.0.1:9123/v2", "sdxl"));
    }

    @Test
    void aConfigFileWithoutThoseSectionsFallsBackPerField() throws Exception {
        Files.writeString(dir.resolve("comfyfleet.yaml"), "server:\n  host: 10.0.0.5\n");

        assertThat(ClientDefaults.in(dir)).isEqualTo(new ClientDefaults("http://10.0.0.5:8080/v2", "comfyui"));
    }

    @Test
    void aBrokenConfigFileIsNamedWithWhatToDoInstead() throws Exception {
        Files.writeString(dir.resolve("comfyfleet.yaml"), "server: [unclosed\n");

        assertThatThrownBy(() -> ClientDefaults.in(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("comfyfleet.yaml").hasMessageContaining("--url")
                .hasMessageNotContaining("Source:").hasMessageContaining("not valid YAML");
    }

    @Test
    void aKeyWrittenTwiceIsNamedNotReadAsItsLastValue() throws Exception {
        Files.writeString(dir.resolve("comfyfleet.yaml"), "server:\n  port: 8080\n  port: 9090\n");

        assertThatThrownBy(() -> ClientDefaults.in(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the key \"port\" appears twice in server (line 3)")
                .hasMessageContaining("--url");
    }
}
