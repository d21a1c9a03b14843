package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.Routing;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint's routing through the admin API: the GET shows it, a PATCH changes it (kept across a restart) and the
 * very next job-take routes by it, a change through another gateway applies within a second, and a bad value is a
 * 400 naming the field and what is allowed.
 */
class RoutingAdminTest {
    static final String ADMIN_KEY = "admin-key-0123456789";
    @TempDir
    Path dir;
    TestGateway gw;
    Api admin;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private void start(String endpointExtras) {
        String yaml = TestGateway.yaml("  adminKey: " + ADMIN_KEY)
                .replace("    maxRetries: 1\n", "    maxRetries: 1\n" + endpointExtras);
        gw = new TestGateway(new ConfigLoader(name -> null).parse(yaml, "test config", dir));
        admin = gw.client.withKey(ADMIN_KEY);
    }

    private Reply patch(String body) {
        return admin.send(admin.request("/admin/endpoints/ep1").header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void theGetShowsTheConfiguredRouting() {
        start("    routing: fifo\n    affinityWait: 150ms\n");
        Reply ep1 = admin.get("/admin/endpoints/ep1");
        assertThat(ep1.json().path("routing").asString()).isEqualTo("fifo");
        assertThat(ep1.json().path("affinityWait").asDouble()).isEqualTo(0.15);
        var ep2 = admin.get("/admin/endpoints").json().path("endpoints").get(1);
        assertThat(ep2.path("name").asString()).isEqualTo("ep2");
        assertThat(ep2.path("routing").asString()).as("ep2 configures none: the default").isEqualTo("affinity");
        assertThat(ep2.path("affinityWait").asDouble()).isEqualTo(0.3);
    }

    @Test
    void aPatchChangesTheRoutingOfTheNextJobTakeAndARestartKeepsIt() {
        start("");
        report();
        Reply fifo = patch("{\"routing\": \"fifo\"}");
        assertThat(fifo.status()).as(fifo.text()).isEqualTo(200);
        assertThat(fifo.json().path("routing").asString()).isEqualTo("fifo");
        assertThat(fifo.json().path("affinityWait").asDouble()).as("unchanged").isEqualTo(0.3);
        String jobA = gw.run(withCheckpoint("a.safetensors"));
        String jobB = gw.run(withCheckpoint("b.safetensors"));
        assertThat(take("wb", "b.safetensors").field("id")).as("fifo: the oldest job").isEqualTo(jobA);

        Reply affinity = patch("{\"routing\": \"AFFINITY\", \"affinityWait\": 1.25}");
        assertThat(affinity.json().path("routing").asString()).isEqualTo("affinity");
        String jobA2 = gw.run(withCheckpoint("a.safetensors"));
        assertThat(take("wa", "a.safetensors").field("id")).as("affinity: wa's model before the older B")
                .isEqualTo(jobA2);
        assertThat(jobB).isNotNull();

        gw.close();
        start("");
        Reply after = admin.get("/admin/endpoints/ep1");
        assertThat(after.json().path("routing").asString()).isEqualTo("affinity");
        assertThat(after.json().path("affinityWait").asDouble()).isEqualTo(1.25);
        assertThat(after.json().path("revision").asInt()).isEqualTo(3);
    }

    @Test
    void aChangeMadeThroughAnotherGatewayRoutesHereWithinASecond() {
        start("");
        var admin = gw.gateway.endpointAdmin();
        assertThat(admin.routing("ep1").mode()).isEqualTo(Routing.Mode.AFFINITY);
        // another gateway on the same database changes the row: this one's read is a second old at most
        var store = admin.store();
        var row = store.get("ep1").orElseThrow();
        store.update(row.withRouting("FIFO", Duration.ofMillis(50))).orElseThrow();
        assertThat(admin.routing("ep1").mode()).as("read less than a second ago").isEqualTo(Routing.Mode.AFFINITY);
        gw.clock.advance(Duration.ofSeconds(1));
        assertThat(admin.routing("ep1")).isEqualTo(new Routing(Routing.Mode.FIFO, Duration.ofMillis(50)));
        assertThat(admin.routing("nope")).as("not configured").isNull();
    }

    @Test
    void aBadRoutingOrWaitIsA400NamingTheFieldAndWhatIsAllowed() {
        start("");
        String[][] cases = {
                {"{\"routing\": \"round-robin\"}", "routing: must be \"affinity\" or \"fifo\", got \"round-robin\""},
                {"{\"routing\": 1}", "routing: must be \"affinity\" or \"fifo\", got 1"},
                {"{\"routing\": null}", "routing: must be"},
                {"{\"affinityWait\": 11}", "affinityWait: must be a number of seconds from 0 to 10 (e.g. 0.3 for"
                        + " 300 ms), got 11"},
                {"{\"affinityWait\": -0.1}", "affinityWait: must be a number of seconds from 0 to 10"},
                {"{\"affinityWait\": \"300ms\"}", "affinityWait: must be a number of seconds from 0 to 10"},
        };
        for (String[] c : cases) {
            Reply reply = patch(c[0]);
            assertThat(reply.status()).as(c[0]).isEqualTo(400);
            assertThat(reply.json().path("error").asString()).as(c[0]).contains(c[1]);
        }
        Reply ep1 = admin.get("/admin/endpoints/ep1");
        assertThat(ep1.json().path("revision").asInt()).as("nothing was stored").isEqualTo(1);
        assertThat(ep1.json().path("routing").asString()).isEqualTo("affinity");
        assertThat(patch("{\"affinityWait\": 0}").json().path("affinityWait").asDouble()).isEqualTo(0.0);
    }

    private static String withCheckpoint(String ckpt) {
        return """
                {"workflow":{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"%s"}},
                  "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"x"}}}}""".formatted(ckpt);
    }

    private Reply take(String worker, String models) {
        return gw.worker.get("/v2/ep1/job-take/" + worker + "?gpu=SIM&job_in_progress=0&models="
                + URLEncoder.encode(models, StandardCharsets.UTF_8));
    }

    /** Both workers tell the gateway what they hold (an empty queue: each job-take ends after its hold). */
    private void report() {
        var a = CompletableFuture.supplyAsync(() -> take("wa", "a.safetensors"));
        var b = CompletableFuture.supplyAsync(() -> take("wb", "b.safetensors"));
        assertThat(a.join().status()).isEqualTo(204);
        assertThat(b.join().status()).isEqualTo(204);
    }
}
