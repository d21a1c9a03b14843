package io.comfyfleet.fleet.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Makes the example traces, seeded: the same shape and seed always give the same jobs. Execution times are
 * log-normal around 6 s (an SDXL-sized job on an H100), on the endpoint {@code sdxl}, with two models.
 *
 * <ul>
 *   <li>{@code steady}: Poisson arrivals, one job every 10 s on average, for 3 hours.</li>
 *   <li>{@code office}: office hours with few users. Three companies (time zones UTC+0, +1 and +6), three designers
 *       each, working 09:00 to 17:00 local on two weekdays; each designer works in 2 to 4 sessions a day of 10 to
 *       60 minutes, sending a job, looking at it and sending the next (a pause of 20 s plus an exponential with a
 *       mean of 40 s). Between sessions and at night nobody sends anything: long idle gaps.</li>
 *   <li>{@code spiky}: a trickle (one job a minute on average) with a burst every 20 minutes on average of 10 to
 *       40 jobs within 20 s (a batch submitted at once), for 4 hours.</li>
 * </ul>
 */
public final class TraceGenerator {
    public static final List<String> SHAPES = List.of("steady", "office", "spiky");
    static final String ENDPOINT = "sdxl";

    private TraceGenerator() {}

    /**
     * @throws IllegalArgumentException for a shape not in {@link #SHAPES}
     */
    public static List<TraceJob> generate(String shape, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TraceJob> jobs = switch (shape.toLowerCase(Locale.ROOT)) {
            case "steady" -> steady(r);
            case "office" -> office(r);
            case "spiky" -> spiky(r);
            default -> throw new IllegalArgumentException("trace shape '" + shape + "': choose one of " + SHAPES);
        };
        jobs.sort(Comparator.comparingDouble(TraceJob::at));
        return List.copyOf(jobs);
    }

    /** What a trace file of this shape says about itself, for its comment lines. */
    public static List<String> describe(String shape, long seed) {
        return List.of("made by: comfyfleet simulate --generate " + shape + " --seed " + seed + " --out FILE",
                "shape " + shape + " (see TraceGenerator's Javadoc); time in seconds from Monday 00:00 UTC");
    }

    private static List<TraceJob> steady(SplittableRandom r) {
        List<TraceJob> jobs = new ArrayList<>();
        for (double t = exp(r, 10); t < 3 * 3600; t += exp(r, 10)) {
            jobs.add(job(r, t));
        }
        return jobs;
    }

    private static List<TraceJob> office(SplittableRandom r) {
        List<TraceJob> jobs = new ArrayList<>();
        int[] utcOffsets = {0, 1, 6};
        for (int day = 0; day < 2; day++) {
            for (int offset : utcOffsets) {
                for (int designer = 0; designer < 3; designer++) {
                    double dayStart = day * 86400.0 + (9 - offset) * 3600.0;
                    int sessions = 2 + r.nextInt(3);
                    for (int s = 0; s < sessions; s++) {
                        double start = dayStart + r.nextDouble() * 7.5 * 3600;
                        double end = Math.min(start + (10 + r.nextDouble() * 50) * 60, dayStart + 8 * 3600);
                        for (double t = start; t < end; t += 20 + exp(r, 40)) {
                            jobs.add(job(r, t));
                        }
                    }
                }
            }
        }
        // 09:00 at UTC+6 is 03:00 UTC: every job falls after Monday 00:00 UTC
        return jobs;
    }

    private static List<TraceJob> spiky(SplittableRandom r) {
        List<TraceJob> jobs = new ArrayList<>();
        double hours = 4 * 3600;
        for (double t = exp(r, 60); t < hours; t += exp(r, 60)) {
            jobs.add(job(r, t));
        }
        for (double t = exp(r, 1200); t < hours; t += exp(r, 1200)) {
            int n = 10 + r.nextInt(31);
            for (int i = 0; i < n; i++) {
                jobs.add(job(r, t + r.nextDouble() * 20));
            }
        }
        return jobs;
    }

    private static TraceJob job(SplittableRandom r, double at) {
        // log-normal: median 6 s, sigma 0.35 (most jobs 3 to 12 s)
        double seconds = 6 * Math.exp(0.35 * gaussian(r));
        String model = r.nextDouble() < 0.8 ? "sdxl-base" : "sdxl-turbo";
        return new TraceJob(Math.round(at * 1000) / 1000.0, ENDPOINT, Math.round(seconds * 1000) / 1000.0, model);
    }

    private static double exp(SplittableRandom r, double mean) {
        return -mean * Math.log(1 - r.nextDouble());
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
