package io.comfyfleet.gateway.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model-affinity decision for one job-take, without I/O: which of the queued jobs (oldest first) a worker takes,
 * and when to look again at those it leaves for others. In this order, each group oldest first:
 * <ol>
 * <li>jobs queued {@code passOverLimit} or more before the oldest job this worker holds the models of: no job is
 *     passed over by jobs much younger than itself, so none starves behind a stream of jobs this worker is affine
 *     to. The limit is relative on purpose: in a backlog every job is old, and an absolute age would turn every
 *     claim into FIFO, with a swap on most of them, just when throughput matters most;</li>
 * <li>jobs whose models this worker holds (all of them);</li>
 * <li>jobs no other live worker holds the models of (or that load no model), and jobs queued {@code wait} or
 *     longer: a job is kept for a busy affine worker at most {@code wait} while this one is idle.</li>
 * </ol>
 * The jobs left are kept for their affine workers; {@link Choice#recheckAt} is when the first of them stops being
 * kept (this worker then looks again).
 */
final class AffinityChoice {
    private AffinityChoice() {}

    /** A queued job as routing sees it. */
    record Queued(String id, Instant queuedAt, Set<String> models) {}

    /** The jobs to claim, in order, and when a job kept for another worker becomes this one's (null: none kept). */
    record Choice(List<String> jobIds, Instant recheckAt) {}

    /**
     * @param held     the models each live worker of the endpoint holds, by worker id (this worker included when it
     *                 holds any)
     */
    static Choice choose(String workerId, int max, List<Queued> oldestFirst, Map<String, Set<String>> held,
            Instant now, Duration wait, Duration passOverLimit) {
        Set<String> mine = held.getOrDefault(workerId, Set.of());
        Instant oldestAffine = null;
        for (Queued job : oldestFirst) {
            if (affine(job, mine)) {
                oldestAffine = job.queuedAt();
                break;
            }
        }
        List<String> starved = new ArrayList<>();
        List<String> affine = new ArrayList<>();
        List<String> free = new ArrayList<>();
        Instant recheckAt = null;
        for (Queued job : oldestFirst) {
            Duration queued = Duration.between(job.queuedAt(), now);
            if (affine(job, mine)) {
                affine.add(job.id());
            } else if (oldestAffine != null
                    && Duration.between(job.queuedAt(), oldestAffine).compareTo(passOverLimit) >= 0) {
                starved.add(job.id());
            } else if (queued.compareTo(wait) >= 0 || !heldElsewhere(workerId, job.models(), held)) {
                free.add(job.id());
            } else {
                Instant mineAt = job.queuedAt().plus(wait);
                recheckAt = recheckAt == null || mineAt.isBefore(recheckAt) ? mineAt : recheckAt;
            }
        }
        List<String> chosen = new ArrayList<>(max);
        for (List<String> group : List.of(starved, affine, free)) {
            for (String id : group) {
                if (chosen.size() == max) {
                    return new Choice(chosen, recheckAt);
                }
                chosen.add(id);
            }
        }
        return new Choice(chosen, recheckAt);
    }

    private static boolean affine(Queued job, Set<String> mine) {
        return !job.models().isEmpty() && mine.containsAll(job.models());
    }

    /** Whether another worker holds every model of the job (a job that loads none is nobody's). */
    private static boolean heldElsewhere(String workerId, Set<String> models, Map<String, Set<String>> held) {
        if (models.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, Set<String>> e : held.entrySet()) {
            if (!e.getKey().equals(workerId) && e.getValue().containsAll(models)) {
                return true;
            }
        }
        return false;
    }
}
