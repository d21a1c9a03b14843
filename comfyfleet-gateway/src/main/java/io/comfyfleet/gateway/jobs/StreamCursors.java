package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.StreamChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Where each job's {@code /stream} readers are: every call drains the chunks posted since the previous call
 * (RunPod's semantics). In memory: after a gateway restart a stream is read again from its first chunk.
 */
final class StreamCursors {
    private static final int MAX_CHUNKS_PER_CALL = 1000;

    private final JobStore store;
    private final ConcurrentHashMap<String, Long> cursors = new ConcurrentHashMap<>();

    StreamCursors(JobStore store) {
        this.store = store;
    }

    /** The chunks after the job's cursor, moving the cursor past them; two concurrent callers never share one. */
    List<StreamChunk> drain(String jobId) {
        List<StreamChunk> taken = new ArrayList<>();
        // compute holds this job's entry while reading, so concurrent drains of one job take turns
        cursors.compute(jobId, (id, after) -> {
            long from = after == null ? 0 : after;
            List<StreamChunk> chunks = store.streamAfter(id, from, MAX_CHUNKS_PER_CALL);
            taken.addAll(chunks);
            return chunks.isEmpty() ? from : chunks.getLast().seq();
        });
        return taken;
    }

    /** Drops the cursors of jobs that no longer exist. */
    void forgetIf(Predicate<String> gone) {
        cursors.keySet().removeIf(gone);
    }
}
