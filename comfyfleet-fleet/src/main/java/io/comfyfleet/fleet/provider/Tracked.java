package io.comfyfleet.fleet.provider;

import java.time.Instant;

/** A worker as a provider tracks it: what {@link WorkerTable} needs to list it and end its cold start. */
public interface Tracked {
    /** Its identity. */
    WorkerHandle handle();

    /** When its process, container or pod was created. */
    Instant startedAt();

    /** It as the provider sees it now. */
    FleetWorker view();

    /** Records its first job-take; true only for the first call. */
    boolean markReady(Instant at);
}
