package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files one job left in ComfyUI's folders (its uploads, outputs and temp previews), deleted when the job
 * ends so a long-lived worker does not fill its disk. Only possible when this worker launched ComfyUI and so
 * knows its folders; an attached ComfyUI keeps its files.
 */
final class JobFiles {
    private static final Logger log = LoggerFactory.getLogger(JobFiles.class);

    private final LaunchSpec.Folders folders; // null when attached
    private final List<Path> files = new ArrayList<>();
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
                FolderPaths.of(folders, f.ref()).ifPresent(files::add);
            }
        }
    }

    private void add(Path base, String subfolder, String name) {
        // never delete outside ComfyUI's folders, whatever a history entry says
        FolderPaths.inside(base, subfolder, name).ifPresent(files::add);
    }

    /** Deletes every file recorded; failures are logged, never thrown. */
    void deleteAll() {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                log.warn("Could not delete job file {}: {}", f, e.toString());
            }
        }
        files.clear();
        for (Path dir : jobFolders) {
            deleteEmptyFolder(dir);
        }
        jobFolders.clear();
    }

    /** Only once empty: the job's files were deleted one by one above, and anything else is not ours. */
    private static void deleteEmptyFolder(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            log.debug("Output folder {} still holds files that are not this job's", dir);
        } catch (IOException e) {
            log.warn("Could not delete job folder {}: {}", dir, e.toString());
        }
    }
}
