package io.comfyfleet.image.models;

import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.build.ContextFiles;
import io.comfyfleet.image.build.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run by the image's entrypoint before the worker starts: makes the recipe's non-baked models visible to ComfyUI.
 * A {@code cache} model is fetched once into the machine's cache folder ({@code <cache>/sha256/<hash>}), verified by
 * its sha256 while it streams, and only then given its final name, so every worker of the machine (each container
 * mounts the same folder) shares one copy; a file lock per hash keeps two starting workers from fetching it twice.
 * A {@code volume} model must exist on the mounted volume. Each model is linked as {@code <models>/<folder>/<name>}
 * and an {@code extra_model_paths.yaml} pointing ComfyUI at that folder is written.
 */
public final class ModelPreparer {
    private static final Logger log = LoggerFactory.getLogger(ModelPreparer.class);

    private final Path cacheDir;
    private final Path volumeDir;
    private final Path modelsDir;
    private final UnaryOperator<String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    public ModelPreparer(Path cacheDir, Path volumeDir, Path modelsDir, UnaryOperator<String> env) {
        this.cacheDir = cacheDir;
        this.volumeDir = volumeDir;
        this.modelsDir = modelsDir;
        this.env = env;
    }

    /**
     * Prepares every model and writes {@code extraModelPaths}.
     *
     * @throws ImageException naming the model: a volume file missing, a source unreachable, a hash that differs
     *     (with both hashes)
     */
    public void prepare(ModelManifest manifest, Path extraModelPaths) throws IOException {
        TreeSet<String> folders = new TreeSet<>();
        for (ModelManifest.Entry e : manifest.entries()) {
            Path file = switch (e.placement()) {
                case "cache" -> cached(e);
                case "volume" -> onVolume(e);
                default -> throw new ImageException(e.id() + ": unknown placement '" + e.placement() + "' in the manifest");
            };
            Path link = modelsDir.resolve(e.folder()).resolve(e.name());
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, file);
            folders.add(e.folder().split("/")[0]); // ComfyUI's folder; deeper parts stay in the name
        }
        StringBuilder yaml = new StringBuilder("# Written by comfyfleet image prepare-models at worker start.\ncomfyfleet:\n")
                .append("  base_path: ").append(modelsDir.toAbsolutePath()).append('\n');
        folders.forEach(f -> yaml.append("  ").append(f).append(": ").append(f).append('\n'));
        Files.createDirectories(extraModelPaths.toAbsolutePath().getParent());
        Files.writeString(extraModelPaths, yaml.toString());
    }

    private Path onVolume(ModelManifest.Entry e) {
        Path file = volumeDir.resolve(e.source()).normalize();
        if (!Files.isRegularFile(file)) {
            throw new ImageException("model " + e.id() + ": " + file + " is not on the volume; mount the volume at "
                    + volumeDir + " (COMFYFLEET_MODEL_VOLUME) and put the file there");
        }
        return file;
    }

    private Path cached(ModelManifest.Entry e) throws IOException {
        Path blob = cacheDir.resolve("sha256").resolve(e.sha256());
        if (Files.isRegularFile(blob)) {
            return blob; // only a verified file ever gets this name
        }
        Files.createDirectories(cacheDir.resolve("locks"));
        Files.createDirectories(blob.getParent());
        try (FileChannel lockFile = FileChannel.open(cacheDir.resolve("locks").resolve(e.sha256()),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            if (Files.isRegularFile(blob)) {
                log.info("model {}: fetched meanwhile by another worker of this machine", e.id());
                return blob;
            }
            long started = System.nanoTime();
            Path part = blob.resolveSibling(e.sha256() + ".part-" + ProcessHandle.current().pid());
            long bytes = download(e, part);
            String actual;
            try {
                actual = HexFormat.of().formatHex(digestOf(part));
            } catch (IOException ex) {
                Files.deleteIfExists(part);
                throw ex;
            }
            if (!actual.equals(e.sha256())) {
                Files.deleteIfExists(part);
                throw new ImageException("model " + e.id() + " from " + e.source() + ": sha256 " + actual
                        + " but the recipe says " + e.sha256());
            }
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
            log.info("model {}: fetched {} bytes into the cache in {} ms", e.id(), bytes,
                    (System.nanoTime() - started) / 1_000_000);
            return blob;
        }
    }

    private long download(ModelManifest.Entry e, Path part) throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(e.source())).GET();
        if (e.authEnv() != null) {
            String token = env.apply(e.authEnv());
            if (token == null || token.isEmpty()) {
                throw new ImageException("model " + e.id() + ": needs the environment variable " + e.authEnv()
                        + " (its token) in the worker's environment");
            }
            req.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<InputStream> r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    throw new ImageException("model " + e.id() + ": " + e.source() + " answered HTTP " + r.statusCode());
                }
                try (OutputStream out = Files.newOutputStream(part)) {
                    return in.transferTo(out);
                }
            }
        } catch (IOException ex) {
            Files.deleteIfExists(part);
            throw new ImageException("model " + e.id() + ": " + e.source() + " is unreachable: " + ex, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ImageException("model " + e.id() + ": interrupted while fetching", ex);
        }
    }

    private static byte[] digestOf(Path file) throws IOException {
        MessageDigest md = Hashing.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    /** For tests and operators: empties the cache folder. */
    static void clear(Path cacheDir) throws IOException {
        PathUtils.delete(cacheDir);
    }
}
