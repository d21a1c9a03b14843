package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.FileRef;
import io.comfyfleet.comfy.client.ViewStream;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.comfy.client.run.RunListener;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a prompt's output files over {@code GET /view} while the prompt is still ending: each file is
 * requested as soon as its node's {@code executed} event names it (the node has written it by then), so the
 * download overlaps the rest of the prompt (and the history read, when the run needs one) instead of following
 * it. The {@link OutputCollector} then takes the bytes from here rather than asking ComfyUI again.
 *
 * <p>Only for a ComfyUI whose folders this worker cannot read (attached); a file larger than the limit, one that
 * would take the prompt's prefetched bytes past their total, or one whose fetch failed, is not kept, and the
 * collector fetches (streams) it the usual way. So a workflow with many large outputs holds at most the total in
 * memory, however many files it writes. The run's result stays the authority on what the outputs are (its
 * history entry, or its executed events when the socket saw the whole run): a prefetched file it does not list is
 * never delivered.
 */
final class OutputPrefetch implements RunListener {
    private static final Logger log = LoggerFactory.getLogger(OutputPrefetch.class);

    private final ComfyClient comfy;
    private final long maxBytes;
    /** What this prompt's prefetches may still hold in memory, in bytes. */
    private final AtomicLong budget;
    private final RunListener next;
    private final Map<FileRef, CompletableFuture<byte[]>> fetches = new ConcurrentHashMap<>();

    /**
     * @param maxBytes      the largest file kept in memory; a larger one is left to the collector's streaming fetch
     * @param maxTotalBytes the most all of this prompt's prefetched files hold together
     * @param next          the listener every event is passed on to (progress reporting)
     */
    OutputPrefetch(ComfyClient comfy, long maxBytes, long maxTotalBytes, RunListener next) {
        this.comfy = comfy;
        this.maxBytes = maxBytes;
        this.budget = new AtomicLong(maxTotalBytes);
        this.next = next;
    }

    @Override
    public void onEvent(ComfyEvent event) {
        if (event instanceof ComfyEvent.Executed executed) {
            for (OutputFile file : RunOutputs.fromNodeOutput(executed.node(), executed.output()).outputs()) {
                fetches.computeIfAbsent(file.ref(), this::startFetch);
            }
        }
        next.onEvent(event);
    }

    @Override
    public void onConnectionLost(String reason) {
        next.onConnectionLost(reason);
    }

    @Override
    public void onReconnected(int attempt) {
        next.onReconnected(attempt);
    }

    /**
     * The bytes of {@code ref}, waiting for its fetch if it is still running; empty when it was not fetched,
     * was too large or failed. Each file is handed out once.
     */
    Optional<byte[]> take(FileRef ref) {
        CompletableFuture<byte[]> fetch = fetches.remove(ref);
        if (fetch == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(fetch.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            log.debug("Prefetch of {} failed ({}); fetching it again", ref.filename(), e.getCause().toString());
            return Optional.empty();
        }
    }

    private CompletableFuture<byte[]> startFetch(FileRef ref) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread.ofVirtual().name("output-prefetch").start(() -> {
            try {
                result.complete(fetch(ref));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** The file's bytes, or null when it is larger than {@link #maxBytes} or would overdraw the budget. */
    private byte[] fetch(FileRef ref) throws IOException {
        try (ViewStream view = comfy.view(ref)) {
            long declared = view.contentLength().orElse(-1);
            if (declared > maxBytes) {
                return null;
            }
            // an unannounced length may be anything up to the per-file limit: hold that much until it is known
            long reserved = declared >= 0 ? declared : maxBytes;
            if (!reserve(reserved)) {
                return null;
            }
            byte[] bytes = view.body().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                budget.addAndGet(reserved);
                return null;
            }
            budget.addAndGet(reserved - bytes.length);
            return bytes;
        }
    }

    private boolean reserve(long bytes) {
        for (long left = budget.get(); left >= bytes; left = budget.get()) {
            if (budget.compareAndSet(left, left - bytes)) {
                return true;
            }
        }
        return false;
    }
}
