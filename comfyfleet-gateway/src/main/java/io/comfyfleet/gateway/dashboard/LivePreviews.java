package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.gateway.jobs.JobListener;
import io.comfyfleet.gateway.jobs.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The latest preview frame of each running job. The worker sends a frame only in the update after ComfyUI made
 * it (later updates leave it out), and the store keeps only the latest update, so the frame is remembered here
 * until the job stops running.
 */
final class LivePreviews implements JobListener {
    /** Only images, only inline: the page puts this in an {@code img src}. */
    private static final Pattern DATA_IMAGE = Pattern.compile("data:image/(jpeg|png|webp|gif);base64,[A-Za-z0-9+/=]+");
    static final int MAX_PREVIEW_CHARS = 4 << 20;
    static final int MAX_JOBS = 256;

    private final Map<String, String> latest = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_JOBS; // jobs deleted without a last change (TTL) must not pile up
        }
    };

    @Override
    public void progressed(String jobId, String outputJson) {
        keep(jobId, outputJson);
    }

    /** As {@link #progressed}; returns the frame it kept, empty when the update had none fit to show. */
    Optional<String> keep(String jobId, String outputJson) {
        if (outputJson == null || !outputJson.contains("\"preview\"")) {
            return Optional.empty();
        }
        JsonNode preview = Json.mapper().readTree(outputJson).path("preview");
        if (preview.isString() && preview.asString().length() <= MAX_PREVIEW_CHARS
                && DATA_IMAGE.matcher(preview.asString()).matches()) {
            synchronized (latest) {
                latest.put(jobId, preview.asString());
            }
            return Optional.of(preview.asString());
        }
        return Optional.empty();
    }

    @Override
    public void changed(Job job) {
        if (job.state() != JobState.IN_PROGRESS) {
            synchronized (latest) {
                latest.remove(job.id());
            }
        }
    }

    Optional<String> of(String jobId) {
        synchronized (latest) {
            return Optional.ofNullable(latest.get(jobId));
        }
    }
}
