package io.comfyfleet.fleet.scale;

import java.time.Instant;
import java.util.Objects;

/**
 * What the scaling policy knows of one worker.
 *
 * @param id        the worker id (RunPod's {@code RUNPOD_POD_ID})
 * @param state     the state now
 * @param startedAt when it was started (its process or pod was created)
 * @param idleSince since when it has had no job; only meaningful while {@link WorkerState#IDLE}, and may be
 *                  null then, in which case {@code startedAt} stands in (a worker that never ran a job has been
 *                  idle since it started)
 */
public record WorkerView(String id, WorkerState state, Instant startedAt, Instant idleSince) {
    public WorkerView {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    /** Since when the worker counts as idle, for the idle timeout. */
    public Instant idleSinceOrStart() {
        return idleSince != null ? idleSince : startedAt;
    }
}
