package io.comfyfleet.common.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitStatusTest {
    @Test
    void aSignalIsNamedWithItsUsualCause() {
        assertThat(ExitStatus.describe(137)).startsWith("killed by SIGKILL (exit code 137)").contains("out-of-memory");
        assertThat(ExitStatus.describe(139)).startsWith("crashed with SIGSEGV");
        assertThat(ExitStatus.describe(134)).startsWith("aborted by SIGABRT");
        assertThat(ExitStatus.describe(143)).startsWith("ended by SIGTERM");
        assertThat(ExitStatus.describe(129)).isEqualTo("killed by signal 1 (exit code 129)");
    }

    @Test
    void anOrdinaryCodeIsJustACode() {
        assertThat(ExitStatus.describe(1)).isEqualTo("exited with code 1");
        assertThat(ExitStatus.describe(128)).isEqualTo("exited with code 128");
        assertThat(ExitStatus.describe(255)).isEqualTo("exited with code 255");
    }
}
