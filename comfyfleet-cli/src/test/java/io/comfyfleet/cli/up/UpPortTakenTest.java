package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.emulator.ComfyEmulator;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.RunningEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ComfyUI someone else runs on the port {@code up}'s worker is to give its own (8188 is both ComfyUI's default and
 * {@code workers.basePort}'s): the worker must not take it for its own and run jobs there, and {@code up}'s terminal
 * must say in one line why the worker exited and what to change.
 */
class UpPortTakenTest {
    private static final String CLIENT_KEY = "taken-client-key-0123456789";
    private static final String WORKER_KEY = "taken-worker-key-0123456789";

    @TempDir
    Path dir;
    private UpProcess up;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (up != null) {
            up.close();
        }
        http.close();
    }

    @Test
    void aWorkerWhoseComfyUiPortIsTakenExitsWithTheReasonOnUpsTerminalAndRunsNothingThere() throws Exception {
        int basePort = UpProcess.freePortRun(1);
        try (RunningEmulator foreign = ComfyEmulator.start(EmulatorConfig.builder().port(basePort)
                .baseDirectory(dir.resolve("someone-elses-comfyui")).zeroTime().build())) {
            up = UpProcess.start(dir, """
                    server:
                      port: 0
                    endpoints:
                      - name: taken
                        clientKeys: ["%s"]
                        workerKeys: ["%s"]
                        minWorkers: 0
                        maxWorkers: 1
                    workers:
                      cpuSlots: 1
                      basePort: %d
                      comfyui:
                        emulator: true
                        emulatorArgs: [--zero-time]
                    """.formatted(CLIENT_KEY, WORKER_KEY, basePort), "taken", "--scale-period", "250");
            HttpResponse<String> run = http.send(HttpRequest.newBuilder(URI.create(up.root() + "/v2/taken/run"))
                    .header("Authorization", CLIENT_KEY).POST(HttpRequest.BodyPublishers.ofString("""
                            {"input":{"workflow":{
                              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":1}},
                              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"taken"}}}}}"""))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(run.statusCode()).as(run.body()).isEqualTo(200);

            // it exits on its own, or is stopped by up once it reported itself unhealthy: either way, its reason
            String reason = ": ComfyUI did not start: port " + basePort + " on 127.0.0.1 is already in use by another"
                    + " process (it answers /system_stats: a ComfyUI or the emulator)";
            try {
                await("the worker's exit, with its reason").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> up.output().stream().anyMatch(l -> l.contains(reason)));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no worker exit with its reason; up printed:\n" + up.tail(), e);
            }
            String exit = up.output().stream().filter(l -> l.contains(reason)).findFirst().orElseThrow();
            // code 3 is the worker's for "ComfyUI did not start"; stopped by up once it reported itself unhealthy,
            // it still exits with 3, or with 143 (SIGTERM's) when the signal came before its own exit
            assertThat(exit).as("up's terminal:\n%s", up.tail())
                    .matches("\\d\\d:\\d\\d:\\d\\d WARN: worker taken-\\w+ of endpoint taken (exited on its own with code 3"
                            + " after [0-9.]+ m?s|is gone \\(exit code (3|143)\\); it had given up): ComfyUI did not start: .*")
                    .contains("workers.basePort in comfyfleet.yaml");
            assertThat(up.output()).as("never ready on someone else's ComfyUI:\n%s", up.tail())
                    .noneMatch(l -> l.contains("is ready: cold start"));

            HttpResponse<String> history = http.send(HttpRequest.newBuilder(foreign.baseUri().resolve("/history"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(history.body()).as("no prompt ran on the other ComfyUI").isEqualTo("{}");
        }
    }
}
