package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.testkit.FreePorts;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code comfyfleet worker} as a real process: SIGTERM drains it and leaves no ComfyUI process (nor its child)
 * behind. ComfyUI is the worker module's Python stand-in; the gateway answers every long-poll with 204.
 */
class WorkerProcessTest {
    @TempDir
    Path dir;
    private HttpServer gateway;
    private Process worker;
    private List<ProcessHandle> tree = List.of();

    @AfterEach
    void cleanUp() {
        tree.forEach(ProcessHandle::destroyForcibly); // never leave a stand-in ComfyUI behind, even on failure
        if (worker != null && worker.isAlive()) {
            worker.descendants().forEach(ProcessHandle::destroyForcibly);
            worker.destroyForcibly();
        }
        if (gateway != null) {
            gateway.stop(0);
        }
    }

    @Test
    void sigtermStopsTheWorkerAndItsComfyUiTree() throws Exception {
        AtomicInteger takes = new AtomicInteger();
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().contains("/job-take/")) {
                takes.incrementAndGet();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        gateway.start();
        int comfyPort = FreePorts.one();
        // surefire runs in the module folder; the repository root is its parent
        String repo = System.getProperty("comfyfleet.repo.dir", Path.of("").toAbsolutePath().getParent().toString());
        Path fakeComfy = Path.of(repo, "comfyfleet-worker/src/test/resources/supervisor/fake_comfy.py");
        assertThat(fakeComfy).exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.comfyfleet.cli.Main", "worker",
                "--gateway-url", "http://127.0.0.1:" + gateway.getAddress().getPort(), "--endpoint", "ep",
                "--worker-id", "w1", "--worker-key", "K", "--ping-interval", "500",
                "--comfyui-command", "exec python3 " + fakeComfy + " --port {port} --child",
                "--comfyui-port", Integer.toString(comfyPort), "--work-dir", dir.toString(),
                "--stop-grace", "2", "--shutdown-grace", "2"));
        File log = dir.resolve("worker.log").toFile();
        worker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();

        await().atMost(Duration.ofSeconds(60)).until(() -> takes.get() > 0 || !worker.isAlive());
        assertThat(worker.isAlive()).as("worker log:%n%s", Files.readString(log.toPath())).isTrue();
        tree = worker.descendants().toList();
        assertThat(tree).as("ComfyUI and its child").hasSizeGreaterThanOrEqualTo(2);

        worker.destroy(); // SIGTERM
        assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(log.toPath());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(tree)
                .allSatisfy(p -> assertThat(p.isAlive()).as("pid %d alive; worker log:%n%s", p.pid(), output).isFalse()));
        assertThat(output).contains("Worker shutting down").contains("Stopping ComfyUI");
    }

    /**
     * comfyfleet up starts its workers with --exit-with-pid, so a kill -9 of up takes them down. Ending the JVM
     * may take seconds after ComfyUI was killed (the class-data archive that up's -XX:+AutoCreateSharedArchive
     * writes at exit, on a first start or after an upgrade: 4-5 s on the test machine), and meanwhile the
     * supervisor restarted the ComfyUI the worker had just killed; that one outlived the worker (on a GPU, holding
     * its memory). Here the worker runs in this JVM and its exit is recorded, not carried out: ComfyUI must stay
     * down all the same.
     */
    @Test
    void aWorkerWhoseStarterIsGoneLaunchesNoComfyUiAgain() throws Exception {
        AtomicInteger takes = new AtomicInteger();
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().contains("/job-take/")) {
                takes.incrementAndGet();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        gateway.start();
        int comfyPort = FreePorts.one();
        String repo = System.getProperty("comfyfleet.repo.dir", Path.of("").toAbsolutePath().getParent().toString());
        Path fakeComfy = Path.of(repo, "comfyfleet-worker/src/test/resources/supervisor/fake_comfy.py");
        Path launches = dir.resolve("launches");
        Map<String, String> env = Map.of();
        io.comfyfleet.worker.WorkerSettings settings = WorkerCommand.parse(new String[] {
                "--gateway-url", "http://127.0.0.1:" + gateway.getAddress().getPort(), "--endpoint", "ep",
                "--worker-id", "w1", "--worker-key", "K",
                "--comfyui-command", "echo launched >> " + launches + "; exec python3 " + fakeComfy + " --port {port}",
                "--comfyui-port", Integer.toString(comfyPort), "--work-dir", dir.resolve("work").toString(),
                "--stop-grace", "2", "--shutdown-grace", "2"}, env).settings(env);
        io.comfyfleet.worker.WorkerApp app = new io.comfyfleet.worker.WorkerApp(settings,
                io.comfyfleet.worker.run.ComfyJobHandler::new);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                app.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Process starter = new ProcessBuilder("sleep", "600").start(); // stands in for comfyfleet up
        java.util.concurrent.CompletableFuture<Integer> exited = new java.util.concurrent.CompletableFuture<>();
        try {
            WorkerCommand.exitWith(starter.pid(), app, exited::complete);
            // a worker takes jobs once its ComfyUI is ready: from then on a crash of it is restarted
            await().atMost(Duration.ofSeconds(60)).until(() -> takes.get() > 0);

            starter.destroyForcibly();
            assertThat(exited.get(10, TimeUnit.SECONDS)).isEqualTo(io.comfyfleet.worker.WorkerApp.EXIT_UNHEALTHY);
            await().atMost(Duration.ofSeconds(5)).until(() -> !comfyAlive(fakeComfy, comfyPort));
            Thread.sleep(5000); // longer than the supervisor's drain (1 s) and first restart back-off (1 s)

            assertThat(comfyAlive(fakeComfy, comfyPort)).as("ComfyUI relaunched after the worker's starter died")
                    .isFalse();
            assertThat(Files.readAllLines(launches)).as("ComfyUI launches").hasSize(1);
        } finally {
            app.stop();
            starter.destroyForcibly();
        }
    }

    /**
     * A worker a container provider started (the limit comes in its environment, as the provider passes it) whose
     * gateway goes away for good: it stops its ComfyUI and exits with the reason in one line, instead of running on
     * (and holding a GPU) until someone removes its container.
     */
    @Test
    void aWorkerWhoseGatewayIsGoneStopsItselfAfterTheSilenceLimit() throws Exception {
        AtomicInteger takes = new AtomicInteger();
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().contains("/job-take/")) {
                takes.incrementAndGet();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        gateway.start();
        int gatewayPort = gateway.getAddress().getPort();
        int comfyPort = FreePorts.one();
        String repo = System.getProperty("comfyfleet.repo.dir", Path.of("").toAbsolutePath().getParent().toString());
        Path fakeComfy = Path.of(repo, "comfyfleet-worker/src/test/resources/supervisor/fake_comfy.py");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-cp", System.getProperty("java.class.path"), "io.comfyfleet.cli.Main",
                "worker", "--gateway-url", "http://127.0.0.1:" + gatewayPort, "--endpoint", "ep",
                "--worker-id", "w1", "--worker-key", "K", "--ping-interval", "500",
                "--comfyui-command", "exec python3 " + fakeComfy + " --port {port} --child",
                "--comfyui-port", Integer.toString(comfyPort), "--work-dir", dir.toString(),
                "--stop-grace", "2", "--shutdown-grace", "2");
        File log = dir.resolve("worker.log").toFile();
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
        builder.environment().put(io.comfyfleet.fleet.provider.GatewaySilenceLimit.VARIABLE, "3");
        worker = builder.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> takes.get() > 0 || !worker.isAlive());
        assertThat(worker.isAlive()).as("worker log:%n%s", Files.readString(log.toPath())).isTrue();
        tree = worker.descendants().toList();

        gateway.stop(0);
        gateway = null;

        assertThat(worker.waitFor(40, TimeUnit.SECONDS)).as("worker exited; log:%n%s",
                Files.readString(log.toPath())).isTrue();
        String output = Files.readString(log.toPath());
        assertThat(worker.exitValue()).as("worker log:%n%s", output).isEqualTo(5);
        assertThat(output).contains("comfyfleet worker: exits with code 5: its gateway 127.0.0.1:" + gatewayPort
                + " has not answered for 3 s");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(tree)
                .allSatisfy(p -> assertThat(p.isAlive()).as("pid %d alive", p.pid()).isFalse()));
    }

    private static boolean comfyAlive(Path script, int port) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .filter(c -> c.contains(script.toString()) && c.contains("--port " + port)).isPresent());
    }

    @Test
    void aWorkerThatCannotStartComfyUiSaysWhyInOneLine() throws Exception {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        gateway.start();
        String repo = System.getProperty("comfyfleet.repo.dir", Path.of("").toAbsolutePath().getParent().toString());
        Path fakeComfy = Path.of(repo, "comfyfleet-worker/src/test/resources/supervisor/fake_comfy.py");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> cmd = List.of(java, "-cp", System.getProperty("java.class.path"), "io.comfyfleet.cli.Main",
                    "worker", "--gateway-url", "http://127.0.0.1:" + gateway.getAddress().getPort(), "--endpoint", "ep",
                    "--worker-id", "w1", "--worker-key", "K",
                    "--comfyui-command", "exec python3 " + fakeComfy + " --port {port}",
                    "--comfyui-port", Integer.toString(taken.getLocalPort()), "--work-dir", dir.toString());
            File log = dir.resolve("worker.log").toFile();
            worker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> lines = Files.readAllLines(log.toPath());
            assertThat(worker.exitValue()).as("worker log:%n%s", String.join("\n", lines)).isEqualTo(3);
            assertThat(lines).as("one line for whoever started it, outside the log")
                    .filteredOn(l -> l.startsWith("comfyfleet worker: ")).singleElement().asString()
                    .startsWith("comfyfleet worker: exits with code 3: ComfyUI did not start: port "
                            + taken.getLocalPort() + " on 127.0.0.1 is already in use by another process");
        }
    }
}
