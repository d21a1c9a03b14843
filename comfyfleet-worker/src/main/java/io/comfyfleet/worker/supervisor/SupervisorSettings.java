package io.comfyfleet.worker.supervisor;

import io.comfyfleet.worker.Backoff;
import java.time.Duration;

/**
 * How patient the supervisor is.
 *
 * @param readyTimeout how long ComfyUI may take to answer {@code /system_stats} after launch (node imports can
 *     take minutes on a big install)
 * @param stopGrace how long ComfyUI gets between SIGTERM and SIGKILL
 * @param restartBackoff delays between restarts after a crash
 * @param maxRestarts restarts in a row (without a stable run between) before the worker reports unhealthy
 * @param stableAfter a run this long resets the restart count
 * @param logLines how many of ComfyUI's last log lines a start failure quotes
 */
public record SupervisorSettings(Duration readyTimeout, Duration stopGrace, Backoff restartBackoff, int maxRestarts,
                                 Duration stableAfter, int logLines) {
    public static SupervisorSettings defaults() {
        return new SupervisorSettings(Duration.ofMinutes(10), Duration.ofSeconds(10),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)), 5, Duration.ofMinutes(5), 20);
    }
}
