package io.comfyfleet.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The labels and annotations that mark ComfyFleet's worker pods, and the label-safe and name-safe forms of worker
 * ids, endpoints and image references. Labels are for selecting (Kubernetes restricts them to 63 characters of
 * {@code [A-Za-z0-9._-]}); the full values go in annotations, which the provider reads back.
 */
final class Labels {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY_VALUE = "comfyfleet";
    static final String NAME = "app.kubernetes.io/name";
    static final String NAME_VALUE = "comfyfleet-worker";
    /** Which ComfyFleet installation owns the pod: two fleets in one namespace never touch each other's pods. */
    static final String FLEET = "comfyfleet.io/fleet";
    static final String ENDPOINT = "comfyfleet.io/endpoint";
    static final String WORKER = "comfyfleet.io/worker";
    static final String VERSION = "comfyfleet.io/version";

    /** Annotations with the exact values (labels may be shortened). */
    static final String WORKER_ID_ANNOTATION = "comfyfleet.io/worker-id";
    static final String ENDPOINT_ANNOTATION = "comfyfleet.io/endpoint";
    static final String VERSION_ANNOTATION = "comfyfleet.io/version";

    private static final int LABEL_MAX = 63;

    private Labels() {}

    /**
     * A label value for {@code value}: characters outside {@code [A-Za-z0-9._-]} become '_', it starts and ends with a
     * letter or digit, and at most 63 characters. When that changed anything, a hash of the original keeps two values
     * apart ({@code registry.example.com:5000/worker:1.2} and {@code registry.example.com/5000/worker:1.2}).
     */
    static String labelValue(String value) {
        String safe = value.replaceAll("[^A-Za-z0-9._-]", "_");
        safe = trim(safe);
        if (safe.equals(value) && safe.length() <= LABEL_MAX) {
            return safe;
        }
        String hash = hash(value);
        int room = LABEL_MAX - hash.length() - 1;
        String head = trim(safe.length() > room ? safe.substring(0, room) : safe);
        return head.isEmpty() ? hash : head + "-" + hash;
    }

    /**
     * A pod name for a worker id: {@code comfyfleet-} and the id in lower case, '_' and '.' as '-' (a DNS label,
     * which keeps the pod's hostname valid), with a hash of the id when that changed it, so two ids never share a pod.
     */
    static String podName(String workerId) {
        String lower = workerId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        String name = "comfyfleet-" + lower;
        if (!lower.equals(workerId)) {
            name = name + "-" + hash(workerId);
        }
        return trim(name.length() > LABEL_MAX ? name.substring(0, LABEL_MAX - 9) + "-" + hash(workerId) : name);
    }

    private static String trim(String s) {
        return s.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }

    private static String hash(String value) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
