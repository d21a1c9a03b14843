package io.comfyfleet.worker.input;

import io.comfyfleet.core.net.AddressClass;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the worker may fetch when a job gives an input image by URL. By default: https only, public addresses
 * only, at most 50 MB, within 60 s, at most 5 redirects, each redirect checked like the first URL.
 *
 * @param allowHttp also fetch plain http URLs
 * @param allowedClasses address classes that are refused by default but allowed here (e.g. a private network
 *     that hosts the team's own file server)
 */
public record UrlPolicy(boolean allowHttp, Set<AddressClass> allowedClasses, long maxBytes, Duration timeout,
                        int maxRedirects) {
    public UrlPolicy {
        allowedClasses = allowedClasses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(allowedClasses));
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
    }

    public static UrlPolicy defaults() {
        return new UrlPolicy(false, Set.of(), 50L * 1024 * 1024, Duration.ofSeconds(60), 5);
    }
}
