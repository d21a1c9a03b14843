package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.UploadOptions;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's files: its scratch folder on the worker, the input images it uploaded to ComfyUI and the outputs
 * ComfyUI wrote for it, all deleted when the job ends. The deletion runs off the job thread (unlinks cost
 * milliseconds the result need not wait for); the next job's workspace opens only once it is done, so a
 * clean-up never deletes a file the next job uploaded.
 */
final class JobWorkspace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWorkspace.class);

    private final Path scratch;
    private final JobFiles files;
    private final LaunchSpec.Folders folders; // null when attached
    private final ComfyClient comfy;
    private final Sequence sequence;

    private JobWorkspace(Path scratch, LaunchSpec.Folders folders, ComfyClient comfy, Sequence sequence) {
        this.scratch = scratch;
        this.folders = folders;
        this.files = new JobFiles(folders);
        this.comfy = comfy;
        this.sequence = sequence;
    }

    /** The worker's scratch folder for this job's downloads (created by whoever writes into it). */
    Path scratch() {
        return scratch;
    }

    /**
     * Uploads one staged input to ComfyUI's input folder and returns the name ComfyUI stored it under; a file
     * that was there before this job (e.g. baked into the image) is not ours to delete afterwards.
     */
    String upload(String name, Path file) {
        boolean existed = folders == null || Files.exists(folders.input().resolve(name));
        String stored = comfy.uploadImage(name, () -> {
            try {
                return Files.newInputStream(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, new UploadOptions("input", "", true)).name();
        if (!existed) {
            files.addInputs(List.of(stored));
        }
        return stored;
    }

    /** The prompt's own output folder ({@link OutputIsolation}), removed whole at the end. */
    void addOutputFolder(String token) {
        files.addOutputFolder(token);
    }

    /** The files a run wrote, deleted at the end. */
    void addOutputs(RunOutputs outputs) {
        files.addOutputs(outputs);
    }

    /** Starts deleting everything recorded, in the background; the next {@link Sequence#open} waits for it. */
    @Override
    public void close() {
        sequence.cleanUp(() -> {
            files.deleteAll();
            try {
                PathUtils.delete(scratch);
            } catch (IOException e) {
                log.warn("Could not delete scratch folder {}: {}", scratch, e.toString());
            }
        });
    }

    /** Opens one workspace after another on a worker, each after the clean-up of the one before. */
    static final class Sequence {
        private final Path workDir;
        private final ComfySupervisor supervisor;
        private final ComfyClient comfy;
        private Thread cleanup;

        Sequence(Path workDir, ComfySupervisor supervisor, ComfyClient comfy) {
            this.workDir = workDir;
            this.supervisor = supervisor;
            this.comfy = comfy;
        }

        /** The next job's workspace, once the last job's files are gone. */
        JobWorkspace open() throws InterruptedException {
            awaitCleanup();
            return new JobWorkspace(workDir.resolve("jobs").resolve(UUID.randomUUID().toString()),
                    supervisor.folders().orElse(null), comfy, this);
        }

        /** Waits for the last clean-up (at exit, so no file is left half-deleted). */
        void awaitCleanup() throws InterruptedException {
            Thread last;
            synchronized (this) {
                last = cleanup;
            }
            if (last != null) {
                last.join();
            }
        }

        private synchronized void cleanUp(Runnable deletion) {
            cleanup = Thread.ofVirtual().name("job-files-cleanup").start(deletion);
        }
    }
}
