package io.comfyfleet.fleet.sim;

import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.autoscale.AutoscalerSettings;
import io.comfyfleet.fleet.scale.EndpointScaling;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Replays a trace through the production {@link Autoscaler} (and so the production {@code ScalingPolicy}, crash
 * back-off and roll-out-free decision path) on a simulated clock. The autoscaler runs a pass every
 * {@link SimSettings#period()}, reading the simulated queue and workers through the same {@code QueueView} and
 * {@code WorkerStates} the gateway implements, and starting and stopping workers through a simulated
 * {@code WorkerProvider}. The gateway's part is modelled: a job that arrives goes to the ready idle worker that has
 * waited longest (the parked job-take it is handed to); a worker that becomes free takes the oldest queued job
 * (FIFO: model-affinity routing is not modelled); each job-take and job end is told to the autoscaler as the
 * gateway tells it ({@code workerReady}, {@code jobTaken}, {@code jobExecuted}).
 *
 * <p>The run ends when every job is done and no endpoint has more workers than its minimum, or 48 hours after the
 * last arrival. Workers still up then are billed until the end.
 */
public final class Simulator {
    /** The simulated day 0: a Monday, so traces with office hours line up with weekdays. */
    public static final Instant EPOCH = Instant.parse("2026-01-05T00:00:00Z");
    private static final Duration GIVE_UP_AFTER = Duration.ofHours(48);
    /** A worker not ready this long after its start is given up, as {@code up}'s autoscaler does. */
    static final Duration WORKER_INIT_TIMEOUT = Duration.ofMinutes(7);

    private enum Kind { READY, DONE, ARRIVAL, PASS }

    private record Event(Instant at, Kind kind, long seq, Object what) {}

    private final SimSettings settings;

    public Simulator(SimSettings settings) {
        this.settings = settings;
    }

    /** Runs the trace against the endpoints' scaling settings; every endpoint of the trace must be among them. */
    public SimResult run(List<TraceJob> trace, List<EndpointScaling> endpoints) {
        return new Run(trace, endpoints).go();
    }

    private final class Run {
        private final List<TraceJob> trace;
        private final List<EndpointScaling> endpoints;
        private final SimClock clock = new SimClock(EPOCH);
        private final PriorityQueue<Event> events = new PriorityQueue<>(
                Comparator.comparing(Event::at).thenComparing(Event::kind).thenComparingLong(Event::seq));
        private final SimFleet fleet;
        private final SimGateway gateway;
        private final Autoscaler autoscaler;
        private final List<SimJob> jobs = new ArrayList<>();
        private final List<SimResult.Sample> samples = new ArrayList<>();
        private final Map<String, Integer> minWorkers = new HashMap<>();
        private long seq;
        private int pending;

        Run(List<TraceJob> trace, List<EndpointScaling> endpoints) {
            this.trace = trace;
            this.endpoints = endpoints;
            ColdStartModel model = settings.coldStart() instanceof ColdStartModel.Sequence s ? s.restart()
                    : settings.coldStart();
            fleet = new SimFleet(clock, model, new SplittableRandom(settings.seed()),
                    w -> schedule(w.readyAt, Kind.READY, w));
            gateway = new SimGateway(fleet, clock);
            endpoints.forEach(e -> minWorkers.put(e.endpoint(), e.minWorkers()));
            for (TraceJob j : trace) {
                if (!minWorkers.containsKey(j.endpoint())) {
                    throw new IllegalArgumentException("the trace sends jobs to endpoint '" + j.endpoint()
                            + "', which has no scaling settings; configured: " + minWorkers.keySet());
                }
            }
            AutoscalerSettings as = new AutoscalerSettings(settings.period(), Duration.ofSeconds(30),
                    WORKER_INIT_TIMEOUT, Duration.ofSeconds(60));
            autoscaler = new Autoscaler(fleet, gateway, gateway, endpoints, as, clock);
        }

        SimResult go() {
            for (TraceJob j : trace) {
                schedule(at(j.at()), Kind.ARRIVAL, j);
            }
            pending = trace.size();
            schedule(EPOCH, Kind.PASS, null);
            Instant lastArrival = trace.isEmpty() ? EPOCH : at(trace.getLast().at());
            Instant end = EPOCH;
            while (!events.isEmpty()) {
                Event e = events.poll();
                clock.set(e.at());
                end = e.at();
                switch (e.kind()) {
                    case ARRIVAL -> arrive((TraceJob) e.what());
                    case READY -> ready((SimWorker) e.what());
                    case DONE -> done((SimJob) e.what());
                    case PASS -> {
                        autoscaler.runOnce();
                        sample();
                        if (finished() || e.at().isAfter(lastArrival.plus(GIVE_UP_AFTER))) {
                            events.clear();
                        } else {
                            schedule(e.at().plus(settings.period()), Kind.PASS, null);
                        }
                    }
                }
            }
            fleet.close();
            return SimResult.of(jobs, fleet.all(), samples, end);
        }

        private boolean finished() {
            if (pending > 0) {
                return false;
            }
            Map<String, Integer> live = new HashMap<>();
            fleet.live().forEach(w -> live.merge(w.endpoint, 1, Integer::sum));
            return live.entrySet().stream().allMatch(x -> x.getValue() <= minWorkers.get(x.getKey()));
        }

        private void arrive(TraceJob j) {
            SimJob job = new SimJob(j, clock.instant());
            jobs.add(job);
            gateway.queue(j.endpoint()).addLast(job);
            // handed to the parked job-take that has waited longest
            fleet.live().stream().filter(w -> w.endpoint.equals(j.endpoint()) && w.free())
                    .min(Comparator.comparing((SimWorker w) -> w.idleSince))
                    .ifPresent(this::take);
        }

        private void ready(SimWorker w) {
            if (w.gone()) {
                return;
            }
            w.ready = true;
            w.idleSince = clock.instant();
            autoscaler.workerReady(w.id, clock.instant());
            take(w);
        }

        private void done(SimJob job) {
            SimWorker w = fleet.worker(job.workerId);
            job.doneAt = clock.instant();
            pending--;
            gateway.runningChanged(job.trace.endpoint(), -1);
            autoscaler.jobExecuted(job.trace.endpoint(), Duration.between(job.takenAt, job.doneAt));
            if (w == null) {
                return;
            }
            w.job = null;
            w.idleSince = clock.instant();
            if (w.stopping) {
                fleet.end(w);
                return;
            }
            take(w);
        }

        /** The worker asks for a job: it takes the oldest queued one, if any. */
        private void take(SimWorker w) {
            if (!w.free()) {
                return;
            }
            Deque<SimJob> q = gateway.queue(w.endpoint);
            SimJob job = q.pollFirst();
            if (job == null) {
                return;
            }
            Instant now = clock.instant();
            job.takenAt = now;
            job.workerId = w.id;
            job.coldStarted = w.lastModel == null && !w.startedAt.isBefore(job.arrivedAt);
            double seconds = job.trace.executionSeconds();
            if (w.lastModel == null) {
                seconds += settings.firstJobExtra();
            } else if (!w.lastModel.equals(job.trace.model())) {
                seconds += settings.swapSeconds();
            }
            w.lastModel = job.trace.model();
            w.job = job;
            gateway.runningChanged(w.endpoint, 1);
            autoscaler.jobTaken(w.endpoint, job.arrivedAt);
            schedule(now.plusNanos(Math.round(seconds * 1e9)), Kind.DONE, job);
        }

        private void sample() {
            int queued = 0;
            int running = 0;
            for (EndpointScaling e : endpoints) {
                queued += gateway.queue(e.endpoint()).size();
                running += gateway.running(e.endpoint());
            }
            samples.add(new SimResult.Sample(seconds(clock.instant()), queued, running, fleet.live().size()));
        }

        private void schedule(Instant at, Kind kind, Object what) {
            events.add(new Event(at, kind, seq++, what));
        }
    }

    static Instant at(double seconds) {
        return EPOCH.plusNanos(Math.round(seconds * 1e9));
    }

    static double seconds(Instant t) {
        return Duration.between(EPOCH, t).toNanos() / 1e9;
    }
}
