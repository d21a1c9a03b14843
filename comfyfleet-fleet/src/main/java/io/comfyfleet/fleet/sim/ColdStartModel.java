package io.comfyfleet.fleet.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How long a simulated worker takes from its start until it first asks for a job, in seconds. Written as
 * {@code fixed:S}, {@code uniform:LOW:HIGH} or {@code sequence:S1:S2:...} (one per worker start, in order, the
 * last repeated: to replay the cold starts of a recorded run).
 */
public sealed interface ColdStartModel {

    /** ComfyUI 0.3.64's process start on one H100 until it answers: 10.9 to 14.9 s (../shared/comfyui/README.md). */
    ColdStartModel H100 = new Uniform(10.9, 14.9);

    /** The next worker's cold start. */
    double next(RandomGenerator random);

    record Fixed(double seconds) implements ColdStartModel {
        public double next(RandomGenerator random) {
            return seconds;
        }
    }

    record Uniform(double low, double high) implements ColdStartModel {
        public double next(RandomGenerator random) {
            return low == high ? low : low + random.nextDouble() * (high - low);
        }
    }

    /** Replays given cold starts in order; not thread-safe, one simulation at a time. */
    final class Sequence implements ColdStartModel {
        private final List<Double> seconds;
        private int next;

        public Sequence(List<Double> seconds) {
            if (seconds.isEmpty()) {
                throw new IllegalArgumentException("a cold-start sequence needs at least one value");
            }
            this.seconds = List.copyOf(seconds);
        }

        public double next(RandomGenerator random) {
            return seconds.get(Math.min(next++, seconds.size() - 1));
        }

        /** A fresh copy, from the first value again. */
        Sequence restart() {
            return new Sequence(seconds);
        }
    }

    /**
     * Parses {@code fixed:S}, {@code uniform:LOW:HIGH} or {@code sequence:S1:S2:...}.
     *
     * @throws IllegalArgumentException saying what to write instead
     */
    static ColdStartModel parse(String text) {
        String[] p = text.strip().toLowerCase(Locale.ROOT).split(":");
        List<Double> v = new ArrayList<>();
        try {
            for (int i = 1; i < p.length; i++) {
                double d = Double.parseDouble(p[i]);
                // a worker not ready within the autoscaler's init timeout is given up, so none would ever run a job
                if (!(d >= 0) || d >= Simulator.WORKER_INIT_TIMEOUT.toSeconds()) {
                    throw new NumberFormatException();
                }
                v.add(d);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage(text));
        }
        return switch (p[0]) {
            case "fixed" -> {
                if (v.size() != 1) {
                    throw new IllegalArgumentException(usage(text));
                }
                yield new Fixed(v.getFirst());
            }
            case "uniform" -> {
                if (v.size() != 2 || v.get(0) > v.get(1)) {
                    throw new IllegalArgumentException(usage(text));
                }
                yield new Uniform(v.get(0), v.get(1));
            }
            case "sequence" -> {
                if (v.isEmpty()) {
                    throw new IllegalArgumentException(usage(text));
                }
                yield new Sequence(v);
            }
            default -> throw new IllegalArgumentException(usage(text));
        };
    }

    private static String usage(String text) {
        return "cold start '" + text + "': write fixed:SECONDS, uniform:LOW:HIGH (LOW <= HIGH) or"
                + " sequence:S1:S2:... (seconds, 0 or more and under " + Simulator.WORKER_INIT_TIMEOUT.toSeconds()
                + ": the autoscaler gives up on a worker not ready within " + Simulator.WORKER_INIT_TIMEOUT.toMinutes()
                + " min, as up's does)";
    }
}
