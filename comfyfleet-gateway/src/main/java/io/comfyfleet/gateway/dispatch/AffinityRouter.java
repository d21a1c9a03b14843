package io.comfyfleet.gateway.dispatch;

import io.comfyfleet.comfy.workflow.LoaderInputs;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.config.Routing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Model-affinity routing (docs/gateway.md, "Routing"): which queued jobs a waiting worker claims, preferring jobs whose
 * models (the loader inputs of the workflow) it reported holding, so ComfyUI need not swap checkpoints; and which
 * parked job-take a new job wakes. The decision itself is {@link AffinityChoice}; this class reads what it needs:
 * the head of the queue from the store, and the held models of every live worker from the {@link WorkerRegistry}
 * (which sees other gateways' workers through the store's worker board).
 *
 * <p>An endpoint with {@code routing: fifo}, or one where no worker reports models (RunPod's own workers), claims
 * exactly as before: oldest first, one statement.
 */
public final class AffinityRouter {
    private static final Logger log = LoggerFactory.getLogger(AffinityRouter.class);
    /** Queued jobs looked at per claim: deeper jobs wait for FIFO order anyway. */
    static final int HEAD = 32;
    /** A job queued this long before the oldest job a worker is affine to goes first (see {@link AffinityChoice}). */
    static final Duration PASS_OVER_LIMIT = Duration.ofSeconds(10);
    /** Parsed job models kept, by job id: a queued job is looked at by several claims. */
    private static final int MODELS_KEPT = 4096;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JobStore store;
    private final WorkerRegistry registry;
    private final Function<String, Routing> routing;
    private final Map<String, Set<String>> modelsByJob = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
                    return size() > MODELS_KEPT;
                }
            });

    /**
     * @param routing each endpoint's routing, by name, asked at every claim (so it should be cheap); null: the
     *                endpoint routes FIFO
     */
    public AffinityRouter(JobStore store, WorkerRegistry registry, Function<String, Routing> routing) {
        this.store = store;
        this.registry = registry;
        this.routing = routing;
    }

    /** A router that routes every endpoint FIFO. */
    public static AffinityRouter fifo(JobStore store, WorkerRegistry registry) {
        return new AffinityRouter(store, registry, endpoint -> null);
    }

    /** What one claim got, and when the worker should look again at jobs kept for other workers. */
    public record Claim(List<Job> jobs, Instant recheckAt) {
        /** How long a job-take with {@code left} of its hold may park before it claims again. */
        public Duration parkFor(Duration left, Instant now) {
            if (recheckAt == null) {
                return left;
            }
            Duration until = Duration.between(now, recheckAt);
            Duration floor = Duration.ofMillis(1);
            return until.compareTo(left) >= 0 ? left : until.compareTo(floor) < 0 ? floor : until;
        }
    }

    /** Whether the endpoint routes by model affinity. */
    public boolean routes(String endpoint) {
        return affinity(routing.apply(endpoint));
    }

    private static boolean affinity(Routing r) {
        return r != null && r.mode() == Routing.Mode.AFFINITY;
    }

    /**
     * Claims up to {@code max} queued jobs of the endpoint for the worker (see {@link AffinityChoice} for which);
     * empty when none is queued or all are kept for other workers, {@link Claim#recheckAt} then says until when.
     */
    public Claim claim(String endpoint, String workerId, int max, Instant now, Instant leaseUntil) {
        Routing r = routing.apply(endpoint);
        Map<String, Set<String>> held = affinity(r) ? registry.heldModels(endpoint) : Map.of();
        if (held.isEmpty()) {
            // nobody reports models: FIFO chooses the same, in one statement
            return new Claim(store.claim(endpoint, workerId, max, now, leaseUntil), null);
        }
        List<Job> head = store.queuedHead(endpoint, HEAD, now);
        if (head.isEmpty()) {
            return new Claim(List.of(), null);
        }
        List<AffinityChoice.Queued> queued = new ArrayList<>(head.size());
        for (Job job : head) {
            queued.add(new AffinityChoice.Queued(job.id(), job.createdAt(), modelsOf(job.id(), job.inputJson())));
        }
        AffinityChoice.Choice choice = AffinityChoice.choose(workerId, max, queued, held, now,
                r.affinityWait(), PASS_OVER_LIMIT);
        if (choice.jobIds().isEmpty()) {
            return new Claim(List.of(), choice.recheckAt());
        }
        List<Job> claimed = store.claimJobs(endpoint, workerId, choice.jobIds(), now, leaseUntil);
        claimed.forEach(j -> modelsByJob.remove(j.id()));
        // another worker took a chosen job meanwhile: look again at once rather than park
        return new Claim(claimed, claimed.isEmpty() ? now : choice.recheckAt());
    }

    /**
     * For a job about to be queued: which parked job-takes it should wake first (those whose workers hold all its
     * models; any, when it loads none), or null when routing has no say and the usual hand-over to the
     * longest-waiting job-take is right (the endpoint routes FIFO, or none of its workers reports models).
     */
    public Predicate<String> affineTakers(String endpoint, String jobId, String inputJson) {
        if (!routes(endpoint)) {
            return null;
        }
        Map<String, Set<String>> held = registry.heldModels(endpoint);
        if (held.isEmpty()) {
            return null;
        }
        Set<String> models = modelsOf(jobId, inputJson);
        return models.isEmpty() ? w -> true : w -> held.getOrDefault(w, Set.of()).containsAll(models);
    }

    /** The models the job's workflow loads ({@code input.workflow}); empty when it has none or cannot be read. */
    Set<String> modelsOf(String jobId, String inputJson) {
        Set<String> known = modelsByJob.get(jobId);
        if (known != null) {
            return known;
        }
        Set<String> models;
        try {
            JsonNode input = JSON.readTree(inputJson);
            models = LoaderInputs.of(input.path("workflow"));
        } catch (RuntimeException e) {
            log.debug("job {}: its input could not be read for routing; it loads no known model", jobId, e);
            models = Set.of();
        }
        modelsByJob.put(jobId, models);
        return models;
    }
}
