package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.gateway.jobs.JobListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Delay and execution times of jobs and cold starts of workers over the chart's window, as they happen, for the
 * dashboard's "job times" and "cold starts" charts. A job's delay counts when a worker takes it, its execution
 * when it ends after running; a retried job counts once per run, as RunPod's console does. In memory (a gateway
 * that starts reads the window's past from the job store first), and bounded: beyond {@link #MAX_EVENTS} the oldest
 * are dropped first, so a burst thins the window's far end.
 */
final class JobTimes implements JobListener {
    static final int MAX_EVENTS = 100_000;

    enum Kind { DELAY, EXECUTION, COLD_START }

    record Event(Instant at, String endpoint, Kind kind, long millis, String workerId) {}

    /**
     * The percentiles of one time bucket over the given endpoints; a percentile is null when no job counted.
     *
     * @param start the bucket's first instant (buckets are aligned to multiples of their length since the epoch)
     */
    record Bucket(Instant start, int delays, Long delayP50, Long delayP95, int executions, Long executionP50,
            Long executionP95) {}

    private final Clock clock;
    private final Duration window;
    private final Deque<Event> events = new ArrayDeque<>();

    JobTimes(Clock clock, Duration window) {
        this.clock = clock;
        this.window = window;
    }

    @Override
    public void taken(Job job) {
        if (job.startedAt() != null) {
            add(new Event(job.startedAt(), job.endpoint(), Kind.DELAY, job.delayTimeMillis(job.startedAt()), job.workerId()));
        }
    }

    @Override
    public void changed(Job job) {
        if (job.state().isTerminal() && job.startedAt() != null && job.finishedAt() != null) {
            add(new Event(job.finishedAt(), job.endpoint(), Kind.EXECUTION, job.executionTimeMillis(job.finishedAt()),
                    job.workerId()));
        }
    }

    /** A take read from the job store (several gateways: it may have passed through another gateway). */
    void taken(io.comfyfleet.core.job.JobTimes job) {
        if (job.startedAt() != null) {
            add(new Event(job.startedAt(), job.endpoint(), Kind.DELAY,
                    Math.max(0, Duration.between(job.createdAt(), job.startedAt()).toMillis()), null));
        }
    }

    /** An end read from the job store; counted as {@link #changed} counts it. */
    void ended(io.comfyfleet.core.job.JobTimes job) {
        if (job.state().isTerminal() && job.startedAt() != null && job.finishedAt() != null) {
            add(new Event(job.finishedAt(), job.endpoint(), Kind.EXECUTION,
                    Math.max(0, Duration.between(job.startedAt(), job.finishedAt()).toMillis()), null));
        }
    }

    /** A worker the fleet started became ready {@code took} after its start. */
    void coldStart(String endpoint, String workerId, Duration took) {
        coldStart(endpoint, workerId, clock.instant(), took);
    }

    /** A worker became ready at {@code at} (read from the job store: several gateways); left out past the window. */
    void coldStart(String endpoint, String workerId, Instant at, Duration took) {
        if (!at.isBefore(clock.instant().minus(window))) {
            add(new Event(at, endpoint, Kind.COLD_START, took.toMillis(), workerId));
        }
    }

    /**
     * p50 and p95 of delay and execution per {@code length} bucket over the window, oldest first, empty buckets
     * included (so the chart's time axis is even), summed over {@code endpoints}.
     */
    List<Bucket> buckets(Collection<String> endpoints, Duration length) {
        Instant now = clock.instant();
        long size = length.toMillis();
        long first = Math.floorDiv(now.minus(window).toEpochMilli(), size) * size;
        int count = (int) ((now.toEpochMilli() - first) / size) + 1;
        List<List<Long>> delays = lists(count);
        List<List<Long>> executions = lists(count);
        for (Event e : snapshot(endpoints, first)) {
            int i = (int) ((e.at().toEpochMilli() - first) / size);
            if (i >= count) {
                continue; // a clock a moment ahead of ours (another gateway's startedAt)
            }
            switch (e.kind()) {
                case DELAY -> delays.get(i).add(e.millis());
                case EXECUTION -> executions.get(i).add(e.millis());
                case COLD_START -> { }
            }
        }
        List<Bucket> buckets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<Long> d = delays.get(i);
            List<Long> x = executions.get(i);
            buckets.add(new Bucket(Instant.ofEpochMilli(first + i * size), d.size(), percentile(d, 50),
                    percentile(d, 95), x.size(), percentile(x, 50), percentile(x, 95)));
        }
        return buckets;
    }

    /** The cold starts of the given endpoints within the window, oldest first. */
    List<Event> coldStarts(Collection<String> endpoints) {
        long since = clock.instant().minus(window).toEpochMilli();
        return snapshot(endpoints, since).stream().filter(e -> e.kind() == Kind.COLD_START).toList();
    }

    /** Nearest-rank percentile: the smallest value at least {@code p} % of the values are not above. */
    static Long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private synchronized List<Event> snapshot(Collection<String> endpoints, long sinceMillis) {
        Set<String> wanted = Set.copyOf(endpoints);
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.at().toEpochMilli() >= sinceMillis && wanted.contains(e.endpoint())) {
                out.add(e);
            }
        }
        return out;
    }

    private synchronized void add(Event event) {
        Instant horizon = clock.instant().minus(window);
        while (!events.isEmpty() && (events.size() >= MAX_EVENTS || events.peekFirst().at().isBefore(horizon))) {
            events.removeFirst();
        }
        events.addLast(event);
    }

    private static List<List<Long>> lists(int count) {
        List<List<Long>> lists = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lists.add(new ArrayList<>());
        }
        return lists;
    }
}
