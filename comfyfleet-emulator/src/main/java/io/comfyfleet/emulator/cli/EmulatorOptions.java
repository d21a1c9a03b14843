package io.comfyfleet.emulator.cli;

import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.EmulatorException;
import io.comfyfleet.emulator.StartupMode;
import io.comfyfleet.emulator.TimingModel;
import io.comfyfleet.emulator.faults.FaultPlan;
import io.comfyfleet.emulator.faults.NodeFault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The emulator's command-line flags: the ComfyUI flags a worker passes (so a supervisor can launch it
 * exactly as it launches ComfyUI), the emulator's own settings, and the fault knobs. Used as a picocli
 * mixin by {@link EmulatorMain} and by the {@code comfyfleet emulator} subcommand.
 */
public final class EmulatorOptions {
    @Option(names = "--listen", arity = "0..1", fallbackValue = "0.0.0.0", defaultValue = "127.0.0.1",
            description = "Address to listen on (bare --listen: all interfaces). Default: ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--port", defaultValue = "8188", description = "Port (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--preview-method", defaultValue = "none",
            description = "none | auto | latent2rgb | taesd: anything but none sends KSampler preview frames.")
    String previewMethod;

    @Option(names = "--output-directory", description = "Output folder. Default: ./output.")
    Path outputDirectory;

    @Option(names = "--input-directory", description = "Input (upload) folder. Default: ./input.")
    Path inputDirectory;

    @Option(names = "--temp-directory", description = "Temp root; previews go to <D>/temp, wiped at start. Default: .")
    Path tempDirectory;

    @Option(names = "--base-directory", description = "Root for output, input and temp when those are not given.")
    Path baseDirectory;

    @Option(names = "--disable-auto-launch", description = "Accepted for ComfyUI compatibility; does nothing.")
    boolean disableAutoLaunch;

    @Option(names = "--zero-time", description = "Spend no emulated time (startup, loads, steps); for fast tests.")
    boolean zeroTime;

    @Option(names = "--startup-delay", description = "Seconds before the port is bound (default: 13.7, or 0 with --zero-time).")
    Double startupDelay;

    @Option(names = "--swap-profile", defaultValue = "default-cache",
            description = "What a checkpoint swap costs: default-cache (files in the page cache, +0.69 s a swap)"
                    + " or network-volume (every swap reads the file again, +4.7 s). Default: ${DEFAULT-VALUE}.")
    String swapProfile;

    @Option(names = "--startup-mode", defaultValue = "REFUSE",
            description = "During the startup delay: REFUSE connections (like ComfyUI) or accept and answer LATE.")
    StartupMode startupMode;

    @Option(names = "--object-info", description = "A GET /object_info JSON to serve instead of the recorded H100 catalogue.")
    Path objectInfo;

    @Option(names = "--fail-node", paramLabel = "NODE[@STEP]",
            description = "Raise RuntimeError in the node (class_type or id) at that step (0 = at start).")
    String failNode;

    @Option(names = "--oom-node", paramLabel = "NODE[@STEP]", description = "Raise torch.OutOfMemoryError in that node.")
    String oomNode;

    @Option(names = "--hang-node", paramLabel = "NODE[@STEP]", description = "That node never finishes until interrupted.")
    String hangNode;

    @Option(names = "--hang-ignores-interrupt", description = "The hung node ignores interrupts too.")
    boolean hangIgnoresInterrupt;

    @Option(names = "--exit-node", paramLabel = "NODE[@STEP]", description = "Exit the process when that node reaches that step.")
    String exitNode;

    @Option(names = "--exit-code", defaultValue = "1", description = "Status for --exit-node. Default: ${DEFAULT-VALUE}.")
    int exitCode;

    @Option(names = "--drop-websocket-after", paramLabel = "FRAMES", defaultValue = "0",
            description = "Close every WebSocket after that many frames in total (0 = never).")
    int dropWebSocketAfter;

    @Option(names = "--exit-halt", description = "Halt (like a crash: no shutdown hooks) instead of exiting.")
    boolean exitHalt;

    /**
     * @throws EmulatorException naming the flag whose value is wrong
     */
    public EmulatorConfig toConfig(List<String> argv) {
        EmulatorConfig.Builder builder = EmulatorConfig.builder().host(listen.split(",")[0]).port(port)
                .previews(!"none".equals(previewMethod)).startupMode(startupMode).argv(argv);
        if (baseDirectory != null) {
            builder.baseDirectory(baseDirectory);
        }
        if (outputDirectory != null) {
            builder.outputDirectory(outputDirectory);
        }
        if (inputDirectory != null) {
            builder.inputDirectory(inputDirectory);
        }
        if (tempDirectory != null) {
            builder.tempDirectory(tempDirectory);
        }
        if (objectInfo != null) {
            builder.objectInfo(objectInfo);
        }
        TimingModel timing = switch (swapProfile) {
            case "default-cache" -> TimingModel.h100();
            case "network-volume" -> TimingModel.h100NetworkVolume();
            default -> throw new EmulatorException("--swap-profile must be default-cache or network-volume, got "
                    + swapProfile);
        };
        if (zeroTime) {
            timing = TimingModel.zero();
        }
        if (startupDelay != null) {
            if (startupDelay < 0) {
                throw new EmulatorException("--startup-delay must be 0 or more seconds, got " + startupDelay);
            }
            timing = timing.withStartup(Duration.ofMillis(Math.round(startupDelay * 1000)));
        }
        builder.timing(timing);
        if (dropWebSocketAfter < 0) {
            throw new EmulatorException("--drop-websocket-after must be 0 (off) or a number of frames, got " + dropWebSocketAfter);
        }
        builder.dropWebSocketsAfter(dropWebSocketAfter);
        builder.faults(new FaultPlan(fault("--fail-node", failNode), fault("--oom-node", oomNode),
                fault("--hang-node", hangNode), hangIgnoresInterrupt, fault("--exit-node", exitNode), exitCode, exitHalt));
        return builder.build();
    }

    private static NodeFault fault(String flag, String value) {
        if (value == null) {
            return null;
        }
        try {
            return NodeFault.parse(value);
        } catch (IllegalArgumentException e) {
            throw new EmulatorException(flag + ": " + e.getMessage());
        }
    }
}
