package io.comfyfleet.image.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The build context's files, made the same on every machine and every run: {@code .git} and Python caches left
 * out, modes normalized (0755 for executables and folders, 0644 for the rest), one fixed modification time. The
 * context digest is the sha256 of the sorted list of entries (path, kind, mode, content sha256 or link target).
 */
public final class ContextFiles {
    /** Every file and folder in the context gets this time, so COPY layers do not change with checkout times. */
    static final FileTime FIXED_TIME = FileTime.fromMillis(315_532_800_000L); // 1980-01-01T00:00:00Z
    private static final Set<PosixFilePermission> EXEC = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> PLAIN = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<String> SKIPPED = Set.of(".git", "__pycache__", ".DS_Store");

    private ContextFiles() {}

    /** Copies a file or folder tree into {@code dest}, leaving out {@code .git}, {@code __pycache__} and {@code *.pyc}. */
    static void copyTree(Path source, Path dest) throws IOException {
        if (!Files.isDirectory(source)) {
            Files.createDirectories(dest.getParent());
            Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            return;
        }
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(source) && skipped(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(dest.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!skipped(file)) {
                    Files.copy(file, dest.resolve(source.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING,
                            LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static boolean skipped(Path p) {
        String name = p.getFileName().toString();
        return SKIPPED.contains(name) || name.endsWith(".pyc");
    }

    /** Sets the fixed time and normalized modes on every entry under {@code root}. */
    static void normalize(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.toList();
        }
        // children first, so setting a folder's time is not undone by writing into it
        for (int i = all.size() - 1; i >= 0; i--) {
            Path p = all.get(i);
            if (Files.isSymbolicLink(p)) {
                continue;
            }
            boolean exec = Files.isDirectory(p) || Files.isExecutable(p);
            Files.setPosixFilePermissions(p, exec ? EXEC : PLAIN);
            Files.setLastModifiedTime(p, FIXED_TIME);
        }
    }

    /**
     * The context digest: sha256 over every entry, sorted by path.
     *
     * @param knownHashes content hashes already checked (large model files), by absolute path, to avoid reading
     *                    them twice
     */
    static String digest(Path root, Map<Path, String> knownHashes) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(all::add);
        }
        all.sort((a, b) -> root.relativize(a).toString().compareTo(root.relativize(b).toString()));
        StringBuilder list = new StringBuilder();
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            if (Files.isSymbolicLink(p)) {
                list.append("l ").append(rel).append(" -> ").append(Files.readSymbolicLink(p)).append('\n');
            } else if (Files.isDirectory(p)) {
                list.append("d ").append(rel).append(' ').append(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).append('\n');
            } else {
                String sha = knownHashes.get(p.toAbsolutePath());
                list.append("f ").append(rel).append(' ').append(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                        .append(' ').append(sha != null ? sha : Hashing.sha256(p)).append('\n');
            }
        }
        return Hashing.sha256(list.toString());
    }
}
