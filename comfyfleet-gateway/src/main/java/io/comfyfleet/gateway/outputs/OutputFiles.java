package io.comfyfleet.gateway.outputs;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.JobFiles;
import io.comfyfleet.gateway.jobs.PayloadTooLargeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's store for worker outputs too large to inline: {@code <data>/outputs/<endpoint>/<jobId>/<name>}.
 * Uploads stream to a temporary file that is moved into place only when complete, so a reader never sees
 * half a file. Files go when their job is deleted (TTL or retention).
 */
public final class OutputFiles implements JobFiles {
    private static final Logger log = LoggerFactory.getLogger(OutputFiles.class);
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
    private static final int MAX_NAME = 200;

    private final Path root;

    public OutputFiles(Path dataDir) {
        this.root = dataDir.resolve("outputs");
    }

    /**
     * A file name safe to use on disk and in a URL: characters other than letters, digits, '.', '-' and '_'
     * become '_', and leading dots are dropped (no hidden files, no "..").
     *
     * @throws InvalidRequestException when nothing usable is left
     */
    public static String sanitize(String name) {
        String safe = UNSAFE.matcher(name == null ? "" : name).replaceAll("_").replaceFirst("^\\.+", "");
        if (safe.isEmpty() || safe.length() > MAX_NAME) {
            throw new InvalidRequestException("the file name must have 1 to " + MAX_NAME
                    + " letters, digits, '.', '-' or '_' (and not start with '.')");
        }
        return safe;
    }

    /**
     * Streams {@code body} into the job's folder under {@code safeName}, replacing an earlier file of that name.
     *
     * @throws PayloadTooLargeException when more than {@code maxBytes} arrive (nothing is kept)
     */
    public Path save(String endpoint, String jobId, String safeName, InputStream body, long maxBytes) {
        Path dir = root.resolve(endpoint).resolve(jobId);
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".upload-", ".part");
            try {
                try (OutputStream out = Files.newOutputStream(temp)) {
                    copyAtMost(body, out, maxBytes);
                }
                return Files.move(temp, dir.resolve(safeName), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store output " + safeName + " of job " + jobId, e);
        }
    }

    /** The stored file, if there is one. */
    public Optional<Path> find(String endpoint, String jobId, String safeName) {
        Path file = root.resolve(endpoint).resolve(jobId).resolve(safeName);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Deletes the folders of jobs for which {@code gone(endpoint, jobId)} is true; returns how many. */
    @Override
    public int deleteWhere(BiPredicate<String, String> gone) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int deleted = 0;
        try (DirectoryStream<Path> endpoints = Files.newDirectoryStream(root)) {
            for (Path endpointDir : endpoints) {
                try (DirectoryStream<Path> jobs = Files.newDirectoryStream(endpointDir)) {
                    for (Path jobDir : jobs) {
                        if (gone.test(endpointDir.getFileName().toString(), jobDir.getFileName().toString())) {
                            PathUtils.delete(jobDir);
                            deleted++;
                        }
                    }
                }
            }
        } catch (IOException e) {
            log.warn("cleaning up output files under {} failed: {}", root, e.toString());
        }
        return deleted;
    }

    /**
     * Copies the upload, telling the sender's failures (a body cut short, a connection gone) from the disk's: the
     * first are the client's to fix (a 400), the second the gateway's own (logged, a 500).
     */
    private static void copyAtMost(InputStream in, OutputStream out, long maxBytes) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = readUpload(in, buffer, total)) >= 0) {
            total += n;
            if (total > maxBytes) {
                throw new PayloadTooLargeException("the uploaded file", maxBytes);
            }
            out.write(buffer, 0, n);
        }
    }

    private static int readUpload(InputStream in, byte[] buffer, long readSoFar) {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new InvalidRequestException("the uploaded file could not be read after " + readSoFar + " bytes ("
                    + e.getMessage() + "): nothing was stored; send the whole file again", e);
        }
    }
}
