package io.comfyfleet.fleet.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Small bash scripts that stand in for the worker command. Each writes its RunPod environment and arguments to
 * {@code <dir>/<workerId>.env} (atomically, by rename) so tests can see what it was given.
 */
public final class Scripts {
    private static final String RECORD = """
            { env | grep -E '^(RUNPOD_|CUDA_|COMFYFLEET_|PATH=|HOME=|EXTRA_)' | sort; echo "ARGS=$*"; } > "$1/$RUNPOD_POD_ID.tmp"
            mv "$1/$RUNPOD_POD_ID.tmp" "$1/$RUNPOD_POD_ID.env"
            """;

    /** Runs until SIGTERM, then says so and exits 0. Leaves a background child behind ({@code <id>.child}). */
    public static final String UNTIL_TERM = "trap 'echo \"got TERM\"; exit 0' TERM\n"
            + "sleep 600 & echo $! > \"$1/$RUNPOD_POD_ID.child\"\n"
            + RECORD
            + "echo \"worker $RUNPOD_POD_ID up on ${CUDA_VISIBLE_DEVICES:-cpu}\"\n"
            + "while true; do sleep 0.1; done\n";

    /** Fails at once with exit code 3. */
    public static final String EXITS_AT_ONCE = RECORD + "echo 'bad config, giving up' >&2\nexit 3\n";

    /** Ignores SIGTERM; has a child that ignores it too ({@code <id>.child}). */
    public static final String IGNORES_TERM = "trap '' TERM\n"
            + "sleep 600 & echo $! > \"$1/$RUNPOD_POD_ID.child\"\n"
            + RECORD
            + "echo 'not stopping for TERM'\n"
            + "while true; do sleep 0.1; done\n";

    private Scripts() {}

    /** Writes the script to {@code dir} and returns a command template that runs it with {@code dir} and the ids. */
    public static List<String> command(Path dir, String name, String body) {
        try {
            Path script = dir.resolve(name + ".sh");
            Files.writeString(script, "#!/usr/bin/env bash\n" + body);
            return List.of("bash", script.toString(), dir.toString(), "{workerId}", "{endpoint}", "{slot}", "{gpu}",
                    "{port}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The variables the script recorded, once it has. */
    public static java.util.Map<String, String> recorded(Path dir, String workerId) {
        try {
            Path f = dir.resolve(workerId + ".env");
            if (!Files.exists(f)) {
                return java.util.Map.of();
            }
            java.util.Map<String, String> env = new java.util.TreeMap<>();
            for (String line : Files.readAllLines(f)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pid of the script's background child. */
    public static long childPid(Path dir, String workerId) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(workerId + ".child")).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
