package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code comfyfleet up} started as a user starts it: its own OS process (this test JVM's classpath, so no jar has
 * to be built first) in a folder holding {@code comfyfleet.yaml}, its output collected line by line. Ready once
 * it prints the API line; {@link #close()} kills it and every process it started. Shared by the up end-to-end
 * test and the examples test.
 */
public final class UpProcess implements AutoCloseable {
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final List<ProcessHandle> seen = new CopyOnWriteArrayList<>();
    private String root;

    private UpProcess(Process process) {
        this.process = process;
    }

    /**
     * Writes {@code yaml} as {@code dir/comfyfleet.yaml}, runs {@code comfyfleet up --config comfyfleet.yaml
     * args...} in {@code dir} and waits up to 30 s for it to print the API address of {@code endpoint}.
     */
    public static UpProcess start(Path dir, String yaml, String endpoint, String... args) throws Exception {
        return start(Duration.ofSeconds(30), dir, yaml, endpoint, args);
    }

    /** As {@link #start(Path, String, String, String...)}, waiting up to {@code within} (several ups at once). */
    public static UpProcess start(Duration within, Path dir, String yaml, String endpoint, String... args)
            throws Exception {
        Files.writeString(dir.resolve("comfyfleet.yaml"), yaml);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "io.comfyfleet.cli.Main", "up", "--config", "comfyfleet.yaml"));
        command.addAll(List.of(args));
        UpProcess up = new UpProcess(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start());
        Thread.ofPlatform().daemon().start(up::collectOutput);
        Pattern apiLine = Pattern.compile("API: +(http://[^ ]+)/v2/" + Pattern.quote(endpoint) + "/run");
        // generous: on a loaded machine (two cores, many builds) up took over 60 s to listen
        await("up prints the API address").atMost(within.compareTo(Duration.ofSeconds(120)) > 0 ? within : Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                .until(() -> up.output.stream().anyMatch(l -> apiLine.matcher(l).find()) || !up.process.isAlive());
        Matcher m = up.output.stream().map(apiLine::matcher).filter(Matcher::find).findFirst()
                .orElseThrow(() -> {
                    up.close();
                    return new AssertionError("up did not start:\n" + up.tail());
                });
        up.root = m.group(1);
        return up;
    }

    private void collectOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output closed: " + e + ")");
        }
    }

    /**
     * The {@code workers.comfyui} section for {@code kind} "emulator" (zero-time) or "real" (the real ComfyUI
     * 0.3.64 at ../shared/comfyui/real beside the clone; the test is skipped when this machine lacks it).
     */
    public static String comfyui(String kind) {
        if (kind.equals("emulator")) {
            return "{emulator: true, emulatorArgs: [--zero-time]}";
        }
        String repo = System.getProperty("comfyfleet.repo.dir", "..");
        Path real = Path.of(repo).toAbsolutePath().resolve("../shared/comfyui/real").normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isExecutable(real.resolve("python")) && Files.isDirectory(real.resolve("ComfyUI")),
                "the real ComfyUI is not set up at " + real);
        return "{dir: \"" + real.resolve("ComfyUI") + "\", python: \"" + real.resolve("python") + "\"}";
    }

    /** The gateway's root URL, e.g. {@code http://127.0.0.1:41234}, as up printed it. */
    public String root() {
        return root;
    }

    /** The up process itself (to signal it, wait for it, list its children). */
    public Process process() {
        return process;
    }

    /** Every line up printed so far (stdout and stderr). */
    public List<String> output() {
        return output;
    }

    /** Remembers processes to kill in {@link #close()} even if they are no longer up's children by then. */
    public void remember(List<ProcessHandle> handles) {
        seen.addAll(handles);
    }

    /** The last 60 lines up printed, for assertion messages. */
    public String tail() {
        // a snapshot: a subList of the live list throws ConcurrentModificationException once up prints another line
        List<String> lines = List.copyOf(output);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    @Override
    public void close() {
        process.descendants().forEach(seen::add);
        process.destroyForcibly();
        seen.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * The first of {@code n} consecutive free ports, so each worker's emulator (basePort + slot) can have one; below
     * the kernel's ephemeral range (see {@link FreePorts}), where no outgoing connection can take one before the
     * worker's ComfyUI binds it.
     */
    public static int freePortRun(int n) {
        return FreePorts.run(n);
    }

    /** Asserts up printed the try-it curl and the dashboard line for {@code endpoint}. */
    public void assertPrintedTheWayIn(String endpoint) {
        assertThat(output).anyMatch(l -> l.startsWith("curl -s -X POST " + root + "/v2/" + endpoint + "/runsync"))
                .anyMatch(l -> l.equals("  dashboard:  " + root + "/"));
    }
}
