package io.comfyfleet.fleet.local;

import io.comfyfleet.common.process.ExitStatus;
import io.comfyfleet.fleet.provider.WorkerExit;
import io.comfyfleet.fleet.provider.WorkerHandle;
import java.time.Duration;
import java.util.Optional;

/**
 * How a worker whose output gives its {@link ExitReason} (a local process, a container) is told of once it exited on
 * its own: by the reason it printed, else by what its exit status says; in the provider's log line, in the
 * {@link WorkerExit} its listeners hear, and as its {@code WorkerProvider#problem}.
 *
 * @param code    its exit code; null when unknown (a container whose wait failed)
 * @param reason  the reason it printed, if any
 * @param unknown how it ended, for a null code; may be null where the code is always known (a process)
 */
public record OwnExit(Integer code, Optional<String> reason, String unknown) {

    /**
     * Reads the reason, waiting up to {@link ExitReason#DRAIN}: the exit line is among the last it printed, still on
     * its way when the exit is seen. None is looked for after a clean exit.
     */
    public static OwnExit read(Integer code, ExitReason output, String unknown) {
        return new OwnExit(code, clean(code) ? Optional.empty() : output.await(ExitReason.DRAIN), unknown);
    }

    /**
     * {@code WorkerProvider#problem} of a worker that exited on its own: the reason it gave, else what its exit status
     * says (killed by SIGKILL, ...); empty for a clean exit. Does not wait for its output.
     */
    public static Optional<String> problem(Integer code, ExitReason output, String unknown) {
        return output.await(Duration.ZERO).or(() -> clean(code) ? Optional.empty() : Optional.of(described(code, unknown)));
    }

    /** The end of the provider's log line: the reason it gave, else its exit status, and where to look. */
    public String logged() {
        return reason.map(r -> ": " + r).orElse(code != null && code > 128
                ? ": " + ExitStatus.describe(code) + "; see its log" : " (no reason given; see its log)");
    }

    /** What the provider's exit listeners hear of the worker. */
    public WorkerExit notice(WorkerHandle handle) {
        return new WorkerExit(handle.endpoint(), handle.workerId(), code == null ? -1 : code,
                reason.orElse(described(code, unknown)), reason.isPresent());
    }

    private static boolean clean(Integer code) {
        return code != null && code == 0;
    }

    private static String described(Integer code, String unknown) {
        return code == null ? unknown : ExitStatus.describe(code);
    }
}
