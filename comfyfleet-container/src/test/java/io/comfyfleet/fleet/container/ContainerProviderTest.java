package io.comfyfleet.fleet.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DeviceRequest;
import io.comfyfleet.common.process.WorkerExitLine;
import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.SlotTable;
import io.comfyfleet.fleet.local.WorkerOutput;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What is particular to the container provider (environment, labels, mounts, GPUs, leftovers, bad images). */
class ContainerProviderTest {
    private static final URI GATEWAY = URI.create("http://127.0.0.1:8080");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String INSTANCE = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private static PodmanService podman;
    private static Engine engine;

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ListAppender<ILoggingEvent> output = new ListAppender<>();
    private final ListAppender<ILoggingEvent> providerLog = new ListAppender<>();
    private final List<ContainerProvider> providers = new ArrayList<>();

    @BeforeAll
    static void startEngine(@TempDir Path context) throws Exception {
        podman = PodmanService.start();
        TestWorkerImage.build(context);
        engine = new Engine(podman.host());
    }

    @AfterAll
    static void stopEngine() {
        if (podman != null) {
            engine.close();
            PodmanService.removeLabelled(Labels.INSTANCE, INSTANCE);
            PodmanService.removeLabelled(Labels.INSTANCE, INSTANCE + "-other");
            podman.close();
        }
    }

    @BeforeEach
    void captureWorkerOutputAndProviderLog() {
        output.start();
        ((Logger) LoggerFactory.getLogger(WorkerOutput.log.getName())).addAppender(output);
        providerLog.start();
        ((Logger) LoggerFactory.getLogger(ContainerProvider.class)).addAppender(providerLog);
    }

    @AfterEach
    void stopEverything() {
        providers.forEach(ContainerProvider::close);
        ((Logger) LoggerFactory.getLogger(WorkerOutput.log.getName())).detachAppender(output);
        ((Logger) LoggerFactory.getLogger(ContainerProvider.class)).detachAppender(providerLog);
    }

    private ContainerConfig.Builder config() {
        return ContainerConfig.builder(podman.host(), TestWorkerImage.TAG, GATEWAY)
                .apiKey("secret-key").stopGrace(Duration.ofSeconds(2)).instance(INSTANCE)
                .pull(ContainerConfig.Pull.NEVER);
    }

    private ContainerProvider provider(ContainerConfig.Builder config) {
        ContainerProvider p = new ContainerProvider(config.build(), clock);
        providers.add(p);
        return p;
    }

    /** The provider's "exited on its own" warning, once it is logged. */
    private String exitWarning() {
        return await().atMost(WAIT).until(() -> providerLog.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("exited on its own")).toList(), m -> !m.isEmpty()).getFirst();
    }

    private List<String> linesOf(String workerId) {
        return output.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("[" + workerId + "] ")).toList();
    }

    @Test
    void aWorkerRunsWithItsEnvironmentLabelsMountsAndNetworkAndItsOutputReachesTheLog() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("hello.txt"), "from the host");
        ContainerProvider p = provider(config().cpuSlots(2).basePort(9100).env("EXTRA_GREETING", "hi")
                .mounts(List.of(models + ":/data:ro")));

        WorkerHandle h = p.start(new WorkerSpec("ep-1", "w1", TestWorkerImage.TAG));

        assertThat(h.version()).isEqualTo(TestWorkerImage.TAG);
        InspectContainerResponse c = engine.commands.inspectContainerCmd("comfyfleet-" + INSTANCE + "-w1").exec();
        assertThat(c.getConfig().getEnv()).contains("EXTRA_GREETING=hi", "RUNPOD_POD_ID=w1",
                "RUNPOD_AI_API_KEY=secret-key", "COMFYFLEET_COMFYUI_PORT=9100", "COMFYFLEET_DEVICE=cpu",
                // a worker whose up is gone for good stops itself after 5 minutes (GatewaySilenceLimit)
                "COMFYFLEET_GATEWAY_SILENCE_LIMIT=300",
                "COMFYFLEET_WORKER_VERSION=" + TestWorkerImage.TAG,
                "RUNPOD_WEBHOOK_GET_JOB=http://127.0.0.1:8080/v2/ep-1/job-take/$ID?gpu=container"
                        + "&version=localhost%2Fcomfyfleet-test-worker%3A1");
        assertThat(c.getConfig().getLabels()).containsEntry(Labels.MANAGED_BY, "comfyfleet")
                .containsEntry(Labels.INSTANCE, INSTANCE).containsEntry(Labels.ENDPOINT, "ep-1")
                .containsEntry(Labels.WORKER_ID, "w1").containsEntry(Labels.VERSION, TestWorkerImage.TAG);
        assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("host");
        assertThat(c.getMounts()).anySatisfy(m -> {
            assertThat(m.getSource()).isEqualTo(models.toString());
            assertThat(m.getDestination().getPath()).isEqualTo("/data");
            assertThat(m.getRW()).isFalse();
        });
        await().atMost(WAIT).until(() -> linesOf("w1"), lines -> lines.contains("[w1] mounted: from the host"));
        assertThat(linesOf("w1")).contains("[w1] worker w1 up on port 9100", "[w1] env EXTRA_GREETING=hi");

        p.start(new WorkerSpec("ep-1", "w2"));
        await().atMost(WAIT).until(() -> linesOf("w2"), lines -> lines.contains("[w2] worker w2 up on port 9101"));
    }

    @Test
    void aContainerThatExitsIsExitedWithItsCodeItsStderrIsLoggedAndItsSlotIsFree() {
        ContainerProvider p = provider(config().cpuSlots(1).env("TEST_BEHAVIOUR", "exit"));
        p.start(new WorkerSpec("ep", "w1"));

        FleetWorker exited = await().atMost(WAIT).until(() -> p.list().getFirst(),
                w -> w.phase() == FleetWorker.Phase.EXITED);

        assertThat(exited.exitCode()).isEqualTo(3);
        await().atMost(WAIT).until(() -> linesOf("w1"), lines -> lines.contains("[w1] bad config, giving up"));
        assertThat(exitWarning()).startsWith("worker w1 of endpoint ep exited on its own with code 3 after ")
                .contains(" (no reason given; see its log); its container ");
        assertThat(p.problem("w1")).as("its exit status, for want of a reason").hasValue("exited with code 3");
        assertThat(p.start(new WorkerSpec("ep", "w2")).workerId()).as("the exited worker's slot").isEqualTo("w2");
    }

    @Test
    void aContainerKilledWithoutAWordIsSaidToBeKilledAndItsExitIsToldAsSuch() {
        ContainerProvider p = provider(config().cpuSlots(1));
        List<io.comfyfleet.fleet.provider.WorkerExit> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
        p.onExit(exits::add);
        p.start(new WorkerSpec("ep", "oom"));
        await().atMost(WAIT).until(() -> linesOf("oom").stream().anyMatch(l -> l.startsWith("[oom] worker oom up on")));

        // as the kernel's out-of-memory killer ends it: SIGKILL from outside, nothing printed
        engine.commands.killContainerCmd("comfyfleet-" + INSTANCE + "-oom").withSignal("KILL").exec();

        await().atMost(WAIT).until(() -> !exits.isEmpty());
        assertThat(exits).singleElement().isEqualTo(new io.comfyfleet.fleet.provider.WorkerExit("ep", "oom", 137,
                "killed by SIGKILL (exit code 137): the kernel's out-of-memory killer (see dmesg) or a kill -9",
                false));
        assertThat(exitWarning()).contains("with code 137").contains("out-of-memory killer (see dmesg) or a kill -9;"
                + " see its log; its container ");
        assertThat(p.problem("oom")).hasValue(exits.getFirst().description());
    }

    @Test
    void theReasonAnExitedWorkerGaveIsShownBesideItsExitCodeAndIsItsProblem() {
        String reason = "ComfyUI did not start: port 9100 on 127.0.0.1 is already in use by another process";
        // its last line, printed just before it exits: the engine may report the exit before it streams that line
        ContainerProvider p = provider(config().cpuSlots(1).env("TEST_BEHAVIOUR", "exit")
                .env("TEST_EXIT_LINE", WorkerExitLine.of(3, reason)));
        p.start(new WorkerSpec("ep", "taken"));

        assertThat(exitWarning()).matches("worker taken of endpoint ep exited on its own with code 3 after [^:]+: "
                + java.util.regex.Pattern.quote(reason) + "; its container [0-9a-f]{12} stays for its logs until the"
                + " worker is stopped");
        assertThat(p.list()).singleElement().extracting(FleetWorker::phase).isEqualTo(FleetWorker.Phase.EXITED);
        assertThat(p.problem("taken")).hasValue(reason);
        assertThat(p.problem("no-such-worker")).isEmpty();
    }

    /**
     * A worker that gives up reports itself unhealthy before it exits, so the autoscaler usually stops it first: its
     * reason was then in no terminal line (only "is gone"), where local workers show it.
     */
    @Test
    void theReasonOfAWorkerStoppedWhileGivingUpIsShownWhenItIsGone() throws Exception {
        String reason = "ComfyUI did not start: ComfyUI exited with code 1 before it was ready";
        ContainerProvider p = provider(config().cpuSlots(1).env("TEST_BEHAVIOUR", "give-up")
                .env("TEST_EXIT_LINE", WorkerExitLine.of(3, reason)));
        WorkerHandle h = p.start(new WorkerSpec("ep", "gave-up"));
        await().atMost(WAIT).until(() -> linesOf("gave-up").stream().anyMatch(l -> l.contains(reason)));

        p.stop(h, Duration.ofSeconds(5)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(providerLog.list).map(ILoggingEvent::getFormattedMessage)
                .contains("worker gave-up of endpoint ep is gone; it had given up: " + reason);
    }

    @Test
    void gpuSlotsAskTheEngineForTheirOneGpuAndGetTheirOwnPort() {
        ContainerConfig config = config().gpus(List.of(0, 3)).slotsPerGpu(2).basePort(9200).build();
        SlotTable slots = config.slotLayout().table();
        List<Slot> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            taken.add(slots.acquire().orElseThrow());
        }
        Slot onGpu3 = taken.stream().filter(s -> s.gpu() == 3).findFirst().orElseThrow();

        CreateContainerCmd create = ContainerRequest.build(engine.commands, config,
                new WorkerSpec("ep", "g1"), onGpu3, TestWorkerImage.TAG);

        List<DeviceRequest> gpus = create.getHostConfig().getDeviceRequests();
        assertThat(gpus).singleElement().satisfies(r -> {
            assertThat(r.getDriver()).isEqualTo("nvidia");
            assertThat(r.getDeviceIds()).containsExactly("3");
            assertThat(r.getCapabilities()).containsExactly(List.of("gpu"));
        });
        assertThat(Arrays.asList(create.getEnv())).contains("COMFYFLEET_DEVICE=cuda",
                        "COMFYFLEET_COMFYUI_PORT=" + (9200 + onGpu3.index()))
                .noneMatch(e -> e.startsWith("CUDA_VISIBLE_DEVICES="));
        assertThat(taken).extracting(Slot::gpu).containsExactlyInAnyOrder(0, 0, 3, 3);

        CreateContainerCmd cpu = ContainerRequest.build(engine.commands, config().build(), new WorkerSpec("ep", "c1"),
                new Slot(0, null), TestWorkerImage.TAG);
        assertThat(cpu.getHostConfig().getDeviceRequests()).isNullOrEmpty();
    }

    @Test
    void aCommandTemplateReplacesTheImagesCommand() {
        ContainerConfig config = config().basePort(9300)
                .command(List.of("worker", "--comfyui-port", "{port}", "--id", "{workerId}@{endpoint}/{gpu}")).build();

        CreateContainerCmd create = ContainerRequest.build(engine.commands, config, new WorkerSpec("ep", "x1"),
                new Slot(1, null), TestWorkerImage.TAG);

        assertThat(create.getCmd()).containsExactly("worker", "--comfyui-port", "9301", "--id", "x1@ep/cpu");
    }

    @Test
    void containersLeftByAnEarlierRunOfTheSameInstanceAreRemovedAtStart() {
        String mine = leftover(INSTANCE, "old1");
        String running = leftover(INSTANCE, "old2");
        engine.commands.startContainerCmd(running).exec();
        String someoneElses = leftover(INSTANCE + "-other", "old3");

        ContainerProvider p = provider(config());

        List<String> left = engine.commands.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.MANAGED_BY, "comfyfleet")).exec().stream().map(Container::getId).toList();
        assertThat(left).doesNotContain(mine, running).contains(someoneElses);
        assertThat(p.list()).isEmpty();
    }

    private String leftover(String instance, String workerId) {
        return engine.commands.createContainerCmd(TestWorkerImage.TAG)
                .withName("comfyfleet-" + instance + "-" + workerId)
                .withLabels(Map.of(Labels.MANAGED_BY, "comfyfleet", Labels.INSTANCE, instance,
                        Labels.WORKER_ID, workerId, Labels.ENDPOINT, "ep"))
                .exec().getId();
    }

    @Test
    void aMissingImageFailsTheStartNamingTheImageAndKeepsTheSlotFree() {
        ContainerProvider never = provider(config().cpuSlots(1));
        String missing = "localhost/comfyfleet-no-such-image:0";

        assertThatThrownBy(() -> never.start(new WorkerSpec("ep", "w1", missing)))
                .isInstanceOf(ProviderException.class).hasMessageContaining("'" + missing + "'")
                .hasMessageContaining("pull is never").extracting("workerId").isEqualTo("w1");
        assertThat(never.list()).isEmpty();
        assertThat(never.start(new WorkerSpec("ep", "w2")).workerId()).isEqualTo("w2");
    }

    @Test
    void anImageThatCannotBePulledFailsTheStartNamingTheImage() {
        ContainerProvider pulling = provider(config().pull(ContainerConfig.Pull.MISSING).instance(INSTANCE + "-other"));
        String missing = "127.0.0.1:1/comfyfleet-no-such-image:0";

        assertThatThrownBy(() -> pulling.start(new WorkerSpec("ep", "w1", missing)))
                .isInstanceOf(ProviderException.class).hasMessageContaining("'" + missing + "'")
                .hasMessageContaining("could not be pulled");
        assertThat(pulling.list()).isEmpty();
    }

    @Test
    void anEngineThatDoesNotAnswerIsNamed() {
        URI nowhere = URI.create("unix://" + dir.resolve("no-engine.sock"));

        assertThatThrownBy(() -> new ContainerProvider(ContainerConfig.builder(nowhere, TestWorkerImage.TAG, GATEWAY)
                .build(), clock))
                .isInstanceOf(ProviderException.class).hasMessageContaining(nowhere.toString())
                .hasMessageContaining("workers.container.host");
    }
}
