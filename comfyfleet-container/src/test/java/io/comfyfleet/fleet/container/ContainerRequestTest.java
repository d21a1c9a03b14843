package io.comfyfleet.fleet.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.fleet.provider.GatewaySilenceLimit;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** A worker container's environment, without an engine. */
class ContainerRequestTest {
    private static final URI DOCKER = URI.create("unix:///var/run/docker.sock");
    private static final URI GATEWAY = URI.create("http://127.0.0.1:8080");

    @Test
    void aWorkerContainerStopsItselfWhenItsGatewayIsSilentForFiveMinutesUnlessTheYamlSaysOtherwise() {
        ContainerConfig plain = ContainerConfig.builder(DOCKER, "w:1", GATEWAY).build();
        assertThat(ContainerRequest.env(plain, new WorkerSpec("ep", "w1"), new Slot(0, null), "w:1"))
                .containsEntry(GatewaySilenceLimit.VARIABLE, "300");

        ContainerConfig patient = ContainerConfig.builder(DOCKER, "w:1", GATEWAY)
                .env(GatewaySilenceLimit.VARIABLE, "1800").build();
        assertThat(ContainerRequest.env(patient, new WorkerSpec("ep", "w1"), new Slot(0, null), "w:1"))
                .containsEntry(GatewaySilenceLimit.VARIABLE, "1800");
    }
}
