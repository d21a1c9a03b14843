package io.comfyfleet.core.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the dashboards of several gateways on one database share beyond jobs and workers, so a browser sees the same
 * page whichever gateway a load balancer sends its poll to: the latest preview frame of each running job (the worker
 * posts it to one gateway, in one progress update that the next one overwrites) and the workers' cold starts (known
 * to the gateway whose fleet saw the worker become ready). Gateways write behind, off the worker's request path.
 * Writes are committed, not synced: a lost frame is replaced by the next one, a lost cold start leaves a dot out.
 */
public interface DashboardBoard {

    /** A worker became ready at {@code readyAt}, {@code took} after its start. */
    record ColdStart(String endpoint, String workerId, Instant readyAt, Duration took) {}

    /**
     * Keeps each frame (a {@code data:image/...} URI) as its job's latest, in one transaction; a frame of a job that
     * is not IN_PROGRESS (ended, or gone) is not kept.
     */
    void putPreviews(Map<String, String> framesByJob);

    /** Forgets the frames of these jobs (they stopped running). */
    void dropPreviews(Collection<String> jobIds);

    /**
     * Forgets every frame whose job is no longer IN_PROGRESS or no longer exists (ended at a gateway that stopped
     * before it dropped the frame, deleted by its TTL); returns how many.
     */
    int dropStalePreviews();

    /** The latest frames of those of {@code jobIds} that are IN_PROGRESS and have one, by job id. */
    Map<String, String> previews(Collection<String> jobIds);

    /**
     * Records a worker's cold start, unless one of that worker is recorded already (several gateways may each see it
     * become ready: the first report stays). Then forgets the cold starts of workers ready before
     * {@code forgetBefore} that are no longer on the worker board.
     *
     * @return true when this report is the one recorded (the first of its worker), false when another was before it;
     *         of the gateways that report one cold start, exactly one is answered true, so that one counts it
     */
    boolean recordColdStart(ColdStart coldStart, Instant forgetBefore);

    /** Every cold start recorded, oldest first. */
    List<ColdStart> coldStarts();
}
