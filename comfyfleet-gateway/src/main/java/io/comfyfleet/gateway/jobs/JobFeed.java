package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobNotFoundException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.CRC32;

/**
 * A job's successive versions for live followers (the SSE events route): woken by {@link JobEvents} when the
 * job changes, never by polling. A version names what a follower has seen, so a reconnecting one
 * ({@code Last-Event-ID}) is not sent the same state twice.
 */
public final class JobFeed {
    private final JobService jobs;
    private final JobEvents events;

    public JobFeed(JobService jobs, JobEvents events) {
        this.jobs = jobs;
        this.events = events;
    }

    /** A job as read, with its {@link #version}, worked out once. */
    public record Versioned(Job job, String version) {
        public static Versioned of(Job job) {
            return new Versioned(job, JobFeed.version(job));
        }
    }

    /**
     * The job once its version differs from {@code seen} (at once when it already does, or {@code seen} is
     * null), or as it is when {@code wait} runs out or the gateway stops.
     *
     * @throws JobNotFoundException when the job does not exist (any more) or is of another endpoint
     */
    public Versioned next(String endpoint, String jobId, String seen, Duration wait) throws InterruptedException {
        return next(endpoint, jobId, seen, null, wait);
    }

    /**
     * As {@link #next(String, String, String, Duration)}, after {@code seen} as this follower read it: a wait also
     * ends at the job's TTL expiry (the store deletes an expired job without a signal), and a job whose TTL ran out
     * since {@code seen} is a {@link JobNotFoundException} that says so, as for the other waiting calls.
     *
     * @throws JobNotFoundException when the job does not exist (any more) or is of another endpoint
     */
    public Versioned next(String endpoint, String jobId, Versioned seen, Duration wait) throws InterruptedException {
        return next(endpoint, jobId, seen.version(), seen.job(), wait);
    }

    private Versioned next(String endpoint, String jobId, String seen, Job read, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        FollowedJobs followed = events.followed();
        followed.follow(jobId);
        try (var watch = events.watchJob(jobId)) {
            boolean timedOut = false;
            while (true) {
                // the state a change left for followers, when it is known; else (and after a quiet wait, when
                // something the gateway was not told of may have happened) the store, shared with the others
                Job job = timedOut ? null : followed.latest(jobId);
                if (job == null || !job.endpoint().equals(endpoint)) {
                    long seq = followed.seq(jobId);
                    job = jobs.stillThere(endpoint, jobId, read);
                    followed.offer(job, seq);
                }
                read = job;
                Versioned versioned = Versioned.of(job);
                long left = deadline - System.nanoTime();
                if (!versioned.version().equals(seen) || left <= 0 || events.isStopping()) {
                    return versioned;
                }
                // a wait that ends at the expiry reads the store, which then tells it the job is gone
                timedOut = !watch.await(jobs.park(job, left));
            }
        } finally {
            followed.unfollow(jobId);
        }
    }

    /** A follower's interest in a job for as long as it follows, across its {@link #next} calls. */
    public interface Following extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Starts following {@code jobId}: while any follower does, the state each change leaves is kept for them
     * between their {@link #next} calls. Close it when the stream ends.
     */
    public Following follow(String jobId) {
        events.followed().follow(jobId);
        return () -> events.followed().unfollow(jobId);
    }

    /** True once the gateway is stopping: followers should end their streams. */
    public boolean stopping() {
        return events.isStopping();
    }

    /**
     * What a follower can see of the job, as a short text: its state and a checksum of its output, error,
     * worker and retries. Times are left out: they change every millisecond without anything happening.
     */
    public static String version(Job job) {
        // the checksum of output NUL error NUL worker NUL retries, fed part by part rather than joined first
        CRC32 crc = new CRC32();
        crc.update(String.valueOf(job.outputJson()).getBytes(StandardCharsets.UTF_8));
        crc.update(0);
        crc.update(String.valueOf(job.error()).getBytes(StandardCharsets.UTF_8));
        crc.update(0);
        crc.update(String.valueOf(job.workerId()).getBytes(StandardCharsets.UTF_8));
        crc.update(0);
        crc.update(Integer.toString(job.retries()).getBytes(StandardCharsets.UTF_8));
        return job.state().name() + "." + Long.toHexString(crc.getValue());
    }
}
