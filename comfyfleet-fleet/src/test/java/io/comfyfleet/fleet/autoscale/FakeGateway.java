package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.scale.QueueSnapshot;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the gateway's job store and worker registry: tests set what the queue holds and what the gateway
 * heard from each worker. Knobs: {@link #failQueueReads} makes the next n queue reads of an endpoint throw;
 * {@link #afterNextRead} changes the queue right after a pass has read it.
 */
final class FakeGateway implements QueueView, WorkerStates {
    private final Map<String, QueueSnapshot> queues = new ConcurrentHashMap<>();
    private final Map<String, Map<String, WorkerActivity>> heard = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, Runnable> afterRead = new ConcurrentHashMap<>();

    void queue(String endpoint, QueueSnapshot snapshot) {
        queues.put(endpoint, snapshot);
    }

    void heard(String endpoint, String workerId, WorkerActivity activity) {
        heard.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>()).put(workerId, activity);
    }

    /** Runs {@code then} once, right after the next read of the endpoint's queue (before the caller uses it). */
    void afterNextRead(String endpoint, Runnable then) {
        afterRead.put(endpoint, then);
    }

    void failQueueReads(String endpoint, int times) {
        failures.put(endpoint, new AtomicInteger(times));
    }

    @Override
    public QueueSnapshot snapshot(String endpoint, Instant now) {
        AtomicInteger left = failures.get(endpoint);
        if (left != null && left.getAndDecrement() > 0) {
            throw new IllegalStateException("job store unavailable (test)");
        }
        QueueSnapshot read = queues.getOrDefault(endpoint, QueueSnapshot.empty());
        Runnable then = afterRead.remove(endpoint);
        if (then != null) {
            then.run();
        }
        return read;
    }

    @Override
    public Map<String, WorkerActivity> activity(String endpoint) {
        return Map.copyOf(heard.getOrDefault(endpoint, Map.of()));
    }
}
