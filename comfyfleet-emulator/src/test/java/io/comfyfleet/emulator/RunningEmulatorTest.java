package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RunningEmulatorTest {
    @Test
    void allInterfacesAreReachedOnLoopbackAndIpv6IsBracketed() {
        assertThat(RunningEmulator.connectHost("0.0.0.0")).isEqualTo("127.0.0.1");
        assertThat(RunningEmulator.connectHost("::")).isEqualTo("127.0.0.1");
        assertThat(RunningEmulator.connectHost("::1")).isEqualTo("[::1]");
        assertThat(RunningEmulator.connectHost("10.0.0.5")).isEqualTo("10.0.0.5");
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> EmulatorConfig.builder().port(70_000).build()).isInstanceOf(EmulatorException.class)
                .hasMessageContaining("port");
        assertThatThrownBy(() -> EmulatorConfig.builder().timing(null).build()).hasMessageContaining("timing");
        assertThatThrownBy(() -> EmulatorConfig.builder().dropWebSocketsAfter(-1).build()).hasMessageContaining("dropWebSocketsAfter");
    }
}
