package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines of {@code up}'s terminal that are put together from several values: they must read as one sentence each. */
class UpTerminalLinesTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void theAdminKeyLineSaysWhatTheKeyIsForAndWhereItComesFromInOneParenthesis() {
        UpConfig config = new UpConfigLoader(name -> null).load(null, dir);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        StartupReport.printReady(config, 8080, true, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).contains("  admin key:  "
                + config.generated().get("COMFYFLEET_ADMIN_KEY") + "   (for comfyfleet endpoints and rollout; from the"
                + " keys file, $COMFYFLEET_ADMIN_KEY overrides it)");
    }

    @Test
    void theStoppingLineCountsInWordsAndAddsUpToTheGraceEachWorkerIsGiven() {
        assertThat(FleetStack.stoppingLine(1, 0, Duration.ofSeconds(30), Duration.ofSeconds(10))).isEqualTo(
                "stopping: 1 job running, 0 queued (queued jobs stay in the store for the next start); workers get"
                        + " 30.0 s (workers.jobGrace) to finish them, then 10.0 s to exit before they are killed"
                        + " (40.0 s in all)");
        assertThat(FleetStack.stoppingLine(2, 3, Duration.ofMinutes(2), null)).isEqualTo(
                "stopping: 2 jobs running, 3 queued (queued jobs stay in the store for the next start); workers get"
                        + " 2 min (workers.jobGrace) to finish them");
    }

    @Test
    void theStartSaysWhichJobsTheLastRunLeftAndWhatHappensToThem() {
        assertThat(FleetStack.leftFromBefore(0, 0, Duration.ofSeconds(30))).as("nothing left: no line").isNull();
        assertThat(FleetStack.leftFromBefore(1, 0, Duration.ofSeconds(30)))
                .isEqualTo("1 job queued from before this start: it runs once a worker is ready");
        assertThat(FleetStack.leftFromBefore(3, 2, Duration.ofSeconds(30))).isEqualTo(
                "3 jobs queued from before this start: they run once a worker is ready; 2 jobs marked running from"
                        + " before this start: they go back to the queue once their workers are silent for 30.0 s"
                        + " (server.lease), unless they report");
    }
}
