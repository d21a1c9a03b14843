package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An accepted job survives the gateway being killed: a child JVM enqueues from several threads (so writes
 * share group commits) and is killed with SIGKILL mid-stream; every id it reported as accepted is then in
 * the file. (This proves nothing is acknowledged before it is committed; surviving power loss rests on
 * synchronous=FULL, which a test cannot pull the plug on.)
 */
class SqliteCrashTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void everyAcceptedJobIsThereAfterTheProcessIsKilled() throws Exception {
        Path file = dir.resolve("jobs.db");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), EnqueueUntilKilled.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> accepted = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (accepted.size() < 100 && (line = out.readLine()) != null) {
                if (line.matches("k\\d+-\\d+")) { // the child's log lines go to stdout too
                    accepted.add(line);
                }
            }
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(accepted).as("the child accepted jobs before it was killed").hasSize(100);

        try (JobStore store = JobStores.openSqlite(file)) {
            for (String id : accepted) {
                assertThat(store.find(id, TestJobs.at(1))).as(id).isPresent();
            }
        }
    }
}
