package io.comfyfleet.emulator.nodes;

import java.time.Duration;

/**
 * The recordings' test node SlowProgress (contracts slow_progress.py): sleeps {@code delay_ms} per step
 * (always, even in zero-time mode: the delay is the workflow's own input), checks for an interrupt, raises
 * {@code RuntimeError("failure requested at step N")} at {@code fail_at}, and reports each step with a
 * JPEG preview of its input picture.
 */
final class SlowProgressNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Values.Images image = call.images("image");
        int steps = call.intInput("steps", 10);
        Duration delay = Duration.ofMillis(call.intInput("delay_ms", 100));
        int failAt = call.intInput("fail_at", -1);
        PreviewPicture preview = new PreviewPicture(Pictures.thumbnail(image.frames().getFirst(), 256));
        for (int i = 0; i < steps; i++) {
            sleep(delay);
            call.checkInterrupt();
            if (i == failAt) {
                throw new NodeFailure("RuntimeError", "failure requested at step " + i);
            }
            call.progress(i + 1, steps, preview);
        }
        return NodeResult.of(image);
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeFailure.Interrupted();
        }
    }
}
