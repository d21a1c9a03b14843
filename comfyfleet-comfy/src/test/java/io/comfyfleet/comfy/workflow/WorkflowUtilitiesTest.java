package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkflowUtilitiesTest {
    static final NodeCatalog CATALOG = Captures.catalog("h100-0.3.64");
    static final Workflow T2I = Workflow.parse(WorkflowParseTest.T2I);

    @Test
    void findsOutputsAndAnOrderThatRunsDependenciesFirst() {
        assertThat(T2I.outputNodeIds(CATALOG)).containsExactly("9");

        List<String> order = T2I.executionOrder(CATALOG).stream().map(WorkflowNode::id).toList();
        assertThat(order).containsExactly("4", "6", "7", "5", "3", "8", "9");
        for (WorkflowNode node : T2I.executionOrder(CATALOG)) {
            for (InputValue.Link link : node.links().values()) {
                assertThat(order.indexOf(link.nodeId())).as(node.id()).isLessThan(order.indexOf(node.id()));
            }
        }
        assertThat(T2I.nodesNeededFor(List.of("6"))).extracting(WorkflowNode::id).containsExactly("4", "6");
        assertThat(T2I.nodesNeededFor(List.of("nope"))).isEmpty();
    }

    @Test
    void leavesOutNodesNoOutputNeeds() {
        Workflow w = Workflow.parse("{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {}},"
                + " \"2\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"1\", 0]}},"
                + " \"3\": {\"class_type\": \"PreviewImage\", \"inputs\": {\"images\": [\"1\", 0]}},"
                + " \"4\": {\"class_type\": \"NotInstalled\", \"inputs\": {}}}");

        assertThat(w.outputNodeIds(CATALOG)).containsExactly("3");
        assertThat(w.executionOrder(CATALOG)).extracting(WorkflowNode::id).containsExactly("1", "3");
    }

    @Test
    void validatesAParsedWorkflowLikeItsJson() {
        Workflow recorded = Workflow.parse(Captures.read("h100-0.3.64", "g01_a_cold.json").get("request").get("prompt"));
        ValidationContext files = ValidationContext.filesListedInCatalog();
        assertThat(PromptValidator.validate(recorded, CATALOG, files).complete()).isTrue();

        PromptCheck check = PromptValidator.validate(
                recorded.withInput("4", "ckpt_name", Json.MAPPER.getNodeFactory().stringNode("missing.safetensors")),
                CATALOG, files);
        assertThat(check.httpStatus()).isEqualTo(400);
        assertThat(check.nodeErrors().propertyNames()).containsExactly("4");
        assertThat(check.userMessage()).isEqualTo("node 4 (CheckpointLoaderSimple) input ckpt_name:"
                + " 'missing.safetensors' is not one of ['rand_a.safetensors', 'rand_b.safetensors'].");
    }

    @Test
    void namesTheCheckpointsLoaded() {
        Workflow two = T2I.withInput("3", "model", new InputValue.Link("4", 0))
                .withInput("4", "ckpt_name", Json.MAPPER.getNodeFactory().stringNode("rand_b.safetensors"));
        assertThat(T2I.checkpointNames()).containsExactly("a.safetensors");
        assertThat(two.checkpointNames()).containsExactly("rand_b.safetensors");
        assertThat(Workflow.parse("{\"1\": {\"class_type\": \"X\", \"inputs\": {\"ckpt_name\": [\"2\", 0]}},"
                + " \"2\": {\"class_type\": \"Y\", \"inputs\": {}}}").checkpointNames()).isEmpty();
    }

    @Test
    void setsInputsOnACopy() {
        Workflow seeded = T2I.withInput("3", "seed", Json.MAPPER.getNodeFactory().numberNode(42));

        assertThat(((InputValue.Literal) seeded.node("3").orElseThrow().input("seed").orElseThrow()).value().intValue())
                .isEqualTo(42);
        assertThat(((InputValue.Literal) T2I.node("3").orElseThrow().input("seed").orElseThrow()).value().intValue())
                .isEqualTo(1);
        assertThat(seeded.nodeIds()).containsExactlyElementsOf(T2I.nodeIds());
        assertThat(seeded.withInput("6", "extra", Json.MAPPER.readTree("{\"__value__\": [1]}"))
                .toJson().get("6").get("inputs").get("extra").toString()).isEqualTo("{\"__value__\":[1]}");

        assertThatThrownBy(() -> T2I.withInput("77", "seed", Json.MAPPER.getNodeFactory().numberNode(1)))
                .isInstanceOf(InvalidNodeException.class).hasMessageContaining("\"77\"");
        assertThatThrownBy(() -> T2I.withInput("3", "model", new InputValue.Link("99", 0)))
                .isInstanceOf(MissingLinkTargetException.class);
        assertThatThrownBy(() -> T2I.withInput("4", "x", new InputValue.Link("8", 0)))
                .isInstanceOf(WorkflowCycleException.class);
    }
}
