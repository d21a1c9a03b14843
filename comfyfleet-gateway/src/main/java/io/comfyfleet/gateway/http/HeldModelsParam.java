package io.comfyfleet.gateway.http;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The {@code models} query parameter of a job-take: the model files a ComfyFleet worker holds (the loader inputs of
 * the prompts ComfyUI still caches), newline-separated (a file name has no newline). RunPod's workers do not send it.
 * Names are bounded so a job-take stays a small request and a bad one cannot fill the registry: beyond
 * {@link #MAX_NAMES} names, or a name longer than {@link #MAX_NAME_CHARS}, the rest is dropped (routing then only
 * misses a preference; the job-take itself still works).
 */
final class HeldModelsParam {
    static final String NAME = "models";
    static final int MAX_NAMES = 64;
    static final int MAX_NAME_CHARS = 512;

    private HeldModelsParam() {}

    static Set<String> parse(String raw) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : raw.split("\n")) {
            String n = name.strip();
            if (!n.isEmpty() && n.length() <= MAX_NAME_CHARS && names.size() < MAX_NAMES) {
                names.add(n);
            }
        }
        return names;
    }
}
