package io.comfyfleet.fleet.container;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import io.comfyfleet.fleet.local.ExitReason;
import io.comfyfleet.fleet.local.WorkerOutput;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * A container's stdout and stderr as the engine streams them (frames that need not end on a line), into the worker
 * log line by line, each line marked with the worker id as for local workers, keeping the reason the worker gave for
 * exiting ({@link ExitReason}) as local workers do.
 */
final class LogLines extends ResultCallback.Adapter<Frame> {
    private final String workerId;
    private final ExitReason exitReason;
    private final Map<StreamType, StringBuilder> partial = new EnumMap<>(StreamType.class);

    LogLines(String workerId, ExitReason exitReason) {
        this.workerId = workerId;
        this.exitReason = exitReason;
    }

    @Override
    public synchronized void onNext(Frame frame) {
        StringBuilder buffer = partial.computeIfAbsent(frame.getStreamType(), t -> new StringBuilder());
        buffer.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
        int newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
            line(buffer.substring(0, newline));
            buffer.delete(0, newline + 1);
        }
    }

    @Override
    public void onError(Throwable error) {
        // the stream ends with an error when the container is removed under it; nothing more to copy
        WorkerOutput.log.debug("[{}] output closed: {}", workerId, error.toString());
        flush();
        exitReason.ended();
        try {
            close(); // not super.onError, which logs the end of every removed container's stream as an error
        } catch (java.io.IOException e) {
            // closing a finished stream: nothing to lose
        }
    }

    @Override
    public void onComplete() {
        flush();
        exitReason.ended();
        super.onComplete();
    }

    private synchronized void flush() {
        partial.values().stream().filter(b -> !b.isEmpty()).forEach(b -> {
            line(b.toString());
            b.setLength(0);
        });
    }

    private void line(String text) {
        String line = stripCr(text);
        WorkerOutput.line(workerId, line);
        exitReason.note(line);
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
