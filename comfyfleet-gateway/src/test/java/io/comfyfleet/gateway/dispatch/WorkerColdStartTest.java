package io.comfyfleet.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerColdStartTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theProvidersStartIsCountedFromTheGatewaysClockLessWhatTheWorkerMeasuredAfterItsCodeBegan() {
        SettableClock clock = new SettableClock(T0);
        WorkerRegistry registry = new WorkerRegistry(clock, Duration.ofSeconds(60));
        registry.provisioning(new ProvisioningView() {
            @Override
            public ProvisionedCounts counts(String endpoint) {
                return ProvisionedCounts.NONE;
            }

            @Override
            public Map<String, ProvidedWorker> workers(String endpoint) {
                return Map.of("w1", new ProvidedWorker("starting", T0));
            }
        });
        clock.advance(Duration.ofMillis(4_000));
        // 4,000 ms since the provider's start = (a) + 12 + 2,900 + 640 + 3: (a) = 445 ms, of which 180 the JVM
        registry.reportedColdStart("ep", "w1", new ColdStartReport(180, 12, 2_900, 640L, 3));
        registry.reportedColdStart("ep", "w1", new ColdStartReport(1, 1, 1, null, 1)); // a retried take: ignored
        registry.reportedColdStart("ep", "w2", new ColdStartReport(180, 12, 2_900, null, 3));

        WorkerColdStart w1 = registry.coldStarts("ep").get("w1");
        assertThat(w1).isEqualTo(new WorkerColdStart(445, true, 180, 12, 2_900, 640L, 3));
        assertThat(w1.comfyFleetMs()).isEqualTo(460);
        WorkerColdStart w2 = registry.coldStarts("ep").get("w2");
        assertThat(w2).as("not started by this gateway's provider: (a) is the JVM's boot only")
                .isEqualTo(new WorkerColdStart(180, false, 180, 12, 2_900, null, 3));
        assertThat(registry.coldStarts("other")).isEmpty();
    }
}
