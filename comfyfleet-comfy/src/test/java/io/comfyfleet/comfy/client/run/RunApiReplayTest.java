package io.comfyfleet.comfy.client.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.PromptRejectedException;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.testing.Captures;
import io.comfyfleet.comfy.client.testing.ReplayServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The run API against real recordings replayed by a fixture server, including the failure paths. */
@Timeout(30)
class RunApiReplayTest {
    private ReplayServer server;
    private final List<ComfyRunner> runners = new ArrayList<>();

    @AfterEach
    void stop() {
        runners.forEach(ComfyRunner::close);
        if (server != null) {
            server.close();
        }
    }

    private ComfyRunner runner() {
        ComfyRunner runner = new ComfyRunner(ComfyClient.builder(server.baseUri()).requestTimeout(Duration.ofSeconds(5)).build());
        runners.add(runner);
        return runner;
    }

    private static ObjectNode recordedPrompt(String folder, String name) {
        return (ObjectNode) Captures.prompt(Captures.load(folder, name));
    }

    /** The types a listener of this prompt should see: every recorded frame except broadcasts and the end marker. */
    private static List<String> expectedTypes(String folder, String name) {
        List<String> types = new ArrayList<>();
        for (JsonNode frame : Captures.load(folder, name).get("frames")) {
            if (frame.has("text")) {
                JsonNode text = frame.get("text");
                String type = text.get("type").asString();
                boolean endMarker = type.equals("executing") && text.get("data").get("node").isNull();
                if (!type.equals("status") && !endMarker) {
                    types.add(type);
                }
            } else if (frame.has("binary") || frame.has("other")) {
                types.add("binary:1");
            }
        }
        return types;
    }

    @Test
    void okBasicRunsToSuccessWithOurIdsAndTheRecordedEventSequence() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").start();
        EventLog log = new EventLog();
        String promptId = UUID.randomUUID().toString();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"),
                RunOptions.defaults().withPromptId(promptId), log);

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.promptId()).isEqualTo(promptId);
        assertThat(server.promptBody().get("prompt_id").asString()).isEqualTo(promptId);
        assertThat(server.promptBody().get("client_id").asString()).isEqualTo(result.clientId());
        assertThat(log.types()).containsExactlyElementsOf(expectedTypes("cpu-0.3.64", "ok_basic"));
        assertThat(log.events).allSatisfy(e -> assertThat(e.promptId()).isEqualTo(promptId));
        assertThat(result.executedNodes()).containsExactly("1", "2", "3");
        assertThat(result.cachedNodes()).isEmpty();
        assertThat(result.outputs().outputs()).extracting(OutputFile::filename).containsExactly("cap_00003_.png");
        assertThat(result.historyAvailable()).isTrue();
        assertThat(result.timings().execution()).isPresent();
        assertThat(result.reconnects()).isZero();
        assertThat(server.originSeen()).isFalse();
        // the socket was open before the submit
        assertThat(server.requests()).contains("POST /prompt");
        assertThat(server.connects()).isEqualTo(1);
    }

    @Test
    void promptsInSequenceShareOneSocketAndEachSeesOnlyItsOwnEvents() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_progress_previews").start();
        ComfyRunner runner = runner();
        List<String> expected = expectedTypes("cpu-0.3.64", "ok_progress_previews");

        for (int i = 0; i < 3; i++) {
            EventLog log = new EventLog();
            RunResult result = runner.run(recordedPrompt("cpu-0.3.64", "ok_progress_previews"), RunOptions.defaults(), log);

            assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
            assertThat(result.clientId()).isEqualTo(runner.clientId());
            assertThat(server.promptBody().get("client_id").asString()).isEqualTo(runner.clientId());
            assertThat(log.types()).containsExactlyElementsOf(expected);
            assertThat(log.events).allSatisfy(e -> assertThat(e.promptId()).isIn(result.promptId(), null));
            assertThat(result.reconnects()).isZero();
        }
        assertThat(server.connects()).isEqualTo(1);
        assertThat(server.openSockets()).isEqualTo(1);
        runner.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.openSockets() == 0);
    }

    @Test
    void aSocketOpenedAheadIsTheOneTheFirstRunUses() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").start();
        ComfyRunner runner = runner();

        runner.openSocket();
        assertThat(server.connects()).as("opened before any run").isEqualTo(1);
        assertThat(server.requests()).doesNotContain("POST /prompt");
        runner.openSocket();
        RunResult result = runner.run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), new EventLog());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.reconnects()).isZero();
        assertThat(server.connects()).as("no second handshake: not for a second openSocket, not for the run")
                .isEqualTo(1);
        runner.close();
        assertThatThrownBy(runner::openSocket).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aRunWithItsOwnClientIdGetsASocketOfItsOwn() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").start();
        ComfyRunner runner = runner();
        runner.run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());

        RunResult result = runner.run(recordedPrompt("cpu-0.3.64", "ok_basic"),
                RunOptions.defaults().withClientId("mine"), RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.clientId()).isEqualTo("mine");
        assertThat(server.promptBody().get("client_id").asString()).isEqualTo("mine");
        assertThat(server.connects()).isEqualTo(2);
        // the run's own socket closes when it ends; the shared one stays for the next run
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.openSockets() == 1);
    }

    @Test
    void aSecondRunOfTheSamePromptIdIsRefusedWhileTheFirstIsFollowed() {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").stayPending().start();
        ComfyRunner runner = runner();
        PromptRun first = runner.start(recordedPrompt("cpu-0.3.64", "ok_basic"),
                RunOptions.defaults().withPromptId("p-twice"), RunListener.none());

        assertThatThrownBy(() -> runner.start(recordedPrompt("cpu-0.3.64", "ok_basic"),
                RunOptions.defaults().withPromptId("p-twice"), RunListener.none()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("p-twice");
        first.cancel();
    }

    @Test
    void cachedRerunReportsEveryNodeCachedAndTheReplayedOutput() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_cached_rerun").start();
        EventLog log = new EventLog();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_cached_rerun"), RunOptions.defaults(), log);

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.cachedNodes()).containsExactly("1", "2", "3");
        assertThat(result.executedNodes()).isEmpty();
        assertThat(result.outputs().outputs()).hasSize(1);
        assertThat(log.types()).containsExactlyElementsOf(expectedTypes("cpu-0.3.64", "ok_cached_rerun"));
    }

    @Test
    void nodeExceptionEndsInErrorWithTheNodeAndTraceback() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "err_runtime_node_exception").start();
        EventLog log = new EventLog();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "err_runtime_node_exception"),
                RunOptions.defaults(), log);

        assertThat(result.status()).isEqualTo(RunStatus.ERROR);
        assertThat(result.error().nodeId()).isEqualTo("2");
        assertThat(result.error().nodeType()).isEqualTo("SlowProgress");
        assertThat(result.error().exceptionType()).isEqualTo("RuntimeError");
        assertThat(result.error().exceptionMessage()).startsWith("failure requested at step 3");
        assertThat(result.error().traceback()).isNotEmpty();
        assertThat(result.error().promptId()).isEqualTo(result.promptId());
        assertThat(result.outputs().files()).isEmpty();
        assertThat(log.count("progress")).isEqualTo(3);
        assertThat(log.count("binary:1")).isEqualTo(3);
        assertThat(log.types().getLast()).isEqualTo("execution_error");
    }

    @Test
    void cancelWhileRunningInterruptsAndEndsWithoutTheEndMarker() throws Exception {
        // the recording has no executing:null after execution_interrupted: the run must not wait for it
        server = ReplayServer.replay("cpu-0.3.64", "interrupted_midrun").start();
        AtomicBoolean cancelled = new AtomicBoolean();
        // events can arrive before start() returns: cancel once the handle exists, never on a null one
        CompletableFuture<PromptRun> run = new CompletableFuture<>();
        EventLog log = new EventLog().reactingTo(e -> {
            if (e instanceof ComfyEvent.Executing ex && "3".equals(ex.node()) && cancelled.compareAndSet(false, true)) {
                run.thenAccept(PromptRun::cancel);
            }
        });
        run.complete(runner().start(recordedPrompt("cpu-0.3.64", "interrupted_midrun"), RunOptions.defaults(), log));

        RunResult result = run.join().await();

        assertThat(result.status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(result.interruption().nodeId()).isEqualTo("3");
        assertThat(result.interruption().executed()).containsExactly("2");
        assertThat(server.interruptBodies()).isNotEmpty()
                .allSatisfy(b -> assertThat(b.get("prompt_id").asString()).isEqualTo(result.promptId()));
        assertThat(log.count("execution_interrupted")).isEqualTo(1);
        assertThat(log.types().getLast()).isEqualTo("execution_interrupted");
        assertThat(result.historyAvailable()).isTrue();
    }

    @Test
    void interruptAtSamplerStepTwentyOnTheH100Recording() throws Exception {
        server = ReplayServer.replay("h100-0.3.64", "g10_a_interrupt_step20").start();
        // events can arrive before start() returns: cancel once the handle exists, never on a null one
        CompletableFuture<PromptRun> run = new CompletableFuture<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        EventLog log = new EventLog().reactingTo(e -> {
            if (e instanceof ComfyEvent.Progress p && p.value() == 20 && cancelled.compareAndSet(false, true)) {
                run.thenAccept(PromptRun::cancel);
            }
        });
        run.complete(runner().start(recordedPrompt("h100-0.3.64", "g10_a_interrupt_step20"), RunOptions.defaults(), log));

        RunResult result = run.join().await();

        assertThat(result.status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(result.interruption().nodeType()).isEqualTo("KSampler");
        assertThat(result.cachedNodes()).containsExactly("4", "6", "7");
        assertThat(log.count("progress")).isEqualTo(20);
        assertThat(log.types().getLast()).isEqualTo("execution_interrupted");
        assertThat(log.count("execution_interrupted")).isEqualTo(1);
    }

    @Test
    void validationFailureIsATypedRejectionWithNodeErrors() {
        server = ReplayServer.replay("cpu-0.3.64", "err_bad_value").start();
        ObjectNode prompt = recordedPrompt("cpu-0.3.64", "err_bad_value");

        assertThatThrownBy(() -> runner().run(prompt, RunOptions.defaults().withPromptId("p-400"), RunListener.none()))
                .isInstanceOfSatisfying(PromptRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.promptId()).isEqualTo("p-400");
                    assertThat(e.errorType()).isEqualTo("prompt_outputs_failed_validation");
                    assertThat(e.nodeErrors().isEmpty()).isFalse();
                    assertThat(e.getMessage()).contains("prompt_outputs_failed_validation").contains("node ");
                });
    }

    @Test
    void serverCrashOnTheBodyIsATypedRejectionWithTheText() {
        server = ReplayServer.replay("cpu-0.3.64", "err_ui_format_numeric_first").start();
        JsonNode prompt = Captures.load("cpu-0.3.64", "err_ui_format_numeric_first").get("request").get("prompt");

        assertThatThrownBy(() -> runner().run(prompt, RunOptions.defaults(), RunListener.none()))
                .isInstanceOfSatisfying(PromptRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.errorType()).isNull();
                    assertThat(e.body()).isNull();
                    assertThat(e.bodyExcerpt()).contains("Server got itself in trouble");
                    assertThat(e.getMessage()).contains("API format");
                });
    }

    @Test
    void socketDroppedMidRunCompletesThroughHistory() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_progress_previews").dropSocketAfter(12).start();
        EventLog log = new EventLog();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_progress_previews"), RunOptions.defaults(), log);

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.reconnects()).isEqualTo(1);
        assertThat(server.connects()).isEqualTo(2);
        assertThat(log.connectionNotes).containsExactly("lost", "reconnected 1");
        assertThat(log.count("execution_start")).isEqualTo(1);
        assertThat(log.count("execution_cached")).isEqualTo(1);
        assertThat(log.count("execution_success")).isEqualTo(1);
        assertThat(log.types().getLast()).isEqualTo("execution_success");
        assertThat(log.events.size()).isLessThan(expectedTypes("cpu-0.3.64", "ok_progress_previews").size());
        assertThat(result.outputs().outputs()).hasSize(1);
    }

    @Test
    void outputsFromEventsStillComeFromTheHistoryAfterTheSocketDropped() throws Exception {
        // the drop loses frames (the executed event among them), so only the history knows the outputs
        server = ReplayServer.replay("cpu-0.3.64", "ok_progress_previews").dropSocketAfter(12).start();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_progress_previews"),
                RunOptions.defaults().withOutputsFromEvents(true), RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.reconnects()).isEqualTo(1);
        assertThat(result.historyAvailable()).isTrue();
        assertThat(result.outputs().outputs()).hasSize(1);
    }

    @Test
    void socketDroppedAndResumedKeepsFollowingWithoutDuplicates() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_progress_previews").dropSocketAfter(12).resumeAfterReconnect().start();
        EventLog log = new EventLog();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_progress_previews"), RunOptions.defaults(), log);

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.reconnects()).isEqualTo(1);
        assertThat(log.count("execution_start")).isEqualTo(1);
        assertThat(log.count("execution_success")).isEqualTo(1);
        assertThat(log.types().getLast()).isEqualTo("execution_success");
        assertThat(log.types()).isSubsetOf(expectedTypes("cpu-0.3.64", "ok_progress_previews"));
    }

    @Test
    void historyThatLagsBehindTheTerminalEventIsPolledUntilItAppears() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").historyEmptyFor(3).start();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isTrue();
        assertThat(server.historyPollsAfterDone()).isEqualTo(4);
        assertThat(result.outputs().outputs()).hasSize(1);
    }

    /*
     * ComfyUI may write history well after the terminal event (222 ms on the cold H100 run g01_a_cold). The
     * history is written here 400 ms after it; a run that only polls on a timer reads it tens to hundreds of ms
     * late (the old 50 ms doubling schedule: 350 ms late; the 5 ms doubling fallback alone: 165 ms late), while one
     * woken by the frame that follows the write reads it at once. The 120 ms bound leaves a loaded machine room.
     */
    private static final Duration HISTORY_WRITE_DELAY = Duration.ofMillis(400);
    private static final Duration WOKEN_READ_BOUND = Duration.ofMillis(120);

    @Test
    void historyIsReadAsSoonAsTheStatusAfterTheTerminalEventSaysItIsWritten() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").historyWrittenAfter(HISTORY_WRITE_DELAY).start();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());
        long ended = System.nanoTime();

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isTrue();
        assertThat(Duration.ofNanos(ended - server.historyWrittenNanos())).isLessThan(WOKEN_READ_BOUND);
    }

    @Test
    void historyIsReadAsSoonAsTheEndMarkerArrivesWhenNoStatusIsSeen() throws Exception {
        // a server whose status broadcasts do not reach us: executing null alone must wake the read
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").withhold("status")
                .historyWrittenAfter(HISTORY_WRITE_DELAY).start();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());
        long ended = System.nanoTime();

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isTrue();
        assertThat(Duration.ofNanos(ended - server.historyWrittenNanos())).isLessThan(WOKEN_READ_BOUND);
    }

    @Test
    void historyIsStillFoundByQuickPollsWhenNeitherFrameComes() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").withhold("status", "executing")
                .historyWrittenAfter(Duration.ofMillis(100)).start();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isTrue();
        assertThat(result.outputs().outputs()).hasSize(1);
    }

    @Test
    void historyThatNeverComesFallsBackToTheExecutedEvents() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_load_upload").historyEmptyFor(Integer.MAX_VALUE).start();
        RunOptions options = RunOptions.defaults().withHistoryPolling(Duration.ofMillis(20), Duration.ofMillis(300));

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_load_upload"), options, RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isFalse();
        assertThat(result.outputs().outputs()).extracting(OutputFile::filename).containsExactly("cap_load_00003_.png");
        assertThat(result.outputs().temps()).hasSize(1);
    }

    @Test
    void promptThatVanishesAfterADropIsReportedLost() {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").dropSocketAfter(4).historyEmptyFor(Integer.MAX_VALUE).start();

        assertThatThrownBy(() -> runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"),
                RunOptions.defaults().withPromptId("p-lost"), RunListener.none()))
                .isInstanceOfSatisfying(PromptLostException.class, e -> assertThat(e.promptId()).isEqualTo("p-lost"))
                .hasMessageContaining("neither in ComfyUI's history nor in its queue");
    }

    @Test
    void cancelWhilePendingDequeuesAndReportsCancelled() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").stayPending().start();
        PromptRun run = runner().start(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());

        run.cancel();
        RunResult result = run.await();

        assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(server.queueBodies()).extracting(b -> b.get("delete").get(0).asString()).containsExactly(run.promptId());
    }

    @Test
    void overallTimeoutStopsThePromptAndSaysWhatWasLastSeen() {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").stayPending().start();
        RunOptions options = RunOptions.defaults().withTimeout(Duration.ofMillis(300))
                .withIdleCheckInterval(Duration.ofMillis(100));

        assertThatThrownBy(() -> runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), options, RunListener.none()))
                .isInstanceOf(RunTimeoutException.class)
                .hasMessageContaining("did not finish within 300 ms").hasMessageContaining("interrupted/dequeued");
        assertThat(server.queueBodies()).hasSize(1);
    }

    @Test
    @Timeout(10) // the fixture chatters for 20 s: only an idle check that ignores chatter ends the run sooner
    void aSocketThatGoesSilentIsCaughtByTheIdleCheck() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").goSilentAfter(5).start();
        RunOptions options = RunOptions.defaults().withIdleCheckInterval(Duration.ofMillis(200));
        EventLog log = new EventLog();

        ComfyRunner runner = runner();
        RunResult result = runner.run(recordedPrompt("cpu-0.3.64", "ok_basic"), options, log);

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.reconnects()).isZero();
        assertThat(log.types().getLast()).isEqualTo("execution_success");
        assertThat(log.count("execution_success")).isEqualTo(1);
        // closing the runner closes its shared socket, even while the server keeps chatting on it
        runner.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.openSockets() == 0);
        assertThat(result.outputs().outputs()).hasSize(1);
    }

    @Test
    void anEndMarkerWithoutItsTerminalEventIsReconciledFromHistory() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "err_runtime_corrupt_image").withhold("execution_error").start();
        EventLog log = new EventLog();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "err_runtime_corrupt_image"), RunOptions.defaults(), log);

        assertThat(result.status()).isEqualTo(RunStatus.ERROR);
        assertThat(result.error().nodeType()).isEqualTo("LoadImage");
        assertThat(log.types().getLast()).isEqualTo("execution_error");
        assertThat(log.count("execution_error")).isEqualTo(1);
    }

    @Test
    void comfyGoneForGoodMidRunIsReportedUnavailable() {
        server = ReplayServer.replay("cpu-0.3.64", "ok_progress_previews").dropSocketAfter(6).resumeAfterReconnect().start();
        RunListener stopServerOnDrop = new RunListener() {
            @Override
            public void onEvent(ComfyEvent event) {
            }

            @Override
            public void onConnectionLost(String reason) {
                server.close(); // as if ComfyUI crashed
            }
        };
        RunOptions options = RunOptions.defaults().withReconnects(2, Duration.ofMillis(20));

        assertThatThrownBy(() -> runner().run(recordedPrompt("cpu-0.3.64", "ok_progress_previews"), options, stopServerOnDrop))
                .isInstanceOf(io.comfyfleet.comfy.client.ComfyUnavailableException.class)
                .hasMessageContaining("could not reopen it in 2 attempts");
    }

    @Test
    void failedHistoryReadsDuringIdleChecksAndAfterTheEndAreRetried() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").goSilentAfter(5).historyFailsFor(2).start();
        RunOptions options = RunOptions.defaults().withIdleCheckInterval(Duration.ofMillis(100));

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), options, RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isTrue();
    }

    @Test
    void aHistoryErrorAfterTheTerminalEventOnlyDelaysTheResult() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "ok_basic").historyFailsFor(1).start();

        RunResult result = runner().run(recordedPrompt("cpu-0.3.64", "ok_basic"), RunOptions.defaults(), RunListener.none());

        assertThat(result.status()).isEqualTo(RunStatus.SUCCESS);
        assertThat(result.historyAvailable()).isTrue();
    }

    @Test
    void aLostInterruptIsRepeatedWhileTheCancelledPromptStillRuns() throws Exception {
        server = ReplayServer.replay("cpu-0.3.64", "interrupted_midrun").loseFirstInterrupt().start();
        AtomicBoolean cancelled = new AtomicBoolean();
        // events can arrive before start() returns: cancel once the handle exists, never on a null one
        CompletableFuture<PromptRun> run = new CompletableFuture<>();
        EventLog log = new EventLog().reactingTo(e -> {
            if (e instanceof ComfyEvent.Executing ex && "3".equals(ex.node()) && cancelled.compareAndSet(false, true)) {
                run.thenAccept(PromptRun::cancel);
            }
        });
        RunOptions options = RunOptions.defaults().withIdleCheckInterval(Duration.ofMillis(300));
        run.complete(runner().start(recordedPrompt("cpu-0.3.64", "interrupted_midrun"), options, log));

        RunResult result = run.join().await();

        assertThat(result.status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(server.interruptBodies()).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(b -> assertThat(b.get("prompt_id").asString()).isEqualTo(result.promptId()));
        assertThat(log.count("execution_interrupted")).isEqualTo(1);
    }
}
