package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.scale.WorkerState;
import io.comfyfleet.fleet.scale.WorkerView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Joins what the provider knows (is the process up?) with what the gateway heard (is it taking jobs?) into the
 * RunPod state the policy works with.
 */
final class WorkerViews {
    private WorkerViews() {}

    static List<WorkerView> of(List<FleetWorker> workers, Map<String, WorkerActivity> heard,
            AutoscalerSettings settings, Instant now) {
        return workers.stream().map(w -> view(w, heard.get(w.workerId()), settings, now)).toList();
    }

    static WorkerView view(FleetWorker w, WorkerActivity heard, AutoscalerSettings settings, Instant now) {
        WorkerState state;
        Instant idleSince = null;
        if (w.phase() == FleetWorker.Phase.STOPPING) {
            state = WorkerState.STOPPING;
        } else if (w.phase() == FleetWorker.Phase.EXITED) {
            state = WorkerState.UNHEALTHY;
        } else if (heard == null) {
            boolean tooLong = Duration.between(w.startedAt(), now).compareTo(settings.initTimeout()) > 0;
            state = tooLong ? WorkerState.UNHEALTHY : WorkerState.INITIALIZING;
        } else if (heard.unhealthy() || heard.stopRequested()
                || Duration.between(heard.lastSeen(), now).compareTo(settings.silenceLimit()) > 0) {
            // a worker that asked to be replaced is stopped and, when still needed, replaced: as if unhealthy
            state = WorkerState.UNHEALTHY;
        } else if (heard.jobsInProgress() > 0) {
            state = WorkerState.RUNNING;
        } else {
            state = WorkerState.IDLE;
            idleSince = heard.idleSince();
        }
        return new WorkerView(w.workerId(), state, w.startedAt(), idleSince);
    }
}
