package io.comfyfleet.worker.supervisor;

import io.comfyfleet.worker.WorkerException;
import java.util.List;

/** ComfyUI did not become ready: it exited, or did not answer within the deadline. Carries its last log lines. */
public final class ComfyStartException extends WorkerException {
    private final List<String> lastLogLines;

    public ComfyStartException(String message, List<String> lastLogLines) {
        super(message + (lastLogLines.isEmpty() ? " (ComfyUI printed nothing)"
                : "; ComfyUI's last " + lastLogLines.size() + " log lines:\n  " + String.join("\n  ", lastLogLines)));
        this.lastLogLines = List.copyOf(lastLogLines);
    }

    public List<String> lastLogLines() {
        return lastLogLines;
    }
}
