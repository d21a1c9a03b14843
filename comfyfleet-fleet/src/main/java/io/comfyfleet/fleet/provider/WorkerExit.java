package io.comfyfleet.fleet.provider;

/**
 * A worker that ended on its own (nobody asked it to stop): a crash, a kill (the kernel's out-of-memory killer), or a
 * worker that gave up.
 *
 * @param exitCode    its exit status; -1 when none is known (a pod whose image could not be pulled never ran)
 * @param description how it ended, for a person: the reason it printed, else what its exit status says
 * @param saidWhy     true when the worker printed its reason itself, or (a pod) ended with a status it sets when
 *                    it gives up: it has then also told the gateway on its unhealthy ping; false when it was killed,
 *                    crashed or never ran, without a word
 */
public record WorkerExit(String endpoint, String workerId, int exitCode, String description, boolean saidWhy) {

    /** Hears of workers that end on their own. Called on a provider's thread; must be quick and not throw. */
    @FunctionalInterface
    public interface Listener {
        void exited(WorkerExit exit);
    }
}
