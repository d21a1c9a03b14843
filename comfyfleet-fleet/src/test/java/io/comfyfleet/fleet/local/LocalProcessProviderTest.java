package io.comfyfleet.fleet.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.NoCapacityException;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.WorkerExit;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What is particular to the local provider (environment, GPU slots, output, signals), on real processes. */
class LocalProcessProviderTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final URI GATEWAY = URI.create("http://127.0.0.1:8188");

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(T0);
    private final ListAppender<ILoggingEvent> output = new ListAppender<>();
    private final List<LocalProcessProvider> providers = new ArrayList<>();

    @BeforeEach
    void captureWorkerOutput() {
        output.start();
        ((Logger) LoggerFactory.getLogger(WorkerOutput.log.getName())).addAppender(output);
    }

    @AfterEach
    void stopEverything() {
        providers.forEach(LocalProcessProvider::close);
        ((Logger) LoggerFactory.getLogger(WorkerOutput.log.getName())).detachAppender(output);
    }

    private LocalProcessProvider provider(LocalProcessConfig.Builder config) {
        LocalProcessProvider p = new LocalProcessProvider(config.build(), clock);
        providers.add(p);
        return p;
    }

    private LocalProcessConfig.Builder config(String script) {
        return LocalProcessConfig.builder(Scripts.command(dir, "worker", script), GATEWAY)
                .apiKey("secret-key").stopGrace(Duration.ofSeconds(2));
    }

    private Map<String, String> awaitRecorded(String workerId) {
        return await().atMost(WAIT).until(() -> Scripts.recorded(dir, workerId), m -> !m.isEmpty());
    }

    private List<String> linesOf(String workerId) {
        return output.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("[" + workerId + "] ")).toList();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aWorkerGetsTheRunpodEnvironmentItsArgumentsAndALoggedOutput() {
        LocalProcessProvider p = provider(config(Scripts.UNTIL_TERM).pingInterval(Duration.ofSeconds(3))
                .env("EXTRA_SETTING", "on").env("RUNPOD_POD_ID", "overridden by the provider").withholdEnv("HOME"));

        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));

        Map<String, String> env = awaitRecorded("w1");
        String version = h.version();
        assertThat(version).matches("local-[0-9a-f]{12}");
        assertThat(env).containsEntry("RUNPOD_WEBHOOK_GET_JOB",
                        "http://127.0.0.1:8188/v2/ep1/job-take/$ID?gpu=local&version=" + version)
                .containsEntry("COMFYFLEET_WORKER_VERSION", version)
                .containsEntry("RUNPOD_WEBHOOK_POST_OUTPUT",
                        "http://127.0.0.1:8188/v2/ep1/job-done/$RUNPOD_POD_ID/$ID?gpu=local")
                .containsEntry("RUNPOD_WEBHOOK_POST_STREAM",
                        "http://127.0.0.1:8188/v2/ep1/job-stream/$RUNPOD_POD_ID/$ID?gpu=local")
                .containsEntry("RUNPOD_WEBHOOK_PING", "http://127.0.0.1:8188/v2/ep1/ping/$RUNPOD_POD_ID")
                .containsEntry("RUNPOD_POD_ID", "w1")
                .containsEntry("RUNPOD_AI_API_KEY", "secret-key")
                .containsEntry("RUNPOD_PING_INTERVAL", "3000")
                .containsEntry("RUNPOD_SKIP_AUTO_SYSTEM_CHECKS", "true")
                .containsEntry("COMFYFLEET_DEVICE", "cpu")
                .containsEntry("ARGS", dir + " w1 ep1 0 cpu 8188")
                .containsEntry("EXTRA_SETTING", "on")
                .containsKey("PATH")
                .doesNotContainKey("HOME")
                .doesNotContainKey("CUDA_VISIBLE_DEVICES");
        assertThat(h).isEqualTo(new WorkerHandle("w1", "ep1", "local", "cpu slot 0", version));
        assertThat(p.list()).singleElement().satisfies(w -> {
            assertThat(w.phase()).isEqualTo(FleetWorker.Phase.UP);
            assertThat(w.startedAt()).isEqualTo(T0);
            assertThat(w.coldStart()).isEmpty();
        });
        await().atMost(WAIT).until(() -> linesOf("w1"), l -> l.contains("[w1] worker w1 up on cpu"));
    }

    @Test
    void aCommandWithTheImagePlaceholderRunsTheImageAsItsVersionOthersIgnoreImages() {
        List<String> withImage = new ArrayList<>(Scripts.command(dir, "worker", Scripts.UNTIL_TERM));
        withImage.add("--image={image}");
        LocalProcessProvider p = provider(LocalProcessConfig.builder(withImage, GATEWAY).cpuSlots(2)
                .stopGrace(Duration.ofSeconds(2)));
        assertThat(p.versionFor("demo:b")).isEqualTo("demo:b");
        WorkerHandle h = p.start(new WorkerSpec("ep1", "img1", "demo:b"));
        assertThat(h.version()).isEqualTo("demo:b");
        Map<String, String> env = awaitRecorded("img1");
        assertThat(env).containsEntry("COMFYFLEET_WORKER_VERSION", "demo:b");
        assertThat(env.get("ARGS")).endsWith("--image=demo:b");
        assertThat(p.versionFor(null)).as("no image: the launch digest").matches("local-[0-9a-f]{12}");

        LocalProcessProvider plain = provider(config(Scripts.UNTIL_TERM));
        assertThat(plain.versionFor("demo:b")).as("a launch without {image} ignores images")
                .matches("local-[0-9a-f]{12}");
        assertThat(plain.start(new WorkerSpec("ep1", "img2", "demo:b")).version()).isEqualTo(plain.versionFor(null));
    }

    @Test
    void theProviderPidIsFilledInAtStartAndIsNoPartOfTheVersion() {
        List<String> withPid = new ArrayList<>(Scripts.command(dir, "worker", Scripts.UNTIL_TERM));
        withPid.add("--exit-with-pid={providerPid}");
        LocalProcessConfig config = LocalProcessConfig.builder(withPid, GATEWAY).stopGrace(Duration.ofSeconds(2))
                .build();
        LocalProcessProvider p = provider(LocalProcessConfig.builder(withPid, GATEWAY).stopGrace(Duration.ofSeconds(2)));

        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));

        assertThat(awaitRecorded("w1").get("ARGS")).endsWith("--exit-with-pid=" + ProcessHandle.current().pid());
        assertThat(h.version()).as("the template's digest, the same in every process that runs it")
                .isEqualTo(config.version());
    }

    @Test
    void stopSendsTermAndTheWorkerLeavesTheListAndItsChildrenDie() throws Exception {
        LocalProcessProvider p = provider(config(Scripts.UNTIL_TERM));
        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));
        awaitRecorded("w1");
        long child = Scripts.childPid(dir, "w1");

        CompletableFuture<Void> gone = p.stop(h, Duration.ofSeconds(10));

        CompletableFuture<Void> again = p.stop(h, Duration.ofSeconds(10));
        // the worker may have left already (it exits at once on TERM); then the second stop is simply done
        if (again != gone) {
            assertThat(again).as("stopping a gone worker is harmless").isDone();
        }
        gone.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(p.list()).isEmpty();
        await().atMost(WAIT).until(() -> linesOf("w1").contains("[w1] got TERM"));
        await("left-behind child").atMost(WAIT).until(() -> !alive(child));
        assertThat(p.stop(h, Duration.ZERO)).as("stopping a gone worker is harmless").isDone();
    }

    @Test
    void aWorkerThatIgnoresTermIsKilledAfterTheGraceWithItsChildren() throws Exception {
        LocalProcessProvider p = provider(config(Scripts.IGNORES_TERM));
        WorkerHandle h = p.start(new WorkerSpec("ep1", "stubborn"));
        awaitRecorded("stubborn");
        long child = Scripts.childPid(dir, "stubborn");
        await().atMost(WAIT).until(() -> linesOf("stubborn").contains("[stubborn] not stopping for TERM"));

        CompletableFuture<Void> gone = p.stop(h, Duration.ofMillis(300));
        assertThat(p.list()).extracting(FleetWorker::phase).containsAnyOf(FleetWorker.Phase.STOPPING);
        // it ignores TERM, so it is still stopping: a second stop joins the first instead of starting another
        assertThat(p.stop(h, Duration.ofSeconds(10))).as("a second stop joins the first").isSameAs(gone);

        gone.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(p.list()).isEmpty();
        await("its child").atMost(WAIT).until(() -> !alive(child));
    }

    @Test
    void aWorkerThatExitsIsNoticedWithItsCodeAndFreesItsSlot() throws Exception {
        LocalProcessProvider p = provider(config(Scripts.EXITS_AT_ONCE));
        clock.advance(Duration.ofSeconds(7));
        WorkerHandle h = p.start(new WorkerSpec("ep1", "crash"));

        FleetWorker exited = await().atMost(WAIT)
                .until(() -> p.list().getFirst(), w -> w.phase() == FleetWorker.Phase.EXITED);
        assertThat(exited.exitCode()).isEqualTo(3);
        assertThat(exited.exitedAt()).isEqualTo(T0.plusSeconds(7));
        await().atMost(WAIT).until(() -> linesOf("crash").contains("[crash] bad config, giving up"));

        // the one CPU slot is free again while the exited worker is still listed
        p.start(new WorkerSpec("ep1", "next"));
        assertThat(p.list()).hasSize(2);

        p.stop(h, Duration.ofSeconds(1)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(p.list()).extracting(FleetWorker::workerId).doesNotContain("crash");
    }

    @Test
    void aWorkerThatExitsWithAReasonHasItShownBesideItsExitCode() throws Exception {
        ListAppender<ILoggingEvent> providerLog = new ListAppender<>();
        providerLog.start();
        Logger logger = (Logger) LoggerFactory.getLogger(LocalProcessProvider.class);
        logger.addAppender(providerLog);
        try {
            LocalProcessProvider p = provider(config("echo '12:00:00.000 ERROR [main] i.c.w.WorkerApp - details' >&2\n"
                    + "echo 'comfyfleet worker: exits with code 3: ComfyUI did not start: port 8188 on 127.0.0.1 is"
                    + " already in use by another process' >&2\n"
                    + "exit 3\n"));
            p.start(new WorkerSpec("ep1", "taken"));

            await().atMost(WAIT).until(() -> providerLog.list.stream().anyMatch(e -> e.getFormattedMessage()
                    .contains("exited on its own")));
            assertThat(providerLog.list).filteredOn(e -> e.getFormattedMessage().contains("exited on its own"))
                    .singleElement().satisfies(e -> assertThat(e.getFormattedMessage()).matches(
                            "worker taken of endpoint ep1 exited on its own with code 3 after [0-9.]+ m?s: ComfyUI did not"
                                    + " start: port 8188 on 127.0.0.1 is already in use by another process"));
            assertThat(p.problem("taken")).hasValue(
                    "ComfyUI did not start: port 8188 on 127.0.0.1 is already in use by another process");
        } finally {
            logger.detachAppender(providerLog);
        }
    }

    @Test
    void aWorkerStoppedWhileGivingUpStillHasItsReasonShown() throws Exception {
        ListAppender<ILoggingEvent> providerLog = new ListAppender<>();
        providerLog.start();
        Logger logger = (Logger) LoggerFactory.getLogger(LocalProcessProvider.class);
        logger.addAppender(providerLog);
        try {
            // says why it gives up, then (as a worker does while it stops its ComfyUI) runs on until it is stopped
            LocalProcessProvider p = provider(config("trap 'exit 3' TERM\n"
                    + "echo 'comfyfleet worker: exits with code 1: ComfyUI crashed 6 time(s) in a row' >&2\n"
                    + "while true; do sleep 0.1; done\n"));
            WorkerHandle h = p.start(new WorkerSpec("ep1", "giving-up"));
            await().atMost(WAIT).until(() -> linesOf("giving-up").stream().anyMatch(l -> l.contains("crashed")));
            p.stop(h, Duration.ofSeconds(5)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(providerLog.list).filteredOn(e -> e.getFormattedMessage().contains("is gone")).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).isEqualTo("worker giving-up of endpoint ep1 is"
                            + " gone (exit code 3); it had given up: ComfyUI crashed 6 time(s) in a row"));
        } finally {
            logger.detachAppender(providerLog);
        }
    }

    @Test
    void aWorkerThatExitsWithoutAReasonIsSaidToHaveGivenNone() throws Exception {
        ListAppender<ILoggingEvent> providerLog = new ListAppender<>();
        providerLog.start();
        Logger logger = (Logger) LoggerFactory.getLogger(LocalProcessProvider.class);
        logger.addAppender(providerLog);
        try {
            LocalProcessProvider p = provider(config(Scripts.EXITS_AT_ONCE));
            p.start(new WorkerSpec("ep1", "mute"));
            await().atMost(WAIT).until(() -> providerLog.list.stream().anyMatch(e -> e.getFormattedMessage()
                    .contains("exited on its own")));
            assertThat(providerLog.list).filteredOn(e -> e.getFormattedMessage().contains("exited on its own"))
                    .singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                            .endsWith("(no reason given; see its log)"));
            assertThat(p.problem("mute")).as("its exit status, for want of a reason").hasValue("exited with code 3");
        } finally {
            logger.detachAppender(providerLog);
        }
    }

    @Test
    void aWorkerKilledWithoutAWordIsSaidToBeKilledAndItsExitIsToldAsSuch() throws Exception {
        ListAppender<ILoggingEvent> providerLog = new ListAppender<>();
        providerLog.start();
        Logger logger = (Logger) LoggerFactory.getLogger(LocalProcessProvider.class);
        logger.addAppender(providerLog);
        try {
            List<WorkerExit> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
            // as the kernel's out-of-memory killer ends a worker: SIGKILL, nothing printed
            LocalProcessProvider p = provider(config("kill -9 $$\n"));
            p.onExit(exits::add);
            p.start(new WorkerSpec("ep1", "oom"));
            await().atMost(WAIT).until(() -> !exits.isEmpty());

            assertThat(exits).singleElement().isEqualTo(new WorkerExit("ep1", "oom", 137,
                    "killed by SIGKILL (exit code 137): the kernel's out-of-memory killer (see dmesg) or a kill -9",
                    false));
            assertThat(providerLog.list).filteredOn(e -> e.getFormattedMessage().contains("exited on its own"))
                    .singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("with code 137").endsWith("out-of-memory killer (see dmesg) or a kill -9; see its log"));
            assertThat(p.problem("oom")).hasValue(exits.getFirst().description());
        } finally {
            logger.detachAppender(providerLog);
        }
    }

    @Test
    void aWorkerThatSaysWhyItExitsIsToldWithItsOwnReason() {
        List<WorkerExit> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
        LocalProcessProvider p = provider(config("echo 'comfyfleet worker: exits with code 1: ComfyUI crashed 6 time(s)"
                + " in a row' >&2\nexit 1\n"));
        p.onExit(exits::add);
        p.start(new WorkerSpec("ep1", "crash-loop"));
        await().atMost(WAIT).until(() -> !exits.isEmpty());

        assertThat(exits).singleElement().isEqualTo(new WorkerExit("ep1", "crash-loop", 1,
                "ComfyUI crashed 6 time(s) in a row", true));
    }

    @Test
    void gpuSlotsSpreadOverGpusBeforeSharingOne() throws Exception {
        LocalProcessProvider p = provider(config(Scripts.UNTIL_TERM).gpus(List.of(0, 1)).slotsPerGpu(2).basePort(9000));
        assertThat(p.capacity()).isEqualTo(4);

        List<WorkerHandle> handles = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            handles.add(p.start(new WorkerSpec("ep1", "g" + i)));
        }
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            devices.add(awaitRecorded("g" + i).get("CUDA_VISIBLE_DEVICES"));
        }
        assertThat(devices).containsExactly("0", "1", "0", "1");
        assertThat(Scripts.recorded(dir, "g3")).containsEntry("COMFYFLEET_DEVICE", "cuda")
                .containsEntry("ARGS", dir + " g3 ep1 3 1 9003");
        assertThat(handles).extracting(WorkerHandle::placement)
                .containsExactly("gpu 0 slot 0", "gpu 1 slot 2", "gpu 0 slot 1", "gpu 1 slot 3");

        assertThatThrownBy(() -> p.start(new WorkerSpec("ep2", "g4")))
                .isInstanceOf(NoCapacityException.class)
                .hasMessageContaining("all 4 slots are in use").hasMessageContaining("'g4'");

        p.stop(handles.get(1), Duration.ofSeconds(5)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(p.start(new WorkerSpec("ep2", "g5")).placement()).isEqualTo("gpu 1 slot 2");
    }

    @Test
    void aCommandThatCannotStartSaysSoAndKeepsTheSlot() {
        LocalProcessProvider p = new LocalProcessProvider(
                LocalProcessConfig.builder(List.of(dir.resolve("no-such-worker").toString()), GATEWAY).build(), clock);
        providers.add(p);

        assertThatThrownBy(() -> p.start(new WorkerSpec("ep1", "w1")))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("could not start worker 'w1' of endpoint 'ep1'")
                .hasMessageContaining("no-such-worker")
                .extracting("workerId").isEqualTo("w1");
        assertThat(p.list()).isEmpty();
        // the only slot was given back: the next failure is again about the command, not capacity
        assertThatThrownBy(() -> p.start(new WorkerSpec("ep1", "w2"))).isNotInstanceOf(NoCapacityException.class);
    }
}
