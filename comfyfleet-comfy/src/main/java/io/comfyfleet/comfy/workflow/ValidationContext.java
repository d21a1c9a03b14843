package io.comfyfleet.comfy.workflow;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What ComfyUI's validation needs beyond the prompt and the catalogue: which files exist for upload pickers
 * (LoadImage, LoadImageMask, LoadImageOutput, LoadAudio, LoadVideo check that the named file exists rather than
 * that it is in the combo list), the request's {@code partial_execution_targets}, and the install path that shows
 * in exception tracebacks. Immutable; the {@code with...} methods return changed copies.
 */
public final class ValidationContext {
    /** Where an upload picker's file lives: ComfyUI's input, output or temp folder. */
    public enum Folder { INPUT, OUTPUT, TEMP }

    /** Answers whether a file exists, as {@code os.path.exists(os.path.join(folder, name))} would. */
    @FunctionalInterface
    public interface FileLookup {
        boolean exists(Folder folder, String name);
    }

    /** ComfyUI's path in the recordings; it shows in exception tracebacks. */
    public static final String DEFAULT_COMFY_ROOT = "/opt/ComfyUI";

    private final FileLookup files;
    private final JsonNode partialExecutionTargets;
    private final String comfyRoot;

    private ValidationContext(FileLookup files, JsonNode partialExecutionTargets, String comfyRoot) {
        this.files = files;
        this.partialExecutionTargets = partialExecutionTargets;
        this.comfyRoot = comfyRoot;
    }

    /**
     * Files exist exactly when the catalogue's combo for that input lists them: what ComfyUI saw in its input
     * folder when it answered /object_info. Annotated names ({@code "x.png [output]"}) never exist this way.
     */
    public static ValidationContext filesListedInCatalog() {
        return new ValidationContext(null, null, DEFAULT_COMFY_ROOT);
    }

    /** Only these names exist, in the input folder; nothing exists in output or temp. */
    public static ValidationContext withInputFiles(Collection<String> names) {
        Set<String> copy = Set.copyOf(Objects.requireNonNull(names, "names"));
        return withFiles((folder, name) -> folder == Folder.INPUT && copy.contains(name));
    }

    /** Files exist as the lookup says (e.g. the emulator's own folders). */
    public static ValidationContext withFiles(FileLookup lookup) {
        return new ValidationContext(Objects.requireNonNull(lookup, "lookup"), null, DEFAULT_COMFY_ROOT);
    }

    /** Files exist when they exist on disk under these folders, as ComfyUI checks (absolute names escape them). */
    public static ValidationContext withFolders(Path input, Path output, Path temp) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(temp, "temp");
        return withFiles((folder, name) -> {
            Path base = switch (folder) {
                case INPUT -> input;
                case OUTPUT -> output;
                case TEMP -> temp;
            };
            try {
                return Files.exists(base.resolve(name));
            } catch (InvalidPathException e) {
                return false; // os.path.exists answers False for names it cannot use
            }
        });
    }

    /**
     * The request's {@code partial_execution_targets} value (normally a list of node ids): only output nodes in
     * it run. {@code null} (or JSON null) means all outputs. Kept as JSON because ComfyUI applies Python's {@code in} to whatever
     * was sent.
     */
    public ValidationContext withPartialExecutionTargets(JsonNode targets) {
        boolean all = targets == null || targets.isMissingNode() || targets.isNull();
        return new ValidationContext(files, all ? null : targets.deepCopy(), comfyRoot);
    }

    /** The ComfyUI install path shown in tracebacks, default {@value #DEFAULT_COMFY_ROOT}. */
    public ValidationContext withComfyRoot(String root) {
        return new ValidationContext(files, partialExecutionTargets, Objects.requireNonNull(root, "root"));
    }

    Optional<FileLookup> files() {
        return Optional.ofNullable(files);
    }

    Optional<JsonNode> partialExecutionTargets() {
        return Optional.ofNullable(partialExecutionTargets);
    }

    String comfyRoot() {
        return comfyRoot;
    }
}
