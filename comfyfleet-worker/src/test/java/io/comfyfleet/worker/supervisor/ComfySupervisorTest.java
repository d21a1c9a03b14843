package io.comfyfleet.worker.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.config.WorkerConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: a Python stand-in for ComfyUI's main.py that starts slowly, crashes or never comes up. */
class ComfySupervisorTest {
    private static final SupervisorSettings FAST = new SupervisorSettings(Duration.ofSeconds(20), Duration.ofMillis(500),
            new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), 2, Duration.ofMinutes(5), 20);

    @TempDir
    Path work;
    private final List<ComfySupervisor> supervisors = new ArrayList<>();

    @AfterEach
    void stopAll() {
        supervisors.forEach(ComfySupervisor::close);
    }

    private static String script() throws Exception {
        return Path.of(ComfySupervisorTest.class.getResource("/supervisor/fake_comfy.py").toURI()).toString();
    }

    private ComfySupervisor launch(String flags, SupervisorSettings settings) throws Exception {
        String cmd = "exec python3 " + script() + " --port {port} --input-directory {input} " + flags;
        ComfySupervisor s = ComfySupervisor.launched(LaunchSpec.custom(cmd, FreePorts.one(), work), settings);
        supervisors.add(s);
        return s;
    }

    @Test
    void launchReturnsWithComfyUiStartingAndAwaitStartedWaitsForItsReadiness() throws Exception {
        ComfySupervisor s = launch("--start-delay 1.0", FAST);
        assertThatThrownBy(s::awaitStarted).isInstanceOf(IllegalStateException.class).hasMessageContaining("launch()");

        s.launch();
        assertThat(s.state()).isEqualTo(ComfySupervisor.State.STARTING);
        assertThat(s.process()).as("launched, not yet ready").isPresent();
        assertThat(s.firstLaunchNanos()).isPositive();
        assertThat(s.firstReadyNanos()).isZero();
        assertThatThrownBy(s::launch).isInstanceOf(IllegalStateException.class);

        s.awaitStarted();
        assertThat(s.state()).isEqualTo(ComfySupervisor.State.READY);
        assertThat(s.firstReadyNanos() - s.firstLaunchNanos()).as("the fake's start delay").isGreaterThan(900_000_000L);
    }

    @Test
    void pythonLaunchPassesComfyUiFlagsAndPerWorkerFolders() throws Exception {
        Path comfyDir = Files.createDirectories(work.resolve("ComfyUI"));
        Files.copy(Path.of(script()), comfyDir.resolve("main.py"));
        int port = FreePorts.one();
        LaunchSpec spec = LaunchSpec.python(comfyDir, "python3", port, work.resolve("w1"), true, List.of("--start-delay", "0.5"));
        ComfySupervisor s = ComfySupervisor.launched(spec, FAST);
        supervisors.add(s);
        s.start();

        assertThat(s.state()).isEqualTo(ComfySupervisor.State.READY);
        String stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/system_stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(stats).contains("--listen", "127.0.0.1", "--disable-auto-launch", "--preview-method", "latent2rgb",
                work.resolve("w1").resolve("output").toString(), work.resolve("w1").resolve("temp").toString());
        assertThat(work.resolve("w1").resolve("input")).isDirectory();
    }

    @Test
    void aRelativePythonPathIsTheOneBesideTheWorkersFolderNotBesideComfyUi() throws Exception {
        // e.g. --python ../venv/bin/python, typed where the worker runs; ComfyUI runs in its own folder
        Path comfyDir = Files.createDirectories(work.resolve("ComfyUI"));
        Files.copy(Path.of(script()), comfyDir.resolve("main.py"));
        Path launcher = Files.createDirectories(work.resolve("venv/bin")).resolve("python");
        Files.writeString(launcher, "#!/bin/sh\nexec python3 \"$@\"\n");
        launcher.toFile().setExecutable(true);
        String relative = Path.of("").toAbsolutePath().relativize(launcher).toString();
        assertThat(relative).startsWith("../");

        LaunchSpec spec = LaunchSpec.python(comfyDir, relative, FreePorts.one(), work.resolve("w1"), false, List.of());
        assertThat(spec.command().getFirst()).isEqualTo(launcher.toString());
        assertThat(LaunchSpec.python(comfyDir, "python3", 1, work, false, List.of()).command().getFirst())
                .as("a bare name is found on the PATH").isEqualTo("python3");
        ComfySupervisor s = ComfySupervisor.launched(spec, FAST);
        supervisors.add(s);
        s.start();
        assertThat(s.state()).isEqualTo(ComfySupervisor.State.READY);
    }

    @Test
    void aComfyDirWithoutMainPyIsNamed() {
        assertThatThrownBy(() -> LaunchSpec.python(work, "python3", 1234, work, false, List.of()))
                .isInstanceOf(WorkerConfigException.class).hasMessageStartingWith("--comfyui-dir").hasMessageContaining("main.py");
    }

    @Test
    void slowStartIsWaitedFor() throws Exception {
        ComfySupervisor s = launch("--start-delay 1", FAST);
        s.start();
        assertThat(s.state()).isEqualTo(ComfySupervisor.State.READY);
        assertThat(s.process()).isPresent();
    }

    @Test
    void exitBeforeReadyFailsFastQuotingTheLastLogLines() throws Exception {
        ComfySupervisor s = launch("--exit-at-start 3", new SupervisorSettings(Duration.ofMinutes(5), Duration.ofMillis(500),
                FAST.restartBackoff(), 2, Duration.ofMinutes(5), 20));
        long t0 = System.nanoTime();
        assertThatThrownBy(s::start).isInstanceOf(ComfyStartException.class)
                .hasMessageContaining("exited with code 3")
                .hasMessageContaining("missing comfyui-frontend-package")
                .hasMessageContaining("import line 25")
                .hasMessageNotContaining("import line 5\n")
                .satisfies(e -> assertThat(((ComfyStartException) e).lastLogLines()).hasSize(20));
        // "fast" = long before the 5-minute readiness deadline
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void neverReadyTimesOutWithItsLog() throws Exception {
        // 8 s: the readiness probe keeps its deadline to the 10 ms, and a Python on a busy two-core machine has taken
        // over 2 s to print its first line
        ComfySupervisor s = launch("--never-ready", new SupervisorSettings(Duration.ofSeconds(8), Duration.ofMillis(500),
                FAST.restartBackoff(), 2, Duration.ofMinutes(5), 20));
        assertThatThrownBy(s::start).isInstanceOf(ComfyStartException.class)
                .hasMessageContaining("did not answer /system_stats within 8 s")
                .hasMessageContaining("import line 25");
        assertThat(s.process()).isEmpty();
    }

    @Test
    void crashIsRestarted() throws Exception {
        Path marker = work.resolve("crashed-once");
        ComfySupervisor s = launch("--crash-after 0.3 --crash-once-marker " + marker, FAST);
        s.start();
        long firstPid = s.process().orElseThrow().pid();
        await().atMost(Duration.ofSeconds(20)).until(() -> s.state() == ComfySupervisor.State.READY
                && s.process().map(ProcessHandle::pid).filter(pid -> pid != firstPid).isPresent());
        assertThat(s.awaitReady(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void crashLoopEndsUnhealthyAfterTheBound() throws Exception {
        ComfySupervisor s = launch("--crash-after 0.2", FAST);
        AtomicReference<String> reason = new AtomicReference<>();
        s.onUnhealthy(reason::set);
        s.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> reason.get() != null);
        assertThat(s.state()).isEqualTo(ComfySupervisor.State.UNHEALTHY);
        assertThat(reason.get()).contains("giving up after 2 restart(s)").contains("; last: ComfyUI exited with code 7");
        assertThat(s.awaitReady(Duration.ofMillis(10))).isFalse();
    }

    @Test
    void closeEndsTheWholeTreeEvenWhenTermIsIgnored() throws Exception {
        ComfySupervisor s = launch("--child --ignore-term", FAST);
        s.start();
        ProcessHandle root = s.process().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> root.descendants().anyMatch(p ->
                p.info().command().map(c -> c.endsWith("sleep")).orElse(false)));
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.add(root);
        s.close();
        assertThat(tree).allSatisfy(p -> assertThat(p.isAlive()).as("pid %d alive", p.pid()).isFalse());
    }

    /** Someone else's ComfyUI: answers /system_stats like one, with its own argv. */
    private static com.sun.net.httpserver.HttpServer foreignComfy(int port, List<String> asked) throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            asked.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            byte[] body = "{\"system\":{\"argv\":[\"main.py\",\"--input-directory\",\"/home/someone/ComfyUI/input\"]}}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    void aPortAnotherServerListensOnIsRefusedBeforeLaunchNamingThePortAndWhatToChange() throws Exception {
        int port = FreePorts.one();
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer foreign = foreignComfy(port, asked);
        try {
            ComfySupervisor s = ComfySupervisor.launched(LaunchSpec.custom("exec python3 " + script()
                    + " --port {port} --input-directory {input}", port, work), FAST);
            supervisors.add(s);
            assertThatThrownBy(s::start).isInstanceOf(ComfyStartException.class)
                    .hasMessageStartingWith("port " + port + " on 127.0.0.1 is already in use by another process")
                    .hasMessageContaining("(it answers /system_stats: a ComfyUI or the emulator)")
                    .hasMessageContaining("--comfyui-port").hasMessageContaining("workers.basePort");
            assertThat(s.state()).isEqualTo(ComfySupervisor.State.UNHEALTHY);
            assertThat(s.process()).as("nothing launched").isEmpty();
            assertThat(s.firstReadyNanos()).as("never ready").isZero();
            assertThat(asked).as("only asked what it is").containsOnly("GET /system_stats");
        } finally {
            foreign.stop(0);
        }
    }

    @Test
    void aServerThatTakesThePortWhileComfyUiStartsIsNotTakenForIt() throws Exception {
        ComfySupervisor s = launch("--start-delay 2", FAST);
        s.launch();
        int port = s.baseUrl().getPort();
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer foreign = foreignComfy(port, asked);
        try {
            // ours cannot listen once the other holds the port: it exits, and that is the error, not readiness
            assertThatThrownBy(s::awaitStarted).isInstanceOf(ComfyStartException.class)
                    .hasMessageContaining("exited with code 1 before it was ready while another process answered on port "
                            + port)
                    .hasMessageContaining("Address already in use");
            assertThat(asked).as("it was asked, and not believed").isNotEmpty();
            assertThat(s.firstReadyNanos()).isZero();
            assertThat(s.state()).isEqualTo(ComfySupervisor.State.UNHEALTHY);
        } finally {
            foreign.stop(0);
        }
    }

    @Test
    void restartOnRequestReplacesTheProcess() throws Exception {
        ComfySupervisor s = launch("", FAST);
        s.start();
        ProcessHandle first = s.process().orElseThrow();
        s.restart("test asks for it");
        assertThat(first.isAlive()).isFalse();
        assertThat(s.process().orElseThrow().pid()).isNotEqualTo(first.pid());
        assertThat(s.state()).isEqualTo(ComfySupervisor.State.READY);
    }

    @Test
    void aHungComfyUiIsRestartedOnceAsAfterACrashAndCountsTowardTheBound() throws Exception {
        ComfySupervisor s = launch("", FAST);
        AtomicReference<String> reason = new AtomicReference<>();
        s.onUnhealthy(reason::set);
        s.start();
        // two jobs that saw the same ComfyUI hang: the first ends it, the second changes nothing
        for (int hang = 1; hang <= 3; hang++) {
            long hungPid = s.process().orElseThrow().pid();
            assertThat(s.restartHung(hungPid, "POST /prompt got no answer within 30 s")).isTrue();
            assertThat(s.restartHung(hungPid, "GET /queue got no answer within 30 s")).isTrue();
            if (hang < 3) {
                assertThat(s.awaitReady(Duration.ofSeconds(20))).isTrue();
                assertThat(s.process().orElseThrow().pid()).isNotEqualTo(hungPid);
            }
        }
        // within stableAfter each hang counts as a crash in a row: the third is beyond FAST's two restarts
        await().atMost(Duration.ofSeconds(20)).until(() -> reason.get() != null);
        assertThat(reason.get()).contains("giving up after 2 restart(s)")
                .contains("last: ComfyUI stopped answering (POST /prompt got no answer within 30 s)");
    }

    @Test
    void anAttachedComfyUiThatHangsCannotBeRestartedFromHere() throws Exception {
        ComfySupervisor s = ComfySupervisor.attached(java.net.URI.create("http://127.0.0.1:" + FreePorts.one()), FAST);
        supervisors.add(s);
        assertThat(s.restartHung(-1, "POST /prompt got no answer within 30 s")).isFalse();
    }
}
