package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.PromptRun;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.comfy.client.run.RunStatus;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * The runner's one shared event socket against the emulator as a separate process (which routes events by
 * client id and runs one prompt at a time, as ComfyUI does): prompts in sequence and in flight together each
 * see only their own events, and a socket drop mid-run is reconciled for every run on it.
 */
@Timeout(120)
class SharedEventSocketTest {
    @TempDir
    static Path work;
    private static ComfySupervisor comfy;

    @BeforeAll
    static void startComfy() throws Exception {
        comfy = EmulatorProcess.launch(work.resolve("comfy"), "--zero-time");
        comfy.start();
    }

    @AfterAll
    static void stopComfy() {
        comfy.close();
    }

    /** EmptyImage (a colour of its own) → SlowProgress (a step count of its own, a preview per step) → SaveImage. */
    private static ObjectNode prompt(int color, int steps, int delayMs) {
        return (ObjectNode) Json.MAPPER.readTree("""
                {"1":{"class_type":"EmptyImage","inputs":{"width":64,"height":64,"batch_size":1,"color":%d}},
                 "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":%d,"delay_ms":%d,"fail_at":-1}},
                 "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"shared_%d"}}}"""
                .formatted(color, steps, delayMs, color));
    }

    /** What one run's listener saw. */
    private static final class Seen implements RunListener {
        final List<ComfyEvent> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> notes = Collections.synchronizedList(new ArrayList<>());
        private final Consumer<ComfyEvent> reaction;

        Seen() {
            this(e -> { });
        }

        Seen(Consumer<ComfyEvent> reaction) {
            this.reaction = reaction;
        }

        @Override
        public void onEvent(ComfyEvent event) {
            events.add(event);
            reaction.accept(event);
        }

        @Override
        public void onConnectionLost(String reason) {
            notes.add("lost");
        }

        @Override
        public void onReconnected(int attempt) {
            notes.add("reconnected");
        }

        long count(Class<? extends ComfyEvent> type) {
            synchronized (events) {
                return events.stream().filter(type::isInstance).count();
            }
        }
    }

    /** Every event a run saw is its own (or carries no id), once-only events came once, the terminal one last. */
    private static void assertOwnEvents(RunResult result, Seen seen) {
        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(seen.events).allSatisfy(e -> assertThat(e.promptId()).isIn(result.promptId(), null));
        assertThat(seen.count(ComfyEvent.ExecutionStart.class)).isLessThanOrEqualTo(1);
        assertThat(seen.count(ComfyEvent.ExecutionSuccess.class)).isEqualTo(1);
        assertThat(seen.events.getLast()).isInstanceOf(ComfyEvent.ExecutionSuccess.class);
        assertThat(result.outputs().outputs()).singleElement()
                .satisfies(f -> assertThat(f.filename()).startsWith("shared_"));
    }

    @Test
    void promptsInSequenceOnOneSocketEachSeeOnlyTheirOwnEvents() throws Exception {
        try (ComfyRunner runner = new ComfyRunner(ComfyClient.create(comfy.baseUrl()))) {
            for (int i = 1; i <= 3; i++) {
                Seen seen = new Seen();
                RunResult result = runner.run(prompt(10 + i, i + 1, 5), RunOptions.defaults(), seen);

                assertOwnEvents(result, seen);
                assertThat(result.clientId()).isEqualTo(runner.clientId());
                assertThat(seen.count(ComfyEvent.Progress.class)).isEqualTo(i + 1);
                assertThat(seen.count(ComfyEvent.PreviewImage.class)).isEqualTo(i + 1);
                assertThat(result.reconnects()).isZero();
            }
        }
    }

    @Test
    void promptsInFlightTogetherOnOneSocketEachSeeOnlyTheirOwnEvents() throws Exception {
        try (ComfyRunner runner = new ComfyRunner(ComfyClient.create(comfy.baseUrl()))) {
            List<PromptRun> runs = new ArrayList<>();
            List<Seen> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Seen s = new Seen();
                seen.add(s);
                // different step counts: a preview (no prompt id on the wire) routed to the wrong run shows up
                runs.add(runner.start(prompt(20 + i, 2 + i, 30), RunOptions.defaults(), s));
            }
            List<String> files = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                RunResult result = runs.get(i).await();
                assertOwnEvents(result, seen.get(i));
                assertThat(result.clientId()).isEqualTo(runner.clientId());
                assertThat(seen.get(i).count(ComfyEvent.Progress.class)).isEqualTo(2 + i);
                assertThat(seen.get(i).count(ComfyEvent.PreviewImage.class)).isEqualTo(2 + i);
                files.add(result.outputs().outputs().getFirst().filename());
            }
            assertThat(files).doesNotHaveDuplicates();
        }
    }

    @Test
    void aSocketDropMidRunIsReconciledForEveryRunOnIt() throws Exception {
        AtomicBoolean dropped = new AtomicBoolean();
        try (ComfyRunner runner = new ComfyRunner(ComfyClient.create(comfy.baseUrl()))) {
            // the running prompt drops the socket at its third step of 20 (1.7 s to spare, for a loaded machine);
            // the second waits in the queue meanwhile
            Seen running = new Seen(e -> {
                if (e instanceof ComfyEvent.Progress p && p.value() == 3 && dropped.compareAndSet(false, true)) {
                    Thread.ofVirtual().start(() -> EmulatorProcess.faults(comfy, "{\"drop_websocket\":{\"after_frames\":0}}"));
                }
            });
            Seen queued = new Seen();
            RunOptions options = RunOptions.defaults().withReconnects(5, Duration.ofMillis(50));
            PromptRun first = runner.start(prompt(31, 20, 100), options, running);
            PromptRun second = runner.start(prompt(32, 3, 30), options, queued);

            RunResult a = first.await();
            RunResult b = second.await();

            assertThat(dropped).isTrue();
            assertOwnEvents(a, running);
            assertOwnEvents(b, queued);
            // both runs heard of the drop and went on over the one reopened socket
            assertThat(running.notes).containsExactly("lost", "reconnected");
            assertThat(queued.notes).containsExactly("lost", "reconnected");
            assertThat(a.reconnects()).isEqualTo(1);
            assertThat(b.reconnects()).isEqualTo(1);
            assertThat(running.count(ComfyEvent.Progress.class)).isBetween(3L, 20L);
            assertThat(queued.count(ComfyEvent.Progress.class)).isLessThanOrEqualTo(3);
            assertThat(a.outputs().outputs()).extracting(OutputFile::filename).isNotEqualTo(
                    b.outputs().outputs().stream().map(OutputFile::filename).toList());

            // the runner goes on with the reopened socket
            Seen after = new Seen();
            assertOwnEvents(runner.run(prompt(33, 2, 5), RunOptions.defaults(), after), after);
            assertThat(after.notes).isEmpty();
        }
    }
}
