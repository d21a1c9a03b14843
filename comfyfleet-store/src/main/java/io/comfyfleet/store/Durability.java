package io.comfyfleet.store;

/** How far a write must have gone when the store returns from it. */
enum Durability {
    /** Synced to disk: survives a power loss. An accepted job, a final result, a cancel. */
    SYNCED,
    /**
     * Committed, so it survives the process crashing, and synced to disk with the next SYNCED write (or the
     * next checkpoint): a power loss may undo it. For writes whose loss costs only a repeat: a claim (the
     * job runs again), progress, a stream chunk, a lease renewal, a deletion the next sweep repeats.
     */
    COMMITTED
}
