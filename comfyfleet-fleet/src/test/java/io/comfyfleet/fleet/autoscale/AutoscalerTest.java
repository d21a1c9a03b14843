package io.comfyfleet.fleet.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.fleet.local.LocalProcessConfig;
import io.comfyfleet.fleet.local.LocalProcessProvider;
import io.comfyfleet.fleet.local.Scripts;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import io.comfyfleet.fleet.scale.Scaler;
import io.comfyfleet.fleet.scale.ScalingDecision;
import io.comfyfleet.fleet.scale.WorkerState;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The autoscaler loop with a moved clock, driving the real local provider on bash stand-in workers. */
class AutoscalerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AutoscalerSettings SETTINGS = new AutoscalerSettings(Duration.ofMillis(20),
            Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(30));

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(T0);
    private final FakeGateway gateway = new FakeGateway();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LocalProcessProvider provider;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private Autoscaler autoscaler(String script, int slots, EndpointScaling... endpoints) {
        provider(script, slots);
        Autoscaler a = new Autoscaler(provider, gateway, gateway, List.of(endpoints), SETTINGS, clock);
        toClose.add(a);
        return a;
    }

    private LocalProcessProvider provider(String script, int slots) {
        provider = new LocalProcessProvider(
                LocalProcessConfig.builder(Scripts.command(dir, "worker", script), URI.create("http://127.0.0.1:1"))
                        .cpuSlots(slots).stopGrace(Duration.ofSeconds(2)).build(), clock);
        toClose.add(provider);
        return provider;
    }

    private static EndpointScaling requestCount(String ep, int min, int max, int idleS, int perWorker) {
        return new EndpointScaling(ep, min, max, Duration.ofSeconds(idleS), new Scaler.RequestCount(perWorker));
    }

    private static EndpointScaling queueDelay(String ep, int min, int max, int idleS, int delayS) {
        return new EndpointScaling(ep, min, max, Duration.ofSeconds(idleS),
                new Scaler.QueueDelay(Duration.ofSeconds(delayS)));
    }

    /**
     * An autoscaler of ep1 (0..2 workers, a queue delay of an hour) whose period is an hour: within a test only the
     * pass at start and the passes it is asked for can run.
     */
    private Autoscaler hourlyAutoscaler() {
        Autoscaler a = new Autoscaler(provider(Scripts.UNTIL_TERM, 2), gateway, gateway,
                List.of(queueDelay("ep1", 0, 2, 5, 3600)), new AutoscalerSettings(Duration.ofHours(1),
                        Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(30)), clock);
        toClose.add(a);
        return a;
    }

    private ScheduledExecutorService hourlyScheduler() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        toClose.add(scheduler::shutdownNow);
        return scheduler;
    }

    private List<String> up(String endpoint) {
        return provider.list().stream()
                .filter(w -> w.endpoint().equals(endpoint) && w.phase() == FleetWorker.Phase.UP)
                .map(FleetWorker::workerId).sorted().toList();
    }

    private void advanceTo(int seconds) {
        clock.advance(Duration.between(clock.instant(), T0.plusSeconds(seconds)));
    }

    /** What a gateway reports of a worker that is in a job-take long-poll now. */
    private void idle(String ep, List<String> ids, int idleSinceS) {
        ids.forEach(id -> gateway.heard(ep, id, WorkerActivity.idle(clock.instant(), T0.plusSeconds(idleSinceS))));
    }

    @Test
    void aBurstScalesUpFromZeroAndTheIdleTimeoutBringsItBackToZero() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 4, requestCount("ep1", 0, 3, 30, 2));
        assertThat(a.runOnce().get("ep1").isEmpty()).isTrue();
        assertThat(provider.list()).isEmpty();

        gateway.queue("ep1", new QueueSnapshot(5, 0, T0));
        assertThat(a.runOnce().get("ep1").start()).as("ceil(5 / 2) = 3 = max").isEqualTo(3);
        List<String> ids = up("ep1");
        assertThat(ids).hasSize(3).allMatch(id -> id.startsWith("ep1-"));
        ids.forEach(id -> await().atMost(WAIT).until(() -> !Scripts.recorded(dir, id).isEmpty()));

        advanceTo(4);
        assertThat(a.runOnce().get("ep1").isEmpty()).as("starting workers count").isTrue();
        assertThat(a.countByState("ep1")).containsEntry(WorkerState.INITIALIZING, 3);

        for (String id : ids) {
            assertThat(a.workerReady(id, clock.instant())).contains(Duration.ofSeconds(4));
            assertThat(a.workerReady(id, clock.instant())).as("only the first job-take counts").isEmpty();
            gateway.heard("ep1", id, WorkerActivity.busy(1, clock.instant()));
        }
        gateway.queue("ep1", new QueueSnapshot(2, 3, T0));
        assertThat(a.runOnce().get("ep1").isEmpty()).isTrue();
        assertThat(a.countByState("ep1")).containsEntry(WorkerState.RUNNING, 3);

        gateway.queue("ep1", QueueSnapshot.empty());
        advanceTo(35);
        idle("ep1", ids, 10);
        assertThat(a.runOnce().get("ep1").stop()).as("idle 25 s < 30 s").isEmpty();
        assertThat(a.countByState("ep1")).containsEntry(WorkerState.IDLE, 3);

        advanceTo(41);
        idle("ep1", ids, 10);
        assertThat(a.runOnce().get("ep1").stop()).containsExactlyInAnyOrderElementsOf(ids);
        await().atMost(WAIT).until(() -> provider.list().isEmpty());
        ids.forEach(id -> assertThat(Scripts.recorded(dir, id)).containsEntry("RUNPOD_POD_ID", id));
        assertThat(a.recentColdStarts("ep1")).containsExactly(Duration.ofSeconds(4), Duration.ofSeconds(4),
                Duration.ofSeconds(4));
        assertThat(a.failures()).isZero();
    }

    @Test
    void aGatedAutoscalerActsOnlyWhileTheGateSaysSoAskingItRightBeforeEachStart() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 4, requestCount("ep1", 0, 3, 30, 1));
        java.util.concurrent.atomic.AtomicInteger allowed = new java.util.concurrent.atomic.AtomicInteger(0);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        // the gate answers yes `allowed` more times, then no (a leader that loses its lease mid-pass)
        a.gatedBy(() -> {
            asked.incrementAndGet();
            return allowed.getAndDecrement() > 0;
        });
        gateway.queue("ep1", new QueueSnapshot(3, 0, T0));
        assertThat(a.runOnce()).as("a standby decides nothing").isEmpty();
        assertThat(provider.list()).isEmpty();

        allowed.set(3); // the pass, then two starts; the third start is refused
        asked.set(0);
        assertThat(a.runOnce().get("ep1").start()).isEqualTo(3);
        assertThat(asked.get()).as("once for the pass, once before each start").isEqualTo(4);
        assertThat(up("ep1")).as("the start after the lease was lost did not happen").hasSize(2);
    }

    @Test
    void theDemandIsReadBeforeEveryPassEvenOnAStandbyAndAFailedReadLeavesThePassToGoOn() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 4, requestCount("ep1", 0, 3, 30, 1));
        java.util.concurrent.atomic.AtomicBoolean leader = new java.util.concurrent.atomic.AtomicBoolean(false);
        a.gatedBy(leader::get);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        a.readDemandWith(() -> {
            if (reads.incrementAndGet() == 2) {
                throw new IllegalStateException("the store is away");
            }
            a.jobTaken("ep1", T0.plusSeconds(reads.get()));
        });

        assertThat(a.runOnce()).as("a standby decides nothing").isEmpty();
        assertThat(a.demand("ep1").arrivals()).as("but it learns the demand").containsExactly(T0.plusSeconds(1));

        leader.set(true);
        gateway.queue("ep1", new QueueSnapshot(1, 0, T0));
        assertThat(a.runOnce().get("ep1").start()).as("the read failed; the pass went on").isEqualTo(1);
        assertThat(a.failures()).isEqualTo(1);
        a.runOnce();
        assertThat(a.demand("ep1").arrivals()).containsExactly(T0.plusSeconds(1), T0.plusSeconds(3));
    }

    @Test
    void minWorkersAreKeptThroughLongIdleness() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 2, queueDelay("ep1", 1, 2, 5, 4));
        assertThat(a.runOnce().get("ep1").start()).isEqualTo(1);
        List<String> ids = up("ep1");

        for (int t = 60; t <= 3600; t += 600) {
            advanceTo(t);
            idle("ep1", ids, 1);
            assertThat(a.runOnce().get("ep1").isEmpty()).isTrue();
        }
        assertThat(up("ep1")).isEqualTo(ids);
    }

    @Test
    void queueDelayStartsTheFirstWorkerAtOnceThenOneMoreOnceTheOldestJobWaitedTooLong() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 3, queueDelay("ep1", 0, 3, 5, 4));
        gateway.queue("ep1", new QueueSnapshot(10, 0, T0));

        assertThat(a.runOnce().get("ep1").start()).as("no worker is live: the first starts at once").isEqualTo(1);
        for (int t = 1; t <= 30; t += 6) {
            advanceTo(t);
            assertThat(a.runOnce().get("ep1").start()).as("still booting at %d s", t).isZero();
        }
        assertThat(up("ep1")).hasSize(1);
    }

    @Test
    void lowPriorityJobsAloneStartNothing() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 3, requestCount("ep1", 0, 3, 5, 1));
        // the gateway leaves low-priority jobs out of 'queued': an endpoint with only those looks empty
        gateway.queue("ep1", QueueSnapshot.empty());
        advanceTo(600);

        assertThat(a.runOnce().get("ep1").start()).isZero();
        assertThat(provider.list()).isEmpty();
    }

    @Test
    void aWorkerThatExitsIsReplaced() {
        Autoscaler a = autoscaler(Scripts.EXITS_AT_ONCE, 2, queueDelay("ep1", 1, 2, 5, 4));
        a.runOnce();
        // it may have exited already: take its id whatever its phase
        String first = provider.list().getFirst().workerId();
        await().atMost(WAIT).until(() -> provider.list().getFirst().phase() == FleetWorker.Phase.EXITED);

        advanceTo(10);
        ScalingDecision d = a.runOnce().get("ep1");
        assertThat(d.stop()).containsExactly(first);
        assertThat(d.start()).as("held back for 1 s after a worker failed before it was ready").isZero();
        assertThat(d.reasons()).as("a wait a person reads, not an ISO-8601 instant")
                .contains("holding back 1 start(s) for 1.0 s after 1 worker failure(s) in a row");
        assertThat(a.countByState("ep1")).containsEntry(WorkerState.UNHEALTHY, 1);

        advanceTo(12);
        assertThat(a.runOnce().get("ep1").start()).isEqualTo(1);
        assertThat(provider.list()).extracting(FleetWorker::workerId).doesNotContain(first).hasSize(1);
    }

    @Test
    void aWorkerBecomingReadyIsLookedUpAloneNotByListingTheFleet() {
        ListCountingProvider counting = new ListCountingProvider(provider(Scripts.UNTIL_TERM, 2));
        Autoscaler a = new Autoscaler(counting, gateway, gateway, List.of(queueDelay("ep1", 1, 2, 5, 4)), SETTINGS,
                clock);
        toClose.add(a);
        a.runOnce();
        String id = up("ep1").getFirst();
        advanceTo(3);
        counting.lists.set(0);

        // called on the worker's job-take: the local provider's list() would walk the process table of every worker
        assertThat(a.workerReady(id, clock.instant())).contains(Duration.ofSeconds(3));
        assertThat(counting.lists).as("list() calls while marking the worker ready").hasValue(0);
        assertThat(a.recentColdStarts("ep1")).containsExactly(Duration.ofSeconds(3));
        assertThat(a.demand("ep1").coldStart()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aCrashLoopIsHeldBackEachTimeLongerUntilAWorkerBecomesReady() {
        Autoscaler a = autoscaler(Scripts.EXITS_AT_ONCE, 2, queueDelay("ep1", 1, 2, 5, 4));
        List<Integer> startedAt = new ArrayList<>();
        for (int t = 0; t <= 36; t++) {
            advanceTo(t);
            if (a.runOnce().get("ep1").start() > 0) {
                startedAt.add(t);
                await().atMost(WAIT).until(() -> provider.list().stream()
                        .allMatch(w -> w.phase() != FleetWorker.Phase.UP));
            }
        }
        // the crash found at 1 s holds starts for 1 s, at 3 s for 2 s, at 6 s for 4 s, at 11 s for 8 s, ...
        assertThat(startedAt).containsExactly(0, 2, 5, 10, 19, 36);

        String last = provider.list().stream().filter(w -> w.phase() == FleetWorker.Phase.EXITED).findFirst()
                .orElseThrow().workerId();
        assertThat(a.workerReady(last, clock.instant())).as("it did call once before it died").isPresent();
        advanceTo(37);
        ScalingDecision d = a.runOnce().get("ep1");
        assertThat(d.stop()).containsExactly(last);
        assertThat(d.start()).as("a worker that was ready clears the count and is replaced at once").isEqualTo(1);
    }

    @Test
    void aWorkerThatNeverCallsOrFallsSilentIsReplaced() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 3, queueDelay("ep1", 1, 2, 5, 4));
        a.runOnce();
        String mute = up("ep1").getFirst();

        advanceTo(61);
        ScalingDecision d = a.runOnce().get("ep1");
        assertThat(d.stop()).as("not ready within the 60 s init timeout").containsExactly(mute);
        assertThat(d.start()).as("a failure before ready holds starts back for 1 s").isZero();
        advanceTo(62);
        assertThat(a.runOnce().get("ep1").start()).isEqualTo(1);

        await().atMost(WAIT).until(() -> up("ep1").size() == 1 && !up("ep1").contains(mute));
        String second = up("ep1").getFirst();
        assertThat(a.workerReady(second, clock.instant())).isPresent();
        gateway.heard("ep1", second, WorkerActivity.busy(1, clock.instant()));
        advanceTo(62 + 31);
        assertThat(a.runOnce().get("ep1").stop()).as("silent for 31 s > 30 s").containsExactly(second);
    }

    @Test
    void oneBrokenEndpointOrAFullProviderDoesNotStopTheOthers() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 1, requestCount("bad", 1, 3, 5, 1),
                requestCount("good", 0, 3, 5, 1));
        gateway.failQueueReads("bad", 1);
        gateway.queue("good", new QueueSnapshot(3, 0, T0));

        Map<String, ScalingDecision> decisions = a.runOnce();

        assertThat(decisions).containsOnlyKeys("good");
        assertThat(decisions.get("good").start()).isEqualTo(3);
        assertThat(up("good")).as("one CPU slot: the other two starts are refused").hasSize(1);
        assertThat(a.failures()).as("the queue read and the first refused start").isEqualTo(2);
        assertThat(a.passes()).isEqualTo(1);
    }

    @Test
    void startsAFullProviderRefusesAreShownOnceNotAtEveryPass() {
        Logger logger = (Logger) LoggerFactory.getLogger(Autoscaler.class);
        ListAppender<ILoggingEvent> shown = new ListAppender<>();
        shown.start();
        logger.addAppender(shown);
        try {
            Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 1, requestCount("ep1", 0, 3, 5, 1));
            gateway.queue("ep1", new QueueSnapshot(3, 0, T0));
            a.runOnce();
            a.runOnce();
            a.runOnce();
            assertThat(up("ep1")).hasSize(1);
            assertThat(decisionsShown(shown)).as("passes 2 and 3 start nothing: no room")
                    .containsExactly("endpoint ep1: start 3, stop []: request count: ceil((3 queued + 0 running) / 1)"
                            + " within [0, 3] = 3 workers, have 0: start 3");

            // the queue empties, then fills again: a new want is shown again, once
            gateway.queue("ep1", new QueueSnapshot(0, 0, null));
            a.runOnce();
            gateway.queue("ep1", new QueueSnapshot(2, 0, T0));
            a.runOnce();
            a.runOnce();
            assertThat(decisionsShown(shown)).hasSize(2);
        } finally {
            logger.detachAppender(shown);
        }
    }

    /** A refused start is one line with the provider's reason, not a stack trace at every attempt. */
    @Test
    void aRefusedStartIsLoggedAsOneLineWithTheReason() {
        Logger logger = (Logger) LoggerFactory.getLogger(Autoscaler.class);
        ListAppender<ILoggingEvent> shown = new ListAppender<>();
        shown.start();
        logger.addAppender(shown);
        try {
            Autoscaler a = new Autoscaler(new RefusingProvider(), gateway, gateway,
                    List.of(requestCount("ep1", 0, 1, 5, 1)), SETTINGS, clock);
            gateway.queue("ep1", new QueueSnapshot(1, 0, T0));
            a.runOnce();

            List<ILoggingEvent> refused = shown.list.stream()
                    .filter(e -> e.getFormattedMessage().startsWith("could not start worker")).toList();
            assertThat(refused).singleElement().satisfies(e -> {
                assertThat(e.getFormattedMessage()).endsWith(": " + RefusingProvider.REASON);
                assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
            });
            assertThat(a.failures()).isEqualTo(1);
        } finally {
            logger.detachAppender(shown);
        }
    }

    @Test
    void aRefusedStartIsHeldBackEachTimeLongerNotAskedAgainAtEveryPass() {
        RefusingProvider refusing = new RefusingProvider();
        Autoscaler a = new Autoscaler(refusing, gateway, gateway, List.of(requestCount("ep1", 0, 1, 5, 1)), SETTINGS,
                clock);
        toClose.add(a);
        gateway.queue("ep1", new QueueSnapshot(1, 0, T0));
        List<Integer> triedAt = new ArrayList<>();
        for (int t = 0; t <= 20; t++) {
            advanceTo(t);
            int before = refusing.starts.get();
            a.runOnce();
            if (refusing.starts.get() > before) {
                triedAt.add(t);
            }
        }
        // refused at 0 s: held for 1 s; at 1 s: for 2 s; at 3 s: for 4 s; at 7 s: for 8 s; then at 15 s
        assertThat(triedAt).containsExactly(0, 1, 3, 7, 15);
    }

    private static List<String> decisionsShown(ListAppender<ILoggingEvent> shown) {
        return shown.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("endpoint ep1: start")).toList();
    }

    @Test
    void aProviderThatCannotListIsAFailureNotACrash() {
        Autoscaler a = new Autoscaler(new UnreachableProvider(), gateway, gateway, List.of(queueDelay("ep1", 1, 1, 5, 4)),
                SETTINGS, clock);

        assertThat(a.runOnce()).isEmpty();
        assertThat(a.failures()).isEqualTo(1);
        assertThat(a.passes()).isEqualTo(1);
        assertThat(a.workerReady("w1", T0)).as("the gateway's job-take must not fail for it").isEmpty();
        assertThat(a.failures()).isEqualTo(2);
    }

    @Test
    void theLoopRunsOnItsSchedulerSurvivesFailuresAndStopsWhenClosed() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        toClose.add(scheduler::shutdownNow);
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 1, queueDelay("ep1", 1, 1, 5, 4));
        gateway.failQueueReads("ep1", 3);

        a.start(scheduler);
        a.nudge();

        await().atMost(WAIT).until(() -> up("ep1").size() == 1 && a.passes() >= 5);
        assertThat(a.failures()).isEqualTo(3);
        assertThatThrownBy(() -> a.start(scheduler)).isInstanceOf(IllegalStateException.class);

        a.close();
        long passes = a.passes();
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> a.passes() == passes);
    }

    @Test
    void aJobQueuedAtAnEndpointWithNoWorkerStartsOneAtOnceNotAtTheNextPass() {
        Autoscaler a = hourlyAutoscaler();
        a.start(hourlyScheduler());
        await().atMost(WAIT).until(() -> a.passes() == 1);

        gateway.queue("ep1", new QueueSnapshot(1, 0, T0));
        a.jobQueued("ep1");

        await().atMost(WAIT).until(() -> up("ep1").size() == 1);
        assertThat(a.passes()).isEqualTo(2);
        // the endpoint has a worker now: more jobs wait for the next pass and its rules (no pass per job)
        for (int i = 0; i < 20; i++) {
            a.jobQueued("ep1");
        }
        a.jobQueued("unknown");
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> a.passes() == 2);
        assertThat(up("ep1")).hasSize(1);
    }

    @Test
    void aJobQueuedWhileAPassDecidesOnTheEmptyQueueStillStartsAWorkerAtOnce() {
        Autoscaler a = hourlyAutoscaler();
        // the first pass reads an empty queue; the job arrives before that pass has marked the endpoint as one
        // with no worker, so its jobQueued finds nothing to nudge
        gateway.afterNextRead("ep1", () -> {
            gateway.queue("ep1", new QueueSnapshot(1, 0, T0));
            a.jobQueued("ep1");
        });

        a.start(hourlyScheduler());

        // the first pass and the one it asked for
        await().atMost(WAIT).until(() -> up("ep1").size() == 1 && a.passes() == 2);
    }

    @Test
    void workersOfARemovedEndpointAreStopped() {
        Autoscaler a = autoscaler(Scripts.UNTIL_TERM, 2, queueDelay("ep1", 1, 2, 5, 4));
        a.runOnce();
        assertThat(up("ep1")).hasSize(1);

        a.remove("ep1");
        a.runOnce();

        await().atMost(WAIT).until(() -> provider.list().isEmpty());
        assertThat(a.workers("ep1")).isEmpty();
    }
}
