package io.comfyfleet.gateway.dispatch;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.worker.WorkerBoard;
import io.comfyfleet.core.worker.WorkerRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares this gateway's worker registry through the store's {@link WorkerBoard} (several gateways on one
 * database): every {@code interval} it writes the workers that changed here, and those parked in a job-take here,
 * in one batch (write-behind: no job-take waits for the store); reads back every gateway's; shares each endpoint's
 * last worker that gave up (for {@code /health}); and wakes the job-stop polls waiting here for which another
 * gateway left stop orders. Now and then it deletes workers silent for
 * {@code forgetAfter}. A failed round is logged and counted; the next one tries again.
 */
public final class BoardSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BoardSync.class);
    private static final int FORGET_EVERY = 60;

    private final WorkerRegistry registry;
    private final StopOrders stops;
    private final WorkerBoard board;
    private final String gateway;
    private final Clock clock;
    private final Duration interval;
    private final Duration forgetAfter;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private ScheduledExecutorService loop;
    /** The workers this gateway last wrote as starting, by endpoint: withdrawn once its provider no longer starts them. */
    private volatile Map<String, Set<String>> publishedStarting = Map.of();

    /** @param gateway this gateway's id, written with its records */
    public BoardSync(WorkerRegistry registry, StopOrders stops, WorkerBoard board, String gateway, Clock clock,
            Duration interval, Duration forgetAfter) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stops = Objects.requireNonNull(stops, "stops");
        this.board = Objects.requireNonNull(board, "board");
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.interval = interval;
        this.forgetAfter = forgetAfter;
    }

    /** Syncs now, then every interval on a daemon thread. */
    public synchronized void start() {
        loop = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("comfyfleet-worker-board").daemon()
                .factory());
        loop.scheduleWithFixedDelay(this::syncGuarded, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void syncGuarded() {
        try {
            syncOnce();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            long n = failures.incrementAndGet();
            log.warn("could not share the worker registry through the store ({} failures so far); trying again in {}",
                    n, HumanDuration.of(interval), e);
        }
    }

    /**
     * One round now: write (what changed here, and the workers this gateway's provider is starting), read back, wake
     * job-stop polls with orders (tests call it after moving the clock).
     */
    public void syncOnce() {
        List<WorkerRecord> mine = registry.changedRecords(gateway);
        List<WorkerRecord> starting = registry.startingRecords(gateway);
        List<WorkerRecord> all = new ArrayList<>(mine);
        all.addAll(starting);
        try {
            board.publish(all);
        } catch (RuntimeException e) {
            registry.markChanged(mine);
            throw e;
        }
        withdrawStartingExcept(starting);
        Instant now = clock.instant();
        registry.heardElsewhere(board.heardSince(now.minus(forgetAfter)));
        shareFailures(now);
        var waiting = stops.waiting();
        if (!waiting.isEmpty()) {
            stops.wake(board.withStopOrders(waiting));
        }
        if (rounds.incrementAndGet() % FORGET_EVERY == 0) {
            board.forgetSilent(now.minus(forgetAfter));
        }
    }

    /** Writes the workers that gave up here, then learns those that gave up at the other gateways. */
    private void shareFailures(Instant now) {
        var failures = registry.takeUnsharedFailures();
        try {
            board.recordFailures(failures);
        } catch (RuntimeException e) {
            registry.unshared(failures);
            throw e;
        }
        registry.failuresHeardElsewhere(board.failuresSince(now.minus(WorkerRegistry.FAILURE_SHOWN_FOR)));
    }

    /** Deletes the starting records this gateway wrote before and no longer writes (its provider stopped starting them). */
    private void withdrawStartingExcept(List<WorkerRecord> starting) {
        Map<String, Set<String>> now = new HashMap<>();
        starting.forEach(r -> now.computeIfAbsent(r.endpoint(), k -> new HashSet<>()).add(r.workerId()));
        Map<String, Set<String>> gone = new HashMap<>();
        publishedStarting.forEach((endpoint, ids) -> ids.stream()
                .filter(id -> !now.getOrDefault(endpoint, Set.of()).contains(id))
                .forEach(id -> gone.computeIfAbsent(endpoint, k -> new HashSet<>()).add(id)));
        publishedStarting = now;
        if (!gone.isEmpty()) {
            board.withdrawStarting(gone);
        }
    }

    /** Rounds that failed so far. */
    public long failures() {
        return failures.get();
    }

    @Override
    public synchronized void close() {
        if (loop == null) {
            return;
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // a last write, so the others see this gateway's workers as they were (not silently stale)
        try {
            board.publish(registry.changedRecords(gateway));
            board.recordFailures(registry.takeUnsharedFailures());
            withdrawStartingExcept(List.of());
        } catch (RuntimeException e) {
            log.debug("last write of the worker registry failed", e);
        }
    }
}
