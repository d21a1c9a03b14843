package io.comfyfleet.cli.up;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobTimes;
import io.comfyfleet.core.job.JobTimesCursor;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Tells the autoscaler, before each of its passes, of the jobs taken and ended since the last one, read from the job
 * store: on a database several gateways share, workers take jobs through every gateway, and the measured scalers
 * must forecast from all of them, not from the share that happened to pass through the control-loop leader. A
 * job's arrival is learned when a worker takes it (jobs still queued are in the queue's count), its execution time
 * when it ends after running.
 *
 * <p>The first read goes back as far as the scalers look ({@link Autoscaler#DEMAND_HORIZON}), so a gateway that
 * starts, or takes the control loop over, knows the demand at once; later reads are incremental
 * ({@link JobTimesCursor}).
 */
final class StoreDemandReader implements Runnable {
    static final int PAGE = JobTimesCursor.PAGE;

    private final Autoscaler autoscaler;
    private final Clock clock;
    private final JobTimesCursor taken;
    private final JobTimesCursor ended;

    StoreDemandReader(JobStore store, Autoscaler autoscaler, Clock clock) {
        Objects.requireNonNull(store, "store");
        this.autoscaler = Objects.requireNonNull(autoscaler, "autoscaler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.taken = JobTimesCursor.taken(store, Autoscaler.DEMAND_HORIZON);
        this.ended = JobTimesCursor.ended(store, Autoscaler.DEMAND_HORIZON);
    }

    @Override
    public void run() {
        Instant now = clock.instant();
        for (JobTimes job : taken.readNew(now)) {
            autoscaler.jobTaken(job.endpoint(), job.createdAt());
        }
        for (JobTimes job : ended.readNew(now)) {
            Duration ran = job.ranFor();
            if (ran != null) {
                autoscaler.jobExecuted(job.endpoint(), ran);
            }
        }
    }
}
