package io.comfyfleet.fleet.scale;

import static io.comfyfleet.fleet.scale.ColdStartAwareRule.seconds;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * How the measured scalers count the workers a queue needs: queued jobs are placed, oldest first, on the worker that
 * will be free first (idle: now; starting: when its cold start ends; running: in S/2, the expected rest of a job),
 * and a job the scaler's rule would not leave to that worker gets a new one, free again after C + S. The queue view
 * knows only the oldest job's arrival, so the others are taken as arrived evenly between it and now.
 */
final class QueuePlacement {
    /** Whether a queued job gets a new worker, given how long it waited and when the first free worker frees. */
    @FunctionalInterface
    interface StartRule {
        boolean newWorkerFor(double waited, double freeIn);
    }

    private QueuePlacement() {}

    /** Queued jobs that get a new worker by {@code rule}, at most {@code room}; with no live worker, the first does. */
    static int starts(QueueSnapshot queue, List<WorkerView> live, double c, double s, int room, Instant now,
            StartRule rule) {
        long queued = queue.queued();
        if (queued == 0) {
            return 0;
        }
        PriorityQueue<Double> freeAt = freeTimes(live, c, s, now);
        double oldest = Math.max(0, seconds(Duration.between(queue.oldestQueuedAt(), now)));
        int starts = 0;
        for (long j = 0; j < queued && starts < room; j++) {
            double waited = oldest * (queued - j) / queued;
            Double f = freeAt.poll();
            if (f == null || rule.newWorkerFor(waited, f)) {
                starts++;
                freeAt.add(c + s);
                if (f != null) {
                    freeAt.add(f);
                }
            } else {
                freeAt.add(f + s);
            }
        }
        return starts;
    }

    /** When each live worker is expected to be free for a queued job, in seconds from now. */
    static PriorityQueue<Double> freeTimes(List<WorkerView> live, double c, double s, Instant now) {
        PriorityQueue<Double> freeAt = new PriorityQueue<>(Comparator.naturalOrder());
        for (WorkerView v : live) {
            switch (v.state()) {
                case IDLE -> freeAt.add(0.0);
                case INITIALIZING -> freeAt.add(Math.max(0, c - seconds(Duration.between(v.startedAt(), now))));
                case RUNNING -> freeAt.add(s / 2);
                default -> { }
            }
        }
        return freeAt;
    }
}
