package io.comfyfleet.core.endpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An endpoint's settings as kept in the job store, so every gateway (and a restart) sees the same ones: what
 * its workers run and how it scales. {@code comfyfleet.yaml} seeds them once; the admin API changes them.
 *
 * @param endpoint      the endpoint name
 * @param image         the image its workers run (container and Kubernetes workers; local workers use it when
 *                      their command has an {@code {image}} placeholder); null: the provider's own default
 * @param previousImage the image before the last change of {@code image}, for a roll-back; null: the provider's own
 *                      default when {@code imageChanged}, else there is none
 * @param imageChanged  the image was changed at least once, so {@code previousImage} is what a roll-back goes back
 *                      to, even when that is null (the provider's default: an endpoint seeded without an image)
 * @param minWorkers    workers kept running even with nothing to do
 * @param maxWorkers    workers at most (a roll-out may surge {@code maxSurge} above it)
 * @param idleTimeout   how long a worker may sit idle before it is stopped
 * @param scalerType    {@code QUEUE_DELAY}, {@code REQUEST_COUNT}, {@code COLD_START_AWARE} or {@code TARGET_WAIT}
 * @param scalerValue   seconds for {@code QUEUE_DELAY}, jobs per worker for {@code REQUEST_COUNT}, the wait weight for
 *                      {@code COLD_START_AWARE}, seconds for {@code TARGET_WAIT}
 * @param maxSurge      how many workers of a new version a roll-out may start above the running count
 * @param routing       which queued job a waiting worker gets, {@code AFFINITY} or {@code FIFO}; null: as the
 *                      configuration says (a row stored before routing was kept in the store)
 * @param affinityWait  how long a job is kept at most for a busy worker that holds its models; null: as the
 *                      configuration says
 * @param revision      1 for a new row, one more at every change; an update names the revision it read
 * @param updatedAt     when the row last changed
 */
public record EndpointSettings(String endpoint, String image, String previousImage, boolean imageChanged,
        int minWorkers, int maxWorkers, Duration idleTimeout, String scalerType, double scalerValue, int maxSurge,
        String routing, Duration affinityWait, long revision, Instant updatedAt) {

    /** The roll-out surge when none is set. */
    public static final int DEFAULT_MAX_SURGE = 1;

    public EndpointSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(scalerType, "scalerType");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /**
     * A copy with another image (null: the provider's default); the current one, null included, becomes the previous
     * one when the image changes. The same image again changes nothing.
     */
    public EndpointSettings withImage(String newImage) {
        if (Objects.equals(newImage, image)) {
            return this;
        }
        return new EndpointSettings(endpoint, newImage, image, true, minWorkers, maxWorkers, idleTimeout, scalerType,
                scalerValue, maxSurge, routing, affinityWait, revision, updatedAt);
    }

    /**
     * A copy rolled back to the image before the last change (which may be the provider's default, null); the current
     * image becomes the previous one, so a second roll-back undoes the first.
     *
     * @throws IllegalStateException when the image was never changed: there is nothing to go back to
     */
    public EndpointSettings rolledBack() {
        if (!imageChanged) {
            throw new IllegalStateException("endpoint " + endpoint + ": its image was never changed");
        }
        return new EndpointSettings(endpoint, previousImage, image, true, minWorkers, maxWorkers, idleTimeout,
                scalerType, scalerValue, maxSurge, routing, affinityWait, revision, updatedAt);
    }

    /** A copy with other scaling settings. */
    public EndpointSettings withScaling(int min, int max, Duration idle, String type, double value, int surge) {
        return new EndpointSettings(endpoint, image, previousImage, imageChanged, min, max, idle, type, value, surge,
                routing, affinityWait, revision, updatedAt);
    }

    /** A copy with another routing ({@code AFFINITY} or {@code FIFO}) and bound. */
    public EndpointSettings withRouting(String newRouting, Duration newAffinityWait) {
        return new EndpointSettings(endpoint, image, previousImage, imageChanged, minWorkers, maxWorkers, idleTimeout,
                scalerType, scalerValue, maxSurge, newRouting, newAffinityWait, revision, updatedAt);
    }

    /** A copy as stored at {@code newRevision}. */
    public EndpointSettings at(long newRevision, Instant when) {
        return new EndpointSettings(endpoint, image, previousImage, imageChanged, minWorkers, maxWorkers, idleTimeout,
                scalerType, scalerValue, maxSurge, routing, affinityWait, newRevision, when);
    }
}
