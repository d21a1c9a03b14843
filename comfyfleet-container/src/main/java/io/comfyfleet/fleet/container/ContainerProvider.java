package io.comfyfleet.fleet.container;

import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.fleet.local.ExitReason;
import io.comfyfleet.fleet.local.OwnExit;
import io.comfyfleet.fleet.provider.ExitNotice;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.SlotTable;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.NoCapacityException;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.WorkerExit;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerLife;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.fleet.provider.WorkerTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each worker as a container through the Docker Engine API: Docker on GPU hosts (one GPU per container through
 * {@code DeviceRequests}, with the NVIDIA container toolkit), or Podman's compatible service. A worker runs its
 * spec's image, or the configured default, with RunPod's worker environment pointing at the gateway, the
 * configured mounts, network and environment, and labels naming the endpoint, worker and version.
 *
 * <p>Each container's output goes to the worker log, line by line, marked with the worker id. A container that
 * exits on its own is listed as {@link FleetWorker.Phase#EXITED} with its exit code and the reason its worker gave
 * for exiting ({@link #problem}), and its slot is free again, until it is stopped, which removes it. Stopping asks
 * the engine to stop it (SIGTERM, SIGKILL after the grace) and then removes it; the stop's future completes when it
 * is gone.
 *
 * <p>Containers of the same {@link ContainerConfig#instance()} left by an earlier run (a gateway that crashed or
 * was killed) are removed when the provider is created: they are not adopted, because nothing they ran can be
 * trusted to match the new run's configuration (keys, gateway address), and the jobs they held go back to the
 * queue when their leases expire.
 */
public final class ContainerProvider implements WorkerProvider {
    private static final Logger log = LoggerFactory.getLogger(ContainerProvider.class);
    /** How a container ended whose exit code the engine did not give (its wait failed). */
    private static final String UNKNOWN_CODE = "its container ended, exit code unknown";

    private final ContainerConfig config;
    private final Clock clock;
    private final Engine engine;
    private final SlotTable slots;
    private final WorkerTable<ContainerWorker> workers = new WorkerTable<>("container", ContainerWorker::life);
    private final ExitNotice exits = new ExitNotice();

    /**
     * Connects to the engine and removes what an earlier run of the same instance left.
     *
     * @throws ProviderException when the engine does not answer, naming its address
     */
    public ContainerProvider(ContainerConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.slots = config.slotLayout().table();
        this.engine = new Engine(config.engineHost());
        try {
            removeLeftovers();
        } catch (RuntimeException e) {
            engine.close();
            throw new ProviderException(null, null, "cannot reach the container engine at " + config.engineHost()
                    + ": " + e.getMessage() + "; is Docker running (or `podman system service`), and is"
                    + " workers.container.host its socket?", e);
        }
    }

    @Override
    public String name() {
        return "container";
    }

    /** The image a container of {@code image} runs, the configured default for null: a worker's version is its image. */
    @Override
    public String versionFor(String image) {
        return image != null ? image : config.image();
    }

    /** How many workers can run at once: GPUs × slotsPerGpu, or the CPU slots. */
    public int capacity() {
        return slots.size();
    }

    private void removeLeftovers() {
        List<Container> left = engine.commands.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.INSTANCE, config.instance()))
                .exec();
        for (Container c : left) {
            log.warn("removing container {} (worker {} of endpoint {}, {}) left by an earlier run of instance {}",
                    names(c), c.getLabels().get(Labels.WORKER_ID), c.getLabels().get(Labels.ENDPOINT), c.getState(),
                    config.instance());
            try {
                engine.commands.removeContainerCmd(c.getId()).withForce(true).exec();
            } catch (NotFoundException gone) {
                // removed meanwhile: what we wanted
            }
        }
    }

    private static String names(Container c) {
        return c.getNames() == null ? c.getId() : String.join(",", c.getNames());
    }

    @Override
    public synchronized WorkerHandle start(WorkerSpec spec) {
        Objects.requireNonNull(spec, "spec");
        workers.requireNew(spec);
        Slot slot = slots.acquire()
                .orElseThrow(() -> new NoCapacityException(spec.endpoint(), spec.workerId(), name(), slots.size()));
        String image = versionFor(spec.image());
        String containerId;
        try {
            containerId = create(spec, slot, image);
        } catch (RuntimeException e) {
            slots.release(slot);
            throw e;
        }
        try {
            engine.commands.startContainerCmd(containerId).exec();
        } catch (RuntimeException e) {
            slots.release(slot);
            removeQuietly(containerId);
            throw failure(spec, image, "could not start its container", e);
        }
        Instant startedAt = clock.instant();
        WorkerHandle handle = new WorkerHandle(spec.workerId(), spec.endpoint(), name(),
                slot.placement() + ", container " + ContainerRequest.name(config, spec.workerId()), image);
        ContainerWorker worker = new ContainerWorker(new WorkerLife(handle, slot, startedAt), containerId,
                new ExitReason());
        workers.add(worker);
        engine.streams.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withFollowStream(true)
                .exec(new LogLines(spec.workerId(), worker.output()));
        Thread.ofPlatform().daemon().name("container-wait-" + spec.workerId()).start(() -> awaitExit(worker));
        log.info("started worker {} of endpoint {} on {} from image {} (container {})", spec.workerId(),
                spec.endpoint(), slot.placement(), image, shortId(containerId));
        return handle;
    }

    /** Creates the container, pulling its image first when it is missing and the config allows it. */
    private String create(WorkerSpec spec, Slot slot, String image) {
        try {
            return createOnce(spec, slot, image);
        } catch (NotFoundException missing) {
            if (config.pull() == ContainerConfig.Pull.NEVER) {
                throw failure(spec, image, "image '" + image + "' is not on the container engine at "
                        + config.engineHost() + " and workers.container.pull is never; build or load it there first"
                        + " (docker pull / podman build)", missing);
            }
        } catch (ConflictException e) {
            throw failure(spec, image, "a container named " + ContainerRequest.name(config, spec.workerId())
                    + " exists already on the engine (another ComfyFleet with the same workers.container.instance?)", e);
        } catch (RuntimeException e) {
            throw failure(spec, image, "the container engine refused to create its container", e);
        }
        pull(spec, image);
        try {
            return createOnce(spec, slot, image);
        } catch (RuntimeException e) {
            throw failure(spec, image, "the container engine refused to create its container after pulling", e);
        }
    }

    private String createOnce(WorkerSpec spec, Slot slot, String image) {
        CreateContainerResponse created = ContainerRequest.build(engine.commands, config, spec, slot, image).exec();
        return created.getId();
    }

    private void pull(WorkerSpec spec, String image) {
        log.info("pulling image {} for worker {} of endpoint {}", image, spec.workerId(), spec.endpoint());
        Instant begin = clock.instant();
        try {
            if (!engine.commands.pullImageCmd(image).start().awaitCompletion(Engine.COMMAND_TIMEOUT.toMinutes() * 5,
                    TimeUnit.MINUTES)) {
                throw failure(spec, image, "pulling image '" + image + "' took over "
                        + Engine.COMMAND_TIMEOUT.multipliedBy(5) + "; pull it ahead on the host", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(spec, image, "interrupted while pulling image '" + image + "'", e);
        } catch (ProviderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(spec, image, "image '" + image + "' is not on the container engine at "
                    + config.engineHost() + " and could not be pulled: " + e.getMessage()
                    + "; check the image reference and the engine's registry access", e);
        }
        log.info("pulled image {} in {}", image, HumanDuration.of(Duration.between(begin, clock.instant())));
    }

    private ProviderException failure(WorkerSpec spec, String image, String what, Throwable cause) {
        String detail = cause == null || cause.getMessage() == null || what.contains(cause.getMessage())
                ? "" : ": " + cause.getMessage().strip();
        return new ProviderException(spec.endpoint(), spec.workerId(), "could not start worker '" + spec.workerId()
                + "' of endpoint '" + spec.endpoint() + "' from image '" + image + "': " + what + detail, cause);
    }

    /*
     * The engine calls below block in native code (JNA, on the unix socket), which pins a virtual thread to its
     * carrier: on a 2-core machine two of them stall every other virtual thread. Hence platform threads here.
     */

    /** Waits for the container to end; an end nobody asked for makes the worker EXITED and frees its slot. */
    private void awaitExit(ContainerWorker worker) {
        Integer code;
        try {
            code = engine.streams.waitContainerCmd(worker.containerId()).start().awaitStatusCode();
        } catch (RuntimeException e) {
            // removed under the wait (a stop), or the engine went away: the exit code is unknown
            code = null;
            log.debug("wait for container {} of worker {} ended: {}", shortId(worker.containerId()),
                    worker.life().handle().workerId(), e.toString());
        }
        WorkerLife life = worker.life();
        life.releaseSlot(slots);
        Instant exitedAt = clock.instant();
        if (life.exitedOnItsOwn(exitedAt, code)) {
            // its exit line is among the last it printed: the wait may end before the engine streamed them all
            OwnExit exit = OwnExit.read(code, worker.output(), UNKNOWN_CODE);
            log.warn("worker {} of endpoint {} exited on its own with code {} after {}{}; its container {} stays for"
                    + " its logs until the worker is stopped", life.handle().workerId(), life.handle().endpoint(),
                    code, HumanDuration.of(Duration.between(life.startedAt(), exitedAt)), exit.logged(),
                    shortId(worker.containerId()));
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
        ContainerWorker worker = workers.get(handle.workerId()).orElse(null);
        if (worker == null) {
            return CompletableFuture.completedFuture(null);
        }
        WorkerLife life = worker.life();
        String containerId = worker.containerId();
        CompletableFuture<Void> gone = new CompletableFuture<>();
        CompletableFuture<Void> already = life.beginStop(gone);
        if (already != null) {
            return already;
        }
        boolean exited = life.phase() == FleetWorker.Phase.EXITED;
        if (!exited) {
            log.info("stopping worker {} of endpoint {} (killed if still running after {})", handle.workerId(),
                    handle.endpoint(), HumanDuration.of(grace));
        }
        Thread.ofPlatform().daemon().name("container-stop-" + handle.workerId()).start(() -> {
            try {
                if (!exited) {
                    stopContainer(worker, grace);
                }
                removeContainer(worker);
                // before completing: whoever waits for the stop may start the next worker in this slot at once
                forget(worker);
                // stopped while it was giving up (it reports itself unhealthy before it exits, so the autoscaler
                // often stops it first): its reason still shows; one that exited on its own was told already
                Optional<String> reason = exited ? Optional.empty() : worker.output().await(ExitReason.DRAIN);
                if (reason.isPresent()) {
                    log.warn("worker {} of endpoint {} is gone; it had given up: {}", handle.workerId(),
                            handle.endpoint(), reason.get());
                } else {
                    log.info("worker {} of endpoint {} is gone", handle.workerId(), handle.endpoint());
                }
                gone.complete(null);
            } catch (RuntimeException e) {
                forget(worker);
                log.error("could not remove container {} of worker {}: {}", shortId(containerId),
                        handle.workerId(), e.toString());
                gone.completeExceptionally(new ProviderException(handle.endpoint(), handle.workerId(),
                        "could not remove container " + shortId(containerId) + " of worker '"
                                + handle.workerId() + "' from the engine at " + config.engineHost() + ": "
                                + e.getMessage() + "; remove it by hand (docker rm -f)", e));
            }
        });
        return gone;
    }

    private void forget(ContainerWorker worker) {
        worker.life().releaseSlot(slots);
        workers.remove(worker);
    }

    /** SIGTERM, then SIGKILL after the grace (in whole seconds, rounded up: the engine's unit). */
    private void stopContainer(ContainerWorker worker, Duration grace) {
        int seconds = (int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000);
        try {
            engine.streams.stopContainerCmd(worker.containerId()).withTimeout(seconds).exec();
        } catch (NotModifiedException | NotFoundException e) {
            // stopped or gone already
        } catch (RuntimeException e) {
            log.warn("stopping container {} of worker {} failed ({}); removing it by force",
                    shortId(worker.containerId()), worker.life().handle().workerId(), e.toString());
        }
    }

    private void removeContainer(ContainerWorker worker) {
        try {
            engine.streams.removeContainerCmd(worker.containerId()).withForce(true).exec();
        } catch (NotFoundException e) {
            // gone already
        }
    }

    private void removeQuietly(String containerId) {
        try {
            engine.commands.removeContainerCmd(containerId).withForce(true).exec();
        } catch (RuntimeException e) {
            log.warn("could not remove container {} that failed to start: {}", shortId(containerId), e.toString());
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    @Override
    public List<FleetWorker> list() {
        return workers.list();
    }

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
                .flatMap(w -> OwnExit.problem(w.life().view().exitCode(), w.output(), UNKNOWN_CODE));
    }

    @Override
    public void close() {
        try {
            workers.stopAll(w -> stop(w.life().handle(), config.stopGrace()), config.stopGrace(), Duration.ofSeconds(30));
        } finally {
            engine.close();
        }
    }
}
