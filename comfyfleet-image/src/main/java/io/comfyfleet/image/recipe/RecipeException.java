package io.comfyfleet.image.recipe;

import io.comfyfleet.image.ImageException;
import java.util.List;

/** A recipe is invalid; every problem is listed, each starting with the key to change (e.g. {@code models[1].sha256}). */
public final class RecipeException extends ImageException {
    private final List<String> problems;

    public RecipeException(String file, List<String> problems) {
        super(file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + ":\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, each starting with the key at fault. */
    public List<String> problems() {
        return problems;
    }
}
