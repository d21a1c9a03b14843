package io.comfyfleet.gateway.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How an endpoint picks which queued job a waiting worker gets (docs/gateway.md, "Routing").
 *
 * @param mode         {@link Mode#AFFINITY}: prefer the worker that holds a job's models; {@link Mode#FIFO}: oldest
 *                     job first to whichever worker asks
 * @param affinityWait how long at most a job is kept for a busy worker that holds its models while another worker
 *                     is idle; after it, the idle one takes it
 */
public record Routing(Mode mode, Duration affinityWait) {
    /** The bound when none is configured: about a third of the swap it saves on an H100 (0.69 s). */
    public static final Duration DEFAULT_WAIT = Duration.ofMillis(300);
    /** The longest bound accepted: a swap costs seconds even from a network volume, so keeping a job longer only delays it. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(10);

    /** The routing of an endpoint that configures none. */
    public static final Routing DEFAULT = new Routing(Mode.AFFINITY, DEFAULT_WAIT);

    /** The routing modes, as written in {@code comfyfleet.yaml} ({@code routing: affinity | fifo}). */
    public enum Mode { AFFINITY, FIFO }

    public Routing {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(affinityWait, "affinityWait");
    }

    /** Reads {@code routing} and {@code affinityWait} of one endpoint, recording a problem that names the key. */
    static Routing read(ConfigNode endpoint) {
        String text = endpoint.string("routing", "affinity");
        Mode mode = Mode.AFFINITY;
        try {
            mode = Mode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            endpoint.problem("routing", "must be affinity or fifo, got \"" + text + "\"");
        }
        Duration wait = endpoint.duration("affinityWait", DEFAULT_WAIT, Duration.ZERO, MAX_WAIT);
        return new Routing(mode, wait);
    }
}
