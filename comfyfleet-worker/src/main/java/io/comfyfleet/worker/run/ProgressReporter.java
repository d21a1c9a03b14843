package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.Json;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.worker.JobContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one prompt's ComfyUI events into progress updates for the gateway: percent across the whole workflow,
 * the node running now (id and type), its step/max, the cached nodes, and on request the latest preview frame.
 * At most one update per {@code interval}; posting happens on a thread of its own, latest update wins, so a slow
 * gateway never holds up the event stream.
 */
final class ProgressReporter implements RunListener {
    private final JobContext context;
    private final ObjectNode workflow;
    private final String promptId;
    private final Duration interval;
    private final Clock clock;
    private final PreviewEncoder previews; // null when the job did not ask for previews
    private final Set<String> done = new LinkedHashSet<>();
    private final Set<String> cached = new LinkedHashSet<>();
    private final AtomicReference<ObjectNode> next = new AtomicReference<>();
    private final AtomicBoolean posting = new AtomicBoolean();
    private String currentNode;
    private int step;
    private int maxSteps;
    private byte[] preview;
    private boolean previewSent = true;
    private Instant lastPost = Instant.EPOCH;

    ProgressReporter(JobContext context, ObjectNode workflow, String promptId, Duration interval, Clock clock,
                     PreviewEncoder previews) {
        this.context = context;
        this.workflow = workflow;
        this.promptId = promptId;
        this.interval = interval;
        this.clock = clock;
        this.previews = previews;
    }

    @Override
    public synchronized void onEvent(ComfyEvent event) {
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
        Instant now = clock.instant();
        if (Duration.between(lastPost, now).compareTo(interval) >= 0) {
            lastPost = now;
            post(snapshot());
        }
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

    private void post(ObjectNode update) {
        next.set(update);
        drain();
    }

    private void drain() {
        if (next.get() != null && posting.compareAndSet(false, true)) {
            Thread.ofVirtual().name("progress-" + promptId).start(() -> {
                try {
                    ObjectNode u;
                    while ((u = next.getAndSet(null)) != null) {
                        context.progress(u);
                    }
                } finally {
                    posting.set(false);
                    drain(); // an update may have arrived between the last poll and the release
                }
            });
        }
    }
}
