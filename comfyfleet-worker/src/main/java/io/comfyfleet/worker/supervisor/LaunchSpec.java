package io.comfyfleet.worker.supervisor;

import io.comfyfleet.worker.config.WorkerConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start one ComfyUI: the command, its working folder, and the address it will answer on. Per-worker
 * input, output and temp folders keep two workers on one machine from seeing each other's files.
 *
 * @param command the program and its arguments, run without a shell unless the user asked for one
 * @param workDir the process's working folder
 * @param baseUrl where the started ComfyUI answers, e.g. {@code http://127.0.0.1:8188}
 * @param folders the input/output/temp folders handed to ComfyUI
 */
public record LaunchSpec(List<String> command, Path workDir, URI baseUrl, Folders folders) {
    /** The folders a launched ComfyUI reads inputs from and writes outputs and temporaries to. */
    public record Folders(Path input, Path output, Path temp) {
        static Folders under(Path root) {
            return new Folders(root.resolve("input"), root.resolve("output"), root.resolve("temp"));
        }

        void create() throws java.io.IOException {
            Files.createDirectories(input);
            Files.createDirectories(output);
            Files.createDirectories(temp);
        }
    }

    public LaunchSpec {
        command = List.copyOf(command);
    }

    /**
     * {@code python main.py --listen 127.0.0.1 --port N --disable-auto-launch --input-directory … --output-directory …
     * --temp-directory … [--preview-method latent2rgb] [extra…]} in {@code comfyDir}.
     *
     * @throws WorkerConfigException naming {@code --comfyui-dir} when it holds no {@code main.py}
     */
    public static LaunchSpec python(Path comfyDir, String python, int port, Path workRoot, boolean previews,
                                    List<String> extraArgs) {
        if (!Files.isRegularFile(comfyDir.resolve("main.py"))) {
            throw new WorkerConfigException("--comfyui-dir", "has no main.py: " + comfyDir.toAbsolutePath()
                    + " is not a ComfyUI checkout");
        }
        Folders folders = Folders.under(workRoot.toAbsolutePath());
        String program = python == null || python.isBlank() ? "python3" : absolute(python, Path.of(""));
        List<String> cmd = new ArrayList<>(List.of(program, "main.py",
                "--listen", "127.0.0.1", "--port", Integer.toString(port), "--disable-auto-launch",
                "--input-directory", folders.input().toString(),
                "--output-directory", folders.output().toString(),
                "--temp-directory", folders.temp().toString()));
        if (previews) {
            cmd.addAll(List.of("--preview-method", "latent2rgb"));
        }
        cmd.addAll(extraArgs);
        return new LaunchSpec(cmd, comfyDir, URI.create("http://127.0.0.1:" + port), folders);
    }

    /**
     * {@code python} made absolute against {@code base} when it is a relative path ({@code ../venv/bin/python}):
     * ComfyUI runs in its own folder, where that path would name another file, or none. A bare name
     * ({@code python3}) is left to be found on the PATH.
     */
    public static String absolute(String python, Path base) {
        if (!python.contains("/") || Path.of(python).isAbsolute()) {
            return python;
        }
        return base.toAbsolutePath().resolve(python).normalize().toString();
    }

    /**
     * A user-given command line, run by {@code /bin/sh -c} so users can write it as they would in a shell
     * (e.g. {@code ./comfyfleet emulator --port {port}}). The placeholders {@code {port}}, {@code {input}},
     * {@code {output}} and {@code {temp}} are replaced.
     */
    public static LaunchSpec custom(String commandLine, int port, Path workRoot) {
        if (commandLine == null || commandLine.isBlank()) {
            throw new WorkerConfigException("--comfyui-command", "is empty");
        }
        Folders folders = Folders.under(workRoot.toAbsolutePath());
        String line = commandLine.replace("{port}", Integer.toString(port))
                .replace("{input}", folders.input().toString())
                .replace("{output}", folders.output().toString())
                .replace("{temp}", folders.temp().toString());
        return new LaunchSpec(List.of("/bin/sh", "-c", line), workRoot.toAbsolutePath(),
                URI.create("http://127.0.0.1:" + port), folders);
    }
}
