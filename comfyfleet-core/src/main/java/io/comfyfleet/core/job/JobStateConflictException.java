package io.comfyfleet.core.job;

import io.comfyfleet.core.ComfyFleetException;
import java.util.Set;

/** A state change was asked of a job that is not in a state it may be made from. */
public final class JobStateConflictException extends ComfyFleetException {
    private final String jobId;
    private final JobState actual;
    private final Set<JobState> expected;

    public JobStateConflictException(String jobId, JobState actual, Set<JobState> expected, String action) {
        super("cannot " + action + " job " + jobId + ": it is " + actual + ", expected one of " + expected);
        this.jobId = jobId;
        this.actual = actual;
        this.expected = Set.copyOf(expected);
    }

    public String jobId() {
        return jobId;
    }

    public JobState actual() {
        return actual;
    }

    public Set<JobState> expected() {
        return expected;
    }
}
