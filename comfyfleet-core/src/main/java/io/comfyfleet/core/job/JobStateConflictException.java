package io.comfyfleet.core.job;

import io.comfyfleet.core.ComfyFleetException;
import java.util.Set;

/** A state change was asked of a job that is not in a state it may be made from. */
public final class JobStateConflictException extends ComfyFleetException {
    private final String jobId;
    private final JobState actual;
    private final Set<JobState> expected;

    public JobStateConflictException(String jobId, JobState actual, Set<JobState> expected, String action) {
        this(jobId, actual, expected, action, null);
    }

    /**
     * As above, with a detail appended to the message: used when the state is right but the job is held by
     * another worker ({@code "it is held by worker w1, not w2"}).
     */
    public JobStateConflictException(
            String jobId, JobState actual, Set<JobState> expected, String action, String detail) {
        super("cannot " + action + " job " + jobId + ": it is " + actual + ", expected one of " + expected
                + (detail == null ? "" : "; " + detail));
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
