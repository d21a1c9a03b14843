package io.comfyfleet.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A notice on the same channel as {@link QueueNotice}: these jobs changed through the gateway {@code origin}
 * (ended, cancelled, progressed, streamed, taken, requeued or purged), so calls waiting on one of them at another
 * gateway ({@code /runsync}, {@code /status-sync}, {@code /stream}, the events route) read it again. Payload
 * {@code origin!id,id,...}: told apart from a queue notice ({@code origin:endpoint}) by which of {@code !} and
 * {@code :} comes first; neither an origin nor a job id holds either.
 */
record JobChangeNotice(String origin, List<String> jobIds) {
    /** A NOTIFY payload must be shorter than 8,000 bytes. */
    private static final int MAX_PAYLOAD_BYTES = 7_900;

    JobChangeNotice {
        jobIds = List.copyOf(jobIds);
        if (jobIds.isEmpty()) {
            throw new IllegalArgumentException("a notice is for at least one job");
        }
    }

    String payload() {
        return origin + "!" + String.join(",", jobIds);
    }

    /** The notices that carry {@code jobIds} from {@code origin}, each small enough to send. */
    static List<JobChangeNotice> of(String origin, Iterable<String> jobIds) {
        List<JobChangeNotice> notices = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int bytes = origin.length() + 1;
        for (String id : jobIds) {
            int size = id.getBytes(StandardCharsets.UTF_8).length + 1;
            if (!ids.isEmpty() && bytes + size > MAX_PAYLOAD_BYTES) {
                notices.add(new JobChangeNotice(origin, ids));
                ids = new ArrayList<>();
                bytes = origin.length() + 1;
            }
            ids.add(id);
            bytes += size;
        }
        if (!ids.isEmpty()) {
            notices.add(new JobChangeNotice(origin, ids));
        }
        return notices;
    }

    /** The notice in {@code payload}, or null when it is not one (a queue notice, another program's). */
    static JobChangeNotice parse(String payload) {
        int bang = payload.indexOf('!');
        int colon = payload.indexOf(':');
        if (bang <= 0 || (colon >= 0 && colon < bang) || bang == payload.length() - 1) {
            return null;
        }
        List<String> ids = List.of(payload.substring(bang + 1).split(","));
        return ids.stream().anyMatch(String::isEmpty) ? null : new JobChangeNotice(payload.substring(0, bang), ids);
    }
}
