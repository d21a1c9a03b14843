package io.comfyfleet.fleet.container;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker Engine API for tests: {@code podman system service} on a unix socket of its own (so tests running
 * at the same time do not share one), and images built with {@code podman build} from the local base image (no
 * registry is reachable here). Tests are skipped, saying why, where podman is not installed.
 */
public final class PodmanService implements AutoCloseable {
    /** The base every test image starts from (../shared/containers/setup.sh creates it). */
    public static final String BASE_IMAGE = "localhost/debian:bookworm";

    private final Path dir;
    private final Process service;
    private final URI host;

    private PodmanService(Path dir, Process service, URI host) {
        this.dir = dir;
        this.service = service;
        this.host = host;
    }

    /** Skips the calling test (class) when podman or the base image is missing. */
    public static void assumeAvailable() {
        assumeTrue(onPath("podman"), "podman is not installed: the container provider tests need it"
                + " (apt-get install podman; see the containers README)");
        assumeTrue(run(Duration.ofSeconds(30), "podman", "image", "exists", BASE_IMAGE) == 0,
                "the base image " + BASE_IMAGE + " is missing: the container provider tests build from it");
    }

    /** Starts the service; returns once the socket answers. */
    public static PodmanService start() throws IOException, InterruptedException {
        assumeAvailable();
        Path dir = Files.createTempDirectory("cf-podman-");
        Path socket = dir.resolve("podman.sock");
        Process p = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket)
                .redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile()).start();
        Instant deadline = Instant.now().plusSeconds(30);
        while (!Files.exists(socket)) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                p.destroyForcibly();
                throw new IllegalStateException("podman system service did not open " + socket + ": "
                        + Files.readString(dir.resolve("service.log")));
            }
            Thread.sleep(50);
        }
        return new PodmanService(dir, p, URI.create("unix://" + socket));
    }

    /** The {@code unix://} address of the service's socket. */
    public URI host() {
        return host;
    }

    /**
     * Builds {@code tag} from a Containerfile text and the given files (name → content) in a fresh context.
     *
     * @throws IllegalStateException with podman's output when the build fails
     */
    public static void build(String tag, String containerfile, java.util.Map<String, String> files, Path context)
            throws IOException {
        Files.createDirectories(context);
        Files.writeString(context.resolve("Containerfile"), containerfile);
        for (var f : files.entrySet()) {
            Path file = context.resolve(f.getKey());
            Files.writeString(file, f.getValue());
            file.toFile().setExecutable(true);
        }
        Path log = context.resolve("build.log");
        int code = run(Duration.ofMinutes(5), log, "podman", "build", "--network=host", "-q", "-t", tag,
                "-f", context.resolve("Containerfile").toString(), context.toString());
        if (code != 0) {
            throw new IllegalStateException("podman build of " + tag + " failed with " + code + ": "
                    + Files.readString(log));
        }
    }

    /** Removes containers carrying {@code label=value}, whatever state they are in (cleanup after a test). */
    public static void removeLabelled(String label, String value) {
        run(Duration.ofSeconds(60), "sh", "-c", "podman ps -aq --filter label=" + label + "=" + value
                + " | xargs -r podman rm -f -t 0");
    }

    @Override
    public void close() {
        service.destroy();
        try {
            if (!service.waitFor(10, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return List.of(path.split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    private static int run(Duration limit, String... command) {
        return run(limit, null, command);
    }

    private static int run(Duration limit, Path log, String... command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            if (log != null) {
                pb.redirectOutput(log.toFile());
            } else {
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            }
            Process p = pb.start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
