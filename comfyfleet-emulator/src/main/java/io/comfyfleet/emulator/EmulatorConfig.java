package io.comfyfleet.emulator;

import io.comfyfleet.emulator.admission.PromptAdmission;
import io.comfyfleet.emulator.faults.FaultPlan;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an emulator needs to start. Build with {@link #builder()}; {@link Builder#build()} validates
 * and freezes it. Defaults: 127.0.0.1:8188, previews off, the H100 timing model, the recorded catalogue,
 * folders {@code output}, {@code input} and {@code temp} under the working directory, no faults.
 */
public final class EmulatorConfig {
    private final String host;
    private final int port;
    private final Path outputDirectory;
    private final Path inputDirectory;
    private final Path tempDirectory;
    private final Path objectInfo;
    private final boolean previews;
    private final TimingModel timing;
    private final StartupMode startupMode;
    private final FaultPlan faults;
    private final PromptAdmission admission;
    private final Clock clock;
    private final List<String> argv;
    private final int dropWebSocketsAfter;

    private EmulatorConfig(Builder b) {
        host = b.host;
        port = b.port;
        outputDirectory = b.outputDirectory;
        inputDirectory = b.inputDirectory;
        tempDirectory = b.tempDirectory;
        objectInfo = b.objectInfo;
        previews = b.previews;
        timing = b.timing;
        startupMode = b.startupMode;
        faults = b.faults;
        admission = b.admission;
        clock = b.clock;
        argv = List.copyOf(b.argv);
        dropWebSocketsAfter = b.dropWebSocketsAfter;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    /** 0 picks a free port. */
    public int port() {
        return port;
    }

    public Path outputDirectory() {
        return outputDirectory;
    }

    public Path inputDirectory() {
        return inputDirectory;
    }

    /** ComfyUI's --temp-directory: previews go to {@code <this>/temp}, wiped at start. */
    public Path tempDirectory() {
        return tempDirectory;
    }

    /** A GET /object_info JSON to serve instead of the recorded catalogue, or null. */
    public Path objectInfo() {
        return objectInfo;
    }

    /** --preview-method other than none: KSampler sends latent preview frames. */
    public boolean previews() {
        return previews;
    }

    public TimingModel timing() {
        return timing;
    }

    public StartupMode startupMode() {
        return startupMode;
    }

    public FaultPlan faults() {
        return faults;
    }

    /** The /prompt validator; null means the ComfyUI-exact validator from comfyfleet-comfy. */
    public PromptAdmission admission() {
        return admission;
    }

    public Clock clock() {
        return clock;
    }

    /** The command line to report in /system_stats {@code system.argv}. */
    public List<String> argv() {
        return argv;
    }

    /** Fault knob at start: close every WebSocket after this many frames; 0 = off. */
    public int dropWebSocketsAfter() {
        return dropWebSocketsAfter;
    }

    /** Collects settings; {@link #build()} checks them and names the one that is wrong. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8188;
        private Path outputDirectory = Path.of("output");
        private Path inputDirectory = Path.of("input");
        private Path tempDirectory = Path.of(".");
        private Path objectInfo;
        private boolean previews;
        private TimingModel timing = TimingModel.h100();
        private StartupMode startupMode = StartupMode.REFUSE;
        private FaultPlan faults = FaultPlan.NONE;
        private PromptAdmission admission;
        private Clock clock = Clock.systemUTC();
        private final List<String> argv = new ArrayList<>();
        private int dropWebSocketsAfter;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder outputDirectory(Path dir) {
            this.outputDirectory = dir;
            return this;
        }

        public Builder inputDirectory(Path dir) {
            this.inputDirectory = dir;
            return this;
        }

        public Builder tempDirectory(Path dir) {
            this.tempDirectory = dir;
            return this;
        }

        /** Sets all three folders under one base: {@code base/output}, {@code base/input}, {@code base/temp}. */
        public Builder baseDirectory(Path base) {
            return outputDirectory(base.resolve("output")).inputDirectory(base.resolve("input")).tempDirectory(base);
        }

        public Builder objectInfo(Path file) {
            this.objectInfo = file;
            return this;
        }

        public Builder previews(boolean on) {
            this.previews = on;
            return this;
        }

        public Builder timing(TimingModel timing) {
            this.timing = timing;
            return this;
        }

        public Builder zeroTime() {
            return timing(TimingModel.zero());
        }

        public Builder startupMode(StartupMode mode) {
            this.startupMode = mode;
            return this;
        }

        public Builder faults(FaultPlan plan) {
            this.faults = plan;
            return this;
        }

        public Builder admission(PromptAdmission admission) {
            this.admission = admission;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Closes every WebSocket after {@code frames} frames (counted from start); 0 = never. */
        public Builder dropWebSocketsAfter(int frames) {
            this.dropWebSocketsAfter = frames;
            return this;
        }

        public Builder argv(List<String> args) {
            argv.clear();
            argv.addAll(args);
            return this;
        }

        /** @throws EmulatorException naming the setting that is invalid */
        public EmulatorConfig build() {
            if (host == null || host.isBlank()) {
                throw new EmulatorException("host must be an address to listen on, e.g. 127.0.0.1");
            }
            if (port < 0 || port > 65_535) {
                throw new EmulatorException("port must be 0 (any free port) to 65535, got " + port);
            }
            require(outputDirectory, "outputDirectory");
            require(inputDirectory, "inputDirectory");
            require(tempDirectory, "tempDirectory");
            require(timing, "timing (TimingModel.h100() or TimingModel.zero())");
            require(startupMode, "startupMode");
            require(clock, "clock");
            if (dropWebSocketsAfter < 0) {
                throw new EmulatorException("dropWebSocketsAfter must be 0 (off) or a number of frames, got " + dropWebSocketsAfter);
            }
            if (faults == null) {
                faults = FaultPlan.NONE;
            }
            return new EmulatorConfig(this);
        }

        private static void require(Object value, String name) {
            if (value == null) {
                throw new EmulatorException("emulator setting '" + name + "' must not be null");
            }
        }
    }
}
