package io.comfyfleet.image.build;

import io.comfyfleet.image.ImageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a written context with {@code podman} or {@code docker} from PATH and optionally pushes it. Build secrets
 * go to the engine as {@code --secret id=ID,src=FILE} from a private temporary file outside the context, deleted
 * after the build: the Containerfile mounts them per step, so their values never reach a layer.
 */
public final class ImageBuilder {
    private final String engine;
    private final PrintStream log;

    /**
     * @param engine {@code podman} or {@code docker}
     * @param log    where the engine's output goes (stderr for the CLI, so stdout ends with the image reference)
     */
    public ImageBuilder(String engine, PrintStream log) {
        if (!engine.equals("podman") && !engine.equals("docker")) {
            throw new ImageException("--engine: must be podman or docker (got " + engine + ")");
        }
        this.engine = engine;
        this.log = log;
    }

    /**
     * @param secretValues the value of every secret the context mounts, by id
     * @throws ImageException when the engine is missing or the build fails (its output is in the log)
     */
    public void build(BuildContext context, String tag, Map<String, String> secretValues) throws IOException {
        List<Path> secretFiles = new ArrayList<>();
        try {
            List<String> cmd = new ArrayList<>(List.of(engine, "build"));
            if (engine.equals("podman")) {
                // the build's RUN steps reach package registries through the host's network (rootless and CI hosts
                // without a bridge network); docker's default bridge works
                cmd.add("--network=host");
            }
            cmd.addAll(List.of("-f", context.containerfile().toString(), "-t", tag,
                    "--label", "io.comfyfleet.context-digest=" + context.digest()));
            for (String id : context.secrets()) {
                String value = secretValues.get(id);
                if (value == null) {
                    throw new ImageException("secrets: no value for '" + id + "'");
                }
                Path f = Files.createTempFile("comfyfleet-secret", "",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                secretFiles.add(f);
                Files.writeString(f, value);
                cmd.addAll(List.of("--secret", "id=" + id + ",src=" + f));
            }
            cmd.add(context.dir().toString());
            run(cmd, "build");
        } finally {
            for (Path f : secretFiles) {
                Files.deleteIfExists(f);
            }
        }
    }

    public void push(String tag) {
        run(List.of(engine, "push", tag), "push");
    }

    private void run(List<String> cmd, String what) {
        log.println("comfyfleet image: " + String.join(" ", cmd));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (var in = p.getInputStream()) {
                in.transferTo(log);
            }
            int exit = p.waitFor();
            if (exit != 0) {
                throw new ImageException(engine + " " + what + " failed (exit " + exit + "); its output is above");
            }
        } catch (IOException e) {
            throw new ImageException("--engine: cannot run " + engine + " (is it installed and on PATH?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(engine + " " + what + " interrupted", e);
        }
    }
}
