package io.comfyfleet.fleet.autoscale;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The most recent cold starts of each endpoint, for metrics and the dashboard; bounded. */
final class ColdStarts {
    static final int KEPT = 100;
    private final Map<String, Deque<Duration>> byEndpoint = new HashMap<>();

    synchronized void record(String endpoint, Duration coldStart) {
        Deque<Duration> d = byEndpoint.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
        if (d.size() == KEPT) {
            d.removeFirst();
        }
        d.addLast(coldStart);
    }

    synchronized List<Duration> recent(String endpoint) {
        return List.copyOf(byEndpoint.getOrDefault(endpoint, new ArrayDeque<>()));
    }
}
