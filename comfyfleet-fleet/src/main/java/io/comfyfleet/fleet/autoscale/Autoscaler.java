package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.NoCapacityException;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.fleet.scale.Demand;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import io.comfyfleet.fleet.scale.ScalingDecision;
import io.comfyfleet.fleet.scale.ScalingPolicy;
import io.comfyfleet.fleet.scale.WorkerState;
import io.comfyfleet.fleet.scale.WorkerView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps every endpoint between its min and max workers: each period it reads the endpoint's queue
 * ({@link QueueView}) and what the gateway heard from its workers ({@link WorkerStates}), asks the
 * {@link ScalingPolicy}, and has the {@link WorkerProvider} start and stop workers accordingly.
 *
 * <p>Every failure (reading the queue, starting a worker, ...) is logged and counted in {@link #failures()}; the
 * endpoint is tried again next pass and the other endpoints go on. Only {@link #close()} ends the loop. Passes
 * never overlap. Time comes from the injected clock; tests call {@link #runOnce()} with a clock they move.
 *
 * <p>Workers of an endpoint that is no longer configured are stopped. An endpoint whose workers keep failing before
 * they become ready gets no new worker for a while (1 s, doubling up to 5 min) until one becomes ready.
 */
public final class Autoscaler implements AutoCloseable {
    /** How far back the measured scalers look at arrivals: a reader of past jobs need not go further. */
    public static final Duration DEMAND_HORIZON = DemandTracker.HORIZON;

    private static final Logger log = LoggerFactory.getLogger(Autoscaler.class);

    private final WorkerProvider provider;
    private final QueueView queue;
    private final WorkerStates states;
    private final AutoscalerSettings settings;
    private final Clock clock;
    private final ScalingPolicy policy = new ScalingPolicy();
    private final Map<String, EndpointScaling> endpoints = new ConcurrentHashMap<>();
    private final Map<String, List<WorkerView>> lastViews = new ConcurrentHashMap<>();
    private final ColdStarts coldStarts = new ColdStarts();
    private final DemandTracker demand = new DemandTracker();
    private final CrashBackoff backoff = new CrashBackoff();
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** Endpoints told they want more workers than fit: said once (until a start fits again), not every pass. */
    private final java.util.Set<String> toldFull = ConcurrentHashMap.newKeySet();
    /**
     * Endpoints whose last start was refused for want of room: while the provider stays full, the same starts asked
     * for at every pass are not shown again as decisions (nothing starts); a start that fits, or a pass that asks
     * for none, ends it.
     */
    private final java.util.Set<String> refusedLastPass = ConcurrentHashMap.newKeySet();
    /**
     * Endpoints whose last pass left them with no live worker and started none: a job queued there waits for a
     * pass, so {@link #jobQueued} asks for one at once.
     */
    private final java.util.Set<String> cold = ConcurrentHashMap.newKeySet();
    /**
     * Endpoints that had a job queued since their pass last read their queue. A job queued after that read but
     * before the pass marked the endpoint {@link #cold} found it not cold and asked for nothing; the pass sees it
     * here and asks for another pass, so such a job never waits a whole period.
     */
    private final java.util.Set<String> queuedSinceRead = ConcurrentHashMap.newKeySet();
    /** A nudged pass is queued and has not begun: further nudges join it (a burst of jobs costs one pass). */
    private final java.util.concurrent.atomic.AtomicBoolean nudgePending = new java.util.concurrent.atomic.AtomicBoolean();
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> loop;
    /** Consulted before each pass and right before each start or stop: false on a gateway that stands by. */
    private volatile BooleanSupplier mayAct = () -> true;
    /** Where each pass reads the endpoints' settings (the job store); null: only {@link #configure}. */
    private volatile Supplier<? extends Collection<EndpointScaling>> settingsSource;
    /** Tells this autoscaler of the jobs taken and ended since its last pass; null: only the callers of jobTaken. */
    private volatile Runnable demandReader;
    /** Turns each endpoint's scaling into a roll-out when its version changes; null: scaling only. */
    private volatile Versioning versioning;

    /**
     * @param endpoints the endpoints to scale at first; change them later with {@link #configure} and
     *                  {@link #remove}
     * @throws IllegalArgumentException when two settings name the same endpoint
     */
    public Autoscaler(WorkerProvider provider, QueueView queue, WorkerStates states,
            Collection<EndpointScaling> endpoints, AutoscalerSettings settings, Clock clock) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.states = Objects.requireNonNull(states, "states");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (EndpointScaling e : endpoints) {
            if (this.endpoints.putIfAbsent(e.endpoint(), e) != null) {
                throw new IllegalArgumentException("endpoint '" + e.endpoint() + "' is configured twice");
            }
        }
    }

    /**
     * Acts only while {@code gate} says so: a pass starts only when it is true, and it is asked again right before
     * each worker is started or stopped. With several gateways on one database the gate is the control-loop lease's
     * fenced check, so a gateway that stands by, or a paused leader that another has replaced, changes nothing.
     * Call before {@link #start}.
     *
     * @return this autoscaler
     */
    public Autoscaler gatedBy(BooleanSupplier gate) {
        this.mayAct = Objects.requireNonNull(gate, "gate");
        return this;
    }

    /** Adds an endpoint or replaces its settings; the next pass uses them. */
    public void configure(EndpointScaling scaling) {
        endpoints.put(scaling.endpoint(), Objects.requireNonNull(scaling, "scaling"));
    }

    /** Stops scaling the endpoint; the next pass stops its workers. */
    public void remove(String endpoint) {
        endpoints.remove(endpoint);
    }

    /**
     * Reads every endpoint's settings from {@code source} at the start of each pass (so a change through the admin
     * API takes effect within a pass); the list replaces the configured endpoints. When it throws, the pass goes on
     * with the settings of the last pass.
     */
    public void readSettingsFrom(Supplier<? extends Collection<EndpointScaling>> source) {
        this.settingsSource = Objects.requireNonNull(source, "source");
    }

    /**
     * Runs {@code reader} at the start of every pass, whether or not this autoscaler may act: it calls
     * {@link #jobTaken} and {@link #jobExecuted} for the jobs taken and ended since it last ran, wherever they were
     * taken, so a gateway that takes the control loop over knows the demand already. When it throws, the pass goes
     * on with what was learned before.
     */
    public void readDemandWith(Runnable reader) {
        this.demandReader = Objects.requireNonNull(reader, "reader");
    }

    /** Lets {@code versioning} decide each endpoint's starts and stops, and the image new workers run. */
    public void rollOutWith(Versioning versioning) {
        this.versioning = Objects.requireNonNull(versioning, "versioning");
    }

    /**
     * Runs a pass every {@link AutoscalerSettings#period()} on the given scheduler, the first at once. The caller
     * owns the scheduler; {@link #close()} only cancels this loop.
     *
     * @throws IllegalStateException when already started
     */
    public synchronized void start(ScheduledExecutorService scheduler) {
        if (loop != null) {
            throw new IllegalStateException("the autoscaler is already started");
        }
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        long period = settings.period().toNanos();
        loop = scheduler.scheduleWithFixedDelay(this::runGuarded, 0, period, TimeUnit.NANOSECONDS);
    }

    /**
     * Asks for a pass now instead of at the end of the period, for example when a job arrives at an endpoint with
     * no worker. Does nothing before {@link #start} or after {@link #close()}.
     */
    public synchronized void nudge() {
        if (loop != null && !loop.isCancelled() && nudgePending.compareAndSet(false, true)) {
            try {
                scheduler.execute(() -> {
                    nudgePending.set(false);
                    runGuarded();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                nudgePending.set(false); // the scheduler is shutting down: nothing left to scale
            }
        }
    }

    /**
     * The gateway queued a job of {@code endpoint}: when the last pass left that endpoint without a live worker
     * (and it may have one), a pass runs now instead of at the end of the period, so the first worker starts the
     * moment its first job arrives. Cheap and never blocks: it runs on the thread that queued the job. Endpoints
     * with live workers wait for the next pass, whose rules (queue delay, request count) decide.
     */
    public void jobQueued(String endpoint) {
        // noted before cold is read, while the pass adds to cold before reading this: one of the two sees the other
        queuedSinceRead.add(endpoint);
        if (cold.contains(endpoint)) {
            nudge();
        }
    }

    /** A task that throws is never run again by the executor, so nothing short of the JVM dying escapes. */
    private void runGuarded() {
        try {
            runOnce();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            long n = failures.incrementAndGet();
            log.error("autoscaler pass failed ({} failures so far); trying again in {}", n,
                    HumanDuration.of(settings.period()), e);
        }
    }

    /**
     * One pass over every endpoint now. Never throws for a failure of the queue, the worker states or the provider:
     * those are logged and counted.
     *
     * @return the decision taken for each endpoint that could be decided this pass
     */
    public synchronized Map<String, ScalingDecision> runOnce() {
        Instant now = clock.instant();
        Map<String, ScalingDecision> decisions = new LinkedHashMap<>();
        readDemand();
        if (!mayAct.getAsBoolean()) {
            lastViews.clear();
            return decisions;
        }
        refreshSettings();
        List<FleetWorker> fleet;
        try {
            fleet = provider.list();
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            log.error("autoscaler could not list the workers of provider '{}' ({} failures so far); trying again in {}",
                    provider.name(), n, HumanDuration.of(settings.period()), e);
            passes.incrementAndGet();
            return decisions;
        }
        for (EndpointScaling scaling : endpoints.values().stream()
                .sorted((a, b) -> a.endpoint().compareTo(b.endpoint())).toList()) {
            String endpoint = scaling.endpoint();
            MDC.put("endpoint", endpoint);
            try {
                List<FleetWorker> mine = fleet.stream().filter(w -> w.endpoint().equals(endpoint)).toList();
                decisions.put(endpoint, scale(scaling, mine, now));
            } catch (RuntimeException e) {
                long n = failures.incrementAndGet();
                log.error("autoscaler could not scale endpoint {} ({} failures so far); trying again in {}",
                        endpoint, n, HumanDuration.of(settings.period()), e);
            } finally {
                MDC.remove("endpoint");
            }
        }
        stopOrphans(fleet);
        lastViews.keySet().retainAll(endpoints.keySet());
        cold.retainAll(endpoints.keySet());
        queuedSinceRead.retainAll(endpoints.keySet());
        refusedLastPass.retainAll(endpoints.keySet());
        passes.incrementAndGet();
        return decisions;
    }

    private void readDemand() {
        Runnable reader = demandReader;
        if (reader == null) {
            return;
        }
        try {
            reader.run();
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            log.error("autoscaler could not read the jobs taken and ended since its last pass ({} failures so far);"
                    + " deciding with the demand it knew", n, e);
        }
    }

    private void refreshSettings() {
        Supplier<? extends Collection<EndpointScaling>> source = settingsSource;
        if (source == null) {
            return;
        }
        try {
            Map<String, EndpointScaling> read = new LinkedHashMap<>();
            source.get().forEach(e -> read.put(e.endpoint(), e));
            endpoints.keySet().retainAll(read.keySet());
            endpoints.putAll(read);
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            log.error("autoscaler could not read the endpoints' settings ({} failures so far); using those of the"
                    + " last pass", n, e);
        }
    }

    private ScalingDecision scale(EndpointScaling scaling, List<FleetWorker> mine, Instant now) {
        String endpoint = scaling.endpoint();
        queuedSinceRead.remove(endpoint);
        QueueSnapshot snapshot = queue.snapshot(endpoint, now)
                .withDemand(demand.demand(endpoint));
        List<WorkerView> views = WorkerViews.of(mine, states.activity(endpoint), settings, now);
        lastViews.put(endpoint, views);
        Versioning v = versioning;
        Versioning.Plan plan = v == null ? new Versioning.Plan(policy.decide(snapshot, views, scaling, now), null)
                : v.plan(scaling, snapshot, mine, views, now);
        ScalingDecision decision = holdBackAfterFailures(endpoint, mine, views, plan.decision(), now);
        boolean noLiveWorker = views.stream().noneMatch(w -> w.state().isLive());
        if (noLiveWorker && decision.start() == 0 && scaling.maxWorkers() > 0
                && backoff.heldUntil(endpoint, now).isEmpty()) {
            cold.add(endpoint);
            if (queuedSinceRead.contains(endpoint)) {
                nudge(); // a job came after the queue was read: decide again with it
            }
        } else {
            cold.remove(endpoint);
        }
        if (decision.start() == 0) {
            refusedLastPass.remove(endpoint);
        }
        if (decision.isEmpty()) {
            return decision;
        }
        if (decision.stop().isEmpty() && refusedLastPass.contains(endpoint)) {
            // the provider is still full: the warning said so once, and "start N" every pass would be untrue
            log.debug("endpoint {}: start {} (no room yet): {}", endpoint, decision.start(),
                    String.join("; ", decision.reasons()));
        } else {
            log.info("endpoint {}: start {}, stop {}: {}", endpoint, decision.start(), decision.stop(),
                    String.join("; ", decision.reasons()));
        }
        Map<String, WorkerHandle> handles = new LinkedHashMap<>();
        mine.forEach(w -> handles.put(w.workerId(), w.handle()));
        for (String id : decision.stop()) {
            stop(handles.get(id));
        }
        for (int i = 0; i < decision.start(); i++) {
            if (!startOne(endpoint, plan.image(), now)) {
                break;
            }
        }
        return decision;
    }

    /**
     * Unhealthy workers that never became ready count as failures of the endpoint; while it is held back, the
     * decision's starts are dropped (its stops stand).
     */
    private ScalingDecision holdBackAfterFailures(String endpoint, List<FleetWorker> mine, List<WorkerView> views,
            ScalingDecision decision, Instant now) {
        Map<String, FleetWorker> byId = new LinkedHashMap<>();
        mine.forEach(w -> byId.put(w.workerId(), w));
        int failedEarly = (int) views.stream()
                .filter(v -> v.state() == WorkerState.UNHEALTHY && byId.get(v.id()).readyAt() == null)
                .count();
        if (failedEarly > 0) {
            Instant until = backoff.failed(endpoint, failedEarly, now);
            // a wait, not an ISO instant with nanoseconds: the terminal line already carries the time of day
            log.warn("endpoint {}: {} worker(s) failed before becoming ready ({} in a row); no new worker for {}",
                    endpoint, failedEarly, backoff.failures(endpoint), HumanDuration.of(Duration.between(now, until)));
        }
        Optional<Instant> held = backoff.heldUntil(endpoint, now);
        if (decision.start() == 0 || held.isEmpty()) {
            return decision;
        }
        List<String> reasons = new ArrayList<>(decision.reasons());
        reasons.add("holding back " + decision.start() + " start(s) for "
                + HumanDuration.of(Duration.between(now, held.get())) + " after "
                + backoff.failures(endpoint) + " worker failure(s) in a row");
        return new ScalingDecision(0, decision.stop(), reasons);
    }

    private boolean startOne(String endpoint, String image, Instant now) {
        String id = WorkerIds.next(endpoint);
        if (!mayAct.getAsBoolean()) {
            log.warn("endpoint {}: not starting a worker: this gateway no longer runs the control loop", endpoint);
            return false;
        }
        try {
            provider.start(new WorkerSpec(endpoint, id, image));
            toldFull.remove(endpoint);
            refusedLastPass.remove(endpoint);
            return true;
        } catch (NoCapacityException e) {
            failures.incrementAndGet();
            refusedLastPass.add(endpoint);
            if (toldFull.add(endpoint)) {
                log.warn("endpoint {} wants more workers than provider '{}' can run: {} (said once; jobs wait for a"
                        + " free worker)", endpoint, provider.name(), e.getMessage());
            } else {
                log.debug("endpoint {} still wants more workers than provider '{}' can run", endpoint, provider.name());
            }
            return false;
        } catch (ProviderException e) {
            // a refusal the provider explained (an image that cannot be pulled, an engine that said no): its message
            // names what and why, and a stack trace at every pass's attempt only buries it; the trace is at DEBUG
            long n = failures.incrementAndGet();
            Duration wait = holdBackAfterRefusal(endpoint, now);
            log.error("could not start worker {} of endpoint {} ({} failures so far; next try in {}): {}", id,
                    endpoint, n, HumanDuration.of(wait), e.getMessage());
            log.debug("the refused start of worker {}", id, e);
            startFailed(endpoint, image, id, e, now);
            return false;
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            Duration wait = holdBackAfterRefusal(endpoint, now);
            log.error("could not start worker {} of endpoint {} ({} failures so far; next try in {})", id, endpoint, n,
                    HumanDuration.of(wait), e);
            startFailed(endpoint, image, id, e, now);
            return false;
        }
    }

    /**
     * A start the provider refused (an image it cannot pull, an engine that says no) is held back as a worker that
     * failed before becoming ready is: retried at every pass, it would be refused again each second, and log so.
     */
    private Duration holdBackAfterRefusal(String endpoint, Instant now) {
        return Duration.between(now, backoff.failed(endpoint, 1, now));
    }

    private void startFailed(String endpoint, String image, String id, RuntimeException e, Instant now) {
        Versioning v = versioning;
        if (v != null) {
            v.startFailed(endpoint, image, id, e, now);
        }
    }

    private void stop(WorkerHandle handle) {
        if (!mayAct.getAsBoolean()) {
            log.warn("not stopping worker {}: this gateway no longer runs the control loop", handle.workerId());
            return;
        }
        try {
            provider.stop(handle, settings.stopGrace()).whenComplete((v, e) -> {
                if (e != null) {
                    failures.incrementAndGet();
                    log.error("stopping worker {} failed", handle.workerId(), e);
                }
            });
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            log.error("could not stop worker {} ({} failures so far)", handle.workerId(), n, e);
        }
    }

    private void stopOrphans(List<FleetWorker> fleet) {
        for (FleetWorker w : fleet) {
            if (!endpoints.containsKey(w.endpoint()) && w.phase() != FleetWorker.Phase.STOPPING) {
                log.info("worker {} serves endpoint {}, which is no longer configured: stopping it", w.workerId(),
                        w.endpoint());
                stop(w.handle());
            }
        }
    }

    /**
     * The gateway calls this when a worker first asks for a job (its first job-take): that ends its cold start.
     * Calling it on every job-take is fine; only the first call per worker counts. Unknown ids (workers this
     * autoscaler did not start) are ignored. Never throws: a failure of the provider is logged and counted.
     *
     * @return the worker's cold start, when this call ended it
     */
    public Optional<Duration> workerReady(String workerId, Instant at) {
        try {
            if (!provider.markReady(workerId, at)) {
                return Optional.empty();
            }
            // find, not list: this runs on the worker's job-take, and the local provider's list walks the process
            // table of every worker
            Optional<FleetWorker> worker = provider.find(workerId);
            worker.ifPresent(w -> backoff.recovered(w.endpoint()));
            // gone already (stopped in between): its cold start is logged by the provider, not counted here
            worker.flatMap(FleetWorker::coldStart).ifPresent(d -> {
                coldStarts.record(worker.get().endpoint(), d);
                demand.coldStarted(worker.get().endpoint(), d);
            });
            return worker.flatMap(FleetWorker::coldStart);
        } catch (RuntimeException e) {
            // the gateway calls this while answering a job-take: a provider hiccup must not fail the worker's call
            long n = failures.incrementAndGet();
            log.error("could not record that worker {} is ready ({} failures so far)", workerId, n, e);
            return Optional.empty();
        }
    }

    /**
     * The gateway calls this when a worker takes a job: the job's arrival ({@code createdAt}) feeds the arrival
     * forecast of the cold-start-aware scaler. Late and out-of-order calls are fine. Never throws.
     */
    public void jobTaken(String endpoint, Instant createdAt) {
        if (endpoint != null && createdAt != null) {
            demand.arrived(endpoint, createdAt);
        }
    }

    /** The gateway calls this when a job ends after running: its execution time feeds the cold-start-aware scaler. */
    public void jobExecuted(String endpoint, Duration executionTime) {
        if (endpoint != null && executionTime != null && !executionTime.isNegative()) {
            demand.executed(endpoint, executionTime);
        }
    }

    /** The endpoint's workers in RunPod's states as of the last pass (for {@code /health} and the dashboard). */
    public List<WorkerView> workers(String endpoint) {
        return lastViews.getOrDefault(endpoint, List.of());
    }

    /** How many of the endpoint's workers were in each state at the last pass; every state present, maybe 0. */
    public Map<WorkerState, Integer> countByState(String endpoint) {
        Map<WorkerState, Integer> counts = new EnumMap<>(WorkerState.class);
        for (WorkerState s : WorkerState.values()) {
            counts.put(s, 0);
        }
        workers(endpoint).forEach(w -> counts.merge(w.state(), 1, Integer::sum));
        return counts;
    }

    /**
     * What the cold-start-aware scaler works from for the endpoint: the arrivals, execution time and cold start
     * measured so far (fed by {@link #jobTaken}, {@link #jobExecuted} and {@link #workerReady}).
     */
    public Demand demand(String endpoint) {
        return demand.demand(endpoint);
    }

    /** The endpoint's most recent cold starts (up to 100), oldest first. */
    public List<Duration> recentColdStarts(String endpoint) {
        return coldStarts.recent(endpoint);
    }

    /** Passes run so far. */
    public long passes() {
        return passes.get();
    }

    /** Failures so far: a pass or an endpoint that could not be scaled, a worker that could not start or stop. */
    public long failures() {
        return failures.get();
    }

    /** Cancels the loop (a pass under way finishes). Workers keep running: close the provider to stop them. */
    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.cancel(false);
        }
    }
}
