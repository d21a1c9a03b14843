package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Instant;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API: its own key, settings kept in the store across restarts, every bad PATCH a 400 naming the field. */
class AdminApiTest {
    static final String ADMIN_KEY = "admin-key-0123456789";
    @TempDir
    Path dir;
    TestGateway gw;
    Api admin;

    @BeforeEach
    void start() {
        gw = open();
    }

    private TestGateway open() {
        TestGateway g = new TestGateway(dir, "  adminKey: " + ADMIN_KEY);
        admin = g.client.withKey(ADMIN_KEY);
        return g;
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private static Reply patch(Api api, String path, String body) {
        return api.send(api.request(path).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void theAdminKeyOpensOnlyTheAdminApiAndNoOtherKeyOpensIt() {
        assertThat(admin.get("/admin/endpoints").status()).isEqualTo(200);
        for (Api other : new Api[] {gw.client, gw.worker, gw.client.withKey(null),
                gw.client.withKey("wrong-key-0123456789")}) {
            assertThat(other.get("/admin/endpoints").status()).isEqualTo(401);
            assertThat(other.get("/admin/endpoints/ep1").status()).isEqualTo(401);
            assertThat(patch(other, "/admin/endpoints/ep1", "{\"maxWorkers\":5}").status()).isEqualTo(401);
        }
        assertThat(admin.get("/v2/ep1/health").status()).as("client route").isEqualTo(401);
        assertThat(admin.get("/v2/ep1/job-take/w1").status()).as("worker route").isEqualTo(401);
        assertThat(admin.get("/v2/ep1/ping/w1").status()).as("worker route").isEqualTo(401);
    }

    @Test
    void withoutAnAdminKeyConfiguredEveryAdminCallIsRefused() {
        try (TestGateway plain = new TestGateway(dir.resolve("plain"))) {
            assertThat(plain.client.get("/admin/endpoints").status()).isEqualTo(401);
            assertThat(plain.client.withKey("").get("/admin/endpoints").status()).isEqualTo(401);
        }
    }

    @Test
    void anAdminKeyThatIsAlsoAClientOrWorkerKeyIsAConfigurationError() {
        String yaml = TestGateway.yaml("  adminKey: " + TestGateway.WORKER_KEY);
        Assertions.assertThatThrownBy(() -> new ConfigLoader(n -> null).parse(yaml, "test", dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server.adminKey");
    }

    @Test
    void theYamlSeedsTheSettingsWhichAPatchChangesAndARestartKeeps() {
        Reply ep1 = admin.get("/admin/endpoints/ep1");
        assertThat(ep1.status()).isEqualTo(200);
        assertThat(ep1.json().path("maxWorkers").asInt()).isEqualTo(3);
        assertThat(ep1.json().path("scaler").path("type").asString()).isEqualTo("QUEUE_DELAY");
        assertThat(ep1.json().path("maxSurge").asInt()).isEqualTo(1);
        assertThat(ep1.json().path("image").isNull()).isTrue();
        assertThat(admin.get("/admin/endpoints").json().path("endpoints")).hasSize(2);

        Reply changed = patch(admin, "/admin/endpoints/ep1", """
                {"image": "registry.example.com/team/worker:2", "minWorkers": 1, "maxWorkers": 5,
                 "idleTimeout": 60, "scaler": {"type": "REQUEST_COUNT", "value": 2}, "maxSurge": 2}""");
        assertThat(changed.status()).as(changed.text()).isEqualTo(200);
        assertThat(changed.json().path("image").asString()).isEqualTo("registry.example.com/team/worker:2");
        assertThat(changed.json().path("revision").asInt()).isEqualTo(2);

        gw.close();
        gw = open();
        Reply after = admin.get("/admin/endpoints/ep1");
        assertThat(after.json().path("image").asString()).isEqualTo("registry.example.com/team/worker:2");
        assertThat(after.json().path("minWorkers").asInt()).isEqualTo(1);
        assertThat(after.json().path("maxWorkers").asInt()).isEqualTo(5);
        assertThat(after.json().path("idleTimeout").asDouble()).isEqualTo(60.0);
        assertThat(after.json().path("scaler").path("value").asDouble()).isEqualTo(2.0);
        assertThat(after.json().path("maxSurge").asInt()).isEqualTo(2);

        Reply next = patch(admin, "/admin/endpoints/ep1", "{\"image\": \"registry.example.com/team/worker:3\"}");
        assertThat(next.json().path("previousImage").asString()).isEqualTo("registry.example.com/team/worker:2");
        Reply back = patch(admin, "/admin/endpoints/ep1", "{\"rollback\": true}");
        assertThat(back.json().path("image").asString()).isEqualTo("registry.example.com/team/worker:2");

        Reply aware = patch(admin, "/admin/endpoints/ep1", "{\"scaler\": {\"type\": \"COLD_START_AWARE\"}}");
        assertThat(aware.status()).as(aware.text()).isEqualTo(200);
        assertThat(aware.json().path("scaler").path("type").asString()).isEqualTo("COLD_START_AWARE");
        assertThat(aware.json().path("scaler").path("value").asDouble()).as("its default wait weight").isEqualTo(4.0);

        Reply target = patch(admin, "/admin/endpoints/ep1", "{\"scaler\": {\"type\": \"TARGET_WAIT\", \"value\": 30}}");
        assertThat(target.status()).as(target.text()).isEqualTo(200);
        assertThat(target.json().path("scaler").path("type").asString()).isEqualTo("TARGET_WAIT");
        assertThat(target.json().path("scaler").path("value").asDouble()).isEqualTo(30.0);
    }

    /**
     * The shipped configuration has no image: the provider's default. A roll-out of an image that halts is rolled back
     * to that default; a second roll-back goes to the image before that change again (one step back each time).
     */
    @Test
    void aRollBackReturnsToTheProvidersDefaultImage() {
        Reply broken = patch(admin, "/admin/endpoints/ep1", "{\"image\": \"demo:broken\"}");
        assertThat(broken.status()).as(broken.text()).isEqualTo(200);
        assertThat(broken.json().path("previousImage").isNull()).isTrue();

        gw.close();
        gw = open();
        Reply back = patch(admin, "/admin/endpoints/ep1", "{\"rollback\": true}");
        assertThat(back.status()).as(back.text()).isEqualTo(200);
        assertThat(back.json().path("image").isNull()).as("the provider's default").isTrue();
        assertThat(back.json().path("previousImage").asString()).isEqualTo("demo:broken");
        assertThat(back.json().path("imageChanged").asBoolean()).isTrue();
        assertThat(back.json().path("revision").asInt()).isEqualTo(3);

        Reply again = patch(admin, "/admin/endpoints/ep1", "{\"rollback\": true}");
        assertThat(again.json().path("image").asString()).isEqualTo("demo:broken");
        assertThat(again.json().path("previousImage").isNull()).isTrue();
    }

    @Test
    void theRolloutTheAutoscalerWroteIsShown() {
        gw.gateway.endpointAdmin().store().saveRollout(new RolloutStatus("ep1", RolloutStatus.State.HALTED, "img:a",
                "img:c", Instant.parse("2026-01-01T00:00:00Z"), 2, 0, 0, 3, "3 worker(s) of version img:c failed",
                Instant.parse("2026-01-01T00:01:00Z")));
        Reply ep1 = admin.get("/admin/endpoints/ep1");
        assertThat(ep1.json().path("version").asString()).as("halted: the old version serves").isEqualTo("img:a");
        assertThat(ep1.json().path("rollout").path("state").asString()).isEqualTo("HALTED");
        assertThat(ep1.json().path("rollout").path("halted").asBoolean()).isTrue();
        assertThat(ep1.json().path("rollout").path("oldWorkers").asInt()).isEqualTo(2);
        assertThat(ep1.json().path("rollout").path("reason").asString()).contains("img:c failed");
    }

    @Test
    void everyBadPatchIsA400NamingTheField() {
        String[][] cases = {
                {"{broken", "not valid JSON"},
                {"[1]", "JSON object"},
                {"{}", "nothing to change"},
                {"{\"replicas\": 3}", "unknown field \"replicas\""},
                {"{\"minWorkers\": -1}", "minWorkers"},
                {"{\"maxWorkers\": 1.5}", "maxWorkers"},
                {"{\"maxWorkers\": \"3\"}", "maxWorkers"},
                {"{\"minWorkers\": 4, \"maxWorkers\": 2}", "maxWorkers (2) must be at least minWorkers (4)"},
                {"{\"minWorkers\": 9}", "minWorkers: maxWorkers (3) must be at least minWorkers (9)"},
                {"{\"idleTimeout\": 0}", "idleTimeout"},
                {"{\"maxSurge\": 0}", "maxSurge"},
                {"{\"image\": \"Not An Image\"}", "image"},
                {"{\"image\": 7}", "image"},
                {"{\"rollback\": true}", "rollback: endpoint \"ep1\" has no previous image to roll back to (its"
                        + " image was never changed); to run the provider's default image, send {\"image\": null}"},
                {"{\"rollback\": true, \"image\": \"a:b\"}", "rollback"},
                {"{\"scaler\": {\"type\": \"FAST\"}}", "scaler.type"},
                {"{\"scaler\": {\"type\": \"QUEUE_DELAY\", \"value\": 0.1}}", "scaler.value"},
                {"{\"scaler\": {\"type\": \"REQUEST_COUNT\", \"value\": 1.5}}", "scaler.value"},
                {"{\"scaler\": {\"type\": \"COLD_START_AWARE\", \"value\": 0}}", "scaler.value: for COLD_START_AWARE"},
                {"{\"scaler\": {\"type\": \"COLD_START_AWARE\", \"value\": 5000}}", "at most 1000"},
                {"{\"scaler\": {\"type\": \"TARGET_WAIT\", \"value\": 0}}", "scaler.value: for TARGET_WAIT must be from 1"},
                {"{\"scaler\": {\"type\": \"TARGET_WAIT\", \"value\": 7200}}", "to 3600"},
                {"{\"scaler\": {\"type\": \"cold_start_aware\"}}", "QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or"
                        + " TARGET_WAIT"},
                {"{\"scaler\": {\"kind\": \"x\"}}", "scaler.kind"},
                {"{\"scaler\": 3}", "scaler"},
                // last-wins would store 1 and say nothing of the 5
                {"{\"minWorkers\": 5, \"minWorkers\": 1}", "the key \"minWorkers\" appears twice at the top level"},
                {"{\"scaler\": {\"type\": \"QUEUE_DELAY\", \"type\": \"REQUEST_COUNT\"}}",
                        "the key \"type\" appears twice in the object at /scaler"},
        };
        for (String[] c : cases) {
            Reply reply = patch(admin, "/admin/endpoints/ep1", c[0]);
            assertThat(reply.status()).as(c[0]).isEqualTo(400);
            assertThat(reply.json().path("error").asString()).as(c[0]).contains(c[1]);
        }
        assertThat(admin.get("/admin/endpoints/ep1").json().path("revision").asInt()).as("nothing was stored")
                .isEqualTo(1);
        Reply zero = patch(admin, "/admin/endpoints/ep1", "{\"scaler\": {\"type\": \"TARGET_WAIT\", \"value\": 0}}");
        assertThat(zero.json().path("error").asString()).as("the value as sent, not 0.0").isEqualTo("scaler.value: for"
                + " TARGET_WAIT must be from 1 to 3600 (seconds a job should wait in the queue at most), got 0");
        Reply big = patch(admin, "/admin/endpoints/ep1", "{\"image\": \"" + "a".repeat(20_000) + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(admin.get("/admin/endpoints/nope").status()).isEqualTo(404);
        assertThat(patch(admin, "/admin/endpoints/nope", "{\"maxWorkers\": 1}").status()).isEqualTo(404);
    }
}
