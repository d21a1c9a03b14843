package io.comfyfleet.worker.run;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.worker.JobContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one prompt's ComfyUI events into progress updates for the gateway: percent across the whole workflow,
 * the node running now (id and type), its step/max, the cached nodes, and on request the latest preview frame.
 *
 * <p>Updates are time-driven, not event-driven: the first goes out one {@code interval} after the prompt was
 * submitted, then at most one per {@code interval}, always the latest state (a step that came between two posts
 * is not lost: it goes out when the interval is up, even if no further event comes). Posting happens on a
 * thread of its own, one post in flight at a time, so a slow gateway never holds up the event stream. A prompt
 * that ends within the first interval costs the gateway no progress post at all, and {@link #close()} (when
 * the prompt has ended) drops what is not yet posted, so no progress post competes with the job's result.
 *
 * <p>An update also goes out as a {@code /stream} chunk (job-stream, RunPod's stream channel) when it moved:
 * the whole-workflow percent passed another whole point, or another node runs. So a job streams at most about
 * 100 chunks plus one per node it runs (never more than {@value #MAX_STREAM_CHUNKS}), however long it runs and
 * however short the interval, while {@code /status} keeps showing the latest update. The chunk is the update
 * itself ({@code percent}, {@code node_id}, {@code step}, ...; a preview only when that update carries one); the
 * result is not streamed: it is the job's output, as before.
 */
final class ProgressReporter implements RunListener, AutoCloseable {
    /** A safety net for workflows that run nodes again and again (loops): no job streams more chunks than this. */
    static final int MAX_STREAM_CHUNKS = 500;

    private final JobContext context;
    private final ObjectNode workflow;
    private final String promptId;
    private final Duration interval;
    private final Clock clock;
    private final PreviewEncoder previews; // null when the job did not ask for previews
    private final Set<String> done = new LinkedHashSet<>();
    private final Set<String> cached = new LinkedHashSet<>();
    private final Instant started;
    private String currentNode;
    private int step;
    private int maxSteps;
    private byte[] preview;
    private boolean previewSent = true;
    /** Guarded by this: when the last update was taken for posting, null before the first. */
    private Instant lastPost;
    /** Guarded by this: the state changed since the last update was taken. */
    private boolean dirty;
    private boolean posterRunning;
    private boolean closed;
    /** Guarded by this: what the last stream chunk showed, and how many went out. */
    private long streamedPercent = -1;
    private String streamedNode;
    private int streamed;

    ProgressReporter(JobContext context, ObjectNode workflow, String promptId, Duration interval, Clock clock,
                     PreviewEncoder previews) {
        this.context = context;
        this.workflow = workflow;
        this.promptId = promptId;
        this.interval = interval;
        this.clock = clock;
        this.previews = previews;
        this.started = clock.instant();
    }

    @Override
    public synchronized void onEvent(ComfyEvent event) {
        if (closed) {
            return;
        }
        switch (event) {
            case ComfyEvent.ExecutionCached c -> {
                cached.addAll(c.nodes());
                done.addAll(c.nodes());
            }
            case ComfyEvent.Executing e -> {
                if (currentNode != null) {
                    done.add(currentNode);
                }
                currentNode = e.node();
                step = 0;
                maxSteps = 0;
            }
            case ComfyEvent.Progress p -> {
                if (p.node() != null) {
                    currentNode = p.node();
                }
                step = p.value();
                maxSteps = p.max();
            }
            case ComfyEvent.Executed x -> done.add(x.node());
            case ComfyEvent.PreviewImage img -> {
                if (previews == null) {
                    return;
                }
                preview = img.bytes();
                previewSent = false;
            }
            default -> {
                return;
            }
        }
        dirty = true;
        if (!posterRunning) {
            posterRunning = true;
            Thread.ofVirtual().name("progress-" + promptId).start(this::postWhileDirty);
        } else if (!clock.instant().isBefore(due())) {
            notifyAll(); // a poster waiting on a clock that moved other than in real time (tests) looks again
        }
    }

    /** The prompt has ended: what is not yet posted is dropped, later events are ignored. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** The progress as the gateway shows it; package-private for tests. */
    synchronized ObjectNode snapshot() {
        int total = Math.max(1, workflow.size());
        double fraction = maxSteps > 0 && currentNode != null && !done.contains(currentNode) ? (double) step / maxSteps : 0;
        double percent = Math.min(99.9, (done.size() + fraction) * 100.0 / total);
        ObjectNode p = Json.MAPPER.createObjectNode();
        p.put("prompt_id", promptId);
        p.put("percent", Math.round(percent * 10) / 10.0);
        p.put("nodes_done", done.size());
        p.put("nodes_total", workflow.size());
        if (currentNode != null) {
            p.put("node_id", currentNode);
            p.put("node_type", workflow.path(currentNode).path("class_type").asString(""));
        }
        if (maxSteps > 0) {
            p.put("step", step);
            p.put("max_steps", maxSteps);
        }
        ArrayNode c = p.putArray("cached_nodes");
        cached.forEach(c::add);
        if (previews != null && !previewSent && preview != null) {
            String uri = previews.toDataUri(preview);
            if (uri != null) {
                p.put("preview", uri);
            }
            previewSent = true;
        }
        return p;
    }

    private Instant due() {
        return (lastPost == null ? started : lastPost).plus(interval);
    }

    /** The poster: waits until an update is due, posts the latest state, and ends once nothing new came. */
    private void postWhileDirty() {
        try {
            ObjectNode update;
            while ((update = nextDue()) != null) {
                context.progress(update);
                if (streamWorthy(update)) {
                    context.streamProgress(update);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether this update goes to {@code /stream} too: it moved a whole percent or to another node, the job has
     * chunks left, and the prompt has not ended while its progress was posted (so a chunk does not race the result).
     */
    private synchronized boolean streamWorthy(ObjectNode update) {
        long percent = (long) Math.floor(update.path("percent").asDouble());
        String node = update.path("node_id").asString(null);
        if (closed || streamed >= MAX_STREAM_CHUNKS
                || (percent == streamedPercent && java.util.Objects.equals(node, streamedNode))) {
            return false;
        }
        streamedPercent = percent;
        streamedNode = node;
        streamed++;
        return true;
    }

    private synchronized ObjectNode nextDue() throws InterruptedException {
        while (true) {
            if (closed || !dirty) {
                posterRunning = false;
                return null;
            }
            long waitMs = Duration.between(clock.instant(), due()).toMillis();
            if (waitMs <= 0) {
                lastPost = clock.instant();
                dirty = false;
                return snapshot();
            }
            wait(waitMs); // an event, close() or the time being up wakes it; the loop checks which
        }
    }
}
