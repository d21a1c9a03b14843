package io.comfyfleet.sdk;

/**
 * The job did not finish in time: either the server ended it TIMED_OUT (its execution timeout or TTL ran
 * out; {@link #lastState()} is TIMED_OUT), or the caller's own wait ran out while it was still queued or
 * running (the job goes on; {@link #lastState()} says where it was).
 */
public final class JobTimedOutException extends ComfyFleetException {
    private final JobState lastState;

    public JobTimedOutException(String message, String jobId, JobState lastState, String serverMessage) {
        super(message, jobId, 0, serverMessage, null);
        this.lastState = lastState;
    }

    /** TIMED_OUT when the server gave up on the job; otherwise the state it was in when the wait ended. */
    public JobState lastState() {
        return lastState;
    }
}
