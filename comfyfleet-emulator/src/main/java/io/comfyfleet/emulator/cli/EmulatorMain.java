package io.comfyfleet.emulator.cli;

import io.comfyfleet.emulator.ComfyEmulator;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.EmulatorException;
import io.comfyfleet.emulator.RunningEmulator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/**
 * Runs the emulator as its own process, logging like ComfyUI to stderr, until killed. Exit status 2 for a
 * bad flag, 1 when it cannot start.
 */
@Command(name = "comfyui-emulator", mixinStandardHelpOptions = true,
        description = "A ComfyUI 0.3.64 emulator: same HTTP and WebSocket API, no GPU.")
public final class EmulatorMain implements Callable<Integer> {
    @Mixin
    EmulatorOptions options;

    /** Other ComfyUI flags (e.g. --highvram, --front-end-root D): accepted and ignored with a warning. */
    @Unmatched
    List<String> unmatched = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EmulatorMain()).execute(args));
    }

    @Override
    public Integer call() {
        return serve(options, unmatched, spec.commandLine().getParseResult().originalArgs());
    }

    /** Starts the emulator from parsed options and blocks until the process is asked to stop. */
    public static int serve(EmulatorOptions options, List<String> ignored, List<String> argv) {
        EmulatorConfig config;
        try {
            config = options.toConfig(argv);
        } catch (EmulatorException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        ignored.forEach(flag -> System.err.println("WARNING: ignoring ComfyUI flag the emulator does not use: " + flag));
        System.err.println("ComfyUI version: 0.3.64 (comfyfleet emulator)");
        RunningEmulator emulator;
        try {
            emulator = ComfyEmulator.start(config);
        } catch (EmulatorException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }, "comfy-emulator-shutdown"));
        try {
            emulator.port(); // ComfyEmulator logs "Starting server" and "To see the GUI go to: ..." when bound
            stopped.await();
        } catch (EmulatorException e) {
            System.err.println(e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
