package io.comfyfleet.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Admission on {@code /run} and {@code /runsync}: once a worker reported its node catalogue, a workflow its
 * ComfyUI would refuse gets ComfyUI's own 400 body at once, and nothing is queued.
 */
class AdmissionTest extends GatewayPerTest {
    private static final TestCatalogue H100 = TestCatalogue.h100();
    private static final String PNG = "data:image/png;base64,iVBORw0KGgo=";

    private void reportH100() {
        assertThat(H100.report(gw.worker, "ep1", "w1", "v1").json().path("known").asBoolean()).isTrue();
    }

    private Reply run(JsonNode workflow, String images) {
        return gw.client.post("/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow + ",\"images\":" + images + "}}");
    }

    private static JsonNode recordedPrompt(String name) {
        return TestCatalogue.capture(name).get("request").get("prompt");
    }

    private void assertNothingQueued() {
        JsonNode jobs = gw.client.get("/v2/ep1/health").json().get("jobs");
        assertThat(jobs.get("inQueue").asInt() + jobs.get("inProgress").asInt() + jobs.get("failed").asInt()
                + jobs.get("completed").asInt()).as("jobs stored").isZero();
        assertThat(gw.worker.get("/v2/ep1/job-take/w1?job_in_progress=0").status()).as("job-take").isEqualTo(204);
    }

    @ParameterizedTest
    @ValueSource(strings = {"err_unknown_node", "err_bad_value", "err_missing_input", "err_missing_file",
            "err_bad_link", "err_no_outputs"})
    void aWorkflowThatComfyUiRefusesGetsComfyUisOwnBodyAndIsNotQueued(String recording) {
        reportH100();
        JsonNode recorded = TestCatalogue.capture(recording);

        Reply reply = run(recorded.get("request").get("prompt"), "[]");

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.json()).isEqualTo(recorded.get("response"));
        assertNothingQueued();
    }

    @Test
    void runsyncRefusesTheSameWayWithoutWaiting() {
        reportH100();
        Reply reply = gw.client.post("/v2/ep1/runsync?wait=60000",
                "{\"input\":{\"workflow\":" + recordedPrompt("err_unknown_node") + "}}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").get("message").asString())
                .isEqualTo("Cannot execute because node NoSuchNode does not exist.");
        assertNothingQueued();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape.png", "sub/dir.png", ".hidden.png", "C:x.png"})
    void anInputImageNameTheWorkerWouldNotWriteIsRefusedBeforeQueueing(String name) {
        reportH100();
        ObjectNode workflow = (ObjectNode) recordedPrompt("err_missing_file");
        ((ObjectNode) workflow.get("1").get("inputs")).put("image", name);

        Reply reply = run(workflow, "[{\"name\":\"ok.png\",\"image\":\"" + PNG + "\"},{\"name\":\"" + name
                + "\",\"image\":\"" + PNG + "\"}]");

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.field("error")).startsWith("input.images[1].name \"" + name + "\" ");
        assertNothingQueued();
    }

    /** Two images of one name would overwrite each other in the input folder: the worker refuses the job, so does /run. */
    @Test
    void twoInputImagesOfOneNameAreRefusedBeforeQueueing() {
        reportH100();
        ObjectNode workflow = (ObjectNode) recordedPrompt("err_missing_file");
        ((ObjectNode) workflow.get("1").get("inputs")).put("image", "cat.png");

        Reply reply = run(workflow, "[{\"name\":\"cat.png\",\"image\":\"" + PNG + "\"},{\"name\":\"cat.png\",\"image\":\""
                + PNG + "\"}]");

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.field("error")).isEqualTo("input.images[1].name \"cat.png\" is used twice (also"
                + " input.images[0]); give each image its own name");
        assertNothingQueued();
    }

    @Test
    void aLoadImageFileTheJobCarriesOrTheWorkerListsIsAdmitted() {
        reportH100();
        ObjectNode workflow = (ObjectNode) recordedPrompt("err_missing_file");

        assertThat(run(workflow, "[{\"name\":\"nope.png\",\"image\":\"" + PNG + "\"}]").status()).isEqualTo(200);
        // example.png is in the worker's input folder, as its LoadImage image list says
        ((ObjectNode) workflow.get("1").get("inputs")).put("image", "example.png");
        assertThat(run(workflow, "[]").status()).isEqualTo(200);
        // the output folder is the worker's to check
        ((ObjectNode) workflow.get("1").get("inputs")).put("image", "result.png [output]");
        assertThat(run(workflow, "[]").status()).isEqualTo(200);
    }

    @Test
    void aLoadImageFileNeitherCarriedNorListedIsRefusedNamingNodeAndInput() {
        reportH100();
        Reply reply = run(recordedPrompt("err_missing_file"), "[{\"name\":\"other.png\",\"image\":\"" + PNG + "\"}]");

        assertThat(reply.status()).isEqualTo(400);
        JsonNode node = reply.json().get("node_errors").get("1");
        assertThat(node.get("class_type").asString()).isEqualTo("LoadImage");
        JsonNode error = node.get("errors").get(0);
        assertThat(error.get("type").asString()).isEqualTo("custom_validation_failed");
        assertThat(error.get("details").asString()).isEqualTo("image - Invalid image file: nope.png");
        assertThat(error.get("extra_info").get("input_name").asString()).isEqualTo("image");
    }

    @Test
    void aModelTheVersionDoesNotHaveIsRefusedNamingNodeAndInput() {
        reportH100();
        ObjectNode workflow = (ObjectNode) TestCatalogue.capture("g01_a_cold").get("request").get("prompt");
        ((ObjectNode) workflow.get("4").get("inputs")).put("ckpt_name", "sd_xl_base_1.0.safetensors");

        Reply reply = run(workflow, "[]");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").get("type").asString()).isEqualTo("prompt_outputs_failed_validation");
        JsonNode node = reply.json().get("node_errors").get("4");
        assertThat(node.get("class_type").asString()).isEqualTo("CheckpointLoaderSimple");
        JsonNode error = node.get("errors").get(0);
        assertThat(error.get("type").asString()).isEqualTo("value_not_in_list");
        assertThat(error.get("details").asString()).isEqualTo(
                "ckpt_name: 'sd_xl_base_1.0.safetensors' not in ['rand_a.safetensors', 'rand_b.safetensors']");
        assertThat(error.get("extra_info").get("input_name").asString()).isEqualTo("ckpt_name");
        assertNothingQueued();
    }

    @Test
    void aValidWorkflowIsQueuedAsBefore() {
        reportH100();
        JsonNode workflow = TestCatalogue.capture("g01_a_cold").get("request").get("prompt");
        Reply reply = run(workflow, "[]");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.field("status")).isEqualTo("IN_QUEUE");
    }

    @Test
    void theRealisticSdxlWorkflowIsValidForTheH100Catalogue() throws Exception {
        reportH100();
        JsonNode workflow = TestCatalogue.MAPPER.readTree(getClass().getResourceAsStream("sdxl-workflow.json"));
        assertThat(run(workflow, "[{\"name\":\"reference.png\",\"image\":\"" + PNG + "\"}]").status()).isEqualTo(200);
        // as ComfyUI does, a prompt with some valid outputs runs those: the worker would run it, so it is admitted
        assertThat(run(workflow, "[]").status()).as("without its reference image").isEqualTo(200);
        // when the image-to-image output is the only one, the missing image refuses it
        ((ObjectNode) workflow).remove("19");
        ((ObjectNode) workflow).remove("23");
        Reply refused = run(workflow, "[]");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("node_errors").get("30").get("errors").get(0).get("details").asString())
                .isEqualTo("image - Invalid image file: reference.png");
    }

    @Test
    void withoutACatalogueEveryWorkflowIsQueuedForTheWorkerToCheck() {
        Reply reply = run(recordedPrompt("err_unknown_node"), "[]");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("status")).isEqualTo("IN_QUEUE");
        // an input that is not a ComfyUI job is never judged here either
        reportH100();
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{\"prompt\":\"hello\"}}").status()).isEqualTo(200);
    }

    @Test
    void aCatalogueAppliesOnlyToItsEndpoint() {
        reportH100();
        Reply reply = new io.comfyfleet.gateway.support.Api(gw.client.base(), TestGateway.OTHER_CLIENT_KEY)
                .post("/v2/ep2/run", "{\"input\":{\"workflow\":" + recordedPrompt("err_unknown_node") + "}}");
        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void theVersionReportedLastDecides() {
        reportH100();
        TestCatalogue withoutSampler = H100.without("KSampler");
        assertThat(withoutSampler.report(gw.worker, "ep1", "w2", "v2").json().path("known").asBoolean()).isTrue();
        JsonNode workflow = TestCatalogue.capture("g01_a_cold").get("request").get("prompt");

        Reply refused = run(workflow, "[]");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("error").get("message").asString())
                .isEqualTo("Cannot execute because node KSampler does not exist.");

        // a worker of v1 reports again (digest only): v1 is current again
        Reply again = H100.post(gw.worker, "ep1", "w3", "v1", new byte[0]);
        assertThat(again.json().path("known").asBoolean()).isTrue();
        assertThat(run(workflow, "[]").status()).isEqualTo(200);
    }
}
