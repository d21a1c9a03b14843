package io.comfyfleet.gateway.dispatch;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-process wake-ups by key (a job, a worker): long-polls wait here instead of polling the store.
 *
 * <p>Use: {@code try (var w = signals.watch(key)) { check the store; if nothing, w.await(timeout); }}. Watching
 * starts before the store is checked, so a {@link #signal} between the check and the wait is never lost.
 * A key's slot exists only while someone watches it, so signalling unwatched keys costs a map lookup.
 */
public final class Signals<K> {
    private final ConcurrentHashMap<K, Slot> slots = new ConcurrentHashMap<>();

    /** Starts watching {@code key}; close the watch when done. */
    public Watch watch(K key) {
        Slot slot = slots.compute(key, (k, existing) -> {
            Slot s = existing == null ? new Slot() : existing;
            s.watchers++;
            return s;
        });
        return new Watch(key, slot, slot.generation());
    }

    /** Wakes everyone watching {@code key}. */
    public void signal(K key) {
        Slot slot = slots.get(key);
        if (slot != null) {
            slot.bump();
        }
    }

    /** Wakes every watcher of every key (shutdown: long-polls then see the gateway is stopping). */
    public void signalAll() {
        slots.values().forEach(Slot::bump);
    }

    /** How many keys are being watched (a health figure, and lets tests see a long-poll has started). */
    public int watchedKeys() {
        return slots.size();
    }

    /** How many watchers {@code key} has right now. */
    public int watchers(K key) {
        Slot slot = slots.get(key);
        return slot == null ? 0 : slot.watchers;
    }

    /** One watcher's interest in one key. */
    public final class Watch implements AutoCloseable {
        private final K key;
        private final Slot slot;
        private long seen;

        private Watch(K key, Slot slot, long seen) {
            this.key = key;
            this.slot = slot;
            this.seen = seen;
        }

        /**
         * Waits until the key is signalled after the watch began (or after the previous await returned), or
         * the timeout passes. Returns true when signalled.
         */
        public boolean await(Duration timeout) throws InterruptedException {
            long now = slot.awaitChange(seen, timeout);
            boolean changed = now != seen;
            seen = now;
            return changed;
        }

        @Override
        public void close() {
            slots.computeIfPresent(key, (k, s) -> --s.watchers == 0 ? null : s);
        }
    }

    private static final class Slot {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private long generation;
        // changed only inside the map's compute on this key; read elsewhere for figures only
        private volatile int watchers;

        long generation() {
            lock.lock();
            try {
                return generation;
            } finally {
                lock.unlock();
            }
        }

        void bump() {
            lock.lock();
            try {
                generation++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        long awaitChange(long seen, Duration timeout) throws InterruptedException {
            long nanos = timeout.toNanos();
            lock.lock();
            try {
                while (generation == seen && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                return generation;
            } finally {
                lock.unlock();
            }
        }
    }
}
