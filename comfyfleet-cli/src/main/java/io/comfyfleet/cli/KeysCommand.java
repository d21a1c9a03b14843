package io.comfyfleet.cli;

import io.comfyfleet.cli.up.KeyFile;
import io.comfyfleet.cli.up.UpConfig;
import io.comfyfleet.cli.up.UpConfigLoader;
import io.comfyfleet.gateway.config.ConfigException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code comfyfleet keys}: the keys {@code comfyfleet up} uses, masked unless {@code --show}, and where each comes from
 * (the environment or the data folder's key file). {@code comfyfleet keys rotate [client|worker]} writes new ones.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Show the keys comfyfleet up uses (masked unless --show); 'keys rotate' replaces them.",
        subcommands = KeysCommand.Rotate.class)
final class KeysCommand implements Callable<Integer> {
    /** The variables a rotation may replace, by the name the command line uses. */
    static final Map<String, String> ROTATABLE = Map.of("client", "COMFYFLEET_CLIENT_KEY", "worker", "COMFYFLEET_WORKER_KEY");

    @Spec
    CommandSpec spec;
    @Option(names = {"-c", "--config"},
            description = "YAML configuration (default: comfyfleet.yaml when it exists, else built-in defaults)")
    Path config;
    @Option(names = "--show", description = "Print the keys in full")
    boolean show;

    /** The environment; tests replace it. */
    UnaryOperator<String> env = System::getenv;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        UpConfig up;
        try {
            up = load();
            up.keyFile().keep(up.generated());
        } catch (ConfigException e) {
            err.println("comfyfleet keys: " + e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            err.println("comfyfleet keys: " + e.getMessage() + " (" + e.getCause().getMessage() + ")");
            return 1;
        }
        out.println("keys file: " + up.keyFile().path() + " (owner-only; comfyfleet up reuses it on every start)");
        print(out, "client key", "COMFYFLEET_CLIENT_KEY", up.clientKey(), up);
        print(out, "worker key", "COMFYFLEET_WORKER_KEY", up.workerKey(), up);
        Map<String, String> others = new TreeMap<>(up.keyFile().read());
        others.keySet().removeAll(List.of("COMFYFLEET_CLIENT_KEY", "COMFYFLEET_WORKER_KEY"));
        others.forEach((name, value) -> print(out, label(name), name, env.apply(name) != null ? env.apply(name) : value,
                up));
        if (!show) {
            out.println("(masked; --show prints them in full)");
        }
        out.flush();
        return 0;
    }

    private void print(PrintWriter out, String label, String variable, String value, UpConfig up) {
        String source = env.apply(variable) != null ? "from $" + variable + " (overrides the keys file)"
                : up.generated().containsKey(variable) ? "from the keys file" : "from " + up.source();
        out.printf("%-16s %s   %s%n", label + ":", show ? value : KeyFile.mask(value), source);
    }

    /** How a kept variable is labelled, as the client and worker keys are: COMFYFLEET_ADMIN_KEY is "admin key". */
    static String label(String variable) {
        return variable.replaceFirst("^COMFYFLEET_", "").toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    UpConfig load() {
        Path file = config;
        if (file == null && Files.isRegularFile(Path.of("comfyfleet.yaml"))) {
            file = Path.of("comfyfleet.yaml");
        }
        return new UpConfigLoader(env::apply).load(file, Path.of(""));
    }

    /** {@code comfyfleet keys rotate [client|worker]}: new random keys in the keys file. */
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Write new keys to the keys file (both, or only the client or worker key).")
    static final class Rotate implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;
        @Spec
        CommandSpec spec;
        @Parameters(arity = "0..1", paramLabel = "client|worker", description = "Which key (default: both)")
        String which;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (which != null && !ROTATABLE.containsKey(which)) {
                err.println("comfyfleet keys rotate: say client or worker (or nothing for both), got \"" + which + "\"");
                return 2;
            }
            List<String> names = which == null ? List.of("COMFYFLEET_CLIENT_KEY", "COMFYFLEET_WORKER_KEY")
                    : List.of(ROTATABLE.get(which));
            try {
                UpConfig before = keys.load();
                Map<String, String> kept = new LinkedHashMap<>(before.keyFile().read());
                kept.putAll(before.generated());
                for (String name : names) {
                    kept.remove(name);
                }
                before.keyFile().write(kept);
                // loading again generates the removed names afresh, exactly as a first start would
                UpConfig after = keys.load();
                after.keyFile().keep(after.generated());
                for (String name : names) {
                    if (keys.env.apply(name) != null) {
                        out.println(name + " is set in the environment and overrides the keys file: unset it, or"
                                + " the new key is not used");
                    } else if (!after.generated().containsKey(name)) {
                        out.println(name + " is not used by " + after.source() + " (it names its keys itself)");
                    }
                }
                out.println("new " + String.join(" and ", names.stream().map(n -> n.equals("COMFYFLEET_CLIENT_KEY")
                        ? "client key " + KeyFile.mask(after.clientKey()) : "worker key " + KeyFile.mask(after.workerKey()))
                        .toList()) + " written to " + after.keyFile().path());
                out.println("A running comfyfleet up keeps the old keys until it is restarted; then the workers it starts"
                        + " get the new worker key by themselves.");
                if (names.contains("COMFYFLEET_CLIENT_KEY")) {
                    out.println("Clients (SDK, examples, the dashboard, scripts with COMFYFLEET_CLIENT_KEY) need the new"
                            + " client key: comfyfleet keys --show prints it.");
                }
                if (names.contains("COMFYFLEET_WORKER_KEY")) {
                    out.println("Workers you run yourself (comfyfleet worker, RunPod) need the new worker key.");
                }
                out.flush();
                return 0;
            } catch (ConfigException e) {
                err.println("comfyfleet keys rotate: " + e.getMessage());
                return 2;
            } catch (UncheckedIOException e) {
                err.println("comfyfleet keys rotate: " + e.getMessage() + " (" + e.getCause().getMessage() + ")");
                return 1;
            }
        }
    }
}
