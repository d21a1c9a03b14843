package io.comfyfleet.fleet.scale;

import java.util.List;

/**
 * What one endpoint should do now.
 *
 * @param start   how many workers to start (0 or more)
 * @param stop    the ids of the workers to stop, in the order to stop them
 * @param reasons one plain sentence per rule that fired, for the log
 */
public record ScalingDecision(int start, List<String> stop, List<String> reasons) {
    public ScalingDecision {
        if (start < 0) {
            throw new IllegalArgumentException("start must be 0 or more, got " + start);
        }
        stop = List.copyOf(stop);
        reasons = List.copyOf(reasons);
    }

    /** Whether nothing is to be done. */
    public boolean isEmpty() {
        return start == 0 && stop.isEmpty();
    }
}
