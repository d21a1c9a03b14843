package io.comfyfleet.gateway.templates;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.admission.TestCatalogue;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Templates over real HTTP on a real gateway (SQLite): registered with the admin key, listed with their schema,
 * run on /run and /runsync as full workflows, refused with a 400 that names the parameter.
 */
class TemplatesApiTest {
    static final String ADMIN_KEY = "admin-key-0123456789";

    @TempDir
    Path dir;
    TestGateway gw;
    Api admin;

    @BeforeEach
    void start() {
        gw = new TestGateway(dir, "  adminKey: " + ADMIN_KEY);
        admin = gw.client.withKey(ADMIN_KEY);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private Reply put(String endpoint, String name, JsonNode definition) {
        return admin.send(admin.request("/admin/endpoints/" + endpoint + "/templates/" + name)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(definition.toString())));
    }

    private Reply run(String params) {
        return gw.client.post("/v2/ep1/run", "{\"input\":{\"template\":\"portrait\",\"params\":" + params + "}}");
    }

    @Test
    void aTemplateJobIsQueuedAsItsFullWorkflowWithTheParamsSet() {
        TestCatalogue.h100().report(gw.worker, "ep1", "w1", "v1");
        assertThat(put("ep1", "portrait", Portrait.definition()).status()).isEqualTo(200);

        Reply accepted = run("{\"prompt\":\"a lighthouse at dusk\",\"seed\":7,\"sampler\":\"heun\"}");
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);

        JsonNode job = gw.worker.get("/v2/ep1/job-take/w1?job_in_progress=0").json();
        assertThat(job.get("id").asString()).isEqualTo(accepted.field("id"));
        JsonNode workflow = job.get("input").get("workflow");
        ObjectNode expected = Portrait.workflow();
        ((ObjectNode) expected.get("6").get("inputs")).put("text", "a lighthouse at dusk");
        ((ObjectNode) expected.get("3").get("inputs")).put("seed", 7).put("sampler_name", "heun");
        assertThat(workflow).isEqualTo(expected);
        assertThat(job.get("input").has("template")).isFalse();
    }

    @Test
    void theListingGivesEachTemplatesJsonSchemaFromTheCatalogueOnceAWorkerReportedIt() {
        put("ep1", "portrait", Portrait.definition());

        JsonNode before = gw.client.get("/v2/ep1/templates").json();
        assertThat(before.get("catalogue").isNull()).isTrue();
        JsonNode guessed = before.get("templates").get(0).get("schema").get("properties");
        assertThat(guessed.get("sampler").get("type").asString()).isEqualTo("string");
        assertThat(guessed.get("steps").has("maximum")).isFalse();

        TestCatalogue.h100().report(gw.worker, "ep1", "w1", "v1");
        JsonNode after = gw.client.get("/v2/ep1/templates").json();
        assertThat(after.get("catalogue").get("version").asString()).isEqualTo("v1");
        JsonNode t = after.get("templates").get(0);
        assertThat(t.get("name").asString()).isEqualTo("portrait");
        assertThat(t.get("description").asString()).isEqualTo("SD1.5 portrait");
        assertThat(t.has("definition")).as("clients do not see the workflow").isFalse();
        JsonNode props = t.get("schema").get("properties");
        assertThat(props.get("steps").get("maximum").asInt()).isEqualTo(10000);
        assertThat(props.get("sampler").get("enum").size()).isGreaterThan(10);
        assertThat(t.get("schema").get("required")).extracting(JsonNode::asString).containsExactly("prompt");
        // another endpoint has its own (none)
        assertThat(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/v2/ep2/templates").json()
                .get("templates")).isEmpty();
    }

    @Test
    void wrongParamsAre400sNamingTheParameterAndNothingIsQueued() {
        TestCatalogue.h100().report(gw.worker, "ep1", "w1", "v1");
        put("ep1", "portrait", Portrait.definition());

        Reply range = run("{\"prompt\":\"x\",\"steps\":0}");
        assertThat(range.status()).isEqualTo(400);
        assertThat(range.field("error")).isEqualTo(
                "template \"portrait\": parameter \"steps\" got 0; it takes a whole number from 1 to 10000");
        Reply unknown = gw.client.post("/v2/ep1/runsync", "{\"input\":{\"template\":\"landscape\",\"params\":{}}}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.field("error")).isEqualTo(
                "endpoint ep1 has no template \"landscape\"; its templates are [portrait]");
        Reply both = gw.client.post("/v2/ep1/run",
                "{\"input\":{\"template\":\"portrait\",\"workflow\":{},\"params\":{\"prompt\":\"x\"}}}");
        assertThat(both.status()).isEqualTo(400);
        assertThat(both.field("error")).contains("both \"workflow\" and \"template\"");
        assertThat(run("{\"seed\":1}").field("error")).contains("\"prompt\" is required");
        assertThat(gw.client.get("/v2/ep1/health").json().get("jobs").get("inQueue").asInt()).isZero();
    }

    @Test
    void onlyTheAdminKeyRegistersAndADeletedTemplateIsGone() {
        Reply asClient = gw.client.send(gw.client.request("/admin/endpoints/ep1/templates/portrait")
                .PUT(HttpRequest.BodyPublishers.ofString(Portrait.definition().toString())));
        assertThat(asClient.status()).isEqualTo(401);
        assertThat(put("nope", "portrait", Portrait.definition()).status()).isEqualTo(404);
        ObjectNode broken = Portrait.definition();
        ((ObjectNode) broken.get("params").get("seed")).put("input", "sede");
        Reply refused = put("ep1", "portrait", broken);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.field("error")).startsWith("params.seed.input: node 3 (KSampler) has no input \"sede\"");

        assertThat(put("ep1", "portrait", Portrait.definition()).json().get("revision").asInt()).isEqualTo(1);
        assertThat(put("ep1", "portrait", Portrait.definition()).json().get("revision").asInt()).isEqualTo(2);
        JsonNode got = admin.get("/admin/endpoints/ep1/templates/portrait").json();
        assertThat(got.get("definition").get("workflow")).isEqualTo(Portrait.workflow());

        assertThat(admin.send(admin.request("/admin/endpoints/ep1/templates/portrait").DELETE()).status())
                .isEqualTo(200);
        assertThat(admin.get("/admin/endpoints/ep1/templates/portrait").status()).isEqualTo(404);
        assertThat(run("{\"prompt\":\"x\"}").field("error")).contains("no template \"portrait\"");
    }

    @Test
    void theOpenApiDocumentAskedWithAClientKeyDescribesItsEndpointsTemplates() {
        TestCatalogue.h100().report(gw.worker, "ep1", "w1", "v1");
        put("ep1", "portrait", Portrait.definition());

        JsonNode withKey = gw.client.get("/openapi.json").json();
        JsonNode schema = withKey.get("components").get("schemas").get("Template_ep1_portrait");
        JsonNode params = schema.get("properties").get("input").get("properties").get("params");
        assertThat(params.get("properties").get("checkpoint").get("enum")).hasSize(2);
        assertThat(params.has("$schema")).isFalse();
        assertThat(withKey.get("paths").get("/v2/{endpoint}/run").get("post").get("requestBody").get("content")
                .get("application/json").get("schema").get("oneOf")).hasSize(2);

        Api anonymous = new Api(gw.client.base(), null);
        JsonNode open = anonymous.get("/openapi.json").json();
        assertThat(open.get("components").get("schemas").has("Template_ep1_portrait")).isFalse();
        JsonNode otherKey = gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/openapi.json").json();
        assertThat(otherKey.get("components").get("schemas").has("Template_ep1_portrait")).isFalse();
    }

    @Test
    void beforeAnyCatalogueAWholeNumberInTheWorkflowStillTakesAFraction() {
        // ComfyUI's Export (API) writes KSampler's default cfg 8.0 as 8: the input is still a FLOAT
        ObjectNode definition = Portrait.definition();
        ((ObjectNode) definition.get("workflow").get("3").get("inputs")).put("cfg", 8);
        put("ep1", "portrait", definition);

        Reply ok = run("{\"prompt\":\"x\",\"cfg\":7.5}");

        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        JsonNode job = gw.worker.get("/v2/ep1/job-take/w1?job_in_progress=0").json();
        assertThat(job.get("input").get("workflow").get("3").get("inputs").get("cfg").asDouble()).isEqualTo(7.5);
    }

    @Test
    void aTemplateRegisteredBeforeAnyCatalogueIsServedWithTheWorkflowsTypes() {
        assertThat(put("ep1", "portrait", Portrait.definition()).json().get("catalogue").isNull()).isTrue();

        assertThat(run("{\"prompt\":\"x\",\"steps\":\"many\"}").field("error"))
                .isEqualTo("template \"portrait\": parameter \"steps\" got \"many\"; it takes a number");
        Reply ok = run("{\"prompt\":\"x\",\"sampler\":\"whatever\"}");
        assertThat(ok.status()).as("no catalogue: the worker checks the sampler").isEqualTo(200);
        JsonNode job = gw.worker.get("/v2/ep1/job-take/w1?job_in_progress=0").json();
        assertThat(job.get("input").get("workflow").get("3").get("inputs").get("sampler_name").asString())
                .isEqualTo("whatever");
    }
}
