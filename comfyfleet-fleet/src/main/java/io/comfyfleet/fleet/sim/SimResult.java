package io.comfyfleet.fleet.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a simulation did: every job's wait, every worker's life, and the queue and fleet at each autoscaler pass.
 * Times are seconds from the start of the trace.
 *
 * @param jobs    in arrival order
 * @param workers in start order
 * @param samples one per autoscaler pass
 * @param end     when the run ended
 */
public record SimResult(List<JobOutcome> jobs, List<WorkerLife> workers, List<Sample> samples, double end) {

    /**
     * @param arrived when the job arrived
     * @param waited  from its arrival until a worker took it (RunPod's delayTime)
     * @param done    when it ended
     * @param worker  the worker that ran it
     */
    public record JobOutcome(double arrived, double waited, double done, String worker) {}

    /**
     * @param started when the provider started it (billing starts)
     * @param ready   when it first asked for a job, or NaN when it never did
     * @param stopped when it was gone (billing ends)
     */
    public record WorkerLife(String id, double started, double ready, double stopped) {
        public double billed() {
            return stopped - started;
        }
    }

    /** The queue and the fleet as one autoscaler pass left them. */
    public record Sample(double at, int queued, int running, int workers) {}

    static SimResult of(List<SimJob> jobs, List<SimWorker> workers, List<Sample> samples, Instant end) {
        List<JobOutcome> j = new ArrayList<>(jobs.size());
        for (SimJob s : jobs) {
            if (s.takenAt == null || s.doneAt == null) {
                throw new IllegalStateException("job arriving at " + s.trace.at() + " s never ran: the simulation"
                        + " gave up 48 h after the last arrival (is maxWorkers 0?)");
            }
            j.add(new JobOutcome(s.trace.at(), Simulator.seconds(s.takenAt) - Simulator.seconds(s.arrivedAt),
                    Simulator.seconds(s.doneAt), s.workerId));
        }
        List<WorkerLife> w = new ArrayList<>(workers.size());
        for (SimWorker s : workers) {
            Instant stop = s.stoppedAt == null ? end : s.stoppedAt;
            w.add(new WorkerLife(s.id, Simulator.seconds(s.startedAt),
                    s.ready ? Simulator.seconds(s.readyAt) : Double.NaN, Simulator.seconds(stop)));
        }
        return new SimResult(List.copyOf(j), List.copyOf(w), List.copyOf(samples), Simulator.seconds(end));
    }

    /** The p-th percentile (0 to 100) of the waits, nearest rank; 0 for no jobs. */
    public double waitPercentile(double p) {
        if (jobs.isEmpty()) {
            return 0;
        }
        double[] w = jobs.stream().mapToDouble(JobOutcome::waited).sorted().toArray();
        int rank = (int) Math.ceil(p / 100 * w.length);
        return w[Math.clamp(rank - 1, 0, w.length - 1)];
    }

    /** GPU-seconds billed: the sum of every worker's start-to-stop time. */
    public double gpuSeconds() {
        return workers.stream().mapToDouble(WorkerLife::billed).sum();
    }

    /** GPU-seconds spent running jobs: the part of {@link #gpuSeconds()} no policy can save. */
    public double busySeconds() {
        return jobs.stream().mapToDouble(j -> j.done() - j.arrived() - j.waited()).sum();
    }

    /** Workers started: each one is a cold start. */
    public int coldStarts() {
        return workers.size();
    }

    /** One line: jobs, waits, GPU-seconds, cold starts. */
    public String summary() {
        return String.format(Locale.ROOT, "jobs %d, wait p50 %.1f s p95 %.1f s p99 %.1f s max %.1f s,"
                + " GPU-seconds %.0f (busy %.0f, %.0f%%), cold starts %d", jobs.size(), waitPercentile(50),
                waitPercentile(95), waitPercentile(99), Arrays.stream(jobs.stream().mapToDouble(JobOutcome::waited)
                        .toArray()).max().orElse(0), gpuSeconds(), busySeconds(),
                gpuSeconds() == 0 ? 0 : 100 * busySeconds() / gpuSeconds(), coldStarts());
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
