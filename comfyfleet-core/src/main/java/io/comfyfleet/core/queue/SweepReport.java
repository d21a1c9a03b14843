package io.comfyfleet.core.queue;

import io.comfyfleet.core.job.Job;
import java.time.Instant;
import java.util.List;

/**
 * What one pass of the {@link QueueSweeper} changed, for webhooks (terminal jobs) and stop signals (jobs a
 * worker must no longer run).
 *
 * @param at       the clock's instant the pass used
 * @param requeued jobs whose worker went silent, back IN_QUEUE for another attempt
 * @param failed   jobs whose worker went silent with no retries left, now FAILED (terminal: webhook)
 * @param timedOut jobs that ran past their execution timeout, now TIMED_OUT (terminal: webhook, stop)
 * @param deleted  jobs deleted because their TTL or result retention ran out
 */
public record SweepReport(Instant at, List<Job> requeued, List<Job> failed, List<Job> timedOut, int deleted) {
    public SweepReport {
        requeued = List.copyOf(requeued);
        failed = List.copyOf(failed);
        timedOut = List.copyOf(timedOut);
    }

    /** True when the pass changed nothing. */
    public boolean isEmpty() {
        return requeued.isEmpty() && failed.isEmpty() && timedOut.isEmpty() && deleted == 0;
    }
}
