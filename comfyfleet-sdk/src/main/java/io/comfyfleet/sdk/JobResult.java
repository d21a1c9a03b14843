package io.comfyfleet.sdk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A COMPLETED job: its status figures, raw {@code output}, and the output files. Files come from ComfyFleet's
 * {@code outputs} list when present (every kind, with node ids and MIME types), else from worker-comfyui's
 * {@code images} list, so the same code reads both.
 */
public final class JobResult {
    private final JobStatus status;
    private final List<Output> outputs;

    JobResult(JobStatus status, List<Output> outputs) {
        this.status = status;
        this.outputs = List.copyOf(outputs);
    }

    public String id() {
        return status.id();
    }

    public JobStatus status() {
        return status;
    }

    /** The job's {@code output} exactly as the worker returned it (null when it returned none). */
    public JsonNode output() {
        return status.output();
    }

    /** The output files (empty when the workflow produced none). */
    public List<Output> outputs() {
        return outputs;
    }

    /** Non-fatal errors the worker reported next to the outputs (files it could not deliver). */
    public List<String> errors() {
        List<String> errors = new ArrayList<>();
        JsonNode list = output() == null ? null : output().get("errors");
        if (list != null && list.isArray()) {
            list.forEach(e -> errors.add(e.isString() ? e.asString() : e.toString()));
        }
        return errors;
    }

    /**
     * Saves every output file into {@code folder}; returns the paths in output order. Outputs of the same name (two
     * save nodes with prefixes {@code a/img} and {@code b/img} both make {@code img_00001_.png}, in two subfolders)
     * each get a file of their own: the second is saved as {@code img_00001_-2.png}, and so on; before, the last one
     * replaced the others.
     *
     * @throws ComfyFleetException when a download fails
     * @throws java.io.UncheckedIOException when a file cannot be written
     */
    public List<Path> saveTo(Path folder) {
        List<Path> paths = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (Output o : outputs) {
            paths.add(o.saveTo(folder, unused(o.safeName(), taken)));
        }
        return paths;
    }

    /** {@code name}, or {@code stem-2.ext}, {@code stem-3.ext}, ... when taken (ignoring case, as some disks do). */
    private static String unused(String name, Set<String> taken) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String extension = dot > 0 ? name.substring(dot) : "";
        String candidate = name;
        for (int n = 2; !taken.add(candidate.toLowerCase(Locale.ROOT)); n++) {
            candidate = stem + "-" + n + extension;
        }
        return candidate;
    }
}
