package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerProviderContract;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The provider contract on real OS processes, with bash scripts as workers. */
class LocalProcessProviderContractTest extends WorkerProviderContract {
    @TempDir
    Path dir;

    @Override
    protected WorkerProvider newProvider(Behaviour behaviour, int capacity, Clock clock) {
        String script = switch (behaviour) {
            case RUNS_UNTIL_STOPPED -> Scripts.UNTIL_TERM;
            case EXITS_AT_ONCE -> Scripts.EXITS_AT_ONCE;
        };
        return new LocalProcessProvider(LocalProcessConfig.builder(Scripts.command(dir, "worker", script),
                URI.create("http://127.0.0.1:8080")).cpuSlots(capacity).stopGrace(Duration.ofSeconds(2)).build(),
                clock);
    }
}
