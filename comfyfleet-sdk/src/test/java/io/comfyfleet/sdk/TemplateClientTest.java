package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The SDK's templates against the real gateway, whose comfyfleet.yaml declares a template over a workflow file: list
 * it with its schema, run it, get a wrong parameter refused with the gateway's message.
 */
class TemplateClientTest {
    private static final String WORKFLOW = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 512, "height": 512, "batch_size": 1, "color": 0}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inv"}}}""";

    @TempDir
    Path dir;
    LiveGateway gw;
    Endpoint ep;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("invert.json"), WORKFLOW);
        gw = new LiveGateway(dir, """
                    templates:
                      invert:
                        description: An inverted plain image
                        workflow: invert.json
                        params:
                          color: {node: "1", input: color, required: true}
                          width: {node: "1", input: width}
                """);
        ep = gw.client.endpoint("ep");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void listsRunsAndAwaitsATemplateJob() throws Exception {
        List<TemplateInfo> templates = ep.templates();
        assertThat(templates).extracting(TemplateInfo::name).containsExactly("invert");
        TemplateInfo invert = templates.get(0);
        assertThat(invert.description()).isEqualTo("An inverted plain image");
        assertThat(invert.params()).containsExactly("color", "width");
        assertThat(invert.required()).containsExactly("color");
        assertThat(invert.param("width").path("default").asInt()).isEqualTo(512);

        CompletableFuture<JobResult> result = CompletableFuture.supplyAsync(() -> ep.runSync(
                Template.named("invert").param("color", 255).param("width", 64), List.of(), RunOptions.defaults(),
                Duration.ofSeconds(30)));
        TestWorker worker = gw.worker();
        JsonNode taken = worker.take();
        JsonNode workflow = taken.path("input").path("workflow");
        assertThat(workflow.path("1").path("inputs").path("color").asInt()).isEqualTo(255);
        assertThat(workflow.path("1").path("inputs").path("width").asInt()).isEqualTo(64);
        assertThat(workflow.path("1").path("inputs").path("height").asInt()).isEqualTo(512);
        worker.complete(taken.path("id").asString(), "inv_00001_.png", new byte[] {1, 2, 3}, null, null, 0);

        JobResult done = result.get(30, TimeUnit.SECONDS);
        assertThat(done.outputs()).isNotEmpty();
    }

    @Test
    void aWrongParameterIsRefusedWithTheGatewaysMessage() {
        assertThatThrownBy(() -> ep.run(Template.named("invert").param("color", "red")))
                .isInstanceOfSatisfying(RequestRejectedException.class, e -> assertThat(e.getMessage())
                        .contains("parameter \"color\" got \"red\"; it takes a number"));
        assertThatThrownBy(() -> ep.run(Template.named("invert").param("colour", 1)))
                .isInstanceOf(RequestRejectedException.class)
                .hasMessageContaining("has no parameter \"colour\"; its parameters are [color, width]");
        assertThatThrownBy(() -> ep.run(Template.named("invert")))
                .hasMessageContaining("parameter \"color\" is required");
    }
}
