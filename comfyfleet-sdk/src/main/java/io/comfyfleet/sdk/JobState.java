package io.comfyfleet.sdk;

/** A job's state as RunPod and ComfyFleet report it. */
public enum JobState {
    IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT;

    /** True for the states a job never leaves. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
    }

    static JobState parse(String text, String jobId) {
        if (text == null) {
            throw new ComfyFleetException("the server sent no status for job " + jobId, jobId, 200, null, null);
        }
        String name = text.strip().toUpperCase(java.util.Locale.ROOT);
        if (name.equals("RUNNING")) {
            return IN_PROGRESS; // listed in RunPod's docs as a synonym; no SDK of theirs checks for it
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new ComfyFleetException("the server sent an unknown status \"" + text + "\" for job " + jobId,
                    jobId, 200, text, e);
        }
    }
}
