package io.comfyfleet.gateway.admission;

import java.util.Optional;

/**
 * Which worker version of an endpoint new jobs are admitted for: its node catalogue decides what a workflow may
 * use. The one place that answers it, so the rule can change (today: the version whose catalogue a worker
 * reported last, {@link LatestReportedVersion}; an endpoint version set by an operator can replace it).
 */
@FunctionalInterface
public interface CurrentVersion {
    /** The endpoint's current version; empty when none is known yet (jobs are then admitted unchecked). */
    Optional<String> of(String endpoint);
}
