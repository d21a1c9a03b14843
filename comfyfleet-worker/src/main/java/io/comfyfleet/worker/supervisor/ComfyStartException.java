package io.comfyfleet.worker.supervisor;

import io.comfyfleet.worker.WorkerException;
import java.util.List;

/**
 * ComfyUI did not become ready: it exited, did not answer within the deadline, or could not be launched (its port
 * is taken by another process). Carries its last log lines.
 */
public final class ComfyStartException extends WorkerException {
    private final String head;
    private final List<String> lastLogLines;

    public ComfyStartException(String message, List<String> lastLogLines) {
        super(message + (lastLogLines.isEmpty() ? " (ComfyUI printed nothing)"
                : "; ComfyUI's last " + lastLogLines.size() + " log lines:\n  " + String.join("\n  ", lastLogLines)));
        this.head = message;
        this.lastLogLines = List.copyOf(lastLogLines);
    }

    /** Refused before ComfyUI was launched: there are no log lines to quote, and the message says why. */
    static ComfyStartException beforeLaunch(String message) {
        return new ComfyStartException(message);
    }

    private ComfyStartException(String message) {
        super(message);
        this.head = message;
        this.lastLogLines = List.of();
    }

    public List<String> lastLogLines() {
        return lastLogLines;
    }

    /** One line for people: what went wrong and ComfyUI's last non-blank log line, if it printed any. */
    public String summary() {
        for (int i = lastLogLines.size() - 1; i >= 0; i--) {
            if (!lastLogLines.get(i).isBlank()) {
                return head + "; ComfyUI's last line: " + lastLogLines.get(i).strip();
            }
        }
        return head;
    }
}
