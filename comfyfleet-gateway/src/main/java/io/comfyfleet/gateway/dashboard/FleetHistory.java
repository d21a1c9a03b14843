package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.dispatch.WorkerCounts;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue depth and workers of every endpoint over the last minutes, sampled by a background thread, for the
 * dashboard's chart. In memory only: a restarted gateway starts an empty chart.
 */
final class FleetHistory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetHistory.class);

    /** One endpoint at one moment. */
    record Point(long queued, long inProgress, int workersReady, int workersRunning, int workersStarting) {
        static final Point ZERO = new Point(0, 0, 0, 0, 0);

        Point plus(Point o) {
            return new Point(queued + o.queued, inProgress + o.inProgress, workersReady + o.workersReady,
                    workersRunning + o.workersRunning, workersStarting + o.workersStarting);
        }
    }

    /** Every endpoint at one moment: taken in one pass, so the endpoints' points always line up. */
    record Sample(Instant at, Map<String, Point> byEndpoint) {
        /** The sum of the given endpoints' points. */
        Point total(Collection<String> endpoints) {
            Point sum = Point.ZERO;
            for (String e : endpoints) {
                sum = sum.plus(byEndpoint.getOrDefault(e, Point.ZERO));
            }
            return sum;
        }
    }

    private final List<String> endpoints;
    private final JobStore store;
    private final WorkerRegistry workers;
    private final Clock clock;
    private final Duration interval;
    private final int capacity;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private ScheduledExecutorService sampler;

    /** Keeps {@code window / interval} points per endpoint. */
    FleetHistory(Collection<String> endpoints, JobStore store, WorkerRegistry workers, Clock clock, Duration interval,
            Duration window) {
        this.endpoints = List.copyOf(endpoints);
        this.store = store;
        this.workers = workers;
        this.clock = clock;
        this.interval = interval;
        this.capacity = (int) Math.max(2, window.toMillis() / interval.toMillis());
    }

    void start() {
        sampler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fleet-history").factory());
        sampler.scheduleAtFixedRate(this::sampleGuarded, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    Duration interval() {
        return interval;
    }

    int capacity() {
        return capacity;
    }

    /** Takes one sample of every endpoint now. */
    void sample() {
        Instant now = clock.instant();
        Map<String, Point> byEndpoint = new HashMap<>();
        for (String endpoint : endpoints) {
            JobCounts jobs = store.counts(endpoint);
            WorkerCounts w = workers.counts(endpoint);
            byEndpoint.put(endpoint, new Point(jobs.inQueue(), jobs.inProgress(), w.ready(), w.running(), w.initializing()));
        }
        add(new Sample(now, Map.copyOf(byEndpoint)));
    }

    /** The samples, oldest first. */
    synchronized List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    private synchronized void add(Sample sample) {
        if (samples.size() == capacity) {
            samples.removeFirst();
        }
        samples.addLast(sample);
    }

    /** A failed sample (store briefly unavailable) leaves a gap; the next one is taken on time. */
    private void sampleGuarded() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.warn("dashboard: could not sample queue and workers: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
