package io.comfyfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessAgeTest {
    @TempDir Path proc;

    @Test
    void theAgeIsTheTimeSinceBootLessTheStartInClockTicks() throws Exception {
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("uptime"), "23185.47 45012.80\n");
        // a command name with a space and a ')' in it, as the kernel writes it
        Files.writeString(proc.resolve("self/stat"), "4242 (java x) y) S 1 4242 4242 0 -1 4194560 15000 0 0 0 80 20"
                + " 0 0 20 0 30 0 2318412 4000000000 60000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0\n");
        assertThat(ProcessAge.fromProc(proc)).contains(23185_470L - 23184_120L);
    }

    @Test
    void aProcFolderThatCannotBeReadGivesNothingSoTheFallbackAnswers() throws Exception {
        assertThat(ProcessAge.fromProc(proc)).isEmpty();
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("uptime"), "23185.47 45012.80\n");
        Files.writeString(proc.resolve("self/stat"), "4242 (java) S 1\n");
        assertThat(ProcessAge.fromProc(proc)).isEmpty();
    }

    @Test
    void aChildJvmSeesItsOwnAgeWithinItsLifetime() throws Exception {
        long before = System.nanoTime();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ProcessAgeChild.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes()).trim();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long lifetimeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        long age = Long.parseLong(out);
        // the child measured its age before it ended: more than nothing, and not more than its whole life here
        // plus the clock ticks' precision; the JDK's own answer was up to a second longer on some boots
        assertThat(age).isPositive().isLessThanOrEqualTo(lifetimeMs + 20);
    }
}
