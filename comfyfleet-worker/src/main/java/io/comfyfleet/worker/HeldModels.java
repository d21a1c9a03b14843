package io.comfyfleet.worker;

import io.comfyfleet.comfy.workflow.LoaderInputs;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The model files this worker's ComfyUI still has loaded, as the gateway's model-affinity routing wants to know them
 * (sent on every job-take as {@code &models=}): the loader inputs ({@link LoaderInputs}) of the prompts it ran to
 * success, bounded the way ComfyUI's cache is (PROTOCOL.md; ComfyUI's {@code comfy/cli_args.py}):
 * <ul>
 * <li>the default (classic) cache keeps the node outputs of the last prompt only, so the models of the last prompt;
 * <li>{@code --cache-lru N} keeps up to N node results, each loader's one of them: the N most recently used names;
 * <li>{@code --cache-none} keeps nothing: every prompt loads its models again, so none.
 * </ul>
 * A failed prompt changes nothing here (what it loaded before failing is not known). Thread-safe.
 */
public final class HeldModels {
    private final int limit;
    private final boolean lastPromptOnly;
    private final LinkedHashSet<String> held = new LinkedHashSet<>();

    private HeldModels(int limit, boolean lastPromptOnly) {
        this.limit = limit;
        this.lastPromptOnly = lastPromptOnly;
    }

    /** ComfyUI's default cache: the last prompt's models. */
    public static HeldModels classicCache() {
        return new HeldModels(LoaderInputs.MAX_NAMES, true);
    }

    /** The bound for a ComfyUI started with {@code args} (its cache flags); the default cache when none is given. */
    public static HeldModels forComfyArgs(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--cache-none")) {
                return new HeldModels(0, true);
            }
            String lru = a.startsWith("--cache-lru=") ? a.substring("--cache-lru=".length())
                    : a.equals("--cache-lru") && i + 1 < args.size() ? args.get(i + 1) : null;
            if (lru != null) {
                try {
                    int n = Integer.parseInt(lru.strip());
                    if (n > 0) {
                        return new HeldModels(Math.min(n, LoaderInputs.MAX_NAMES), false);
                    }
                } catch (NumberFormatException e) {
                    // ComfyUI itself refuses to start with it; the default bound is as good as any
                }
            }
        }
        return classicCache();
    }

    /** A prompt with this API-format {@code workflow} ran to success. */
    public void ranSuccessfully(JsonNode workflow) {
        Set<String> names = LoaderInputs.of(workflow);
        synchronized (held) {
            if (lastPromptOnly) {
                held.clear();
            }
            for (String name : names) {
                held.remove(name); // most recently used last
                held.add(name);
            }
            while (held.size() > limit) {
                held.remove(held.iterator().next());
            }
        }
    }

    /** The models held now, least recently used first. */
    public Set<String> current() {
        synchronized (held) {
            return Set.copyOf(new LinkedHashSet<>(held));
        }
    }
}
