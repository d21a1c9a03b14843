package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.container.PodmanService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * A worker image for the container end-to-end test, built here from the local base image: a Java runtime made with
 * {@code jlink} from the JDK running the test (Debian bookworm has only Java 17), this program's runtime class path
 * (the tests run before the runnable jar is packaged; it holds the same classes), and an entrypoint that runs
 * {@code comfyfleet worker} launching the ComfyUI emulator, as {@code up --emulator} does, on the port the
 * container provider gives it ({@code COMFYFLEET_COMFYUI_PORT}).
 */
final class ContainerWorkerImage {
    static final String TAG = "localhost/comfyfleet-e2e-worker:1";
    /** What this program needs of the JDK (java.desktop: the emulator writes PNGs with ImageIO). */
    private static final String MODULES = "java.base,java.desktop,java.logging,java.management,java.naming,"
            + "java.net.http,java.sql,java.xml,java.instrument,java.security.jgss,jdk.unsupported,jdk.zipfs";

    private ContainerWorkerImage() {}

    /** Builds the image from a context under {@code target/}. */
    static void build() throws IOException, InterruptedException {
        Path target = Path.of("target").toAbsolutePath();
        Path context = target.resolve("container-e2e");
        // jlink takes a minute on a busy machine: one runtime per JDK version, kept in the temp folder across builds
        Path runtime = Path.of(System.getProperty("java.io.tmpdir"),
                "comfyfleet-e2e-jre-" + Runtime.version() + "-" + Integer.toHexString(MODULES.hashCode()));
        if (!Files.isExecutable(runtime.resolve("bin/java"))) {
            jlink(runtime);
        }
        Path jre = context.resolve("java");
        PathUtils.delete(jre);
        copyTree(runtime, jre);
        Path lib = context.resolve("lib");
        PathUtils.delete(lib);
        Files.createDirectories(lib);
        List<String> classPath = new ArrayList<>();
        List<Path> entries = new ArrayList<>();
        entries.add(target.resolve("classes"));
        for (String e : Files.readString(target.resolve("runtime-classpath.txt")).strip().split(java.io.File.pathSeparator)) {
            entries.add(Path.of(e));
        }
        int dirs = 0;
        for (Path entry : entries) {
            if (Files.isDirectory(entry)) {
                Path copy = lib.resolve("classes-" + dirs++);
                copyTree(entry, copy);
                classPath.add("/opt/comfyfleet/lib/" + copy.getFileName());
            } else if (Files.isRegularFile(entry)) {
                Files.copy(entry, lib.resolve(entry.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        classPath.add("/opt/comfyfleet/lib/*");
        String cp = String.join(":", classPath);
        String jvm = "/opt/java/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto"
                + " --enable-native-access=ALL-UNNAMED -cp '" + cp + "' io.comfyfleet.cli.Main";
        // the ComfyUI port comes from COMFYFLEET_COMFYUI_PORT, the gateway from RUNPOD_WEBHOOK_*
        String worker = "#!/bin/sh\nexec " + jvm + " worker --shutdown-grace 5 --stop-grace 3 --ready-timeout 90"
                + " --comfyui-command '/opt/comfyfleet/emulator.sh --port {port} --output-directory {output}"
                + " --input-directory {input} --temp-directory {temp}' \"$@\"\n";
        // zero time: the emulator's default copies an H100 ComfyUI's 13.7 s start, which the test does not look at
        String emulator = "#!/bin/sh\nexec " + jvm + " emulator --zero-time \"$@\"\n";
        PodmanService.build(TAG, "FROM " + PodmanService.BASE_IMAGE + "\n"
                + "COPY java /opt/java\n"
                + "COPY lib /opt/comfyfleet/lib\n"
                + "COPY worker.sh emulator.sh /opt/comfyfleet/\n"
                + "WORKDIR /var/lib/comfyfleet\n"
                + "ENTRYPOINT [\"/opt/comfyfleet/worker.sh\"]\n", Map.of("worker.sh", worker, "emulator.sh", emulator),
                context);
    }

    private static void jlink(Path out) throws IOException, InterruptedException {
        Path partial = Path.of(out + ".partial-" + ProcessHandle.current().pid());
        PathUtils.delete(partial);
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        Process p = new ProcessBuilder(jlink.toString(), "--add-modules", MODULES, "--strip-debug", "--no-man-pages",
                "--no-header-files", "--compress=zip-6", "--output", partial.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("jlink failed: " + log);
        }
        try {
            Files.move(partial, out); // whole or not at all, for a concurrent or interrupted build
        } catch (java.nio.file.FileAlreadyExistsException e) {
            PathUtils.delete(partial);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(f -> {
                try {
                    Path dest = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
