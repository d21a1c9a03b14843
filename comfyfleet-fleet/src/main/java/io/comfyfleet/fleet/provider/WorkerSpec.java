package io.comfyfleet.fleet.provider;

import java.util.regex.Pattern;

/**
 * What to start: one worker for one endpoint, under an id chosen by the caller (the autoscaler), running a given
 * image.
 *
 * @param endpoint the endpoint whose jobs the worker takes
 * @param workerId the worker's id, which becomes {@code RUNPOD_POD_ID}; unique among live workers
 * @param image    the container image reference the worker runs (container and Kubernetes providers); null when
 *                 the provider runs one fixed launch of its own (local processes)
 * @throws IllegalArgumentException when endpoint or workerId is not 1 to 64 letters, digits, '.', '_' or '-' (both
 *                                  end up in URLs and environment variables), or the image is not a plausible
 *                                  image reference
 */
public record WorkerSpec(String endpoint, String workerId, String image) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** registry/path:tag@digest, lowercase path; loose on purpose: the engine has the final word. */
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9][A-Za-z0-9._:/@+-]{0,254}");

    public WorkerSpec {
        check("endpoint", endpoint);
        check("workerId", workerId);
        if (image != null && !IMAGE.matcher(image).matches()) {
            throw new IllegalArgumentException("image must be an image reference like"
                    + " registry.example.com/team/worker:1.2, got '" + image + "'");
        }
    }

    /** A worker of the provider's own fixed launch (no image). */
    public WorkerSpec(String endpoint, String workerId) {
        this(endpoint, workerId, null);
    }

    private static void check(String what, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " must be 1 to 64 letters, digits, '.', '_' or '-', got '" + value + "'");
        }
    }
}
