package io.comfyfleet.fleet.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where workers run: local processes, Kubernetes pods, ... The autoscaler decides how many; a provider only
 * carries that out and reports what exists. Implementations are thread-safe.
 */
public interface WorkerProvider extends AutoCloseable {

    /** A short name for logs and the dashboard, like {@code "local"}. */
    String name();

    /**
     * Starts a worker and returns as soon as it has been created (it becomes ready later, on its own).
     *
     * @throws NoCapacityException when the provider has no room for another worker
     * @throws ProviderException   when it cannot be started, with the cause
     * @throws IllegalArgumentException when a live worker already has this id
     */
    WorkerHandle start(WorkerSpec spec);

    /**
     * Asks the worker to stop: it gets {@code grace} to finish (SIGTERM for a process), then is killed. Returns at
     * once; the worker shows as {@link FleetWorker.Phase#STOPPING} until it is gone, and then disappears from
     * {@link #list()}. Stopping a worker that is gone already, or twice, is harmless.
     *
     * @return completes when the worker is gone (for a process: it has exited and whatever it left running has
     *         been sent SIGKILL)
     */
    CompletableFuture<Void> stop(WorkerHandle handle, Duration grace);

    /**
     * The version a worker started with {@code image} runs ({@link WorkerHandle#version()}): roll-outs compare it
     * with the versions of the running workers. Container and Kubernetes providers run the image itself, so the
     * default is the image reference; a provider that ignores images answers its own fixed version.
     *
     * @param image an image reference, or null for the provider's default
     * @return the version, or null when it cannot be known before a worker runs (no roll-outs then)
     */
    default String versionFor(String image) {
        return image;
    }

    /** Every worker this provider started that is not gone yet, of every endpoint, including exited ones. */
    List<FleetWorker> list();

    /**
     * The one worker as {@link #list()} would show it, or empty when it is not listed. The gateway asks on every
     * job it hands to a waiting worker, so a provider whose {@link #list()} does more than read its table (the
     * local provider looks through the process table) answers this without that.
     */
    default Optional<FleetWorker> find(String workerId) {
        return list().stream().filter(w -> w.workerId().equals(workerId)).findFirst();
    }

    /**
     * Records when the worker first asked for a job, which ends its cold start. Only the first call counts.
     *
     * @return true when this call ended the cold start; false for a later call or an unknown id
     */
    boolean markReady(String workerId, Instant at);

    /**
     * What keeps a listed worker from working, for people (the dashboard, {@code /admin}, logs): a pod no node took
     * within its limit, an image that cannot be pulled, ... Empty when nothing is known to be wrong, or for an unknown
     * id. An {@link FleetWorker.Phase#EXITED} worker may carry the reason it ended here too.
     */
    default Optional<String> problem(String workerId) {
        return Optional.empty();
    }

    /**
     * Calls {@code listener} for each worker that ends on its own from now on (a crash, a kill, a worker that gave
     * up), so the gateway can say why on {@code /health}. The local-process, container and Kubernetes providers
     * tell; one that cannot tell ignores the listener.
     */
    default void onExit(WorkerExit.Listener listener) {}

    /**
     * True when every gateway's provider on the same database follows the same workers, and those workers report
     * to any gateway (Kubernetes pods behind the gateways' Service): the gateway that runs the control loop manages
     * them, and one that stands by, loses the control loop or shuts down standing by leaves them running
     * ({@link #detach()}). False, the default, for workers that belong to the gateway that started them (local
     * processes, containers on its machine).
     */
    default boolean sharedByGateways() {
        return false;
    }

    /**
     * Stops following the workers and lets go of what the provider holds, leaving every worker running for the
     * gateway that runs the control loop. Meant for a provider {@link #sharedByGateways() shared by gateways}; the
     * default, for one that is not, is {@link #close()}.
     */
    default void detach() {
        close();
    }

    /** Stops every worker (with the provider's default grace) and waits, bounded, until they are gone. */
    @Override
    void close();
}
