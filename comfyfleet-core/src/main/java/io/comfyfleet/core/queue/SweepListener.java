package io.comfyfleet.core.queue;

/** Told what a {@link QueueSweeper} pass changed; called on the sweeper's thread, only for non-empty passes. */
@FunctionalInterface
public interface SweepListener {
    void onSweep(SweepReport report);
}
