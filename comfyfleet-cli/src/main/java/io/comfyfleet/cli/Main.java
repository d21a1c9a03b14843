package io.comfyfleet.cli;

import io.comfyfleet.cli.admin.EndpointsCommand;
import io.comfyfleet.cli.admin.RolloutCommand;
import io.comfyfleet.cli.client.CancelCommand;
import io.comfyfleet.cli.client.StatusCommand;
import io.comfyfleet.cli.client.SubmitCommand;
import io.comfyfleet.common.process.WorkerExitLine;
import io.comfyfleet.worker.WorkerApp;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code comfyfleet} command: one jar, a subcommand per part of the system. */
@Command(
        name = "comfyfleet",
        mixinStandardHelpOptions = true,
        version = Main.VERSION,
        description = "Serve ComfyUI workflows as a RunPod-compatible serverless API.",
        subcommands = {CommandLine.HelpCommand.class, GatewayCommand.class, WorkerSubcommand.class, EmulatorCommand.class,
                UpCommand.class, BenchCommand.class, OverheadCommand.class, SubmitCommand.class, StatusCommand.class, CancelCommand.class,
                ImageCommand.class, KeysCommand.class, EndpointsCommand.class, RolloutCommand.class,
                SimulateCommand.class, StoreCommand.class})
public final class Main implements Runnable {
    static final String VERSION = "comfyfleet 0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // JVM-wide, so set by the program that owns the JVM, before any request: the JDK's HTTP/1.1 client would
        // re-send a POST (a job-done, a /prompt) once, unasked, when a kept-alive connection fails before its answer
        if (System.getProperty("sun.net.http.retryPost") == null) {
            System.setProperty("sun.net.http.retryPost", "false");
        }
        if (args.length > 0 && args[0].equals("worker")) {
            System.exit(worker(Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(commandLine(args).execute(args));
    }

    /**
     * {@code comfyfleet worker}, read by {@link WorkerCommand} without picocli: every cold start waits for this
     * process (see {@link WorkerCommand} for why). Exits, non-daemon threads or not, with the worker's code, or 1
     * when the worker failed unexpectedly.
     */
    private static int worker(String[] args) {
        try {
            return WorkerCommand.main(args, System.getenv(), System.out, System.err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // said like any other exit with an error: whoever started the worker shows this line with the code
            System.err.println(WorkerExitLine.of(WorkerApp.EXIT_UNHEALTHY, "its main thread was interrupted"));
            return WorkerApp.EXIT_UNHEALTHY;
        } catch (RuntimeException | Error e) {
            e.printStackTrace();
            System.err.println(WorkerExitLine.of(WorkerApp.EXIT_UNHEALTHY,
                    "failed unexpectedly: " + e));
            return WorkerApp.EXIT_UNHEALTHY;
        }
    }

    /**
     * The command tree for these arguments. {@code emulator} is started by a provider on every emulated cold start:
     * for it only its own command is built, since building the whole tree (every subcommand's options, by
     * reflection) took ~200 ms of its JVM's start on two cores. The arguments are the same either way, the
     * subcommand's name first. ({@code worker} does not come here at all, see {@link #main}.)
     */
    static CommandLine commandLine(String[] args) {
        if (args.length == 0 || !args[0].equals("emulator")) {
            return commandLine();
        }
        // a root that only knows this subcommand: usage and errors still read "comfyfleet emulator ..."
        return new CommandLine(new Root()).addSubcommand(new CommandLine(new EmulatorCommand()));
    }

    @Command(name = "comfyfleet", mixinStandardHelpOptions = true, version = VERSION)
    private static final class Root implements Runnable {
        @Override
        public void run() {}
    }

    /** The command tree, with bad usage answered by exit code 2 and a message that says what to change. */
    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
