package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.gateway.support.NodeProject;
import io.comfyfleet.gateway.support.ScriptedWorker;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
        assumeTrue(NodeProject.nodeAvailable(), "node is not installed; this test needs Node 20+");
        NodeProject.prepare(SOURCES, WORK, List.of("package.json", "sdk-check.mjs"), "runpod-sdk");

        try (TestGateway gw = new TestGateway(dir, "  jobTakeHold: 5s\n  jobStopHold: 5s");
                ScriptedWorker worker = new ScriptedWorker(gw.worker.base() + "/v2/ep1", TestGateway.WORKER_KEY, "js-w1")
                        .start()) {
            NodeProject.Run node = NodeProject.run(WORK, Map.of(), 120, "sdk-check.mjs", gw.client.base() + "/v2",
                    TestGateway.CLIENT_KEY, TestGateway.OTHER_CLIENT_KEY);
            String output = node.output();
            assertThat(node.ended()).as("the SDK script finished within 120 s; output:%n%s", output).isTrue();
            assertThat(node.exitCode()).as(output).isZero();
            assertThat(output).contains("OK health", "OK run+status", "OK runSync", "OK runSync-failed", "OK stream",
                    "OK cancel", "OK purgeQueue", "OK errors-reject", "OK health-counts", "ALL OK");

            // the cancelled job's worker was told to stop it through job-stop
            String cancelled = output.lines().filter(l -> l.startsWith("CANCELLED ")).findFirst().orElseThrow()
                    .substring("CANCELLED ".length());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> worker.stopOrders().contains(cancelled));
        }
    }
}
