package io.comfyfleet.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Node.js project for tests that drive ComfyFleet with JavaScript (RunPod's {@code runpod-sdk} from npm): its
 * files are copied into a folder under {@code target/} and {@code npm install} runs there the first time only, so
 * the sources stay free of {@code node_modules}. Shared with other modules through this module's test-jar.
 */
public final class NodeProject {
    private NodeProject() {}

    /** True when {@code node --version} runs: tests without Node are skipped, not failed. */
    public static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Copies {@code files} from {@code sources} into {@code work} and installs their package.json's
     * dependencies there unless {@code node_modules/<marker>} already exists; fails the test if npm fails.
     * Two test JVMs (forks) may prepare the same folder at once (the examples test and the real ComfyUI test share
     * one): they take turns on a file lock, and a file already as in the sources is left alone, so a script the other
     * is running is never rewritten under it.
     */
    public static void prepare(Path sources, Path work, List<String> files, String marker)
            throws IOException, InterruptedException {
        Files.createDirectories(work);
        try (FileChannel lock = FileChannel.open(work.resolve(".prepare.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = lock.lock()) {
            for (String file : files) {
                Path target = work.resolve(file);
                if (!Files.exists(target) || Files.mismatch(sources.resolve(file), target) != -1) {
                    Files.copy(sources.resolve(file), target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!Files.isDirectory(work.resolve("node_modules").resolve(marker))) {
                Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                        .directory(work.toFile()).redirectErrorStream(true).start();
                boolean ended = npm.waitFor(180, TimeUnit.SECONDS);
                String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!ended) {
                    npm.destroyForcibly();
                }
                assertThat(ended && npm.exitValue() == 0).as("npm install in %s failed:%n%s", work, output).isTrue();
            }
        }
    }

    /** Runs {@code node args...} in {@code work} with extra environment; output is stdout and stderr together. */
    public static Run run(Path work, java.util.Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("node"));
        command.addAll(List.of(args));
        // output goes to a file, not a pipe read by a pool thread: a blocked common-pool thread (it has one on a
        // 2-core machine) starves the JDK HttpClient's WebSocket handshakes in the same JVM
        Path log = Files.createTempFile(work.toAbsolutePath(), "node-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process node = builder.start();
        boolean ended = node.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Run(ended, ended ? node.exitValue() : -1, text);
    }

    /** How a node run ended: within the time or not, its exit status (-1 if killed) and its output. */
    public record Run(boolean ended, int exitCode, String output) {}
}
