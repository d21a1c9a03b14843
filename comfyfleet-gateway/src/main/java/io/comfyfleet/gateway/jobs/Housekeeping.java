package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.queue.QueueSweeper;
import io.comfyfleet.core.queue.SweepListener;
import io.comfyfleet.core.queue.SweepReport;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the core {@link QueueSweeper} (leases, execution timeouts, TTL, retention) and does the gateway's
 * part of each change it reports: requeued jobs wake waiting workers, failed and timed-out jobs get their
 * webhook and a stop order to their worker, and deleted jobs take their output files with them.
 */
public final class Housekeeping implements SweepListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    private final JobStore store;
    private final JobChanges changes;
    private final JobFiles outputs;
    private final Clock clock;
    private final QueueSweeper sweeper;

    public Housekeeping(JobStore store, JobEvents events, JobFiles outputs, Clock clock,
            Duration period, Duration retention, Duration runsyncRetention) {
        this(store, events, outputs, clock, period, retention, runsyncRetention, () -> true);
    }

    /**
     * @param mayAct consulted right before each sweep: with several gateways, only the holder of the control-loop
     *               lease sweeps (see {@code io.comfyfleet.core.lease.LeaderLease#confirm})
     */
    public Housekeeping(JobStore store, JobEvents events, JobFiles outputs, Clock clock,
            Duration period, Duration retention, Duration runsyncRetention,
            java.util.function.BooleanSupplier mayAct) {
        this.store = store;
        this.changes = new JobChanges(store, events);
        this.outputs = outputs;
        this.clock = clock;
        this.sweeper = new QueueSweeper(store, clock, period, retention, runsyncRetention, this, mayAct);
    }

    /** Removes files of jobs deleted while this gateway was down, then sweeps every period. */
    public void start() {
        deleteOrphanedFiles();
        sweeper.start();
    }

    /** One pass now (tests move the clock and call this). */
    public SweepReport sweepOnce() {
        return sweeper.sweepOnce();
    }

    @Override
    public void onSweep(SweepReport report) {
        for (Job job : report.timedOut()) {
            log.info("job {} timed out after {}; telling worker {} to stop it",
                    job.id(), HumanDuration.of(job.policy().executionTimeout()), job.workerId());
        }
        changes.swept(report);
        if (report.deleted() > 0) {
            deleteOrphanedFiles();
        }
    }

    private void deleteOrphanedFiles() {
        int removed = outputs.deleteWhere((endpoint, jobId) -> store.find(jobId, clock.instant()).isEmpty());
        if (removed > 0) {
            log.info("deleted the output files of {} jobs that no longer exist", removed);
        }
    }

    @Override
    public void close() {
        sweeper.close();
    }
}
