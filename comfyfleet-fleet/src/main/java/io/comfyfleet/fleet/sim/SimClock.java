package io.comfyfleet.fleet.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The simulation's clock: it stands still until the simulator moves it to the next event. */
final class SimClock extends Clock {
    private Instant now;

    SimClock(Instant start) {
        this.now = start;
    }

    void set(Instant to) {
        if (to.isBefore(now)) {
            throw new IllegalStateException("the simulated clock cannot go back from " + now + " to " + to);
        }
        now = to;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the simulated clock is UTC only");
    }
}
