package io.comfyfleet.core.lease;

import io.comfyfleet.core.HumanDuration;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election over a {@link LeaseStore}: of the gateways sharing a database, the one holding the lease runs
 * the control loop (autoscaler, queue sweeper); the others stand by and try to take the lease every
 * {@code renewEvery}, so one of them takes over at most {@code ttl + renewEvery} after the leader died.
 *
 * <p>{@link #isLeader()} is the cheap local answer (held, and not past the expiry this holder last wrote).
 * {@link #confirm()} is the fenced one, for right before an action another leader must never duplicate (starting
 * or stopping a worker, a sweep): it renews the lease with the token this holder got, in one statement, and is
 * false as soon as another holder took over, even when this one was paused past its expiry and never noticed.
 *
 * <p>The loop survives every failure of the database: it logs, counts, and tries again next tick; a leader that
 * cannot renew before its expiry stops acting (and tells its listeners). Time comes from the injected clock;
 * tests call {@link #tick()} with a clock they move.
 */
public final class LeaderLease implements AutoCloseable {
    /** The lease of the autoscaler and the queue sweeper. */
    public static final String CONTROL_LOOP = "control-loop";

    private static final Logger log = LoggerFactory.getLogger(LeaderLease.class);

    private final LeaseStore store;
    private final String name;
    private final String holder;
    private final Clock clock;
    private final Duration ttl;
    private final Duration renewEvery;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> takeOverListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    private volatile Lease held;
    private ScheduledExecutorService loop;

    /**
     * @param holder     this gateway's id, unique among the gateways on the database ({@link #newHolderId()})
     * @param ttl        how long a lease runs without renewal: how long the others wait after the leader died
     * @param renewEvery how often the holder renews and the others try to take over; at most half of {@code ttl},
     *                   so one renewal may fail without the lease running out
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public LeaderLease(LeaseStore store, String name, String holder, Clock clock, Duration ttl, Duration renewEvery) {
        this.store = Objects.requireNonNull(store, "store");
        this.name = Objects.requireNonNull(name, "name");
        this.holder = Objects.requireNonNull(holder, "holder");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl == null || ttl.compareTo(Duration.ofMillis(200)) < 0) {
            throw new IllegalArgumentException("the leader lease must last at least 200ms, got " + ttl);
        }
        if (renewEvery == null || renewEvery.isNegative() || renewEvery.isZero()
                || renewEvery.multipliedBy(2).compareTo(ttl) > 0) {
            throw new IllegalArgumentException("the leader lease renewal interval must be positive and at most half"
                    + " the lease (" + ttl + ") so one failed renewal does not lose it, got " + renewEvery);
        }
        this.ttl = ttl;
        this.renewEvery = renewEvery;
    }

    /** An id for this process: host, pid and a random part (a restarted gateway is a new holder). */
    public static String newHolderId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Called with true when this holder becomes leader, false when it stops being one; on the thread that noticed
     * (the loop's, or one calling {@link #confirm()}), after this lease let go of its own lock, so a listener may
     * wait for a thread that is confirming the lease (comfyfleet up's asks the autoscaler, whose pass confirms,
     * for a pass).
     */
    public void onChange(Consumer<Boolean> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Called with the previous holder's id when this holder takes the lease over from another one (which let it
     * expire, or gave it up), before the {@link #onChange} listeners, on the same thread. That holder is gone or
     * no longer leads: what it wrote about itself (its workers on the board) is stale from then on.
     */
    public void onTakeOver(Consumer<String> listener) {
        takeOverListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Tries to take or renew the lease now, then every {@code renewEvery} on a daemon thread. */
    public synchronized void start() {
        if (loop != null) {
            throw new IllegalStateException("the leader lease " + name + " is already started");
        }
        loop = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("comfyfleet-leader-lease")
                .daemon().factory());
        loop.scheduleWithFixedDelay(this::tickGuarded, 0, renewEvery.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void tickGuarded() {
        try {
            tick();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            long n = failures.incrementAndGet();
            log.error("leader lease {}: could not reach the store ({} failures so far); trying again in {}", name, n,
                    HumanDuration.of(renewEvery), e);
            Lease mine = held;
            if (mine != null && !clock.instant().isBefore(mine.expiresAt())
                    && drop("its renewal kept failing until it expired at " + mine.expiresAt())) {
                tell(false);
            }
        }
    }

    /** One renewal or take-over attempt now; true when this holder is leader afterwards. */
    public boolean tick() {
        Boolean change;
        boolean leader;
        String previous = null;
        synchronized (this) {
            Lease mine = held;
            Instant now = clock.instant();
            if (mine != null) {
                Instant until = now.plus(ttl);
                if (store.renew(mine, until)) {
                    held = new Lease(name, holder, mine.token(), until);
                    return true;
                }
                change = drop("another gateway took it over") ? false : null;
                leader = false;
            } else {
                // one key read more per standby try: acquire overwrites the holder it replaces
                String before = store.current(name).map(Lease::holder).orElse(null);
                var taken = store.acquire(name, holder, now, now.plus(ttl));
                if (taken.isEmpty()) {
                    return false;
                }
                held = taken.get();
                previous = holder.equals(before) ? null : before;
                log.info("this gateway ({}) now holds the {} lease (token {}) and runs the control loop", holder,
                        name, held.token());
                change = true;
                leader = true;
            }
        }
        if (previous != null) {
            String gone = previous;
            takeOverListeners.forEach(l -> {
                try {
                    l.accept(gone);
                } catch (RuntimeException e) {
                    log.error("a take-over listener of the {} lease failed", name, e);
                }
            });
        }
        if (change != null) {
            tell(change);
        }
        return leader;
    }

    /**
     * The cheap local check: this holder got or renewed the lease and its expiry has not passed on this clock.
     * Good for deciding whether to start a pass; use {@link #confirm()} right before acting.
     */
    public boolean isLeader() {
        Lease mine = held;
        return mine != null && clock.instant().isBefore(mine.expiresAt());
    }

    /**
     * The fenced check right before an action: renews the lease with this holder's token in one statement. False
     * (and leadership given up locally) when another holder took over; false without asking when this holder does
     * not hold it; false when the store cannot be reached (better to skip an action than to duplicate it).
     */
    public boolean confirm() {
        synchronized (this) {
            Lease mine = held;
            if (mine == null) {
                return false;
            }
            Instant until = clock.instant().plus(ttl);
            try {
                if (store.renew(mine, until)) {
                    held = new Lease(name, holder, mine.token(), until);
                    return true;
                }
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                log.warn("leader lease {}: could not confirm it before acting; skipping the action", name, e);
                return false;
            }
            if (!drop("another gateway took it over")) {
                return false;
            }
        }
        tell(false);
        return false;
    }

    /**
     * Forgets the lease this holder held; the caller tells the listeners once it let go of this lock.
     *
     * @param why why it is lost; null when this gateway gave it up as it stops
     * @return whether it held one
     */
    private synchronized boolean drop(String why) {
        Lease mine = held;
        if (mine == null) {
            return false;
        }
        held = null;
        if (why == null) {
            // this gateway gave it up: a normal stop, not a warning
            log.info("this gateway ({}) gave up the {} lease (token {}) as it stops; another gateway may take it"
                    + " over at once", holder, name, mine.token());
        } else {
            log.warn("this gateway ({}) no longer holds the {} lease (token {}): {}; standing by", holder, name,
                    mine.token(), why);
        }
        return true;
    }

    /** Never called under this lease's lock: see {@link #onChange}. */
    private void tell(boolean leader) {
        listeners.forEach(l -> notify(l, leader));
    }

    private void notify(Consumer<Boolean> listener, boolean leader) {
        try {
            listener.accept(leader);
        } catch (RuntimeException e) {
            log.error("a listener of the {} lease failed", name, e);
        }
    }

    /** The token of the lease this holder holds; empty when it is not leader. */
    public OptionalLong token() {
        Lease mine = held;
        return mine == null ? OptionalLong.empty() : OptionalLong.of(mine.token());
    }

    /** This holder's id. */
    public String holder() {
        return holder;
    }

    /** Store failures seen by the loop and by {@link #confirm()}. */
    public long failures() {
        return failures.get();
    }

    /** Stops the loop and gives the lease up, so a standby takes over at its next try rather than after the expiry. */
    @Override
    public void close() {
        ScheduledExecutorService running;
        synchronized (this) {
            running = loop;
        }
        if (running != null) {
            running.shutdownNow();
            try {
                running.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean released;
        synchronized (this) {
            released = release();
        }
        if (released) {
            tell(false);
        }
    }

    /** @return whether this holder held the lease and gave it up */
    private boolean release() {
        Lease mine = held;
        if (mine == null) {
            return false;
        }
        try {
            store.release(mine);
        } catch (RuntimeException e) {
            log.warn("could not give up the {} lease; another gateway takes over when it expires at {}", name,
                    mine.expiresAt(), e);
        }
        return drop(null);
    }
}
