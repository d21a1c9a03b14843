package io.comfyfleet.core.job;

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
 * Reads one kind of job event (takes, or ends) from the job store, each event once, through every gateway that shares
 * the store: what the autoscaler forecasts from and what the dashboard's job-times chart shows.
 *
 * <p>The first read goes back {@code horizon}, so a gateway that starts knows the recent past at once. Later reads
 * start {@link #OVERLAP} before the newest instant already read and skip the jobs already told: a take stamped a
 * moment ago by another gateway can be committed after a later one was read, and gateways' clocks differ by a little.
 * Not thread-safe: one reader calls {@link #readNew}.
 */
public final class JobTimesCursor {
    public static final Duration OVERLAP = Duration.ofSeconds(2);
    public static final int PAGE = 1_000;
    /** Pages read per call at most: a long backlog (the first read on a busy store) is caught up over calls. */
    public static final int PAGES_PER_READ = 10;

    private final BiFunction<Instant, Integer, List<JobTimes>> query;
    private final Function<JobTimes, Instant> at;
    private final Duration horizon;
    /** Job id to the instant of the event already told; one job taken again is a new event. */
    private final Map<String, Instant> told = new HashMap<>();
    private Instant newest;

    private JobTimesCursor(BiFunction<Instant, Integer, List<JobTimes>> query, Function<JobTimes, Instant> at,
            Duration horizon) {
        this.query = query;
        this.at = at;
        this.horizon = Objects.requireNonNull(horizon, "horizon");
    }

    /** The jobs workers took (each take once; a job taken again after a retry is a new take). */
    public static JobTimesCursor taken(JobStore store, Duration horizon) {
        return new JobTimesCursor(store::takenSince, JobTimes::startedAt, horizon);
    }

    /** The jobs that ended. */
    public static JobTimesCursor ended(JobStore store, Duration horizon) {
        return new JobTimesCursor(store::endedSince, JobTimes::finishedAt, horizon);
    }

    /** The events not told before, oldest first. */
    public List<JobTimes> readNew(Instant now) {
        Instant since = newest == null ? now.minus(horizon) : newest.minus(OVERLAP);
        List<JobTimes> fresh = new ArrayList<>();
        for (int page = 0; page < PAGES_PER_READ; page++) {
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
