package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files one job left in ComfyUI's folders (its uploads, outputs and temp previews), deleted when the job
 * ends so a long-lived worker does not fill its disk. Only possible when this worker launched ComfyUI and so
 * knows its folders; an attached ComfyUI keeps its files.
 *
 * <p>The folders ComfyUI made for them go too, once empty: a prefix such as {@code jobs/abc/img} makes ComfyUI
 * create {@code jobs/abc}, and a worker that left such folders behind would fill its output folder with empty
 * ones, one set per job. A folder that still holds anything is not the job's alone and stays.
 */
final class JobFiles {
    private static final Logger log = LoggerFactory.getLogger(JobFiles.class);

    private final LaunchSpec.Folders folders; // null when attached
    private final List<JobFile> files = new ArrayList<>();
    private final List<Path> jobFolders = new ArrayList<>();

    JobFiles(LaunchSpec.Folders folders) {
        this.folders = folders;
    }

    void addInputs(List<String> names) {
        if (folders != null) {
            names.forEach(n -> add(folders.input(), "", n));
        }
    }

    /** The job's own output folder ({@code <output>/<token>}, see {@link OutputIsolation}), removed whole. */
    void addOutputFolder(String token) {
        if (folders != null) {
            Path root = folders.output().toAbsolutePath().normalize();
            Path dir = root.resolve(token).normalize();
            if (dir.startsWith(root) && !dir.equals(root)) {
                jobFolders.add(dir);
            }
        }
    }

    void addOutputs(RunOutputs outputs) {
        if (folders == null || outputs == null) {
            return;
        }
        for (OutputFile f : outputs.files()) {
            if (!"input".equals(f.type())) { // an output that names an input file is not the job's to delete
                FolderPaths.root(folders, f.ref().type()).ifPresent(root -> add(root, f.ref().subfolder(), f.ref().filename()));
            }
        }
    }

    private void add(Path base, String subfolder, String name) {
        // never delete outside ComfyUI's folders, whatever a history entry says
        FolderPaths.inside(base, subfolder, name).ifPresent(f -> files.add(new JobFile(base.toAbsolutePath().normalize(), f)));
    }

    /** Deletes every file recorded, then the folders left empty; failures are logged, never thrown. */
    void deleteAll() {
        for (JobFile f : files) {
            try {
                Files.deleteIfExists(f.path());
            } catch (IOException e) {
                log.warn("Could not delete job file {}: {}", f.path(), e.toString());
            }
            // up to (not including) ComfyUI's own folder: the folders of a prefix such as jobs/abc/img
            for (Path dir = f.path().getParent(); dir != null && dir.startsWith(f.root()) && !dir.equals(f.root());
                    dir = dir.getParent()) {
                if (!deleteEmptyFolder(dir)) {
                    break;
                }
            }
        }
        files.clear();
        for (Path dir : jobFolders) {
            deleteEmptyFolders(dir);
        }
        jobFolders.clear();
    }

    /** The job's own folder and the empty folders in it, deepest first (a save node may make them and fail). */
    private static void deleteEmptyFolders(Path top) {
        if (!Files.isDirectory(top)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(JobFiles::deleteEmptyFolder);
        } catch (IOException | java.io.UncheckedIOException e) {
            log.warn("Could not clear job folder {}: {}", top, e.toString());
        }
    }

    /** Deletes {@code dir} only once empty (anything else in it is not this job's); true when it is gone. */
    private static boolean deleteEmptyFolder(Path dir) {
        try {
            Files.deleteIfExists(dir);
            return true;
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            log.debug("Output folder {} still holds files that are not this job's", dir);
        } catch (IOException e) {
            log.warn("Could not delete job folder {}: {}", dir, e.toString());
        }
        return false;
    }

    /** A file to delete and the ComfyUI folder ({@code output}, {@code input}, temp) it lies in. */
    private record JobFile(Path root, Path path) {}
}
