package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobTimesCursor;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several gateways on one database: the job-times chart learns the jobs taken and ended through every gateway from the
 * job store, every {@code every}, instead of only those that passed through this gateway. A load balancer sends each
 * of the dashboard's polls to any gateway; with per-gateway times the chart showed a different share of the jobs on
 * each poll. A failed read is logged; the next one catches up.
 */
final class StoreJobTimesFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreJobTimesFeed.class);

    private final JobTimes times;
    private final Clock clock;
    private final Duration every;
    private final JobTimesCursor taken;
    private final JobTimesCursor ended;
    private ScheduledExecutorService reader;

    /** @param window how far back the first read goes: the chart's window */
    StoreJobTimesFeed(JobStore store, JobTimes times, Clock clock, Duration window, Duration every) {
        this.times = times;
        this.clock = clock;
        this.every = every;
        this.taken = JobTimesCursor.taken(store, window);
        this.ended = JobTimesCursor.ended(store, window);
    }

    /** Reads now, then every {@code every} on a daemon thread. */
    synchronized void start() {
        reader = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("comfyfleet-dashboard-times")
                .daemon().factory());
        reader.scheduleWithFixedDelay(this::readGuarded, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link #readOnce}, a failure logged rather than thrown. */
    void readGuarded() {
        try {
            readOnce();
        } catch (RuntimeException e) {
            log.warn("could not read the jobs taken and ended for the dashboard's job times; trying again in {}",
                    HumanDuration.of(every), e);
        }
    }

    /** Adds the takes and ends not read before (the cursors are used by this one thread). */
    void readOnce() {
        var now = clock.instant();
        taken.readNew(now).forEach(times::taken);
        ended.readNew(now).forEach(times::ended);
    }

    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.shutdownNow();
        }
    }
}
