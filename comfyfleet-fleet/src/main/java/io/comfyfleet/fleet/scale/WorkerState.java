package io.comfyfleet.fleet.scale;

/**
 * A worker's state as RunPod counts them on {@code /health} and in its v2 API, plus {@link #STOPPING}, which
 * RunPod does not show because a stopping worker is gone from its point of view.
 */
public enum WorkerState {
    /** Started, not yet taking jobs (RunPod "initializing"; the cold start runs until it leaves this state). */
    INITIALIZING,
    /** Taking jobs, none in hand. */
    IDLE,
    /** At least one job in hand. */
    RUNNING,
    /** Exists but cannot run now for lack of host capacity; counts against max, takes no job. */
    THROTTLED,
    /** Crashed, exited on its own, never became ready, or went silent: to be stopped and replaced. */
    UNHEALTHY,
    /** Asked to stop, not gone yet: counts neither as capacity nor against max. */
    STOPPING;

    /** Whether this worker is capacity the endpoint has or is about to have (counts against min and max). */
    public boolean isLive() {
        return this == INITIALIZING || this == IDLE || this == RUNNING || this == THROTTLED;
    }
}
