package io.comfyfleet.worker.run;

import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The ComfyUI emulator as a separate process, launched and supervised exactly as the worker launches ComfyUI
 * (the same flags, per-worker folders), with its fault knobs reachable over its control route.
 */
final class EmulatorProcess {
    private EmulatorProcess() {}

    static ComfySupervisor launch(Path work, String extraFlags) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = "exec " + java + " -Xshare:auto -cp " + System.getProperty("java.class.path")
                + " io.comfyfleet.emulator.cli.EmulatorMain --listen 127.0.0.1 --port {port} --disable-auto-launch"
                + " --input-directory {input} --output-directory {output} --temp-directory {temp}"
                + " --startup-delay 0 --preview-method latent2rgb " + extraFlags;
        SupervisorSettings settings = new SupervisorSettings(Duration.ofSeconds(90), Duration.ofSeconds(5),
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), 3, Duration.ofMinutes(5), 20);
        return ComfySupervisor.launched(LaunchSpec.custom(cmd, port, work), settings);
    }

    /** Replaces the emulator's fault plan, e.g. {@code {"fail": {"node": "ImageInvert"}}}; {@code {}} clears it. */
    /** The node a hang fault holds now, or null (the emulator's {@code hanging_node}). */
    static String hangingNode(ComfySupervisor comfy) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(comfy.baseUrl() + "/emulator/faults")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return io.comfyfleet.comfy.Json.MAPPER.readTree(r.body()).path("hanging_node").asString(null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void faults(ComfySupervisor comfy, String plan) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(comfy.baseUrl() + "/emulator/faults"))
                            .POST(HttpRequest.BodyPublishers.ofString(plan)).header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("fault plan refused: " + r.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
