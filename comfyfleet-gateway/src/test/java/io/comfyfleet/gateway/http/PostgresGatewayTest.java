package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway configured for PostgreSQL ({@code store: {type: postgres}}) on a real embedded PostgreSQL. */
class PostgresGatewayTest {
    @TempDir
    Path dir;
    EmbeddedPostgres postgres;

    @BeforeEach
    void startDatabase() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterEach
    void stopDatabase() throws Exception {
        postgres.close();
    }

    @Test
    void aJobRunsThroughTheGatewayOnPostgres() throws Exception {
        String store = "store: {type: postgres, url: \"" + postgres.getJdbcUrl("postgres", "postgres")
                + "\", user: postgres}\n";
        try (TestGateway gw = new TestGateway(dir, "", store)) {
            var sync = CompletableFuture.supplyAsync(() -> gw.client.post("/v2/ep1/runsync?wait=30000", "{\"input\":{\"x\":1}}"));
            String id = gw.take("pg-w1");
            assertThat(id).startsWith("sync-");
            gw.worker.postAsForm("/v2/ep1/job-done/pg-w1/" + id, "{\"output\":{\"x\":2}}");
            Reply done = sync.get(20, TimeUnit.SECONDS);
            assertThat(done.field("status")).isEqualTo("COMPLETED");
            assertThat(done.json().path("output").path("x").asInt()).isEqualTo(2);
            assertThat(gw.client.get("/v2/ep1/health").json().path("jobs").path("completed").asInt()).isEqualTo(1);
        }
    }
}
