package io.comfyfleet.cli.up;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider {@code up} drives, handing back the jobs of every worker it stops on purpose once that worker is
 * gone. A stopped worker gets its grace to finish its job; one that does not hands it back without a word to the
 * gateway (RunPod's worker protocol has no call for it, and our worker must keep to it on RunPod), which would
 * leave the job IN_PROGRESS on a worker that no longer exists until its lease ran out, and then count a retry it
 * never failed. Here, where the stop was decided and the gateway lives in the same process, the job goes back to
 * the queue at once, retries unchanged ({@code Gateway#handBack}).
 *
 * <p>A worker that exited on its own (a crash) is not handed back: its job may be what killed it, so it counts a
 * retry, as after a lease that ran out; {@code FleetLink} ends its leases the moment the provider sees it exit.
 */
final class HandBackOnStop implements WorkerProvider {
    private static final Logger log = LoggerFactory.getLogger(HandBackOnStop.class);

    private final WorkerProvider provider;
    private final Function<String, List<Job>> handBack;

    /** @param handBack puts the jobs a gone worker still held back in the queue, returning them */
    HandBackOnStop(WorkerProvider provider, Function<String, List<Job>> handBack) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.handBack = Objects.requireNonNull(handBack, "handBack");
    }

    @Override
    public String name() {
        return provider.name();
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        return provider.start(spec);
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        boolean wasUp = provider.find(handle.workerId()).map(w -> w.phase() != FleetWorker.Phase.EXITED).orElse(false);
        CompletableFuture<Void> gone = provider.stop(handle, grace);
        if (!wasUp) {
            return gone;
        }
        return gone.thenRun(() -> handBack(handle.workerId()));
    }

    @Override
    public String versionFor(String image) {
        return provider.versionFor(image);
    }

    @Override
    public List<FleetWorker> list() {
        return provider.list();
    }

    @Override
    public Optional<FleetWorker> find(String workerId) {
        return provider.find(workerId);
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return provider.markReady(workerId, at);
    }

    @Override
    public Optional<String> problem(String workerId) {
        return provider.problem(workerId);
    }

    @Override
    public void onExit(io.comfyfleet.fleet.provider.WorkerExit.Listener listener) {
        provider.onExit(listener);
    }

    @Override
    public boolean sharedByGateways() {
        return provider.sharedByGateways();
    }

    /** Leaves the workers running: their jobs are theirs to finish, for whichever gateway they report to. */
    @Override
    public void detach() {
        provider.detach();
    }

    /** Stops every worker; then the jobs those that were up still held go back to the queue for the next start. */
    @Override
    public void close() {
        List<String> stopped = new ArrayList<>();
        try {
            provider.list().stream().filter(w -> w.phase() != FleetWorker.Phase.EXITED)
                    .forEach(w -> stopped.add(w.workerId()));
        } catch (RuntimeException e) {
            log.warn("could not list the workers of provider {} before stopping them; their unfinished jobs go back"
                    + " to the queue when their leases run out", provider.name(), e);
        }
        provider.close();
        List<Job> handedBack = new ArrayList<>();
        stopped.forEach(id -> handedBack.addAll(handBack(id)));
        if (!handedBack.isEmpty()) {
            log.warn("{} job(s) did not finish before their workers stopped: back in the queue, they run again at the"
                    + " next start (not counted as a retry): {}", handedBack.size(),
                    handedBack.stream().map(Job::id).toList());
        }
    }

    private List<Job> handBack(String workerId) {
        try {
            return handBack.apply(workerId);
        } catch (RuntimeException e) {
            // the lease is the safety net: the jobs come back when it runs out, counting a retry
            log.warn("could not hand back the jobs of worker {}; they go back to the queue when their leases run out",
                    workerId, e);
            return List.of();
        }
    }
}
