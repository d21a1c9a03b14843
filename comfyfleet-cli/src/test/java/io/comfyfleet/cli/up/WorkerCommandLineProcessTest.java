package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker command {@code up} builds ({@link WorkerCommandLine}), run as a real process the way its provider
 * runs it, from this test JVM's class path (build output folders, not the jar): the worker exits with the code
 * its exit line names. Its JVM once ended with 1 instead, whatever the worker returned: the class-data archive it
 * was told to write at exit cannot be written for a class path with folders.
 */
class WorkerCommandLineProcessTest {
    @TempDir
    Path dir;
    private HttpServer gateway;
    private Process worker;

    @AfterEach
    void cleanUp() {
        if (worker != null && worker.isAlive()) {
            worker.descendants().forEach(ProcessHandle::destroyForcibly);
            worker.destroyForcibly();
        }
        if (gateway != null) {
            gateway.stop(0);
        }
    }

    @Test
    void aWorkerWhosePortIsTakenExitsWithTheCodeItsExitLineNames() throws Exception {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        gateway.start();
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("cds")); // as up makes it
        FleetSettings fleet = new FleetSettings("local", List.of(), 1, 2, 8188, Duration.ofSeconds(5),
                new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time")));
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> command = new ArrayList<>();
            // the placeholders as the local provider fills them in
            for (String word : WorkerCommandLine.build(fleet, data)) {
                command.add(word.replace("{workerId}", "w1").replace("{endpoint}", "ep").replace("{slot}", "0")
                        .replace("{port}", Integer.toString(taken.getLocalPort())).replace("{gpu}", "")
                        .replace("{image}", "").replace("{providerPid}", Long.toString(ProcessHandle.current().pid())));
            }
            command.addAll(List.of("--gateway-url", "http://127.0.0.1:" + gateway.getAddress().getPort(),
                    "--endpoint", "ep", "--worker-id", "w1", "--worker-key", "K"));
            File log = dir.resolve("worker.log").toFile();
            worker = new ProcessBuilder(command).directory(data.toFile()).redirectErrorStream(true).redirectOutput(log)
                    .start();

            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> lines = Files.readAllLines(log.toPath());
            assertThat(lines).as("its exit line").filteredOn(l -> l.startsWith("comfyfleet worker: ")).singleElement()
                    .asString().startsWith("comfyfleet worker: exits with code 3: ComfyUI did not start: port "
                            + taken.getLocalPort());
            assertThat(worker.exitValue()).as("worker output:%n%s", String.join("\n", lines)).isEqualTo(3);
        }
    }
}
