package io.comfyfleet.fleet.sim;

import io.comfyfleet.fleet.autoscale.QueueView;
import io.comfyfleet.fleet.autoscale.WorkerActivity;
import io.comfyfleet.fleet.autoscale.WorkerStates;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's side of a simulation: each endpoint's queue and what the gateway has heard from its workers, as
 * the autoscaler reads them ({@link QueueView}, {@link WorkerStates}), answered exactly as the gateway's
 * {@code StoreQueueView} and worker registry define them. A ready worker is seen now (it is parked in a job-take
 * or working); its idle time starts at its first job-take or its last job's end.
 */
final class SimGateway implements QueueView, WorkerStates {
    private final SimFleet fleet;
    private final Map<String, Deque<SimJob>> queues = new HashMap<>();
    private final Map<String, Integer> running = new HashMap<>();
    private final SimClock clock;

    SimGateway(SimFleet fleet, SimClock clock) {
        this.fleet = fleet;
        this.clock = clock;
    }

    Deque<SimJob> queue(String endpoint) {
        return queues.computeIfAbsent(endpoint, e -> new ArrayDeque<>());
    }

    void runningChanged(String endpoint, int delta) {
        running.merge(endpoint, delta, Integer::sum);
    }

    int running(String endpoint) {
        return running.getOrDefault(endpoint, 0);
    }

    @Override
    public QueueSnapshot snapshot(String endpoint, Instant now) {
        Deque<SimJob> q = queue(endpoint);
        return new QueueSnapshot(q.size(), running(endpoint), q.isEmpty() ? null : q.peekFirst().arrivedAt);
    }

    @Override
    public Map<String, WorkerActivity> activity(String endpoint) {
        Map<String, WorkerActivity> heard = new LinkedHashMap<>();
        Instant now = clock.instant();
        for (SimWorker w : fleet.live()) {
            if (!w.endpoint.equals(endpoint) || !w.ready) {
                continue;
            }
            heard.put(w.id, w.job != null ? WorkerActivity.busy(1, now) : WorkerActivity.idle(now, w.idleSince));
        }
        return heard;
    }
}
