package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.provider.ExitNotice;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.NoCapacityException;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.SlotTable;
import io.comfyfleet.fleet.provider.WorkerExit;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerLife;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.fleet.provider.WorkerTable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each worker as an OS process on this machine, with the RunPod environment pointing at the gateway and one
 * slot of its own: a GPU share ({@code CUDA_VISIBLE_DEVICES}) when GPUs are configured, a CPU slot otherwise.
 * Several slots per GPU run several ComfyUI processes on one GPU, which raises throughput (1.5–1.7× with 2–4 on an
 * H100, see comfyui/README.md).
 *
 * <p>Each worker's output goes to the log, line by line, marked with its id. A worker that exits on its own is
 * listed as {@link FleetWorker.Phase#EXITED} (with its exit code) until it is stopped, and its slot is free again.
 * Stopping sends SIGTERM to the worker, SIGKILL to it and to what it started after the grace.
 */
public final class LocalProcessProvider implements WorkerProvider {
    private static final Logger log = LoggerFactory.getLogger(LocalProcessProvider.class);

    private final LocalProcessConfig config;
    private final Clock clock;
    private final SlotTable slots;
    private final WorkerTable<LocalWorker> workers = new WorkerTable<>("local", LocalWorker::life);
    private final ExitNotice exits = new ExitNotice();

    public LocalProcessProvider(LocalProcessConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.slots = config.slots().table();
    }

    @Override
    public String name() {
        return "local";
    }

    /** How many workers can run at once: GPUs × slotsPerGpu, or the CPU slots. */
    public int capacity() {
        return slots.size();
    }

    /**
     * The image itself when the command template uses {@code {image}} and an image is given; otherwise the launch
     * digest ({@link LocalProcessConfig#version()}): a plain local launch ignores images.
     */
    @Override
    public String versionFor(String image) {
        return config.usesImage() && image != null ? image : config.version();
    }

    @Override
    public synchronized WorkerHandle start(WorkerSpec spec) {
        Objects.requireNonNull(spec, "spec");
        workers.requireNew(spec);
        Slot slot = slots.acquire()
                .orElseThrow(() -> new NoCapacityException(spec.endpoint(), spec.workerId(), name(), slots.size()));
        List<String> command = render(config.command(), spec, slot, config.slots().port(slot));
        String version = versionFor(spec.image());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeAll(config.withheldEnv());
        pb.environment().putAll(LocalWorkerEnv.of(config, spec, slot, version));
        if (config.workDir() != null) {
            pb.directory(config.workDir().toFile());
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException | RuntimeException e) {
            slots.release(slot);
            throw new ProviderException(spec.endpoint(), spec.workerId(), "could not start worker '" + spec.workerId()
                    + "' of endpoint '" + spec.endpoint() + "' with command " + command.getFirst() + ": "
                    + e.getMessage() + "; check the worker command", e);
        }
        Instant startedAt = clock.instant();
        WorkerHandle handle = new WorkerHandle(spec.workerId(), spec.endpoint(), name(), slot.placement(), version);
        LocalWorker worker = new LocalWorker(new WorkerLife(handle, slot, startedAt), process,
                WorkerOutput.follow(spec.workerId(), process.getInputStream()));
        workers.add(worker);
        process.onExit().thenRun(() -> onExit(worker));
        log.info("started worker {} of endpoint {} on {} (pid {})", spec.workerId(), spec.endpoint(),
                slot.placement(), process.pid());
        return handle;
    }

    private void onExit(LocalWorker worker) {
        WorkerLife life = worker.life();
        life.releaseSlot(slots);
        int code = worker.process().exitValue();
        Instant exitedAt = clock.instant();
        if (life.exitedOnItsOwn(exitedAt, code)) {
            // what it started (its ComfyUI) would hold the GPU with nobody to stop it
            worker.tree().killLeftovers();
            // its exit line is among the last it printed: read to the end first (the pipe closes with the process)
            OwnExit exit = OwnExit.read(code, worker.output(), null);
            log.warn("worker {} of endpoint {} exited on its own with code {} after {}{}", life.handle().workerId(),
                    life.handle().endpoint(), code, seconds(Duration.between(life.startedAt(), exitedAt)),
                    exit.logged());
            exits.tell(exit.notice(life.handle()));
        }
    }

    @Override
    public void onExit(WorkerExit.Listener listener) {
        exits.listen(listener);
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(grace, "grace");
        LocalWorker worker = workers.get(handle.workerId()).orElse(null);
        if (worker == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> gone = new CompletableFuture<>();
        CompletableFuture<Void> already = worker.life().beginStop(gone);
        if (already != null) {
            return already;
        }
        String id = handle.workerId();
        if (worker.life().phase() == FleetWorker.Phase.EXITED) {
            worker.tree().killLeftovers();
            workers.remove(worker);
            gone.complete(null);
            return gone;
        }
        log.info("stopping worker {} of endpoint {} (SIGTERM; killed if still running after {})", id,
                handle.endpoint(), seconds(grace));
        worker.tree().terminate();
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (worker.process().isAlive()) {
                log.warn("worker {} did not stop within {} of SIGTERM: killing it and what it started", id, seconds(grace));
                worker.tree().kill();
            }
        });
        worker.process().onExit().thenRun(() -> {
            // the JDK can only poll for the exit of a process that is not our child, slowly; SIGKILL is final
            worker.tree().killLeftovers();
            // before completing: whoever waits for the stop may start the next worker in this slot at once
            worker.life().releaseSlot(slots);
            workers.remove(worker);
            // stopped while it was giving up (e.g. once it reported itself unhealthy): its reason still shows
            Optional<String> reason = worker.output().await(ExitReason.DRAIN);
            if (reason.isPresent()) {
                log.warn("worker {} of endpoint {} is gone (exit code {}); it had given up: {}", id, handle.endpoint(),
                        worker.process().exitValue(), reason.get());
            } else {
                log.info("worker {} of endpoint {} is gone", id, handle.endpoint());
            }
            gone.complete(null);
        });
        return gone;
    }

    @Override
    public List<FleetWorker> list() {
        for (LocalWorker w : workers.all()) {
            if (w.process().isAlive()) {
                w.tree().snapshot();
            }
        }
        return workers.list();
    }

    /** As listed, without the walk through the process table that {@link #list()} makes to remember descendants. */
    @Override
    public Optional<FleetWorker> find(String workerId) {
        return workers.view(workerId);
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return workers.markReady(workerId, at, null);
    }

    /**
     * For an exited worker, the reason it gave for exiting, else what its exit status says (killed by SIGKILL, ...;
     * shown on the dashboard); empty otherwise, and for a clean exit.
     */
    @Override
    public Optional<String> problem(String workerId) {
        return workers.get(workerId)
                .filter(w -> w.life().view().phase() == FleetWorker.Phase.EXITED)
                .flatMap(w -> OwnExit.problem(w.process().exitValue(), w.output(), null));
    }

    private static String seconds(Duration d) {
        return WorkerTable.seconds(d);
    }

    @Override
    public void close() {
        workers.stopAll(w -> stop(w.life().handle(), config.stopGrace()), config.stopGrace(), Duration.ofSeconds(10));
    }

    private static List<String> render(List<String> template, WorkerSpec spec, Slot slot, int port) {
        String providerPid = Long.toString(ProcessHandle.current().pid());
        return template.stream()
                .map(a -> a.replace("{workerId}", spec.workerId())
                        .replace("{endpoint}", spec.endpoint())
                        .replace("{slot}", Integer.toString(slot.index()))
                        .replace("{port}", Integer.toString(port))
                        .replace("{gpu}", slot.gpuLabel())
                        .replace("{image}", spec.image() == null ? "" : spec.image())
                        .replace("{providerPid}", providerPid))
                .toList();
    }
}
