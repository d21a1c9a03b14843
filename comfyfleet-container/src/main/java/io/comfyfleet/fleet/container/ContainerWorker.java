package io.comfyfleet.fleet.container;

import io.comfyfleet.fleet.local.Slot;
import io.comfyfleet.fleet.local.SlotTable;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** One worker container and what the provider knows of it; fields change under the instance's lock. */
final class ContainerWorker {
    final WorkerHandle handle;
    final Slot slot;
    final String containerId;
    final Instant startedAt;
    private FleetWorker.Phase phase = FleetWorker.Phase.UP;
    private Instant readyAt;
    private Instant exitedAt;
    private Integer exitCode;
    private CompletableFuture<Void> gone;
    private boolean slotReleased;

    ContainerWorker(WorkerHandle handle, Slot slot, String containerId, Instant startedAt) {
        this.handle = handle;
        this.slot = slot;
        this.containerId = containerId;
        this.startedAt = startedAt;
    }

    /** Gives the slot back, once: the exit watcher and a stop both call this, and a second release could free the
     *  slot of the next worker that got it. */
    synchronized void releaseSlot(SlotTable slots) {
        if (!slotReleased) {
            slotReleased = true;
            slots.release(slot);
        }
    }

    synchronized FleetWorker view() {
        return new FleetWorker(handle, phase, startedAt, readyAt, exitedAt, exitCode);
    }

    synchronized boolean markReady(Instant at) {
        if (readyAt == null) {
            readyAt = at;
            return true;
        }
        return false;
    }

    /** The container ended; true when nobody asked it to (a crash or a quit). */
    synchronized boolean exitedOnItsOwn(Instant at, Integer code) {
        if (phase != FleetWorker.Phase.UP) {
            return false;
        }
        phase = FleetWorker.Phase.EXITED;
        exitedAt = at;
        exitCode = code;
        return true;
    }

    synchronized FleetWorker.Phase phase() {
        return phase;
    }

    /** The future of the stop under way, or null after switching to STOPPING when none was. */
    synchronized CompletableFuture<Void> beginStop(CompletableFuture<Void> next) {
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
