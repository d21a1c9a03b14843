package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.local.WorkerCommands;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command each local worker runs: {@code comfyfleet worker} from this same program (same java, same class
 * path), with its own work folder and ComfyUI port ({@code {workerId}}, {@code {port}}, {@code {providerPid}} are
 * filled in by the provider), launching the emulator or a ComfyUI checkout.
 */
final class WorkerCommandLine {
    static final String MAIN = "io.comfyfleet.cli.Main";
    // small JVMs: a machine runs two per worker (worker + emulator), and they do little work each
    private static final List<String> LEAN_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    /**
     * With the emulator, every image runs the same emulator worker, so roll-outs can be tried without images: the
     * provider puts the endpoint's image in {@code {image}} (it becomes the worker's version), and an image whose
     * tag starts with {@code broken} (e.g. {@code demo:broken}) stands for one whose worker never starts: it exits
     * at once with code 3, a crash loop. {@code exec} keeps the worker's pid (the provider watches it).
     */
    static final List<String> EMULATED_IMAGE = List.of("/bin/sh", "-c",
            "case \"$1\" in *:broken*) echo \"image $1 cannot start (an emulated broken image)\" >&2; exit 3;; esac;"
                    + " shift; exec \"$@\"", "comfyfleet-worker", "{image}");

    private WorkerCommandLine() {}

    static List<String> build(FleetSettings fleet, Path dataDir) {
        return build(fleet, dataDir, archivable(System.getProperty("java.class.path")));
    }

    /** As {@link #build(FleetSettings, Path)}, with the class-data archive flags only when {@code archive}. */
    static List<String> build(FleetSettings fleet, Path dataDir, boolean archive) {
        List<String> command = new ArrayList<>();
        // Own session: Ctrl-C in a terminal signals the whole foreground group, but workers must be stopped by
        // comfyfleet up in order (finish the job, then stop ComfyUI), not all at once. setsid execs in place, so
        // the provider still watches the worker's own pid.
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        if (fleet.comfyui() instanceof FleetSettings.ComfyLaunch.Emulator) {
            command.addAll(EMULATED_IMAGE);
        }
        command.addAll(jvm("worker", dataDir, archive));
        command.addAll(List.of("--comfyui-port", "{port}",
                "--work-dir", dataDir.resolve("workers").resolve("{workerId}").toString(),
                "--shutdown-grace", Long.toString(Math.max(1, fleet.jobGrace().toSeconds())),
                // it reports to this process only: gone with it, even after a kill -9 (see WorkerCommand). A
                // placeholder, not the pid: the template is the workers' version, the same on every start of up
                "--exit-with-pid", "{providerPid}"));
        if (!fleet.outputs().equals("inline")) {
            command.addAll(List.of("--outputs", fleet.outputs()));
        }
        if (fleet.warmupWorkflow() != null) {
            command.addAll(List.of("--warmup-workflow", fleet.warmupWorkflow()));
        }
        switch (fleet.comfyui()) {
            case FleetSettings.ComfyLaunch.Emulator e -> {
                List<String> emulator = new ArrayList<>(jvm("emulator", dataDir, archive));
                emulator.addAll(List.of("--port", "{port}", "--output-directory", "{output}",
                        "--input-directory", "{input}", "--temp-directory", "{temp}"));
                emulator.addAll(e.args());
                command.addAll(List.of("--comfyui-command", shell(emulator)));
            }
            case FleetSettings.ComfyLaunch.Checkout c -> {
                command.addAll(List.of("--comfyui-dir", c.dir().toString(), "--python", c.python()));
                c.args().forEach(a -> command.addAll(List.of("--comfyui-arg", a)));
            }
            case FleetSettings.ComfyLaunch.Unset u -> throw new IllegalStateException(
                    "choose --emulator or --comfyui-dir before building the worker command");
        }
        return List.copyOf(command);
    }

    /**
     * This JVM's java and class path, lean, with an application class-data archive (AppCDS) of its own per slot:
     * the JVM writes it when the first worker of the slot exits and maps it at every later start, so the classes
     * of the worker (or emulator) load from it instead of being parsed from the jar again, which is most of a
     * JVM's start on two cores. One per slot because a slot runs one worker at a time, so no two JVMs write the
     * same archive; one that no longer matches the jar (a rebuild) is recreated by the JVM itself. Without
     * {@code archive} (a class path that is not {@link #archivable}), none.
     */
    private static List<String> jvm(String subcommand, Path dataDir, boolean archive) {
        List<String> base = new ArrayList<>(WorkerCommands.thisJvm(MAIN, subcommand));
        List<String> flags = new ArrayList<>(LEAN_JVM);
        if (archive) {
            flags.addAll(List.of("-XX:SharedArchiveFile=" + dataDir.toAbsolutePath().resolve("cds")
                            .resolve(subcommand + "-slot{slot}.jsa"),
                    "-XX:+AutoCreateSharedArchive",
                    // a recreated archive is normal, not worth a warning in every worker's log
                    "-Xlog:cds*=off"));
        }
        base.addAll(1, flags);
        return base;
    }

    /**
     * Whether the JVM can write a class-data archive for this class path: only when it holds no folder (a
     * program run from its build output, as in tests, rather than from its jar). Otherwise the JVM's archive dump
     * at exit fails ("Cannot have non-empty directory in paths") and ends the process with exit code 1 in place
     * of the one it exits with: a worker that said it exits with code 3 would seem to have exited with 1.
     */
    static boolean archivable(String classPath) {
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isDirectory(Path.of(entry))) {
                return false;
            }
        }
        return true;
    }

    /** One /bin/sh command line: every word single-quoted, except the placeholders the worker fills in. */
    private static String shell(List<String> words) {
        StringBuilder line = new StringBuilder();
        for (String w : words) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(w.matches("\\{(port|input|output|temp)}") ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }
}
