package io.comfyfleet.worker;

import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.TakenJob;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** The job in progress, as its handler sees it: progress and stream posts, and the stop signal. */
final class RunningJob implements JobContext {
    private static final Logger log = LoggerFactory.getLogger(RunningJob.class);

    final TakenJob job;
    private final GatewayClient gateway;
    private final List<Runnable> stopActions = new ArrayList<>();
    private StopReason stopReason;
    volatile boolean handedBack;
    final long takenNanos = System.nanoTime();
    volatile long promptSubmittedNanos;
    volatile long comfyDoneNanos;

    RunningJob(TakenJob job, GatewayClient gateway) {
        this.job = job;
        this.gateway = gateway;
    }

    @Override
    public void progress(JsonNode progress) {
        try {
            gateway.postProgress(job.id(), progress);
        } catch (RuntimeException e) {
            // progress is advisory: a lost update must never fail the job
            log.debug("Progress post for job {} failed: {}", job.id(), e.getMessage());
        }
    }

    @Override
    public void stream(JsonNode chunk) {
        try {
            gateway.postStream(job.id(), chunk);
        } catch (RuntimeException e) {
            log.warn("Stream post for job {} failed: {}", job.id(), e.getMessage());
        }
    }

    @Override
    public void streamProgress(JsonNode progress) {
        try {
            gateway.postStream(job.id(), progress);
        } catch (RuntimeException e) {
            log.debug("Progress chunk for job {} failed: {}", job.id(), e.getMessage());
        }
    }

    @Override
    public void markPromptSubmitted() {
        promptSubmittedNanos = System.nanoTime();
    }

    @Override
    public void markComfyDone() {
        comfyDoneNanos = System.nanoTime();
    }

    @Override
    public synchronized StopReason stopRequested() {
        return stopReason;
    }

    @Override
    public void onStop(Runnable action) {
        boolean runNow;
        synchronized (this) {
            runNow = stopReason != null;
            if (!runNow) {
                stopActions.add(action);
            }
        }
        if (runNow) {
            action.run();
        }
    }

    void requestStop(StopReason reason) {
        List<Runnable> actions;
        synchronized (this) {
            if (stopReason != null) {
                return;
            }
            stopReason = reason;
            actions = List.copyOf(stopActions);
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                log.warn("Stop action for job {} failed", job.id(), e);
            }
        }
    }
}
