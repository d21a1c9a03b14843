package io.comfyfleet.fleet.sim;

import java.util.Objects;

/**
 * One job of a trace.
 *
 * @param at               when it arrives, in seconds from the start of the trace
 * @param endpoint         the endpoint it is sent to
 * @param executionSeconds how long it runs on a warm worker that has its model loaded
 * @param model            the model it loads (a worker that last ran another one pays the swap)
 */
public record TraceJob(double at, String endpoint, double executionSeconds, String model) {
    public TraceJob {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(model, "model");
        if (!(at >= 0) || !(executionSeconds >= 0)) {
            throw new IllegalArgumentException("at and executionSeconds must be 0 or more, got " + at + ", "
                    + executionSeconds);
        }
    }
}
