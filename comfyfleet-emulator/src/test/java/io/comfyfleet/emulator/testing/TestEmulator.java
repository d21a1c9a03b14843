package io.comfyfleet.emulator.testing;

import io.comfyfleet.emulator.ComfyEmulator;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.RunningEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** An in-process, zero-time emulator on a free port with a client and a socket, closed after the test. */
public final class TestEmulator implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(20);
    public final RunningEmulator emulator;
    public final ComfyTestClient client;
    public final String clientId = UUID.randomUUID().toString();
    public final ComfyTestClient.Socket socket;

    private TestEmulator(RunningEmulator emulator) throws Exception {
        this.emulator = emulator;
        this.client = new ComfyTestClient(emulator.baseUri());
        this.socket = client.connect(clientId);
        socket.await(ComfyTestClient.ofType("status"), WAIT);
    }

    public static TestEmulator start(Path dir) throws Exception {
        return start(dir, b -> { });
    }

    public static TestEmulator start(Path dir, Consumer<EmulatorConfig.Builder> tweak) throws Exception {
        EmulatorConfig.Builder builder = EmulatorConfig.builder().port(0).baseDirectory(dir).zeroTime();
        tweak.accept(builder);
        return new TestEmulator(ComfyEmulator.start(builder.build()));
    }

    /** Submits with this test's client id; returns the prompt id. */
    public String submit(ObjectNode prompt) throws Exception {
        ComfyTestClient.Answer answer = client.post("/prompt", Workflows.request(prompt, clientId));
        if (answer.status() != 200) {
            throw new AssertionError("POST /prompt answered " + answer.status() + ": " + answer.body());
        }
        return answer.json().get("prompt_id").asString();
    }

    /** Submits and waits for the end marker; returns the history entry. */
    public JsonNode run(ObjectNode prompt) throws Exception {
        String id = submit(prompt);
        socket.await(ComfyTestClient.executingNull(id), WAIT);
        return client.get("/history/" + id).json().get(id);
    }

    /** The frames this socket received for one prompt. */
    public java.util.List<Frame> framesOf(String promptId) {
        return socket.frames().stream().filter(f -> f.isText() && promptId.equals(f.data().path("prompt_id").asString(null))).toList();
    }

    @Override
    public void close() {
        socket.close();
        emulator.close();
    }
}
