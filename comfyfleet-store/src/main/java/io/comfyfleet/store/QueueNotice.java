package io.comfyfleet.store;

import java.nio.charset.StandardCharsets;

/**
 * One notice on the {@code comfyfleet_queued} channel: {@code jobs} jobs of {@code endpoint} became IN_QUEUE
 * through the gateway {@code origin}. Its payload is {@code origin:endpoint}, or {@code origin#jobs:endpoint}
 * for more than one job; a gateway that reads only the first form takes {@code origin#jobs} for an origin and
 * still wakes one job-take (the periodic recheck finds the rest).
 */
record QueueNotice(String origin, String endpoint, int jobs) {
    /** More wake-ups than this from one notice would only find the takers already woken. */
    static final int MAX_JOBS = 10_000;

    QueueNotice {
        if (jobs < 1) {
            throw new IllegalArgumentException("a notice is for at least one job, got " + jobs);
        }
    }

    /** Whether PostgreSQL can send it: a NOTIFY payload must be shorter than 8,000 bytes. */
    boolean fits() {
        return payload().getBytes(StandardCharsets.UTF_8).length < 8_000;
    }

    String payload() {
        return (jobs == 1 ? origin : origin + "#" + jobs) + ":" + endpoint;
    }

    /** The notice in {@code payload}, or null when it is not one (another program on the channel). */
    static QueueNotice parse(String payload) {
        int colon = payload.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String from = payload.substring(0, colon);
        String endpoint = payload.substring(colon + 1);
        int hash = from.indexOf('#');
        if (hash < 0) {
            return new QueueNotice(from, endpoint, 1);
        }
        try {
            int jobs = Integer.parseInt(from.substring(hash + 1));
            return jobs < 1 ? null : new QueueNotice(from.substring(0, hash), endpoint, Math.min(jobs, MAX_JOBS));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
