package io.comfyfleet.worker.run;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.common.http.BlockingHttp;
import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.io.IOException;
import java.net.URI;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The ComfyUI emulator as a separate process, launched and supervised exactly as the worker launches ComfyUI
 * (the same flags, per-worker folders), with its fault knobs reachable over its control route.
 */
final class EmulatorProcess {
    private static final BlockingHttp HTTP = new BlockingHttp(Duration.ofSeconds(5));

    private EmulatorProcess() {}

    static ComfySupervisor launch(Path work, String extraFlags) throws IOException {
        int port = FreePorts.one();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a lean JVM, as comfyfleet up starts its emulators: about 1 s less of each start (and restart) here
        String cmd = "exec " + java + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "
                + System.getProperty("java.class.path")
                + " io.comfyfleet.emulator.cli.EmulatorMain --listen 127.0.0.1 --port {port} --disable-auto-launch"
                + " --input-directory {input} --output-directory {output} --temp-directory {temp}"
                + " --startup-delay 0 --preview-method latent2rgb " + extraFlags;
        SupervisorSettings settings = new SupervisorSettings(Duration.ofSeconds(90), Duration.ofSeconds(5),
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), 3, Duration.ofMinutes(5), 20);
        return ComfySupervisor.launched(LaunchSpec.custom(cmd, port, work), settings);
    }

    /** The node a hang fault holds now, or null (the emulator's {@code hanging_node}). */
    static String hangingNode(ComfySupervisor comfy) {
        BlockingHttp.Answer answer = faultRoute(comfy, null);
        return Json.MAPPER.readTree(answer.body()).path("hanging_node").asString(null);
    }

    /** How many requests the emulator's {@code stall} knob holds unanswered now. */
    static int heldRequests(ComfySupervisor comfy) {
        BlockingHttp.Answer answer = faultRoute(comfy, null);
        return Json.MAPPER.readTree(answer.body()).path("held_requests").asInt(0);
    }

    /** Replaces the emulator's fault plan, e.g. {@code {"fail": {"node": "ImageInvert"}}}; {@code {}} clears it. */
    static void faults(ComfySupervisor comfy, String plan) {
        BlockingHttp.Answer answer = faultRoute(comfy, plan.getBytes(StandardCharsets.UTF_8));
        if (answer.status() != 200) {
            throw new IllegalStateException("fault plan refused: " + answer.body());
        }
    }

    /** GET the emulator's fault route, or POST {@code plan} to it. */
    private static BlockingHttp.Answer faultRoute(ComfySupervisor comfy, byte[] plan) {
        try {
            return HTTP.exchange(URI.create(comfy.baseUrl() + "/emulator/faults"), Map.of(), plan, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
