package io.comfyfleet.fleet.provider;

import java.util.regex.Pattern;

/**
 * What to start: one worker for one endpoint, under an id chosen by the caller (the autoscaler).
 *
 * @param endpoint the endpoint whose jobs the worker takes
 * @param workerId the worker's id, which becomes {@code RUNPOD_POD_ID}; unique among live workers
 * @throws IllegalArgumentException when either is not 1 to 64 letters, digits, '.', '_' or '-' (both end up in
 *                                  URLs and environment variables)
 */
public record WorkerSpec(String endpoint, String workerId) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public WorkerSpec {
        check("endpoint", endpoint);
        check("workerId", workerId);
    }

    private static void check(String what, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " must be 1 to 64 letters, digits, '.', '_' or '-', got '" + value + "'");
        }
    }
}
