package io.comfyfleet.comfy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.RunOptions;
import java.net.URI;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.NullNode;

/** Bad prompts are refused before anything is sent, with messages that say what to pass instead. */
class PromptsTest {

    @Test
    void parsesAnApiFormatObject() {
        assertThat(Prompts.parse("{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{}}}").has("1")).isTrue();
    }

    @Test
    void notJsonNotAnObjectOrNothingAreTypedErrors() {
        assertThatThrownBy(() -> Prompts.parse("{\"1\": "))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Prompts.parse("[1,2]"))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("not a JSON array");
        assertThatThrownBy(() -> Prompts.parse("\"text\""))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("not a JSON string");
        assertThatThrownBy(() -> Prompts.parse("  "))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Prompts.parse(null))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Prompts.requireObject(NullNode.getInstance()))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("null");
    }

    @Test
    void runnerAndClientRefuseBadPromptsWithoutTouchingTheServer() {
        // nothing listens on port 9: a request would fail with ComfyUnavailableException, not these
        ComfyClient client = ComfyClient.create(URI.create("http://127.0.0.1:9"));
        ComfyRunner runner = new ComfyRunner(client);

        assertThatThrownBy(() -> runner.start(null, RunOptions.defaults(), null))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("prompt is null");
        assertThatThrownBy(() -> runner.start(Json.MAPPER.createArrayNode(), RunOptions.defaults(), null))
                .isInstanceOf(PromptFormatException.class).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> client.queuePrompt(null, "p", "c", null))
                .isInstanceOf(PromptFormatException.class);
        assertThatThrownBy(() -> RunOptions.defaults().withPromptId(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promptId");
    }
}
