package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Worker logs on a real folder through logback's real rolling appender: a chatty worker cannot fill the disk. */
class WorkerLogFilesTest {
    static final String LINE = "x".repeat(99); // 100 bytes with the newline

    @TempDir
    Path logs;

    @Test
    void aWorkerThatWritesFarMoreThanItsShareKeepsOnlyItsNewestFiles() throws IOException {
        WorkerLogFiles files = new WorkerLogFiles(10_000, 2, 1_000_000);
        LoggerContext context = context();
        RollingFileAppender<ILoggingEvent> appender = files.open(context, logs, "ep-w1", UpLogging.FILE);
        Logger logger = context.getLogger("worker");
        logger.addAppender(appender);
        for (int i = 0; i < 1_000; i++) { // 100 kB: ten files' worth
            logger.info(i == 999 ? "the last line" : LINE);
        }
        context.stop();

        assertThat(names()).containsExactlyInAnyOrder("ep-w1.log", "ep-w1.1.log", "ep-w1.2.log");
        try (Stream<Path> all = Files.list(logs)) {
            // a file rolls over at the first line that finds it at its size, so it ends at most one line past it
            assertThat(all).allSatisfy(f -> assertThat(Files.size(f)).isBetween(1L, 10_100L));
        }
        assertThat(Files.readString(logs.resolve("ep-w1.log"))).endsWith("the last line\n");
    }

    @Test
    void aNewWorkersLogMakesRoomByDeletingTheLeastRecentlyWrittenFiles() throws IOException {
        for (int i = 1; i <= 4; i++) { // four old workers' logs, 4 kB each, the first the oldest
            Path old = logs.resolve("ep-old" + i + ".log");
            Files.writeString(old, "y".repeat(4_000));
            Files.setLastModifiedTime(old, FileTime.fromMillis(1_000_000L * i));
        }
        WorkerLogFiles files = new WorkerLogFiles(1_000, 1, 10_000);
        LoggerContext context = context();
        files.open(context, logs, "ep-new", UpLogging.FILE).stop();
        context.stop();

        assertThat(names()).as("the two newest fit in 10 kB; the rest make room").contains("ep-old4.log", "ep-old3.log")
                .doesNotContain("ep-old1.log", "ep-old2.log");
    }

    @Test
    void refusesBoundsThatCannotHold() {
        assertThatThrownBy(() -> new WorkerLogFiles(1_000, 0, 10_000)).hasMessageContaining("archives >= 1");
        assertThatThrownBy(() -> new WorkerLogFiles(10_000, 2, 1_000)).hasMessageContaining("(got 10000, 2, 1000)");
    }

    /** A logging context of the test's own, as logback's initialisation would set it up. */
    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        return context;
    }

    private java.util.List<String> names() throws IOException {
        try (Stream<Path> all = Files.list(logs)) {
            return all.map(p -> p.getFileName().toString()).toList();
        }
    }
}
