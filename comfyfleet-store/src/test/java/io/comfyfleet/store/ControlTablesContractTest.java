package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.dashboard.DashboardBoard;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.lease.LeaderLease;
import io.comfyfleet.core.lease.Lease;
import io.comfyfleet.core.lease.LeaseStore;
import io.comfyfleet.core.worker.WorkerBoard;
import io.comfyfleet.core.worker.WorkerFailureRecord;
import io.comfyfleet.core.worker.WorkerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import io.comfyfleet.testkit.SettableClock;

/**
 * What every store's leases and worker board must do (migration V5), run against each database by a subclass.
 * Each test uses its own lease name and worker ids, so the tests share one store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ControlTablesContractTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration TTL = Duration.ofSeconds(5);

    protected JobStore store;
    private LeaseStore leases;
    private WorkerBoard board;

    /** Opens the store under test (once per class). */
    protected abstract JobStore openStore() throws Exception;

    /** A second store on the same database, as a second gateway opens it; null when the database allows one. */
    protected abstract JobStore openSecond() throws Exception;

    @BeforeAll
    void open() throws Exception {
        store = openStore();
        leases = store.leases().orElseThrow();
        board = store.workerBoard().orElseThrow();
    }

    @AfterAll
    void close() {
        store.close();
    }

    private static String name() {
        return "lease-" + UUID.randomUUID();
    }

    @Test
    void aFreeLeaseIsTakenWithTokenOneAndNobodyElseGetsItUntilItExpires() {
        String name = name();
        Lease a = leases.acquire(name, "a", T0, T0.plus(TTL)).orElseThrow();
        assertThat(a.token()).isEqualTo(1);
        assertThat(a.expiresAt()).isEqualTo(T0.plus(TTL));
        assertThat(leases.acquire(name, "b", T0.plusSeconds(4), T0.plusSeconds(9))).as("a's lease still runs").isEmpty();
        assertThat(leases.acquire(name, "a", T0.plusSeconds(1), T0.plusSeconds(6))).as("a renews, not acquires").isEmpty();
        assertThat(leases.current(name)).contains(a);
    }

    @Test
    void anExpiredLeaseIsTakenOverWithAHigherTokenAndTheOldHolderCanNoLongerRenew() {
        String name = name();
        Lease a = leases.acquire(name, "a", T0, T0.plus(TTL)).orElseThrow();
        Lease b = leases.acquire(name, "b", T0.plus(TTL), T0.plus(TTL).plus(TTL)).orElseThrow();
        assertThat(b.token()).isEqualTo(a.token() + 1);
        assertThat(leases.renew(a, T0.plusSeconds(30))).as("fenced: a's token is stale").isFalse();
        assertThat(leases.renew(b, T0.plusSeconds(30))).isTrue();
        assertThat(leases.current(name).orElseThrow().expiresAt()).isEqualTo(T0.plusSeconds(30));
        leases.release(a);
        assertThat(leases.current(name).orElseThrow().holder()).as("a stale release changes nothing").isEqualTo("b");
        Lease a2 = leases.acquire(name, "a", T0.plusSeconds(31), T0.plusSeconds(36)).orElseThrow();
        assertThat(a2.token()).as("the same holder taking it again is a take-over too").isEqualTo(3);
    }

    @Test
    void aReleasedLeaseIsTakenAtOnce() {
        String name = name();
        Lease a = leases.acquire(name, "a", T0, T0.plus(TTL)).orElseThrow();
        leases.release(a);
        assertThat(leases.acquire(name, "b", T0.plusSeconds(1), T0.plusSeconds(6))).isPresent();
    }

    @Test
    void anExpiredButNotTakenOverLeaseIsStillRenewedByItsHolder() {
        String name = name();
        Lease a = leases.acquire(name, "a", T0, T0.plus(TTL)).orElseThrow();
        assertThat(leases.renew(a, T0.plusSeconds(20))).as("nobody held it in between").isTrue();
    }

    @Test
    void ofManyGatewaysRacingForAnExpiredLeaseExactlyOneWins() throws Exception {
        JobStore second = openSecond();
        List<LeaseStore> racers = second == null ? List.of(leases) : List.of(leases, second.leases().orElseThrow());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int round = 0; round < 5; round++) {
                String name = name();
                List<Callable<Boolean>> tries = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    LeaseStore racer = racers.get(i % racers.size());
                    String holder = "g" + i;
                    tries.add(() -> racer.acquire(name, holder, T0, T0.plus(TTL)).isPresent());
                }
                int winners = 0;
                for (Future<Boolean> f : pool.invokeAll(tries)) {
                    winners += f.get() ? 1 : 0;
                }
                assertThat(winners).as("round %d", round).isEqualTo(1);
            }
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void leaderLeaseElectsOneStandsByAndTakesOverAfterTheLeaderStopsRenewing() {
        String name = name();
        SettableClock clock = new SettableClock(T0);
        LeaderLease a = new LeaderLease(leases, name, "a", clock, TTL, Duration.ofSeconds(1));
        LeaderLease b = new LeaderLease(leases, name, "b", clock, TTL, Duration.ofSeconds(1));
        List<String> changes = new ArrayList<>();
        a.onChange(l -> changes.add("a:" + l));
        b.onChange(l -> changes.add("b:" + l));
        List<String> takeOvers = new ArrayList<>();
        a.onTakeOver(gone -> takeOvers.add("a from " + gone));
        b.onTakeOver(gone -> takeOvers.add("b from " + gone));
        assertThat(a.tick()).isTrue();
        assertThat(b.tick()).isFalse();
        assertThat(a.isLeader()).isTrue();
        assertThat(b.isLeader()).isFalse();
        assertThat(b.confirm()).as("a standby may never act").isFalse();

        clock.advance(Duration.ofSeconds(4));
        assertThat(a.tick()).as("renewed").isTrue();
        clock.advance(Duration.ofSeconds(4));
        assertThat(b.tick()).as("a renewed 4 s ago: its lease still runs").isFalse();

        // a pauses (no renewals) past its expiry: b takes over
        clock.advance(Duration.ofSeconds(2));
        assertThat(a.isLeader()).as("a's own clock says its lease ran out").isFalse();
        assertThat(b.tick()).isTrue();
        assertThat(b.token().getAsLong()).isEqualTo(a.token().getAsLong() + 1);
        // a wakes up and, before acting, confirms: fenced out
        assertThat(a.confirm()).isFalse();
        assertThat(a.token()).isEmpty();
        assertThat(b.confirm()).isTrue();
        assertThat(changes).containsExactly("a:true", "b:true", "a:false");
        assertThat(takeOvers).as("a took a free lease; b took a's over").containsExactly("b from a");

        b.close();
        assertThat(a.tick()).as("b gave the lease up on close: a takes it at once").isTrue();
        assertThat(takeOvers).containsExactly("b from a", "a from b");
        a.close();
    }

    /**
     * comfyfleet up's listener asks the autoscaler for a pass (a lock of the autoscaler's) while the autoscaler, in
     * a pass, holds that lock and confirms the lease before acting. Seen on two gateways on PostgreSQL: the standby
     * took the lease over after a kill -9 of the leader, and its lease, sweeper and autoscaler threads waited for
     * each other for good, so nothing scaled, no lease was renewed and no lost job went back to the queue. The
     * lease tells its listeners after letting go of its own lock.
     */
    @Test
    void aListenerMayWaitForAThreadThatConfirmsTheLease() throws Exception {
        String name = name();
        SettableClock clock = new SettableClock(T0);
        LeaderLease a = new LeaderLease(leases, name, "a", clock, TTL, Duration.ofSeconds(1));
        Object autoscaler = new Object();
        java.util.concurrent.CountDownLatch told = new java.util.concurrent.CountDownLatch(1);
        a.onChange(leader -> {
            told.countDown();
            synchronized (autoscaler) { // the autoscaler's nudge
                autoscaler.notifyAll();
            }
        });
        java.util.concurrent.CompletableFuture<Boolean> pass = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            synchronized (autoscaler) { // a pass, which confirms before it starts a worker
                try {
                    told.await();
                    pass.complete(a.confirm());
                } catch (Throwable e) {
                    pass.completeExceptionally(e);
                }
            }
        });
        java.util.concurrent.CompletableFuture<Boolean> tick = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                tick.complete(a.tick());
            } catch (Throwable e) {
                tick.completeExceptionally(e);
            }
        });

        assertThat(tick.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("the take-over").isTrue();
        assertThat(pass.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("the pass's confirmation").isTrue();
        a.close();
    }

    @Test
    void leaderLeaseSettingsAreValidated() {
        SettableClock clock = new SettableClock(T0);
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new LeaderLease(leases, "x", "a", clock, Duration.ofSeconds(2), Duration.ofSeconds(3)))
                .withMessageContaining("at most half");
    }

    @Test
    void aStartingRecordNeverReplacesAHeardOneAndIsWithdrawnAlone() {
        String w = "w-" + UUID.randomUUID();
        String other = "w-" + UUID.randomUUID();
        board.publish(List.of(WorkerRecord.starting("ep", w, "gw-a", T0, T0.plusSeconds(1), "img:1"),
                WorkerRecord.starting("ep", other, "gw-a", T0, T0.plusSeconds(1), "img:1")));
        assertThat(find(w, T0).starting()).as("a starting record reads back as starting").isTrue();
        assertThat(find(w, T0).version()).isEqualTo("img:1");

        WorkerRecord heard = new WorkerRecord("ep", w, "gw-b", T0.plusMillis(500), T0.plusMillis(500),
                T0.plusMillis(500), Set.of(), false, false, false, "img:1", null);
        board.publish(List.of(heard));
        assertThat(find(w, T0).starting()).as("heard, even earlier than the starting record's refresh").isFalse();
        assertThat(find(w, T0).firstSeen()).as("first heard, not when it was started").isEqualTo(T0.plusMillis(500));
        board.publish(List.of(WorkerRecord.starting("ep", w, "gw-a", T0, T0.plusSeconds(5), "img:1")));
        assertThat(find(w, T0).starting()).as("a later starting record does not replace a heard one").isFalse();
        assertThat(find(w, T0).firstSeen()).isEqualTo(T0.plusMillis(500));

        board.withdrawStarting(java.util.Map.of("ep", Set.of(w, other)));
        assertThat(find(w, T0)).as("the heard record stays").isNotNull();
        assertThat(board.heardSince(T0)).noneMatch(r -> r.workerId().equals(other));
    }

    @Test
    void workerRecordsAreSharedAndTheLaterSightingWins() {
        String w = "w-" + UUID.randomUUID();
        WorkerRecord atA = new WorkerRecord("ep", w, "gw-a", T0, T0.plusSeconds(2), null, Set.of("j1", "j2"), true,
                false, false, "local-abc", "j2");
        board.publish(List.of(atA));
        WorkerRecord stale = new WorkerRecord("ep", w, "gw-b", T0.plusSeconds(1), T0.plusSeconds(1), T0.plusSeconds(1),
                Set.of(), false, true, true, null, null);
        board.publish(List.of(stale));
        assertThat(find(w, T0)).as("an older sighting does not replace a newer one").isEqualTo(atA);

        WorkerRecord atB = new WorkerRecord("ep", w, "gw-b", T0.plusSeconds(3), T0.plusSeconds(3), T0.plusSeconds(3),
                Set.of(), false, false, true, null, null);
        board.publish(List.of(atB));
        WorkerRecord merged = find(w, T0);
        assertThat(merged.gateway()).isEqualTo("gw-b");
        assertThat(merged.firstSeen()).as("first seen by a").isEqualTo(T0);
        assertThat(merged.jobs()).isEmpty();
        assertThat(merged.idleSince()).isEqualTo(T0.plusSeconds(3));
        assertThat(merged.stopRequested()).isTrue();
        assertThat(merged.version()).as("kept when b heard none").isEqualTo("local-abc");
        assertThat(merged.lastJob()).isEqualTo("j2");
        assertThat(merged.models()).isEmpty();

        WorkerRecord holding = new WorkerRecord("ep", w, "gw-b", T0.plusSeconds(3), T0.plusSeconds(3),
                T0.plusSeconds(3), Set.of(), false, false, true, null, null,
                Set.of("rand_a.safetensors", "my lora, v2.safetensors"));
        board.publish(List.of(holding));
        assertThat(find(w, T0).models()).as("model names, commas and spaces included")
                .containsExactlyInAnyOrder("rand_a.safetensors", "my lora, v2.safetensors");

        assertThat(board.heardSince(T0.plusSeconds(4))).noneMatch(r -> r.workerId().equals(w));
        assertThat(board.forgetSilent(T0.plusSeconds(4))).isGreaterThanOrEqualTo(1);
        assertThat(board.heardSince(T0)).noneMatch(r -> r.workerId().equals(w));
    }

    private WorkerRecord find(String workerId, Instant since) {
        return board.heardSince(since).stream().filter(r -> r.workerId().equals(workerId)).findFirst().orElseThrow();
    }

    @Test
    void stopOrdersAreTakenExactlyOnce() throws Exception {
        String w = "w-" + UUID.randomUUID();
        board.orderStop(w, "j1", T0);
        board.orderStop(w, "j2", T0.plusSeconds(1));
        board.orderStop(w, "j1", T0.plusSeconds(2));
        assertThat(board.withStopOrders(List.of(w, "someone-else"))).containsExactly(w);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Map<String, Instant>>> takes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                takes.add(pool.submit(() -> board.takeStopOrders(w)));
            }
            List<String> taken = new ArrayList<>();
            for (Future<Map<String, Instant>> f : takes) {
                taken.addAll(f.get().keySet());
            }
            assertThat(taken).containsExactlyInAnyOrder("j1", "j2");
        }
        assertThat(board.takeStopOrders(w)).isEmpty();
        assertThat(board.withStopOrders(List.of(w))).isEmpty();
    }

    @Test
    void eachEndpointKeepsItsLatestWorkerFailureWhicheverGatewayWritesItLast() {
        String ep = "ep-" + UUID.randomUUID();
        String other = "ep-" + UUID.randomUUID();
        WorkerFailureRecord later = new WorkerFailureRecord(ep, "w2", "comfyui_start",
                "ComfyUI did not start: No module named 'torch'", T0.plusSeconds(5));
        WorkerFailureRecord earlier = new WorkerFailureRecord(ep, "w1", null, "GPU lost", T0.plusSeconds(2));
        board.recordFailures(List.of(later));
        board.recordFailures(List.of(earlier)); // a gateway writing behind what it heard before
        board.recordFailures(List.of(new WorkerFailureRecord(other, "w9", "gpu", "x", T0.plusSeconds(1))));

        assertThat(failureOf(ep, T0)).as("an earlier failure does not replace a later one").isEqualTo(later);
        WorkerFailureRecord latest = new WorkerFailureRecord(ep, "w3", null, "out of memory", T0.plusSeconds(9));
        board.recordFailures(List.of(latest));
        assertThat(failureOf(ep, T0)).isEqualTo(latest);
        assertThat(failureOf(other, T0).workerId()).as("one row per endpoint").isEqualTo("w9");
        assertThat(board.failuresSince(T0.plusSeconds(10))).as("older than asked")
                .noneMatch(f -> f.endpoint().equals(ep) || f.endpoint().equals(other));
    }

    private WorkerFailureRecord failureOf(String endpoint, Instant since) {
        List<WorkerFailureRecord> found = board.failuresSince(since).stream()
                .filter(f -> f.endpoint().equals(endpoint)).toList();
        assertThat(found).hasSize(1);
        return found.getFirst();
    }

    // ---- the dashboards' board (migration V14) ----

    @Test
    void aPreviewFrameIsKeptOnlyWhileItsJobRunsAndTheLatestReplacesTheLast() {
        DashboardBoard dashboards = store.dashboardBoard().orElseThrow();
        String ep = "ep-" + UUID.randomUUID();
        String running = ep + "-running";
        String queued = ep + "-queued";
        store.enqueue(TestJobs.job(running).endpoint(ep).build());
        assertThat(store.claim(ep, "w1", 1, T0, T0.plusSeconds(30))).hasSize(1);
        store.enqueue(TestJobs.job(queued).endpoint(ep).build());

        dashboards.putPreviews(Map.of(running, "data:image/jpeg;base64,AAAA", queued, "data:image/jpeg;base64,BBBB"));
        assertThat(dashboards.previews(List.of(running, queued, "unknown")))
                .as("a queued job has no frame").containsExactly(Map.entry(running, "data:image/jpeg;base64,AAAA"));
        dashboards.putPreviews(Map.of(running, "data:image/jpeg;base64,CCCC"));
        assertThat(dashboards.previews(List.of(running))).containsEntry(running, "data:image/jpeg;base64,CCCC");

        store.finish(ep, running, "w1", io.comfyfleet.core.job.JobState.COMPLETED, "{}", null, T0.plusSeconds(2));
        assertThat(dashboards.previews(List.of(running))).as("an ended job's frame is not shown").isEmpty();
        assertThat(dashboards.dropStalePreviews()).as("and is deleted by the next clean-up").isGreaterThanOrEqualTo(1);
        dashboards.putPreviews(Map.of(running, "data:image/jpeg;base64,DDDD"));
        assertThat(dashboards.dropStalePreviews()).as("a frame arriving after the end is not kept").isZero();
    }

    @Test
    void droppedFramesAreGone() {
        DashboardBoard dashboards = store.dashboardBoard().orElseThrow();
        String ep = "ep-" + UUID.randomUUID();
        String id = ep + "-job";
        store.enqueue(TestJobs.job(id).endpoint(ep).build());
        store.claim(ep, "w1", 1, T0, T0.plusSeconds(30));
        dashboards.putPreviews(Map.of(id, "data:image/png;base64,AAAA"));
        dashboards.dropPreviews(List.of(id));
        assertThat(dashboards.previews(List.of(id))).isEmpty();
    }

    @Test
    void theFirstColdStartOfAWorkerStaysAndOldOnesOfWorkersGoneAreForgotten() {
        DashboardBoard dashboards = store.dashboardBoard().orElseThrow();
        String ep = "ep-" + UUID.randomUUID();
        var first = new DashboardBoard.ColdStart(ep, "w1", T0.plusSeconds(10), Duration.ofSeconds(7));
        assertThat(dashboards.recordColdStart(first, T0)).as("the first report is recorded").isTrue();
        assertThat(dashboards.recordColdStart(new DashboardBoard.ColdStart(ep, "w1", T0.plusSeconds(11),
                Duration.ofSeconds(8)), T0)).as("another gateway's later report of w1 is not").isFalse();
        assertThat(mine(dashboards, ep)).containsExactly(first);

        // w2 is still on the worker board, w1 is not: once both are older than the horizon, only w1 is forgotten
        var second = new DashboardBoard.ColdStart(ep, "w2", T0.plusSeconds(20), Duration.ofSeconds(3));
        assertThat(dashboards.recordColdStart(second, T0)).isTrue();
        board.publish(List.of(new WorkerRecord(ep, "w2", "gw-a", T0.plusSeconds(20), T0.plusSeconds(21), null,
                Set.of(), false, false, false, null, null)));
        var third = new DashboardBoard.ColdStart(ep, "w3", T0.plusSeconds(100), Duration.ofSeconds(4));
        dashboards.recordColdStart(third, T0.plusSeconds(60));
        assertThat(mine(dashboards, ep)).containsExactly(second, third);
    }

    private static List<DashboardBoard.ColdStart> mine(DashboardBoard dashboards, String endpoint) {
        return dashboards.coldStarts().stream().filter(c -> c.endpoint().equals(endpoint)).toList();
    }
}
