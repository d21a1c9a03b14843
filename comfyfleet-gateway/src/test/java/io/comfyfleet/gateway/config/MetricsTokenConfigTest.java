package io.comfyfleet.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code server.metricsToken}: optional, from the environment like any text value, and never too short. */
class MetricsTokenConfigTest {
    final Path base = Path.of("/tmp/comfyfleet-config-test");

    @Test
    void absentMeansOpenMetrics() {
        GatewayConfig config = new ConfigLoader(name -> null).parse(TestGateway.yaml(""), "test", base);

        assertThat(config.server().metricsToken()).isEmpty();
    }

    @Test
    void readFromTheEnvironment() {
        GatewayConfig config = new ConfigLoader(Map.of("TOKEN", "metrics-token-0123456789")::get)
                .parse(TestGateway.yaml("  metricsToken: ${TOKEN}"), "test", base);

        assertThat(config.server().metricsToken()).hasValueSatisfying(
                t -> assertThat(t.reveal()).isEqualTo("metrics-token-0123456789"));
    }

    @Test
    void aShortTokenIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new ConfigLoader(name -> null).parse(TestGateway.yaml("  metricsToken: short"), "test", base))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("server.metricsToken: must be at least 16 characters long"));
    }
}
