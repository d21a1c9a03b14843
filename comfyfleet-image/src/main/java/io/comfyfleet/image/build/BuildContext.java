package io.comfyfleet.image.build;

import java.nio.file.Path;
import java.util.List;

/**
 * A written build context: the folder, its digest (the same recipe and inputs always give the same digest), and
 * the build secrets its Containerfile mounts.
 *
 * @param dir     the folder holding {@code Containerfile} and everything it copies
 * @param digest  sha256 of the sorted entries, 64 hex
 * @param secrets ids of the build secrets the Containerfile mounts
 */
public record BuildContext(Path dir, String digest, List<String> secrets) {
    public BuildContext {
        secrets = List.copyOf(secrets);
    }

    /** The default image reference: {@code localhost/comfyfleet-worker:<first 12 hex of the digest>}. */
    public String defaultTag() {
        return "localhost/comfyfleet-worker:" + digest.substring(0, 12);
    }

    public Path containerfile() {
        return dir.resolve("Containerfile");
    }
}
