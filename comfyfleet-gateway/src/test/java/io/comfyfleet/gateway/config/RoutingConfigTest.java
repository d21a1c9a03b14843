package io.comfyfleet.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code routing} and {@code affinityWait} of an endpoint: defaults, values, and errors that name the key. */
class RoutingConfigTest {
    private final ConfigLoader loader = new ConfigLoader(name -> null);

    private GatewayConfig parse(String extra) {
        return loader.parse("""
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                %s""".formatted(extra), "test.yaml", Path.of("/srv/fleet"));
    }

    @Test
    void affinityWithAThreeHundredMillisecondBoundIsTheDefault() {
        assertThat(parse("").endpoints().getFirst().routing())
                .isEqualTo(new Routing(Routing.Mode.AFFINITY, Duration.ofMillis(300)));
    }

    @Test
    void fifoAndAnotherBoundCanBeChosen() {
        Routing routing = parse("    routing: fifo\n    affinityWait: 150ms\n").endpoints().getFirst().routing();
        assertThat(routing).isEqualTo(new Routing(Routing.Mode.FIFO, Duration.ofMillis(150)));
        assertThat(parse("    routing: AFFINITY\n").endpoints().getFirst().routing().mode())
                .isEqualTo(Routing.Mode.AFFINITY);
    }

    @Test
    void anUnknownModeOrABoundOutOfRangeNamesTheKey() {
        assertThatThrownBy(() -> parse("    routing: round-robin\n    affinityWait: 30s\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).hasSize(2);
                    assertThat(e.problems().get(0))
                            .isEqualTo("endpoints[0].routing: must be affinity or fifo, got \"round-robin\"");
                    assertThat(e.problems().get(1)).startsWith("endpoints[0].affinityWait: ");
                });
    }
}
