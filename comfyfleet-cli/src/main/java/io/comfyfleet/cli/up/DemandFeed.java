package io.comfyfleet.cli.up;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.gateway.jobs.JobListener;
import java.time.Duration;

/**
 * Tells the autoscaler about the gateway's jobs: a job queued at an endpoint with no worker starts one now rather
 * than at the next pass, and every job taken (its arrival) and every job that ran to its end (its execution time)
 * feeds what the cold-start-aware scaler forecasts from. Jobs taken at another gateway on the same database are
 * not seen here.
 */
final class DemandFeed implements JobListener {
    private final Autoscaler autoscaler;

    DemandFeed(Autoscaler autoscaler) {
        this.autoscaler = autoscaler;
    }

    @Override
    public void queued(String endpoint) {
        autoscaler.jobQueued(endpoint);
    }

    @Override
    public void taken(Job job) {
        autoscaler.jobTaken(job.endpoint(), job.createdAt());
    }

    @Override
    public void changed(Job job) {
        // a cancelled job's run was cut short by its client: it says nothing of how long the endpoint's jobs take
        if (job.state().isTerminal() && job.state() != JobState.CANCELLED && job.startedAt() != null
                && job.finishedAt() != null) {
            autoscaler.jobExecuted(job.endpoint(), Duration.ofMillis(job.executionTimeMillis(job.finishedAt())));
        }
    }
}
