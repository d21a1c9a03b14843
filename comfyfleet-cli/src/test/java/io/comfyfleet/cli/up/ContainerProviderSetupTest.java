package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.fleet.container.ContainerConfig;
import io.comfyfleet.gateway.config.ConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerProviderSetupTest {
    private static final String ENDPOINTS = """
            endpoints:
              - name: ep
                clientKeys: ["client-key-0123456789"]
                workerKeys: ["worker-key-0123456789"]
            """;

    @TempDir
    Path dir;

    private UpConfig load(String workers) throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, ENDPOINTS + workers);
        return new UpConfigLoader(name -> null).load(file, dir);
    }

    @Test
    void theContainerSectionIsReadWithItsDefaults() throws Exception {
        UpConfig config = load("""
                workers:
                  provider: container
                  gpus: [0, 1]
                  container:
                    image: registry.example.com/team/worker:1.2
                    mounts: ["./models:/opt/ComfyUI/models:ro", "cache:/cache"]
                    env: {HF_HOME: /cache/hf, THREADS: 4}
                    pull: never
                """);

        ContainerProviderSetup.Settings c = config.fleet().container();
        assertThat(config.fleet().provider()).isEqualTo("container");
        assertThat(c.host()).isEqualTo(URI.create("unix:///var/run/docker.sock"));
        assertThat(c.image()).isEqualTo("registry.example.com/team/worker:1.2");
        assertThat(c.network()).isEqualTo("host");
        assertThat(c.mounts()).containsExactly(dir.resolve("models") + ":/opt/ComfyUI/models:ro", "cache:/cache");
        assertThat(c.env()).containsEntry("HF_HOME", "/cache/hf").containsEntry("THREADS", "4");
        assertThat(c.pull()).isEqualTo(ContainerConfig.Pull.NEVER);
        assertThat(c.gatewayUrl()).isNull();
        assertThat(c.command()).isNull();
        assertThat(config.fleet().comfyui()).isInstanceOf(FleetSettings.ComfyLaunch.Unset.class);
    }

    @Test
    void theLocalProviderHasNoContainerSettings() throws Exception {
        assertThat(load("workers: {provider: local}\n").fleet().container()).isNull();
    }

    @Test
    void everyBadContainerKeyIsNamed() {
        assertThatThrownBy(() -> load("""
                workers:
                  provider: container
                  container:
                    host: http://docker:2375
                    mounts: ["/models"]
                    env: {A: [1]}
                    pull: always
                    colour: blue
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("workers.container.pull: must be never or missing")
                .hasMessageContaining("workers.container.env.A:")
                .hasMessageContaining("workers.container.colour: unknown key")
                .hasMessageContaining("workers.container.host: must be the Docker Engine API address");
        assertThatThrownBy(() -> load("workers:\n  provider: container\n  container: {image: \"w:1\", mounts: [\"/m\"]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workers.container.mounts[0]: must be");
        assertThatThrownBy(() -> load("workers:\n  provider: container\n  container: {network: host}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workers.container.image: must be set");
        assertThatThrownBy(() -> load("workers: {provider: container}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workers.container: must be a mapping");
        assertThatThrownBy(() -> load("workers: {provider: kubernetes-ish}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workers.provider: must be local")
                .hasMessageContaining("container (workers as containers, see workers.container)");
    }

    @Test
    void theDefaultInstanceIsStablePerDataFolder() {
        assertThat(ContainerProviderSetup.instanceOf(Path.of("/srv/a/data")))
                .isEqualTo(ContainerProviderSetup.instanceOf(Path.of("/srv/a/data")))
                .isNotEqualTo(ContainerProviderSetup.instanceOf(Path.of("/srv/b/data")))
                .matches("up-[0-9a-f]{8}");
    }
}
