package io.comfyfleet.kubernetes;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.Tracked;
import io.comfyfleet.fleet.provider.WorkerHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** One worker pod as the provider tracks it, updated by the informer's events; every method is atomic. */
final class KubeWorker implements Tracked {
    final WorkerHandle handle;
    final String podName;
    final Instant startedAt;
    private PodReading reading = new PodReading(PodReading.State.PENDING, null, null);
    private Instant readyAt;
    private Instant exitedAt;
    private Integer exitCode;
    private String exitReason;
    private CompletableFuture<Void> stopping;

    KubeWorker(WorkerHandle handle, String podName, Instant startedAt) {
        this.handle = handle;
        this.podName = podName;
        this.startedAt = startedAt;
    }

    /**
     * Takes the pod's latest status; once exited a worker stays exited (a pod does not come back).
     *
     * @return true when this reading is the one that ended the worker
     */
    synchronized boolean read(PodReading r, Instant now) {
        reading = r;
        if (r.state() == PodReading.State.EXITED && exitedAt == null) {
            exitedAt = now;
            exitCode = r.exitCode();
            exitReason = r.problem();
            return true;
        }
        return false;
    }

    @Override
    public WorkerHandle handle() {
        return handle;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public synchronized boolean markReady(Instant at) {
        if (readyAt != null) {
            return false;
        }
        readyAt = at;
        return true;
    }

    /** @return the stop already under way, or null when {@code gone} is now this worker's stop */
    synchronized CompletableFuture<Void> beginStop(CompletableFuture<Void> gone) {
        if (stopping != null) {
            return stopping;
        }
        stopping = gone;
        return null;
    }

    synchronized void gone() {
        if (stopping != null) {
            stopping.complete(null);
        }
    }

    synchronized boolean occupiesCapacity() {
        return exitedAt == null;
    }

    @Override
    public synchronized FleetWorker view() {
        FleetWorker.Phase phase = stopping != null || reading.state() == PodReading.State.DELETING
                ? FleetWorker.Phase.STOPPING
                : exitedAt != null ? FleetWorker.Phase.EXITED : FleetWorker.Phase.UP;
        return new FleetWorker(handle, phase, startedAt, readyAt, exitedAt, exitCode);
    }

    /** What is wrong: why it ended, or why it is not running yet past {@code pendingLimit}. */
    synchronized Optional<String> problem(Instant now, Duration pendingLimit) {
        if (exitReason != null) {
            return Optional.of("pod " + podName + ": " + exitReason);
        }
        if (reading.state() != PodReading.State.PENDING) {
            return Optional.empty();
        }
        Duration pending = Duration.between(startedAt, now);
        if (pending.compareTo(pendingLimit) <= 0) {
            return Optional.ofNullable(reading.problem()).map(p -> "pod " + podName + ": " + p);
        }
        return Optional.of("pod " + podName + " still Pending after " + pending.toSeconds() + " s (pendingLimit "
                + pendingLimit.toSeconds() + " s): " + (reading.problem() != null ? reading.problem()
                : "scheduled but not running (pulling a large image?)")
                + "; if no GPU node came up, check the cluster autoscaler, GPU quota, nodeSelector and tolerations");
    }
}
