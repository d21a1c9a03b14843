package io.comfyfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole worker process minus the ComfyUI job logic: a real launched process, the fake gateway, a stand-in handler. */
class WorkerAppTest {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200));
    private final FakeGateway gw = new FakeGateway(Duration.ofMillis(100));
    @TempDir
    Path work;

    /** Every app a test ran, stopped after it even when an assertion failed midway (no ComfyUI left running). */
    private final java.util.List<WorkerApp> ran = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        ran.forEach(WorkerApp::stop);
        gw.close();
    }

    private WorkerSettings settings(String comfyFlags, int maxRestarts) throws Exception {
        int port = FreePorts.one(); // fake ComfyUI's, another process
        String script = Path.of(getClass().getResource("/supervisor/fake_comfy.py").toURI()).toString();
        LaunchSpec launch = LaunchSpec.custom("exec python3 " + script + " --port {port} " + comfyFlags, port, work.resolve("comfy"));
        return new WorkerSettings(GatewayEndpoints.forGateway(gw.url(), "ep", "w1", "KEY", Duration.ofMillis(200)),
                null, launch,
                new SupervisorSettings(Duration.ofSeconds(20), Duration.ofMillis(500), FAST, maxRestarts, Duration.ofMinutes(5), 20),
                work, Duration.ofSeconds(2), WorkerSettings.JobSettings.defaults(), WorkerSettings.OutputSettings.inline(),
                UrlPolicy.defaults(), null);
    }

    /** A thread of its own: the common pool has one thread on a 2-core machine. */
    private CompletableFuture<Integer> runInThread(WorkerApp app) {
        ran.add(app);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread.ofPlatform().name("worker-app").start(() -> {
            try {
                exit.complete(app.run());
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        });
        return exit;
    }

    @Test
    void runsJobsThenStopsEverythingItStarted() throws Exception {
        AtomicReference<ProcessHandle> comfy = new AtomicReference<>();
        // built while ComfyUI starts; jobs run only once it is ready
        JobHandlerFactory factory = (supervisor, s) -> (job, ctx) -> {
            comfy.set(supervisor.process().orElseThrow());
            return new JobOutcome.Finished(Json.MAPPER.readTree("{\"output\":{\"comfy\":\""
                    + supervisor.baseUrl() + "\"}}"));
        };
        WorkerApp app = new WorkerApp(settings("", 2), factory,
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(2)));
        CompletableFuture<Integer> exit = runInThread(app);
        gw.jobs.add("{\"id\":\"j1\",\"input\":{}}");
        await().atMost(Duration.ofSeconds(20)).until(() -> gw.requests("POST", "/job-done/w1/j1").size() == 1);
        assertThat(gw.requests("POST", "/job-done/w1/j1").getFirst().json().path("output").path("comfy").asString())
                .startsWith("http://127.0.0.1:");

        app.stop();
        assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_OK);
        assertThat(comfy.get().isAlive()).isFalse();
    }

    @Test
    void theHandlerIsPreparedWhileComfyUiStartsAndAFailedPreparationStopsNothing() throws Exception {
        AtomicReference<ComfySupervisor.State> stateWhilePreparing = new AtomicReference<>();
        JobHandlerFactory factory = (supervisor, s) -> new JobHandler() {
            @Override
            public void prepare() {
                stateWhilePreparing.set(supervisor.state());
                throw new IllegalStateException("made to fail");
            }

            @Override
            public JobOutcome handle(io.comfyfleet.worker.gateway.TakenJob job, JobContext context) {
                return new JobOutcome.Finished(Json.MAPPER.createObjectNode().put("output", "done"));
            }
        };
        WorkerApp app = new WorkerApp(settings("--start-delay 1.5", 2), factory,
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(2)));
        CompletableFuture<Integer> exit = runInThread(app);
        gw.jobs.add("{\"id\":\"j1\",\"input\":{}}");
        await().atMost(Duration.ofSeconds(20)).until(() -> gw.requests("POST", "/job-done/w1/j1").size() == 1);

        assertThat(stateWhilePreparing.get()).as("prepared before ComfyUI answered").isEqualTo(ComfySupervisor.State.STARTING);
        app.stop();
        assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_OK);
    }

    /**
     * A provider-started worker whose gateway goes away mid-job: its job gets the shutdown grace (2 s here), is then
     * handed back, and the worker exits with its own code and reason instead of waiting for the gateway forever.
     */
    @Test
    void aWorkerWhoseGatewayStaysSilentHandsItsJobBackAfterTheGraceAndExits() throws Exception {
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<JobContext.StopReason> stoppedBy = new AtomicReference<>();
        JobHandlerFactory factory = (supervisor, s) -> (job, ctx) -> {
            ctx.onStop(() -> stoppedBy.set(ctx.stopRequested()));
            running.countDown();
            while (ctx.stopRequested() == null) {
                Thread.sleep(20); // the worker interrupts this thread right after the stop request
            }
            return new JobOutcome.HandedBack("asked to stop");
        };
        WorkerApp app = new WorkerApp(settings("", 2), factory,
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(1)))
                .exitWhenGatewaySilentFor(Duration.ofSeconds(1));
        CompletableFuture<Integer> exit = runInThread(app);
        gw.jobs.add("{\"id\":\"j1\",\"input\":{}}");
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();
        int port = gw.port();

        gw.close();

        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_GATEWAY_SILENT);
        assertThat(stoppedBy.get()).as("the job in progress is handed back after the grace")
                .isEqualTo(JobContext.StopReason.SHUTDOWN);
        assertThat(app.exitReason()).hasValueSatisfying(r -> assertThat(r)
                .contains("127.0.0.1:" + port).contains("has not answered for 1 s"));
    }

    /** Without a limit (RunPod's own workers) a silent gateway is waited for: the worker keeps trying. */
    @Test
    void withoutALimitAWorkerWaitsForItsGateway() throws Exception {
        WorkerApp app = new WorkerApp(settings("", 2),
                (supervisor, s) -> (job, ctx) -> new JobOutcome.Finished(Json.MAPPER.createObjectNode()),
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(1)));
        CompletableFuture<Integer> exit = runInThread(app);
        await().atMost(Duration.ofSeconds(20)).until(() -> !gw.requests("GET", "/job-take/w1").isEmpty());

        gw.close();

        Thread.sleep(3000);
        assertThat(exit).as("still serving").isNotDone();
        app.stop();
        assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_OK);
    }

    @Test
    void aComfyUiThatKeepsCrashingEndsTheWorkerUnhealthy() throws Exception {
        WorkerApp app = new WorkerApp(settings("--crash-after 0.3", 1),
                (supervisor, s) -> (job, ctx) -> new JobOutcome.Finished(Json.MAPPER.createObjectNode()),
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(1)));
        assertThat(runInThread(app).get(30, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_UNHEALTHY);
        FakeGateway.Request ping = gw.requests("GET", "/ping/w1").stream()
                .filter(r -> "unhealthy".equals(r.param("status"))).findFirst().orElseThrow();
        assertThat(ping.param("check")).isEqualTo("comfyui_crash_loop");
        assertThat(ping.param("reason")).contains("giving up after 1 restart(s)");
    }

    @Test
    void aComfyUiPortSomeoneElseListensOnEndsTheWorkerWithAReasonNamingIt() throws Exception {
        WorkerSettings settings = settings("", 1);
        int port = settings.launch().baseUrl().getPort();
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer foreign = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", port), 0);
        foreign.createContext("/", exchange -> {
            asked.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            exchange.close();
        });
        foreign.start();
        try {
            WorkerApp app = new WorkerApp(settings, (supervisor, s) -> (job, ctx) -> {
                throw new AssertionError("no job on a ComfyUI this worker did not start");
            });
            assertThat(runInThread(app).get(30, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_COMFY_DID_NOT_START);
            assertThat(app.exitReason()).hasValueSatisfying(reason -> assertThat(reason)
                    .startsWith("ComfyUI did not start: port " + port + " on 127.0.0.1 is already in use")
                    .contains("--comfyui-port").doesNotContain("\n"));
            assertThat(gw.requests("GET", "/job-take/")).isEmpty();
            assertThat(asked).doesNotContain("POST /prompt");
        } finally {
            foreign.stop(0);
        }
    }

    @Test
    void aSecondWorkerOnTheSameWorkFolderIsRefusedWhileTheFirstRuns() throws Exception {
        WorkerApp first = new WorkerApp(settings("", 2),
                (supervisor, s) -> (job, ctx) -> new JobOutcome.Finished(Json.MAPPER.createObjectNode()),
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(2)));
        CompletableFuture<Integer> firstExit = runInThread(first);
        await().atMost(Duration.ofSeconds(20)).until(() -> !gw.requests("GET", "/job-take/").isEmpty());

        WorkerApp second = new WorkerApp(settings("", 2), (supervisor, s) -> (job, ctx) -> {
            throw new AssertionError("no job for a worker refused its folder");
        });
        assertThat(runInThread(second).get(30, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_SPOOL_UNUSABLE);
        Path folder = work.toRealPath();
        assertThat(second.exitReason()).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("work folder " + folder + " is in use by another worker (process "
                        + ProcessHandle.current().pid())
                .endsWith("give each worker a work folder of its own (--work-dir)"));

        first.stop();
        assertThat(firstExit.get(20, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_OK);
        WorkerApp third = new WorkerApp(settings("", 2),
                (supervisor, s) -> (job, ctx) -> new JobOutcome.Finished(Json.MAPPER.createObjectNode()),
                new Worker.Timings(Duration.ofMillis(50), FAST, Duration.ofSeconds(2)));
        CompletableFuture<Integer> thirdExit = runInThread(third);
        int takesBefore = gw.requests("GET", "/job-take/").size();
        await("the folder is free once the first stopped").atMost(Duration.ofSeconds(20))
                .until(() -> gw.requests("GET", "/job-take/").size() > takesBefore);
        third.stop();
        assertThat(thirdExit.get(20, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_OK);
    }

    /** The case it is for: a worker of another process holds the folder; its lock is the OS's. */
    @Test
    void aWorkFolderHeldByAnotherProcessIsRefusedWithThatProcessNamed() throws Exception {
        Path holderSource = Files.writeString(work.resolveSibling(work.getFileName() + "-Hold.java"), """
                import java.nio.ByteBuffer;
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                class Hold {
                    public static void main(String[] a) throws Exception {
                        try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE)) {
                            c.lock();
                            // through the locked channel: closing any other of this process's channels on the file
                            // would release the lock
                            c.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes()));
                            System.out.println("held");
                            System.in.read(); // until the test closes its stdin
                        }
                    }
                }
                """);
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                holderSource.toString(), work.resolve(".worker.lock").toString()).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine())
                    .isEqualTo("held");
            WorkerApp app = new WorkerApp(settings("", 2), (supervisor, s) -> (job, ctx) -> {
                throw new AssertionError("no job for a worker refused its folder");
            });
            assertThat(runInThread(app).get(30, TimeUnit.SECONDS)).isEqualTo(WorkerApp.EXIT_SPOOL_UNUSABLE);
            assertThat(app.exitReason()).hasValueSatisfying(reason -> assertThat(reason)
                    .contains("is in use by another worker (process " + holder.pid() + ")"));
            assertThat(gw.requests("GET", "/job-take/")).isEmpty();
        } finally {
            holder.getOutputStream().close();
            holder.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(holderSource);
        }
    }

    @Test
    void aComfyUiThatNeverStartsIsItsOwnExitCode() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        WorkerApp app = new WorkerApp(settings("--exit-at-start 2", 1), (supervisor, s) -> new JobHandler() {
            @Override
            public JobOutcome handle(io.comfyfleet.worker.gateway.TakenJob job, JobContext context) {
                throw new AssertionError("no job without ComfyUI");
            }

            @Override
            public void warmUp() {
                throw new AssertionError("no warm-up without ComfyUI");
            }

            @Override
            public void close() {
                closed.set(true);
            }
        });
        assertThat(app.run()).isEqualTo(WorkerApp.EXIT_COMFY_DID_NOT_START);
        assertThat(closed).as("the handler built while ComfyUI started is closed").isTrue();
        assertThat(gw.requests("GET", "/job-take/")).isEmpty();
        assertThat(gw.requests("GET", "/ping/w1")).singleElement().satisfies(r -> {
            assertThat(r.param("status")).isEqualTo("unhealthy");
            assertThat(r.param("reason")).startsWith("ComfyUI did not start: ").contains("exited with code 2")
                    .doesNotContain("\n"); // the gateway shows it to clients as one line
            assertThat(r.param("reason")).isEqualTo(app.exitReason().orElseThrow());
        });
    }
}
