package io.comfyfleet.fleet.provider;

import io.comfyfleet.core.HumanDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers a provider runs, by id: the part of {@link WorkerProvider} every provider shares (one id at a time,
 * {@link WorkerProvider#list()}, {@link WorkerProvider#markReady}, and a bounded wait for every stop on close).
 * Thread-safe.
 *
 * @param <W> what the provider keeps of one worker (its {@link Tracked} life and what runs it)
 */
public final class WorkerTable<W> {
    private static final Logger log = LoggerFactory.getLogger(WorkerTable.class);
    private final String provider;
    private final Function<W, ? extends Tracked> life;
    private final Map<String, W> workers = new ConcurrentHashMap<>();

    /**
     * @param provider the provider's name, for logs
     * @param life     a worker's life, as tracked
     */
    public WorkerTable(String provider, Function<W, ? extends Tracked> life) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.life = Objects.requireNonNull(life, "life");
    }

    /** @throws IllegalArgumentException when a worker of this id is still listed */
    public void requireNew(WorkerSpec spec) {
        if (workers.containsKey(spec.workerId())) {
            throw new IllegalArgumentException("a worker with id '" + spec.workerId() + "' is still running here");
        }
    }

    public void add(W worker) {
        workers.put(life.apply(worker).handle().workerId(), worker);
    }

    /** The worker of this id, made by {@code make} (and added) when none is listed yet. */
    public W addIfAbsent(String workerId, Function<String, W> make) {
        return workers.computeIfAbsent(workerId, make);
    }

    /** Forgets every worker (the provider is closed). */
    public void clear() {
        workers.clear();
    }

    public Optional<W> get(String workerId) {
        return Optional.ofNullable(workers.get(workerId));
    }

    /** Forgets the worker, unless another of the same id has taken its place. */
    public void remove(W worker) {
        workers.remove(life.apply(worker).handle().workerId(), worker);
    }

    public Collection<W> all() {
        return List.copyOf(workers.values());
    }

    public int size() {
        return workers.size();
    }

    /** {@link WorkerProvider#find(String)}: the one worker's view, without looking at the others. */
    public Optional<FleetWorker> view(String workerId) {
        return get(workerId).map(w -> life.apply(w).view());
    }

    /** {@link WorkerProvider#list()}. */
    public List<FleetWorker> list() {
        List<FleetWorker> all = new ArrayList<>();
        workers.values().forEach(w -> all.add(life.apply(w).view()));
        return all;
    }

    /**
     * {@link WorkerProvider#markReady}: logs the cold start once.
     *
     * @param where how people find the worker ({@code "pod comfyfleet-w1"}), or null
     */
    public boolean markReady(String workerId, Instant at, Function<W, String> where) {
        W worker = workers.get(workerId);
        if (worker == null || !life.apply(worker).markReady(at)) {
            return false;
        }
        Tracked t = life.apply(worker);
        String place = where == null ? null : where.apply(worker);
        log.info("worker {} of endpoint {}{} is ready: cold start {}", workerId, t.handle().endpoint(),
                place == null ? "" : " (" + place + ")", seconds(Duration.between(t.startedAt(), at)));
        return true;
    }

    /**
     * {@link WorkerProvider#close()}: stops every worker with {@code grace} and waits until all are gone, at most
     * the grace plus {@code margin}.
     */
    public void stopAll(Function<W, CompletableFuture<Void>> stop, Duration grace, Duration margin) {
        List<CompletableFuture<Void>> stopping = workers.values().stream().map(stop).toList();
        try {
            CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new))
                    .get(grace.plus(margin).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.error("{} {} workers still not gone {} after their grace", workers.size(), provider, seconds(margin), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 800 ms, 31.4 s, 1 min 35 s ({@link HumanDuration}): a log line is read by a person, not parsed as ISO-8601. */
    public static String seconds(Duration d) {
        return HumanDuration.of(d);
    }
}
