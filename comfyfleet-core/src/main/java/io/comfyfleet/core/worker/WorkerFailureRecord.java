package io.comfyfleet.core.worker;

import java.time.Instant;
import java.util.Objects;

/**
 * An endpoint's last worker that gave up (its unhealthy ping's check and reason), as shared through the store so that
 * every gateway's {@code /health} shows it, not only the one the worker's ping reached.
 *
 * @param check  what failed, as the worker names it, or null
 * @param reason its one line, already cut by the gateway that heard it
 * @param at     when that gateway heard it
 */
public record WorkerFailureRecord(String endpoint, String workerId, String check, String reason, Instant at) {
    public WorkerFailureRecord {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(at, "at");
    }
}
