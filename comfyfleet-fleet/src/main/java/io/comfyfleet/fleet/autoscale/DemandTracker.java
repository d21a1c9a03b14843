package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.scale.Demand;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each endpoint's recent jobs looked like, for the cold-start-aware scaler: when they arrived (the last
 * {@link #ARRIVALS} within {@link #HORIZON}) and how long they ran (the last {@link #EXECUTIONS}) and how long their workers took to start (as many). Jobs are learned
 * when a worker takes them, so arrivals can come in late and out of order; they are kept sorted.
 */
final class DemandTracker {
    static final int ARRIVALS = 2000;
    static final Duration HORIZON = Duration.ofHours(24);
    static final int EXECUTIONS = 50;

    private final Map<String, List<Instant>> arrivals = new HashMap<>();
    private final Map<String, Deque<Duration>> executions = new HashMap<>();
    private final Map<String, Deque<Duration>> coldStarts = new HashMap<>();
    /** Each endpoint's demand as last handed out, until something new is measured: a pass every second is cheap. */
    private final Map<String, Demand> copies = new HashMap<>();

    synchronized void arrived(String endpoint, Instant at) {
        copies.remove(endpoint);
        List<Instant> list = arrivals.computeIfAbsent(endpoint, e -> new ArrayList<>());
        int i = list.size();
        while (i > 0 && list.get(i - 1).isAfter(at)) {
            i--;
        }
        list.add(i, at);
        Instant last = list.getLast();
        while (!list.isEmpty() && (list.size() > ARRIVALS || list.getFirst().isBefore(last.minus(HORIZON)))) {
            list.removeFirst();
        }
    }

    synchronized void executed(String endpoint, Duration took) {
        keep(executions, endpoint, took);
    }

    synchronized void coldStarted(String endpoint, Duration took) {
        keep(coldStarts, endpoint, took);
    }

    private void keep(Map<String, Deque<Duration>> where, String endpoint, Duration took) {
        copies.remove(endpoint);
        Deque<Duration> d = where.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
        if (d.size() == EXECUTIONS) {
            d.removeFirst();
        }
        d.addLast(took);
    }

    /** The endpoint's demand: the mean execution time, the median cold start, the arrivals. */
    synchronized Demand demand(String endpoint) {
        return copies.computeIfAbsent(endpoint, this::measure);
    }

    private Demand measure(String endpoint) {
        Deque<Duration> ex = executions.get(endpoint);
        Duration execution = null;
        if (ex != null && !ex.isEmpty()) {
            execution = ex.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(ex.size());
        }
        Duration coldStart = null;
        Deque<Duration> cs = coldStarts.get(endpoint);
        if (cs != null && !cs.isEmpty()) {
            List<Duration> sorted = cs.stream().sorted().toList();
            coldStart = sorted.get(sorted.size() / 2);
        }
        return new Demand(arrivals.getOrDefault(endpoint, List.of()), execution, coldStart);
    }
}
