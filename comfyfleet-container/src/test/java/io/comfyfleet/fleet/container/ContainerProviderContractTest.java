package io.comfyfleet.fleet.container;

import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerProviderContract;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The provider contract on real containers: a Podman service of its own, a tiny shell-script worker image. */
class ContainerProviderContractTest extends WorkerProviderContract {
    private static final String INSTANCE = "contract-" + UUID.randomUUID().toString().substring(0, 8);
    private static PodmanService podman;

    @BeforeAll
    static void startEngine(@TempDir Path context) throws Exception {
        podman = PodmanService.start();
        TestWorkerImage.build(context);
    }

    @AfterAll
    static void stopEngine() {
        if (podman != null) {
            PodmanService.removeLabelled(Labels.INSTANCE, INSTANCE);
            podman.close();
        }
    }

    @Override
    protected WorkerProvider newProvider(Behaviour behaviour, int capacity, Clock clock) {
        ContainerConfig.Builder config = ContainerConfig.builder(podman.host(), TestWorkerImage.TAG,
                        URI.create("http://127.0.0.1:8080"))
                .cpuSlots(capacity).stopGrace(Duration.ofSeconds(2)).instance(INSTANCE)
                .pull(ContainerConfig.Pull.NEVER);
        if (behaviour == Behaviour.EXITS_AT_ONCE) {
            config.env("TEST_BEHAVIOUR", "exit");
        }
        return new ContainerProvider(config.build(), clock);
    }
}
