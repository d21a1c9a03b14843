package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.gateway.support.ScriptedWorker;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RunPod's official JavaScript SDK ({@code runpod-sdk@1.1.2} from npm) against a real gateway, with only its
 * {@code baseUrl} changed, while a Java worker completes the jobs. The script is {@code src/test/js/sdk-check.mjs};
 * {@code npm install} runs into {@code target/js-sdk} the first time.
 */
class RunpodJsSdkTest {
    private static final Path SOURCES = Path.of("src/test/js");
    private static final Path WORK = Path.of("target/js-sdk");

    @TempDir
    Path dir;

    @Test
    void theOfficialSdkRunsEveryOperationAgainstTheGateway() throws Exception {
        assumeTrue(commandWorks("node", "--version"), "node is not installed; this test needs Node 20+");
        prepareNodeProject();

        try (TestGateway gw = new TestGateway(dir, "  jobTakeHold: 5s\n  jobStopHold: 5s");
                ScriptedWorker worker = new ScriptedWorker(gw.worker.base() + "/v2/ep1", TestGateway.WORKER_KEY, "js-w1")
                        .start()) {
            Process node = new ProcessBuilder("node", "sdk-check.mjs", gw.client.base() + "/v2", TestGateway.CLIENT_KEY,
                    TestGateway.OTHER_CLIENT_KEY)
                    .directory(WORK.toFile()).redirectErrorStream(true).start();
            boolean ended = node.waitFor(120, TimeUnit.SECONDS);
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!ended) {
                node.destroyForcibly();
            }
            assertThat(ended).as("the SDK script finished within 120 s; output:%n%s", output).isTrue();
            assertThat(node.exitValue()).as(output).isZero();
            assertThat(output).contains("OK health", "OK run+status", "OK runSync", "OK runSync-failed", "OK stream",
                    "OK cancel", "OK purgeQueue", "OK errors-reject", "OK health-counts", "ALL OK");

            // the cancelled job's worker was told to stop it through job-stop
            String cancelled = output.lines().filter(l -> l.startsWith("CANCELLED ")).findFirst().orElseThrow()
                    .substring("CANCELLED ".length());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> worker.stopOrders().contains(cancelled));
        }
    }

    private static void prepareNodeProject() throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "sdk-check.mjs")) {
            Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/runpod-sdk"))) {
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                    .directory(WORK.toFile()).redirectErrorStream(true).start();
            boolean ended = npm.waitFor(180, TimeUnit.SECONDS);
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended && npm.exitValue() == 0).as("npm install runpod-sdk@1.1.2 failed:%n%s", output).isTrue();
        }
    }

    private static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
