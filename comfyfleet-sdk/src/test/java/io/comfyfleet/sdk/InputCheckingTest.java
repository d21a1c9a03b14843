package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the SDK refuses or guards against before (or without) asking a server. */
class InputCheckingTest {
    @TempDir
    Path dir;

    @Test
    void aUiFormatExportIsRefusedWithWhatToDoInstead() {
        assertThatThrownBy(() -> Workflow.parse("{\"nodes\": [], \"links\": []}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Export (API)");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"inputs\": {}}}"))
                .hasMessageContaining("node \"3\" has no \"class_type\"");
        assertThatThrownBy(() -> Workflow.parse("{not json")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Workflow.parse("[]")).hasMessageContaining("non-empty JSON object");
    }

    /** Read last-wins, the SDK would send one seed while the file's author saw the other: refused, named. */
    @Test
    void aWorkflowWithAKeyWrittenTwiceIsRefusedNamingItAndWhereItIs() {
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"KSampler\",\n \"inputs\": {\"seed\": 1,"
                + "\n \"seed\": 2}}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the workflow is not valid JSON at line 3: the key \"seed\" appears twice in the object at"
                        + " /3/inputs; keep the value you mean and remove the other");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"A\"}, \"3\": {\"class_type\": \"B\"}}"))
                .hasMessageContaining("the key \"3\" appears twice at the top level");
    }

    @Test
    void aWorkflowSavedInsideTheRequestThatCarriedItSaysWhichPartToGive() {
        String nodes = "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {}}}";
        assertThatThrownBy(() -> Workflow.parse("{\"input\": {\"workflow\": " + nodes + "}}"))
                .hasMessage("this is a job request ({\"input\": {\"workflow\": ...}}), not a workflow: give its"
                        + " input.workflow alone (input.images are given as images, e.g. --image)");
        assertThatThrownBy(() -> Workflow.parse("{\"prompt\": " + nodes + ", \"client_id\": \"x\"}"))
                .hasMessage("this is a ComfyUI /prompt request ({\"prompt\": ...}), not a workflow: give its"
                        + " \"prompt\" value alone");
        assertThat(Workflow.parse("{\"prompt\": {\"class_type\": \"PrimitiveString\", \"inputs\": {}}}").json()
                .has("prompt")).as("a node whose id is \"prompt\" is still a node").isTrue();
    }

    @Test
    void comfyUisOwn400IsReadAsOneLineNamingNodeAndInput() {
        String missingFile = "{\"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\":"
                + " \"Prompt outputs failed validation\", \"details\": \"\", \"extra_info\": {}}, \"node_errors\":"
                + " {\"1\": {\"errors\": [{\"type\": \"custom_validation_failed\", \"message\": \"Custom validation"
                + " failed for node\", \"details\": \"image - Invalid image file: nope.png\", \"extra_info\":"
                + " {\"input_name\": \"image\"}}], \"dependent_outputs\": [\"3\"], \"class_type\": \"LoadImage\"}}}";
        assertThat(Transport.serverMessage(missingFile)).isEqualTo("Prompt outputs failed validation; node 1"
                + " (LoadImage): Custom validation failed for node: image - Invalid image file: nope.png");
        String missingInput = "{\"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\":"
                + " \"Prompt outputs failed validation\", \"details\": \"\", \"extra_info\": {}}, \"node_errors\":"
                + " {\"1\": {\"errors\": [{\"type\": \"required_input_missing\", \"message\": \"Required input is"
                + " missing\", \"details\": \"height\", \"extra_info\": {\"input_name\": \"height\"}}],"
                + " \"dependent_outputs\": [\"2\"], \"class_type\": \"EmptyImage\"}}}";
        assertThat(Transport.serverMessage(missingInput)).as("what is wrong and with which input").isEqualTo(
                "Prompt outputs failed validation; node 1 (EmptyImage): Required input is missing: height");
        String unknownNode = "{\"error\": {\"type\": \"invalid_prompt\", \"message\": \"Cannot execute because node"
                + " NoSuchNode does not exist.\", \"details\": \"Node ID '#1'\", \"extra_info\": {}},"
                + " \"node_errors\": {}}";
        assertThat(Transport.serverMessage(unknownNode))
                .isEqualTo("Cannot execute because node NoSuchNode does not exist. (Node ID '#1')");
    }

    @Test
    void theBuilderNamesTheSettingToFix() {
        assertThatThrownBy(() -> ComfyFleetClient.builder().build()).hasMessageContaining("baseUrl is required");
        assertThatThrownBy(() -> ComfyFleetClient.builder().baseUrl("ftp://x/v2").build())
                .hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> ComfyFleetClient.builder().requestTimeout(Duration.ZERO))
                .hasMessageContaining("requestTimeout");
        ComfyFleetClient client = ComfyFleetClient.builder().baseUrl("http://127.0.0.1:1/v2").build();
        assertThatThrownBy(() -> client.endpoint("a/b")).hasMessageContaining("without '/'");
        assertThatThrownBy(() -> InputImage.of("../x.png", new byte[1])).hasMessageContaining("plain file name");
    }

    /**
     * The API's paths are appended to the base URL: a query there swallowed them ({@code /v2?x=1/ep/run} asked for
     * {@code /v2}), and an endpoint id was form-encoded into the path ({@code "my ep"} became {@code my+ep}, another
     * name than the one given).
     */
    @Test
    void aBaseUrlWithAQueryIsRefusedAndEndpointIdsArePathEncoded() {
        assertThatThrownBy(() -> ComfyFleetClient.builder().baseUrl("http://127.0.0.1:1/v2?token=x").build())
                .hasMessageContaining("baseUrl must not have a query or fragment");
        assertThatThrownBy(() -> ComfyFleetClient.builder().baseUrl("http://127.0.0.1:1/v2#top").build())
                .hasMessageContaining("baseUrl must not have a query or fragment");

        ComfyFleetClient client = ComfyFleetClient.builder().baseUrl("http://127.0.0.1:1/v2").build();
        Endpoint spaced = client.endpoint("my ep");
        assertThat(client.transport().uri(spaced.path("/run"))).hasToString("http://127.0.0.1:1/v2/my%20ep/run");
    }

    @Test
    void anOutputNameFromTheServerCannotLeaveTheFolder() {
        Transport transport = new Transport(java.net.URI.create("http://127.0.0.1:1/v2"), null,
                Duration.ofSeconds(1), Duration.ofSeconds(1), null);
        Output sneaky = new Output("j", "../../escape.png", "image", null, "base64", null, "AAEC", transport,
                Duration.ofSeconds(1));
        Path saved = sneaky.saveTo(dir.resolve("out"));
        assertThat(saved).isEqualTo(dir.resolve("out").resolve("escape.png"));
        assertThat(saved).hasBinaryContent(new byte[] {0, 1, 2});
    }

    @Test
    void anUnreachableServerIsATypedErrorWithoutAStatus() {
        Endpoint ep = ComfyFleetClient.builder().baseUrl("http://127.0.0.1:1/v2")
                .connectTimeout(Duration.ofSeconds(2)).build().endpoint("ep");
        assertThatThrownBy(() -> ep.status("job-1")).isExactlyInstanceOf(ComfyFleetException.class)
                .satisfies(e -> {
                    assertThat(((ComfyFleetException) e).httpStatus()).isZero();
                    assertThat(((ComfyFleetException) e).jobId()).isEqualTo("job-1");
                    assertThat(e.getMessage()).contains("GET http://127.0.0.1:1/v2/ep/status/job-1");
                });
    }

    @Test
    void aProxyErrorPageBecomesTheMessage() {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://h/v2/ep/run")).build();
        ComfyFleetException e = Transport.failure(request, 502, "<html>Bad Gateway</html>", null);
        assertThat(e).isExactlyInstanceOf(ComfyFleetException.class);
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.serverMessage()).isEqualTo("<html>Bad Gateway</html>");
        assertThat(Transport.failure(request, 400, "{\"error\":\"\\\"input\\\" is required\"}", null))
                .isInstanceOf(RequestRejectedException.class).hasMessageContaining("\"input\" is required");
    }
}
