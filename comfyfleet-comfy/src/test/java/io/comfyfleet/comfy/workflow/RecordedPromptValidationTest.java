package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every recorded POST /prompt of a real ComfyUI 0.3.64 (CPU and H100, before and after a restart): validating the
 * recorded prompt against that server's recorded /object_info gives the recorded status and body.
 */
class RecordedPromptValidationTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String folder : Captures.FOLDERS) {
            for (String file : Captures.promptCases(folder)) {
                out.add(Arguments.of(folder, file));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("cases")
    void answersAsTheRecordedComfyUi(String folder, String file) {
        JsonNode recording = Captures.read(folder, file);
        NodeCatalog catalog = Captures.catalog(folder);
        // the files that were in the recording server's input folder (uploaded before these requests)
        ValidationContext context = ValidationContext.withInputFiles(List.of("corrupt.png", "example.png", "red.png"));

        PromptCheck check = PromptValidator.validate(recording.get("request").get("prompt"), catalog, context);

        int status = recording.get("http_status").intValue();
        assertThat(check.httpStatus()).isEqualTo(status);
        JsonNode response = recording.get("response");
        switch (status) {
            case 400 -> assertThat(normalised(check.body())).isEqualTo(normalised(response));
            case 500 -> assertThat(check.plainTextBody()).isEqualTo(response.stringValue());
            default -> {
                assertThat(check.nodeErrors()).isEqualTo(response.get("node_errors"));
                assertThat(check.successBody(response.get("prompt_id").stringValue(), response.get("number").numberValue()))
                        .isEqualTo(response);
                JsonNode queued = recording.path("history").path(response.get("prompt_id").stringValue()).path("prompt");
                if (queued.isArray()) {
                    assertThat(check.prompt()).isEqualTo(queued.get(2));
                    assertThat(check.outputsToExecute())
                            .containsExactlyInAnyOrderElementsOf(queued.get(4).valueStream().map(JsonNode::stringValue).toList());
                }
            }
        }
        // The same answer through the request front door, and the same files seen through the catalogue listing.
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("prompt", recording.get("request").get("prompt"));
        PromptCheck viaRequest = PromptValidator.validateRequest(body, catalog, context);
        assertThat(viaRequest.httpStatus()).isEqualTo(status);
        assertThat(viaRequest.body()).isEqualTo(check.body());
        assertThat(PromptValidator.validate(recording.get("request").get("prompt"), catalog).body()).isEqualTo(check.body());
    }

    /**
     * ComfyUI walks a node's inputs and the prompt's outputs as Python sets, whose order changes from process to
     * process (err_missing_input lists its three errors in different orders on the CPU and H100 servers). So the
     * errors of a node and its dependent outputs are compared as sets; everything else exactly.
     */
    static JsonNode normalised(JsonNode body) {
        JsonNode copy = body.deepCopy();
        JsonNode nodeErrors = copy.path("node_errors");
        for (Map.Entry<String, JsonNode> e : nodeErrors.properties()) {
            sort((ObjectNode) e.getValue(), "errors");
            sort((ObjectNode) e.getValue(), "dependent_outputs");
        }
        return copy;
    }

    private static void sort(ObjectNode node, String key) {
        List<JsonNode> items = new ArrayList<>(node.path(key).valueStream().toList());
        items.sort(Comparator.comparing(JsonNode::toString));
        ArrayNode sorted = node.putArray(key);
        items.forEach(sorted::add);
    }
}
