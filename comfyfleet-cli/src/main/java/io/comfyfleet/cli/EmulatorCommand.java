package io.comfyfleet.cli;

import io.comfyfleet.emulator.cli.EmulatorMain;
import io.comfyfleet.emulator.cli.EmulatorOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/**
 * {@code comfyfleet emulator}: a ComfyUI 0.3.64 stand-in on HTTP + WebSocket, launched with the same flags a
 * worker passes to ComfyUI ({@code --listen --port --preview-method --output-directory ...}) plus the
 * emulator's own ({@code --zero-time}, {@code --object-info}, fault knobs). Runs until killed.
 */
@Command(name = "emulator", mixinStandardHelpOptions = true,
        description = "Run a ComfyUI emulator (no GPU): same API, real PNG outputs, timing and fault knobs.")
final class EmulatorCommand implements Callable<Integer> {
    @Mixin
    EmulatorOptions options;

    /** Other ComfyUI flags a supervisor may pass (--highvram, --front-end-root D): ignored with a warning. */
    @Unmatched
    List<String> unmatched = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return EmulatorMain.serve(options, unmatched, spec.commandLine().getParseResult().originalArgs());
    }
}
