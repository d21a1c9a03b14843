package io.comfyfleet.emulator.files;

import io.comfyfleet.emulator.EmulatorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLConnection;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * The emulated ComfyUI's three folders and the rules it applies to them: output naming for saving nodes,
 * GET /view's traversal checks, /upload/image's rename-on-clash, LoadImage's input lookup. Thread-safe.
 */
public final class FileStore {
    /** Types Python's mimetypes would call active content; ComfyUI serves them as octet-stream. */
    private static final Set<String> UNSAFE_TYPES =
            Set.of("text/html", "text/html-sandboxed", "application/xhtml+xml", "text/javascript", "text/css");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("webp", "image/webp"), Map.entry("gif", "image/gif"), Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"), Map.entry("flac", "audio/flac"), Map.entry("mp3", "audio/mpeg"),
            Map.entry("wav", "audio/x-wav"), Map.entry("opus", "audio/ogg"), Map.entry("json", "application/json"),
            Map.entry("txt", "text/plain"), Map.entry("glb", "model/gltf-binary"), Map.entry("svg", "image/svg+xml"),
            Map.entry("html", "text/html"), Map.entry("js", "text/javascript"), Map.entry("css", "text/css"));

    private final Path output;
    private final Path input;
    private final Path temp;

    private FileStore(Path output, Path input, Path temp) {
        this.output = output;
        this.input = input;
        this.temp = temp;
    }

    /**
     * Opens the folders, creating them, and empties {@code tempRoot/temp} as ComfyUI does at startup
     * ({@code --temp-directory D} means {@code D/temp}).
     *
     * @throws EmulatorException if a folder cannot be created or cleaned
     */
    public static FileStore open(Path output, Path input, Path tempRoot) {
        try {
            Path temp = tempRoot.toAbsolutePath().normalize().resolve("temp");
            PathUtils.delete(temp);
            FileStore store = new FileStore(output.toAbsolutePath().normalize(), input.toAbsolutePath().normalize(), temp);
            for (FolderType type : FolderType.values()) {
                Files.createDirectories(store.root(type));
            }
            return store;
        } catch (IOException e) {
            throw new EmulatorException("cannot prepare the output/input/temp folders (" + output + ", " + input
                    + ", " + tempRoot + "): " + e.getMessage(), e);
        }
    }

    public Path root(FolderType type) {
        return switch (type) {
            case OUTPUT -> output;
            case INPUT -> input;
            case TEMP -> temp;
        };
    }

    /** ComfyUI removes the temp folder on exit too. */
    public void cleanTemp() {
        try {
            PathUtils.delete(temp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + temp, e);
        }
    }

    /**
     * Writes one file per payload under {@code <prefix>_<counter:05>_.<ext>} in the folder of {@code type}, for a node
     * that passes no image size (ComfyUI's SaveAudio: {@code %width%} and {@code %height%} become 0).
     *
     * @throws SaveError when the prefix leaves the folder or a write fails, as ComfyUI's Python reports it
     */
    public List<OutputFile> save(FolderType type, String prefix, String extension, List<byte[]> payloads)
            throws SaveError {
        return save(type, prefix, 0, 0, true, extension, payloads);
    }

    /**
     * Writes one file per payload under {@code <prefix>_<counter:05>_.<ext>} in the folder of {@code type}, with
     * {@code %width%} and {@code %height%} in the prefix filled from the image's size, and {@code %batch_num%} with
     * each file's index when {@code batchNumbers}. Synchronized so two saves never pick the same counter.
     *
     * @throws SaveError when the prefix leaves the folder or a write fails, as ComfyUI's Python reports it
     */
    public synchronized List<OutputFile> save(FolderType type, String prefix, int width, int height,
                                              boolean batchNumbers, String extension, List<byte[]> payloads)
            throws SaveError {
        try {
            SaveNaming.Slot slot = SaveNaming.reserve(root(type), prefix, width, height);
            List<OutputFile> files = new ArrayList<>();
            for (int i = 0; i < payloads.size(); i++) {
                String name = slot.fileName(i, extension, batchNumbers);
                Files.write(slot.folder().resolve(name), payloads.get(i));
                files.add(new OutputFile(name, slot.subfolder(), type.wireName()));
            }
            return files;
        } catch (IOException e) {
            throw SaveError.of(e);
        }
    }

    /** The input file a LoadImage value names ({@code "sub/a.png"} or {@code "a.png [output]"}), if it exists. */
    public Optional<Path> loadable(String value) {
        FolderType.Annotated annotated = FolderType.annotated(value);
        Path root = root(annotated.type() == null ? FolderType.INPUT : annotated.type());
        Path file = root.resolve(annotated.name()).normalize();
        return file.startsWith(root) && Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Files directly in the input folder, sorted: LoadImage's combo options and what validation accepts. */
    public List<String> inputFiles() {
        try (Stream<Path> files = Files.list(input)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** GET /view with ComfyUI 0.3.64's checks: 400 bad name or type, 403 subfolder escape, 404 missing. */
    public ViewAnswer view(String filename, String subfolder, String type) {
        if (filename == null) {
            return ViewAnswer.refused(404);
        }
        FolderType.Annotated annotated = FolderType.annotated(filename);
        String name = annotated.name();
        if (name.isEmpty()) {
            return ViewAnswer.refused(400);
        }
        if (name.startsWith("/") || name.contains("..")) {
            return ViewAnswer.refused(400);
        }
        FolderType folder = annotated.type();
        if (folder == null) {
            Optional<FolderType> parsed = FolderType.parse(type == null ? "output" : type);
            if (parsed.isEmpty()) {
                return ViewAnswer.refused(400);
            }
            folder = parsed.get();
        }
        Path dir = root(folder);
        if (subfolder != null) {
            Path sub = dir.resolve(subfolder).toAbsolutePath().normalize();
            if (!sub.startsWith(dir)) {
                return ViewAnswer.refused(403);
            }
            dir = sub;
        }
        String base = Path.of(name).getFileName().toString();
        Path file = dir.resolve(base);
        if (!Files.isRegularFile(file)) {
            return ViewAnswer.refused(404);
        }
        return new ViewAnswer(200, file, contentType(base));
    }

    /**
     * POST /upload/image: without overwrite, a clash keeps the existing name when the bytes hash the same,
     * else renames to {@code name (1).ext}, {@code name (2).ext}, ...
     */
    public synchronized UploadAnswer upload(byte[] data, String filename, String subfolder, String type, boolean overwrite)
            throws IOException {
        Optional<FolderType> folder = FolderType.parse(type == null ? "input" : type);
        if (folder.isEmpty()) {
            return UploadAnswer.refused(500);
        }
        if (filename == null || filename.isEmpty()) {
            return UploadAnswer.refused(400);
        }
        String sub = subfolder == null ? "" : subfolder;
        Path root = root(folder.get());
        Path dir = root.resolve(sub).normalize();
        Path target = dir.resolve(filename).normalize();
        if (!target.startsWith(root)) {
            return UploadAnswer.refused(400);
        }
        Files.createDirectories(dir);
        String name = filename;
        boolean duplicate = false;
        if (!overwrite) {
            int dot = filename.lastIndexOf('.');
            String stem = dot <= 0 ? filename : filename.substring(0, dot);
            String ext = dot <= 0 ? "" : filename.substring(dot);
            for (int i = 1; Files.exists(target); i++) {
                if (sha256(Files.readAllBytes(target)).equals(sha256(data))) {
                    duplicate = true;
                    break;
                }
                name = stem + " (" + i + ")" + ext;
                target = dir.resolve(name);
            }
        }
        if (!duplicate) {
            Files.write(target, data);
        }
        return new UploadAnswer(200, name, sub, folder.get().wireName());
    }

    public static String contentType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String ext = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
        String type = TYPES.getOrDefault(ext, URLConnection.guessContentTypeFromName(fileName));
        if (type == null || UNSAFE_TYPES.contains(type)) {
            return "application/octet-stream";
        }
        return type;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
