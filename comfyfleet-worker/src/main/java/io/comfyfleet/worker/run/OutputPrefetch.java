package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.FileRef;
import io.comfyfleet.comfy.client.ViewStream;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.comfy.client.run.RunListener;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a prompt's output files over {@code GET /view} while the prompt is still ending: each file is
 * requested as soon as its node's {@code executed} event names it (the node has written it by then), so the
 * download overlaps the wait for the terminal event and the history read instead of following them. The
 * {@link OutputCollector} then takes the bytes from here rather than asking ComfyUI again.
 *
 * <p>Only for a ComfyUI whose folders this worker cannot read (attached); a file larger than the limit, or one
 * whose fetch failed, is not kept, and the collector fetches it the usual way. The history stays the authority
 * on what the outputs are: a prefetched file it does not list is never delivered.
 */
final class OutputPrefetch implements RunListener {
    private static final Logger log = LoggerFactory.getLogger(OutputPrefetch.class);

    private final ComfyClient comfy;
    private final long maxBytes;
    private final RunListener next;
    private final Map<FileRef, CompletableFuture<byte[]>> fetches = new ConcurrentHashMap<>();

    /**
     * @param maxBytes the largest file kept in memory; a larger one is left to the collector's streaming fetch
     * @param next     the listener every event is passed on to (progress reporting)
     */
    OutputPrefetch(ComfyClient comfy, long maxBytes, RunListener next) {
        this.comfy = comfy;
        this.maxBytes = maxBytes;
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

    /** The file's bytes, or null when it is larger than {@link #maxBytes}. */
    private byte[] fetch(FileRef ref) throws IOException {
        try (ViewStream view = comfy.view(ref)) {
            if (view.contentLength().orElse(0) > maxBytes) {
                return null;
            }
            InputStream body = view.body();
            byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            return bytes.length > maxBytes ? null : bytes;
        }
    }
}
