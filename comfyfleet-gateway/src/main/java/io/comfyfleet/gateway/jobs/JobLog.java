package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per job event an operator cares about: a job that failed (with the first line of its error), was
 * cancelled, or went back to the queue. Completed jobs are logged at debug only: on a busy gateway they would drown
 * the rest.
 */
public final class JobLog implements JobListener {
    private static final Logger log = LoggerFactory.getLogger(JobLog.class);
    /** An error longer than this is cut on the log line; {@code status} and the dashboard show it in full. */
    static final int MAX_ERROR = 300;

    @Override
    public void changed(Job job) {
        switch (job.state()) {
            case FAILED -> log.info("job {} of {} failed{}{}: {}", job.id(), job.endpoint(), onWorker(job), took(job),
                    firstLine(job.error()));
            case CANCELLED -> log.info("job {} of {} cancelled{}", job.id(), job.endpoint(), onWorker(job));
            case IN_QUEUE -> log.info("job {} of {} is back in the queue (retry {} of {}){}", job.id(), job.endpoint(),
                    job.retries(), job.maxRetries(), job.error() == null ? "" : ": " + firstLine(job.error()));
            case COMPLETED -> log.debug("job {} of {} completed{}{}", job.id(), job.endpoint(), onWorker(job), took(job));
            case IN_PROGRESS, TIMED_OUT -> { } // taken is not news; timeouts are logged where they are decided
        }
    }

    @Override
    public void handedBack(Job job, String workerId) {
        log.info("job {} of {} is back in the queue: worker {} was stopped before it finished it; it runs again"
                + " (not counted as a retry)", job.id(), job.endpoint(), workerId);
    }

    private static String onWorker(Job job) {
        return job.workerId() == null ? "" : " on worker " + job.workerId();
    }

    private static String took(Job job) {
        if (job.startedAt() == null || job.finishedAt() == null || job.state() == JobState.IN_QUEUE) {
            return "";
        }
        return " after " + seconds(Duration.between(job.startedAt(), job.finishedAt()));
    }

    /** 300 ms, 12.0 s, 1 min 35 s: as a person reads a duration ({@link HumanDuration}). */
    static String seconds(Duration d) {
        return HumanDuration.of(d);
    }

    static String firstLine(String error) {
        if (error == null || error.isBlank()) {
            return "(no error text)";
        }
        String line = error.strip().lines().findFirst().orElse("");
        return line.length() > MAX_ERROR ? line.substring(0, MAX_ERROR) + "... (comfyfleet status ID shows all)" : line;
    }
}
