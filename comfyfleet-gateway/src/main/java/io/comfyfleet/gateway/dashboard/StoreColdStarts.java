package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.dashboard.DashboardBoard;
import io.comfyfleet.core.dashboard.DashboardBoard.ColdStart;
import io.comfyfleet.gateway.metrics.FleetMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several gateways on one database: workers' cold starts through the store's {@link DashboardBoard}. A cold start
 * ends with the worker's first call, at whichever gateway it reached, and is measured by the fleet of the gateway
 * that saw it (with the local-process provider, only the one that started the worker can); the worker board does not
 * keep the worker's start once it is heard. So the gateway that measured it writes it (behind, on this thread: the
 * report comes on a worker's job-take), and every gateway reads all of them every {@code every} into its cold-start
 * chart and column, the first report of each worker only, so all show the same. Several gateways' fleets may each
 * see one worker become ready (Kubernetes: every gateway follows every pod); only the gateway whose report the store
 * keeps, the first, counts it in its metrics, so the sum over the gateways counts each cold start once. A failed read
 * or write is logged (a report that could not be written is not counted: no gateway may know it).
 */
final class StoreColdStarts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreColdStarts.class);

    private final DashboardBoard board;
    private final JobTimes times;
    private final ColdStarts column;
    private final Clock clock;
    private final Duration window;
    private final Duration every;
    /** The workers already charted, as endpoint/worker; used by the one thread. */
    private final Set<String> charted = new HashSet<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("comfyfleet-dashboard-cold-starts").daemon().factory());

    /** @param window how long a cold start stays on the chart (and in the store, once its worker is gone) */
    StoreColdStarts(DashboardBoard board, JobTimes times, ColdStarts column, Clock clock, Duration window,
            Duration every) {
        this.board = board;
        this.times = times;
        this.column = column;
        this.clock = clock;
        this.window = window;
        this.every = every;
    }

    /** Reads now, then every {@code every}. */
    void start() {
        thread.scheduleWithFixedDelay(this::readGuarded, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The fleet saw the worker become ready now, {@code took} after its start: written soon, read back by all, and
     * told to {@code counted} when this is the worker's first report (on this thread, after the write).
     */
    void record(String endpoint, String workerId, Duration took, FleetMetrics counted) {
        Instant at = clock.instant();
        try {
            thread.execute(() -> {
                try {
                    if (board.recordColdStart(new ColdStart(endpoint, workerId, at, took), at.minus(window))) {
                        counted.coldStart(endpoint, workerId, took);
                    }
                    readOnce();
                } catch (RuntimeException e) {
                    log.warn("could not record the cold start ({}) of worker {} of endpoint {} for the dashboards and"
                            + " metrics", HumanDuration.of(took), workerId, endpoint, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: the gateway stops, its dashboard with it
        }
    }

    private void readGuarded() {
        try {
            readOnce();
        } catch (RuntimeException e) {
            log.warn("could not read the workers' cold starts for the dashboard; trying again in {}",
                    HumanDuration.of(every), e);
        }
    }

    /** Charts the cold starts not charted before (on this thread, or in tests). */
    void readOnce() {
        Set<String> stored = new HashSet<>();
        for (ColdStart c : board.coldStarts()) {
            String key = c.endpoint() + "/" + c.workerId();
            stored.add(key);
            if (charted.add(key)) {
                column.record(c.endpoint(), c.workerId(), c.took());
                times.coldStart(c.endpoint(), c.workerId(), c.readyAt(), c.took());
            }
        }
        charted.retainAll(stored); // forgotten by the store: never read again
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
