package io.comfyfleet.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An endpoint's {@code templates:} in comfyfleet.yaml: read with the workflow file inlined, or refused by key. */
class TemplateSeedsTest {
    @TempDir
    Path dir;

    private GatewayConfig parse(String templates) {
        return new ConfigLoader(name -> null).parse("""
                endpoints:
                  - name: ep
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    templates:
                %s""".formatted(templates.indent(6)), "test.yaml", dir);
    }

    @Test
    void aWorkflowFileRelativeToTheConfigurationIsInlined() throws Exception {
        Files.writeString(dir.resolve("wf.json"),
                "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 64, \"color\": 0}}}");

        GatewayConfig config = parse("""
                plain:
                  workflow: wf.json
                  params: {width: {node: "1", input: width}}""");

        var definition = config.endpoints().get(0).templates().get("plain");
        assertThat(definition.get("workflow").get("1").get("class_type").asString()).isEqualTo("EmptyImage");
    }

    @Test
    void problemsAreReportedUnderTheTemplatesKey() {
        assertThatThrownBy(() -> parse("""
                a:
                  workflow: missing.json
                  params: {w: {node: "1", input: width}}
                b:
                  workflow: {"1": {class_type: EmptyImage, inputs: {width: 64}}}
                  params: {w: {node: "2", input: width}}"""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("endpoints[0].templates.a.workflow: cannot read the workflow file")
                .hasMessageContaining("endpoints[0].templates.b: params.w.node: the workflow has no node \"2\"");
    }

    /** A workflow file that is not JSON is said so in words, without the parser's "[Source: REDACTED ...]" suffix. */
    @Test
    void aWorkflowFileThatIsNotJsonIsNamedWithWhereItBroke() throws Exception {
        Files.writeString(dir.resolve("ui.json"), "{\"nodes\": [1, 2,]}");

        assertThatThrownBy(() -> parse("""
                a:
                  workflow: ui.json
                  params: {w: {node: "1", input: width}}"""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("endpoints[0].templates.a.workflow: cannot read the workflow file "
                        + dir.resolve("ui.json") + " (it is not JSON: line 1, column 17: Unexpected character (']'")
                .hasMessageNotContaining("Source:");
    }

    /** A workflow file is client JSON by another road: a key written twice is refused as /run refuses it. */
    @Test
    void aWorkflowFileWithAKeyTwiceIsRefusedNamingIt() throws Exception {
        Files.writeString(dir.resolve("wf.json"),
                "{\"1\": {\"class_type\": \"EmptyImage\",\n \"inputs\": {\"width\": 64, \"width\": 512}}}");

        assertThatThrownBy(() -> parse("""
                a:
                  workflow: wf.json
                  params: {w: {node: "1", input: width}}"""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("(line 2: the key \"width\" appears twice in the object at /1/inputs; keep one)");
    }
}
