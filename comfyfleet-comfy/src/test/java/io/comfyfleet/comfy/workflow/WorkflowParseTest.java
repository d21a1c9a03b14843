package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class WorkflowParseTest {
    static final String T2I = """
            {"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "model": ["4", 0],
                   "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "_meta": {"title": "Sampler"}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "cat", "clip": ["4", 1]}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "t2i", "images": ["8", 0]}}}
            """;

    @Test
    void parsesApiFormatKeepingKeyOrderLinksAndTitles() {
        Workflow w = Workflow.parse(T2I);

        assertThat(w.nodeIds()).containsExactly("3", "4", "5", "6", "7", "8", "9");
        WorkflowNode sampler = w.node("3").orElseThrow();
        assertThat(sampler.classType()).isEqualTo("KSampler");
        assertThat(sampler.title()).contains("Sampler");
        assertThat(sampler.input("model")).contains(new InputValue.Link("4", 0));
        assertThat(sampler.input("seed").orElseThrow()).isInstanceOf(InputValue.Literal.class);
        assertThat(((InputValue.Literal) sampler.input("seed").orElseThrow()).value().intValue()).isEqualTo(1);
        assertThat(w.node("4").orElseThrow().title()).isEmpty();
        assertThat(sampler.links().keySet()).containsExactly("model", "positive", "negative", "latent_image");
    }

    @Test
    void unwrapsPromptAndOutputEnvelopesAndValueWrappers() {
        String inner = "{\"1\": {\"class_type\": \"X\", \"inputs\": {\"l\": {\"__value__\": [1, 2]}}}}";
        Workflow a = Workflow.parse("{\"prompt\": " + inner + ", \"client_id\": \"c\"}");
        Workflow b = Workflow.parse("{\"output\": " + inner + ", \"workflow\": {}}");

        assertThat(a).isEqualTo(b).isEqualTo(Workflow.parse(inner.getBytes(StandardCharsets.UTF_8)));
        InputValue l = a.node("1").orElseThrow().input("l").orElseThrow();
        assertThat(((InputValue.Literal) l).value().toString()).isEqualTo("[1,2]");
    }

    @Test
    void roundTripsThroughApiJsonWrappingListLiterals() {
        Workflow w = Workflow.parse("{\"1\": {\"class_type\": \"X\", \"inputs\": {\"l\": {\"__value__\": [1]}, \"n\": 2}},"
                + " \"2\": {\"class_type\": \"Y\", \"inputs\": {\"a\": [\"1\", 0]}, \"_meta\": {\"title\": \"t\"}}}");

        assertThat(w.toJson().get("1").get("inputs").get("l").toString()).isEqualTo("{\"__value__\":[1]}");
        assertThat(w.toJson().get("2").toString())
                .isEqualTo("{\"inputs\":{\"a\":[\"1\",0]},\"class_type\":\"Y\",\"_meta\":{\"title\":\"t\"}}");
        assertThat(Workflow.parse(w.toJson())).isEqualTo(w);
    }

    @Test
    void isImmutable() {
        JsonNode tree = Json.MAPPER.readTree("{\"1\": {\"class_type\": \"X\", \"inputs\": {\"o\": {\"k\": 1}}}}");
        Workflow w = Workflow.parse(tree);
        ((tools.jackson.databind.node.ObjectNode) tree.get("1").get("inputs").get("o")).put("k", 2);

        JsonNode o = ((InputValue.Literal) w.node("1").orElseThrow().input("o").orElseThrow()).value();
        assertThat(o.get("k").intValue()).isEqualTo(1);
        ((tools.jackson.databind.node.ObjectNode) o).put("k", 3);
        assertThat(((InputValue.Literal) w.node("1").orElseThrow().input("o").orElseThrow()).value().get("k").intValue())
                .isEqualTo(1);
        assertThatThrownBy(() -> w.nodes().add(w.nodes().getFirst())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> w.node("1").orElseThrow().inputs().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsUiFormatAskingForApiExport() {
        String ui = "{\"id\": \"0f0c\", \"revision\": 0, \"last_node_id\": 3, \"last_link_id\": 2, \"nodes\": [],"
                + " \"links\": [], \"version\": 0.4}";
        assertThatThrownBy(() -> Workflow.parse(ui)).isInstanceOf(WorkflowFormatException.class)
                .hasMessageContaining("Save (API)").hasMessageContaining("Export (API)");
        assertThatThrownBy(() -> Workflow.parse("{\"prompt\": " + ui + "}")).isInstanceOf(WorkflowFormatException.class);
        // schema v1 without a nodes array still is no API workflow
        assertThatThrownBy(() -> Workflow.parse("{\"version\": 1, \"state\": {}, \"links\": 5}"))
                .isInstanceOf(WorkflowFormatException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "{\"1\": ", "[1, 2]", "42", "null", "\"str\"", "true", "{}",
            "{\"prompt\": {}}", "{\"1\": {}} trailing"})
    void rejectsNonWorkflowsWithSyntaxErrors(String text) {
        assertThatThrownBy(() -> Workflow.parse(text)).isInstanceOf(WorkflowSyntaxException.class)
                .hasMessageNotContaining("Exception");
    }

    @Test
    void rejectsNullAndMissingInputs() {
        assertThatThrownBy(() -> Workflow.parse((String) null)).isInstanceOf(WorkflowSyntaxException.class);
        assertThatThrownBy(() -> Workflow.parse((byte[]) null)).isInstanceOf(WorkflowSyntaxException.class);
        assertThatThrownBy(() -> Workflow.parse((JsonNode) null)).isInstanceOf(WorkflowSyntaxException.class);
        assertThatThrownBy(() -> Workflow.parse(Json.MAPPER.missingNode())).isInstanceOf(WorkflowSyntaxException.class);
        assertThatThrownBy(() -> Workflow.parse(new byte[] {(byte) 0xff, 0, 1})).isInstanceOf(WorkflowSyntaxException.class);
    }

    @Test
    void namesTheNodeAndWhatToChange() {
        assertNodeError("{\"7\": 5}", "7", "must be a JSON object");
        assertNodeError("{\"7\": [\"a\"]}", "7", "must be a JSON object");
        assertNodeError("{\"7\": {\"inputs\": {}}}", "7", "has no \"class_type\"");
        assertNodeError("{\"7\": {\"class_type\": null, \"inputs\": {}}}", "7", "has no \"class_type\"");
        assertNodeError("{\"7\": {\"class_type\": 12, \"inputs\": {}}}", "7", "must be a non-empty string");
        assertNodeError("{\"7\": {\"class_type\": \" \", \"inputs\": {}}}", "7", "must be a non-empty string");
        assertNodeError("{\"7\": {\"class_type\": \"X\"}}", "7", "add \"inputs\": {}");
        assertNodeError("{\"7\": {\"class_type\": \"X\", \"inputs\": [1]}}", "7", "must be an object");
        assertNodeError("{\"7\": {\"class_type\": \"X\", \"inputs\": {\"a\": [\"1\"]}}}", "7", "__value__");
        assertNodeError("{\"7\": {\"class_type\": \"X\", \"inputs\": {\"a\": [4, 0]}}}", "7", "[\"4\", 0]");
        assertNodeError("{\"7\": {\"class_type\": \"X\", \"inputs\": {\"a\": [\"7\", -1]}}}", "7", ">= 0");
        assertNodeError("{\"7\": {\"class_type\": \"X\", \"inputs\": {\"a\": [\"7\", 1.5]}}}", "7", ">= 0");
        assertNodeError("{\"7\": {\"class_type\": \"X\", \"inputs\": {\"a\": [\"7\", 99999999999999999999]}}}", "7",
                ">= 0");
    }

    private static void assertNodeError(String json, String node, String text) {
        assertThatThrownBy(() -> Workflow.parse(json)).isInstanceOf(InvalidNodeException.class)
                .hasMessageContaining("\"" + node + "\"").hasMessageContaining(text)
                .satisfies(e -> assertThat(((InvalidWorkflowException) e).nodeId()).contains(node));
    }

    @Test
    void rejectsLinksToMissingNodes() {
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"99\", 0]}}}"))
                .isInstanceOfSatisfying(MissingLinkTargetException.class, e -> {
                    assertThat(e.nodeId()).contains("3");
                    assertThat(e.inputName()).isEqualTo("images");
                    assertThat(e.targetNodeId()).isEqualTo("99");
                }).hasMessageContaining("\"99\"");
    }

    @Test
    void rejectsCyclesNamingThePath() {
        String json = "{\"1\": {\"class_type\": \"A\", \"inputs\": {\"x\": [\"2\", 0]}},"
                + " \"2\": {\"class_type\": \"B\", \"inputs\": {\"x\": [\"3\", 0]}},"
                + " \"3\": {\"class_type\": \"C\", \"inputs\": {\"x\": [\"1\", 0]}},"
                + " \"4\": {\"class_type\": \"D\", \"inputs\": {\"x\": [\"4\", 0]}}}";
        assertThatThrownBy(() -> Workflow.parse(json)).isInstanceOfSatisfying(WorkflowCycleException.class,
                e -> assertThat(e.cycle()).containsExactly("1", "2", "3", "1"));
        assertThatThrownBy(() -> Workflow.parse("{\"4\": {\"class_type\": \"D\", \"inputs\": {\"x\": [\"4\", 0]}}}"))
                .isInstanceOfSatisfying(WorkflowCycleException.class, e -> assertThat(e.cycle()).containsExactly("4", "4"));
    }

    @Test
    void survivesHostileShapes() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertThatThrownBy(() -> Workflow.parse("{\"1\": {\"class_type\": \"X\", \"inputs\": {\"a\": " + deep + "}}}"))
                .isInstanceOf(WorkflowSyntaxException.class);
        // a tree built in memory deeper than any parser would allow
        JsonNode node = Json.MAPPER.createObjectNode();
        for (int i = 0; i < 20_000; i++) {
            node = Json.MAPPER.createObjectNode().set("k", node);
        }
        JsonNode deepTree = node;
        assertThatThrownBy(() -> Workflow.parse(deepTree)).isInstanceOf(WorkflowSyntaxException.class);

        assertThatThrownBy(() -> Workflow.parse("{\"" + "9".repeat(100_000) + "\": {}}"))
                .isInstanceOf(WorkflowSyntaxException.class).hasMessageContaining("Name length");
        String hugeId = "9".repeat(30_000);
        Workflow w = Workflow.parse("{\"" + hugeId + "\": {\"class_type\": \"X\", \"inputs\": {}}}");
        assertThat(w.nodeIds()).containsExactly(hugeId);
        assertThatThrownBy(() -> Workflow.parse("{\"1\": {\"class_type\": \"X\", \"inputs\": {\"a\": [\"" + hugeId
                + "\", 0]}}}")).isInstanceOf(MissingLinkTargetException.class)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));

        // a long chain is fine and checked without recursion
        StringBuilder chain = new StringBuilder("{\"0\": {\"class_type\": \"X\", \"inputs\": {}}");
        for (int i = 1; i < 20_000; i++) {
            chain.append(", \"").append(i).append("\": {\"class_type\": \"X\", \"inputs\": {\"a\": [\"")
                    .append(i - 1).append("\", 0]}}");
        }
        assertThat(Workflow.parse(chain.append('}').toString()).size()).isEqualTo(20_000);
    }

    @Test
    void everyFailureIsAComfyException() {
        for (String s : List.of("x", "[]", "{\"a\": null}", "{\"a\": {\"class_type\": []}}", "{\"nodes\": []}")) {
            assertThatThrownBy(() -> Workflow.parse(s)).isInstanceOf(ComfyException.class);
        }
    }
}
