package io.comfyfleet.fleet.provider;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The life of a worker that holds one {@link Slot} of its provider (a local process, a container): up, being
 * stopped or exited on its own, when it became ready, and the slot given back exactly once. Each provider keeps
 * what runs the worker (a process, a container id) next to it. Every method is atomic.
 */
public final class WorkerLife implements Tracked {
    private final WorkerHandle handle;
    private final Slot slot;
    private final Instant startedAt;
    private FleetWorker.Phase phase = FleetWorker.Phase.UP;
    private Instant readyAt;
    private Instant exitedAt;
    private Integer exitCode;
    private CompletableFuture<Void> gone;
    private boolean slotReleased;

    public WorkerLife(WorkerHandle handle, Slot slot, Instant startedAt) {
        this.handle = Objects.requireNonNull(handle, "handle");
        this.slot = Objects.requireNonNull(slot, "slot");
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
    }

    @Override
    public WorkerHandle handle() {
        return handle;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    public Slot slot() {
        return slot;
    }

    /**
     * Gives the slot back, once: both the exit watcher and a stop under way call this, and a second release could
     * free the slot of the next worker that got it.
     */
    public synchronized void releaseSlot(SlotTable slots) {
        if (!slotReleased) {
            slotReleased = true;
            slots.release(slot);
        }
    }

    @Override
    public synchronized FleetWorker view() {
        return new FleetWorker(handle, phase, startedAt, readyAt, exitedAt, exitCode);
    }

    @Override
    public synchronized boolean markReady(Instant at) {
        if (readyAt == null) {
            readyAt = at;
            return true;
        }
        return false;
    }

    /**
     * The worker ended.
     *
     * @param code its exit code, null when unknown
     * @return true when nobody asked it to (a crash or a quit): it is now {@link FleetWorker.Phase#EXITED}
     */
    public synchronized boolean exitedOnItsOwn(Instant at, Integer code) {
        if (phase != FleetWorker.Phase.UP) {
            return false;
        }
        phase = FleetWorker.Phase.EXITED;
        exitedAt = at;
        exitCode = code;
        return true;
    }

    public synchronized FleetWorker.Phase phase() {
        return phase;
    }

    /**
     * Begins a stop: an up worker is {@link FleetWorker.Phase#STOPPING} from now on.
     *
     * @return the future of the stop already under way, or null when {@code next} is now this worker's stop
     */
    public synchronized CompletableFuture<Void> beginStop(CompletableFuture<Void> next) {
        if (gone != null) {
            return gone;
        }
        gone = next;
        if (phase == FleetWorker.Phase.UP) {
            phase = FleetWorker.Phase.STOPPING;
        }
        return null;
    }
}
