package io.comfyfleet.cli.up;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobTimes;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Tells the autoscaler, before each of its passes, of the jobs taken and ended since the last one, read from the job
 * store: on a database several gateways share, workers take jobs through every gateway, and the measured scalers
 * must forecast from all of them, not from the share that happened to pass through the control-loop leader. A
 * job's arrival is learned when a worker takes it (jobs still queued are in the queue's count), its execution time
 * when it ends after running.
 *
 * <p>The first read goes back as far as the scalers look ({@link Autoscaler#DEMAND_HORIZON}), so a gateway that
 * starts, or takes the control loop over, knows the demand at once. Later reads start {@link #OVERLAP} before the
 * newest instant already read and skip the jobs already told: a take stamped a moment ago by another gateway can
 * be committed after a later one was read, and gateways' clocks differ by a little.
 */
final class StoreDemandReader implements Runnable {
    static final Duration OVERLAP = Duration.ofSeconds(2);
    static final int PAGE = 1_000;
    /** Pages read per pass at most: a long backlog (the first read on a busy store) is caught up over passes. */
    static final int PAGES_PER_PASS = 10;

    private final Autoscaler autoscaler;
    private final Clock clock;
    private final Cursor taken;
    private final Cursor ended;

    StoreDemandReader(JobStore store, Autoscaler autoscaler, Clock clock) {
        Objects.requireNonNull(store, "store");
        this.autoscaler = Objects.requireNonNull(autoscaler, "autoscaler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.taken = new Cursor(store::takenSince, JobTimes::startedAt);
        this.ended = new Cursor(store::endedSince, JobTimes::finishedAt);
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

    /** Where one kind of event (takes, ends) was read up to, and the jobs told within the overlap. */
    private static final class Cursor {
        private final BiFunction<Instant, Integer, List<JobTimes>> query;
        private final Function<JobTimes, Instant> at;
        /** Job id to the instant of the event already told; one job taken again is a new event. */
        private final Map<String, Instant> told = new HashMap<>();
        private Instant newest;

        Cursor(BiFunction<Instant, Integer, List<JobTimes>> query, Function<JobTimes, Instant> at) {
            this.query = query;
            this.at = at;
        }

        List<JobTimes> readNew(Instant now) {
            Instant since = newest == null ? now.minus(Autoscaler.DEMAND_HORIZON) : newest.minus(OVERLAP);
            List<JobTimes> fresh = new ArrayList<>();
            for (int page = 0; page < PAGES_PER_PASS; page++) {
                List<JobTimes> read = query.apply(since, PAGE);
                for (JobTimes job : read) {
                    Instant when = at.apply(job);
                    if (!when.equals(told.put(job.jobId(), when))) {
                        fresh.add(job);
                    }
                    if (newest == null || when.isAfter(newest)) {
                        newest = when;
                    }
                }
                if (read.size() < PAGE) {
                    break;
                }
                Instant last = at.apply(read.getLast());
                // a whole page within one millisecond: step past it rather than read it again forever
                since = last.equals(since) ? last.plusMillis(1) : last;
            }
            if (newest != null) {
                Instant forget = newest.minus(OVERLAP);
                told.values().removeIf(t -> t.isBefore(forget));
            }
            return fresh;
        }
    }
}
