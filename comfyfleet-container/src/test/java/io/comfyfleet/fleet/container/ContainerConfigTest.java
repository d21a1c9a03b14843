package io.comfyfleet.fleet.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.fleet.FleetConfigException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerConfigTest {
    private static final URI DOCKER = URI.create("unix:///var/run/docker.sock");
    private static final URI GATEWAY = URI.create("http://127.0.0.1:8080");

    private static ContainerConfig.Builder valid() {
        return ContainerConfig.builder(DOCKER, "registry.example.com/team/worker:1.2", GATEWAY);
    }

    @Test
    void defaultsAreHostNetworkingOneCpuSlotAndPullingMissingImages() {
        ContainerConfig c = valid().build();

        assertThat(c.network()).isEqualTo("host");
        assertThat(c.slots()).isEqualTo(1);
        assertThat(c.pull()).isEqualTo(ContainerConfig.Pull.MISSING);
        assertThat(c.gpuDriver()).isEqualTo("nvidia");
        assertThat(c.command()).isNull();
        assertThat(valid().gpus(List.of(0, 1)).slotsPerGpu(3).build().slots()).isEqualTo(6);
    }

    @Test
    void everyBadKeyIsNamed() {
        assertKey(ContainerConfig.builder(URI.create("http://docker:2375"), "w:1", GATEWAY), "host");
        assertKey(ContainerConfig.builder(DOCKER, null, GATEWAY), "image");
        assertKey(ContainerConfig.builder(DOCKER, "Not An Image", GATEWAY), "image");
        assertKey(ContainerConfig.builder(DOCKER, "w:1", URI.create("ftp://x")), "gatewayUrl");
        assertKey(valid().gpus(List.of(0, 0)), "gpus");
        assertKey(valid().basePort(65535).cpuSlots(2), "basePort");
        assertKey(valid().mounts(List.of("/models")), "mounts[0]");
        assertKey(valid().mounts(List.of("/models:/models:ro", "/cache:cache")), "mounts[1]");
        assertKey(valid().env("BAD-NAME", "x"), "env.BAD-NAME");
        assertKey(valid().command(List.of()), "command");
        assertKey(valid().instance("has space"), "instance");
        assertKey(valid().network(" "), "network");
    }

    @Test
    void mountsTakeDockersShortForm() {
        assertThat(Mounts.binds(List.of("/models:/models:ro", "cache-vol:/cache")))
                .extracting(b -> b.getPath() + ">" + b.getVolume().getPath() + ":" + b.getAccessMode())
                .containsExactly("/models>/models:ro", "cache-vol>/cache:rw");
    }

    private static void assertKey(ContainerConfig.Builder b, String key) {
        assertThatThrownBy(b::build).isInstanceOf(FleetConfigException.class).extracting("key").isEqualTo(key);
    }
}
