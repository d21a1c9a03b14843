package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.Test;

/** What up's terminal leaves out unless --verbose (on a context of its own: the test JVM's logging stays as it is). */
class UpLoggingTest {
    /** The logger docker-java's HTTP client retries with, as the runnable jar holds it. */
    private static final String RETRY = "com.github.dockerjava.zerodep.shaded.org.apache.hc.client5.http.impl.classic"
            + ".HttpRequestRetryExec";

    @Test
    void aWrongEngineSocketShowsNoLibraryRetryLineUnlessVerbose() {
        LoggerContext quiet = new LoggerContext();
        UpLogging.quietLibraries(quiet, false);
        assertThat(quiet.getLogger(RETRY).isInfoEnabled()).as("'Recoverable I/O exception ...' hidden").isFalse();
        assertThat(quiet.getLogger(RETRY).isWarnEnabled()).isTrue();
        assertThat(quiet.getLogger("org.flywaydb.core.Flyway").isInfoEnabled()).isFalse();

        LoggerContext verbose = new LoggerContext();
        UpLogging.quietLibraries(verbose, true);
        assertThat(verbose.getLogger(RETRY).isInfoEnabled()).isTrue();
    }
}
