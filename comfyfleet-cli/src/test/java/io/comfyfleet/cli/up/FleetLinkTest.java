package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.autoscale.AutoscalerSettings;
import io.comfyfleet.fleet.local.LocalProcessConfig;
import io.comfyfleet.fleet.local.LocalProcessProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.gateway.dispatch.WorkerFailure;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.metrics.FleetMetrics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process killed without a word (as the kernel's out-of-memory killer kills: SIGKILL) could not ping why it
 * ended; through {@link FleetLink} its exit status becomes the endpoint's last worker failure, which /health and the
 * dashboard show. A worker that said why has already pinged it and is not reported twice. Either way the leases of
 * the jobs it held end at once.
 */
class FleetLinkTest {
    @TempDir
    Path dir;
    private final WorkerRegistry registry = new WorkerRegistry(Clock.systemUTC(), Duration.ofSeconds(30));
    /** Workers whose leases FleetLink ended (the gateway's endLeases; one job each here). */
    private final List<String> leasesEnded = new java.util.concurrent.CopyOnWriteArrayList<>();
    private LocalProcessProvider local;
    private Autoscaler autoscaler;

    @AfterEach
    void close() throws Exception {
        if (autoscaler != null) {
            autoscaler.close();
        }
        if (local != null) {
            local.close();
        }
    }

    @Test
    void aWorkerKilledWithoutAWordBecomesTheEndpointsLastWorkerFailure() throws Exception {
        start("kill -9 $$\n").start(new WorkerSpec("ep1", "w-oom"));

        await().atMost(Duration.ofSeconds(10)).until(() -> registry.lastFailure("ep1").isPresent());
        WorkerFailure failure = registry.lastFailure("ep1").orElseThrow();
        assertThat(failure.workerId()).isEqualTo("w-oom");
        assertThat(failure.check()).isEqualTo("exited");
        assertThat(failure.reason()).startsWith("killed by SIGKILL (exit code 137)");
        assertThat(leasesEnded).as("its jobs go back to the queue at the next sweep").containsExactly("w-oom");
    }

    @Test
    void aWorkerThatSaidWhyIsLeftToItsOwnPing() throws Exception {
        start("echo 'comfyfleet worker: exits with code 1: ComfyUI did not start' >&2\nexit 1\n")
                .start(new WorkerSpec("ep1", "w-said"));

        await().atMost(Duration.ofSeconds(10)).until(() -> local.problem("w-said").isPresent());
        assertThat(local.problem("w-said")).hasValue("ComfyUI did not start");
        // its exit is told right after its reason is read: a second is ample time for a wrong report to show
        await("its unhealthy ping carries the reason, with its check").during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3)).until(() -> registry.lastFailure("ep1").isEmpty());
        assertThat(leasesEnded).as("but it will not report again either").containsExactly("w-said");
    }

    /** A local provider running {@code script} as each worker, behind {@code up}'s hand-back wrapper, linked. */
    private HandBackOnStop start(String script) throws Exception {
        Path file = dir.resolve("worker.sh");
        Files.writeString(file, script);
        local = new LocalProcessProvider(LocalProcessConfig.builder(List.of("sh", file.toString()),
                URI.create("http://127.0.0.1:1")).build(), Clock.systemUTC());
        HandBackOnStop provider = new HandBackOnStop(local, id -> List.of());
        autoscaler = new Autoscaler(new ListedWorkers(), (endpoint, now) -> io.comfyfleet.fleet.scale.QueueSnapshot.empty(),
                endpoint -> Map.of(), List.of(), AutoscalerSettings.defaults(), Clock.systemUTC());
        FleetLink.attach(registry, autoscaler, provider, FleetMetrics.NONE, id -> {
            leasesEnded.add(id);
            return 1;
        }, Clock.systemUTC());
        return provider;
    }
}
