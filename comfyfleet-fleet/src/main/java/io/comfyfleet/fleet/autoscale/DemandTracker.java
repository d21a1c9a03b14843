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
 * {@link #ARRIVALS} within {@link #HORIZON}) and how long they ran (the last {@link #EXECUTIONS}). Jobs are learned
 * when a worker takes them, so arrivals can come in late and out of order; they are kept sorted.
 */
final class DemandTracker {
    static final int ARRIVALS = 2000;
    static final Duration HORIZON = Duration.ofHours(24);
    static final int EXECUTIONS = 50;

    private final Map<String, List<Instant>> arrivals = new HashMap<>();
    private final Map<String, Deque<Duration>> executions = new HashMap<>();

    synchronized void arrived(String endpoint, Instant at) {
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
        Deque<Duration> d = executions.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
        if (d.size() == EXECUTIONS) {
            d.removeFirst();
        }
        d.addLast(took);
    }

    /** The endpoint's demand, with {@code coldStarts} (oldest first) summed up by their median. */
    synchronized Demand demand(String endpoint, List<Duration> coldStarts) {
        Deque<Duration> ex = executions.get(endpoint);
        Duration execution = null;
        if (ex != null && !ex.isEmpty()) {
            execution = ex.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(ex.size());
        }
        Duration coldStart = null;
        if (!coldStarts.isEmpty()) {
            List<Duration> sorted = coldStarts.stream().sorted().toList();
            coldStart = sorted.get(sorted.size() / 2);
        }
        return new Demand(arrivals.getOrDefault(endpoint, List.of()), execution, coldStart);
    }
}
