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
        super(message(jobId, actual, expected, action, detail));
        this.jobId = jobId;
        this.actual = actual;
        this.expected = Set.copyOf(expected);
    }

    /** When the state is one of those expected, only the detail says what is wrong (who holds the job). */
    private static String message(String jobId, JobState actual, Set<JobState> expected, String action, String detail) {
        String why = expected.contains(actual) && detail != null ? detail
                : "it is " + actual + ", expected " + (expected.size() == 1 ? expected.iterator().next()
                        : "one of " + expected) + (detail == null ? "" : "; " + detail);
        return "cannot " + action + " job " + jobId + ": " + why;
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
