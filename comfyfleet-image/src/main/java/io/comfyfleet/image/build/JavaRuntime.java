package io.comfyfleet.image.build;

import io.comfyfleet.image.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.commons.io.file.PathUtils;

/**
 * A small Java runtime for the worker made with {@code jlink} from the building JDK (base images such as Debian
 * bookworm only ship Java 17; the worker needs 21+). Kept in the cache folder per JDK and module list, so rebuilds
 * reuse it: jlink takes tens of seconds on a small machine.
 */
final class JavaRuntime {
    private JavaRuntime() {}

    /**
     * @param javaHome a JDK 21+ with {@code bin/jlink} and {@code jmods}
     * @return the runtime folder in the cache
     * @throws ImageException naming {@code JAVA_HOME} when the JDK cannot jlink, or {@code worker.javaModules} when a
     *     module is unknown
     */
    static Path create(Path javaHome, List<String> modules, Path cacheDir) throws IOException {
        Path jlink = javaHome.resolve("bin/jlink");
        Path release = javaHome.resolve("release");
        if (!Files.isExecutable(jlink) || !Files.isRegularFile(release)) {
            throw new ImageException("JAVA_HOME: " + javaHome + " is not a JDK with bin/jlink; set JAVA_HOME to a JDK 21+"
                    + " (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)");
        }
        String releaseText = Files.readString(release);
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(releaseText);
        if (!v.find() || Integer.parseInt(v.group(1)) < 21) {
            throw new ImageException("JAVA_HOME: " + javaHome + " is older than Java 21, which the worker needs");
        }
        String key = Hashing.sha256(javaHome.toRealPath() + "\n" + releaseText + "\n" + String.join(",", modules)).substring(0, 16);
        Path target = cacheDir.resolve("java-runtime").resolve(key);
        if (Files.isExecutable(target.resolve("bin/java"))) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(key + ".tmp-" + ProcessHandle.current().pid());
        PathUtils.delete(tmp);
        Processes.check(null, List.of(jlink.toString(), "--add-modules", String.join(",", modules), "--strip-debug",
                "--no-header-files", "--no-man-pages", "--compress=zip-6", "--output", tmp.toString()),
                "worker.javaModules: jlink could not make the worker's Java runtime");
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            PathUtils.delete(tmp); // another build made it first
            if (!Files.isExecutable(target.resolve("bin/java"))) {
                throw e;
            }
        }
        return target;
    }
}
