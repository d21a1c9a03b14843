package io.comfyfleet.worker.run;

import io.comfyfleet.worker.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;

/** A job context that records progress and lets the test request a stop, as the worker loop would. */
final class RecordingContext implements JobContext {
    final List<JsonNode> progress = new CopyOnWriteArrayList<>();
    private final List<Runnable> stopActions = new ArrayList<>();
    private StopReason reason;

    @Override
    public void progress(JsonNode p) {
        progress.add(p);
    }

    @Override
    public void stream(JsonNode chunk) {}

    @Override
    public synchronized StopReason stopRequested() {
        return reason;
    }

    @Override
    public void onStop(Runnable action) {
        boolean now;
        synchronized (this) {
            now = reason != null;
            if (!now) {
                stopActions.add(action);
            }
        }
        if (now) {
            action.run();
        }
    }

    void requestStop(StopReason why) {
        List<Runnable> actions;
        synchronized (this) {
            reason = why;
            actions = List.copyOf(stopActions);
        }
        actions.forEach(Runnable::run);
    }
}
