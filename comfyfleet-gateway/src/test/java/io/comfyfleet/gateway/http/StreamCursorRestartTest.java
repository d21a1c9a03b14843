package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code /stream} reader's place is kept in the store: a gateway restarted on the same file goes on from it. */
class StreamCursorRestartTest {
    @TempDir
    Path dir;

    @Test
    void aStreamDrainedBeforeARestartSendsOnlyNewChunksAfterIt() {
        String id;
        try (TestGateway gw = new TestGateway(dir)) {
            id = gw.run("{}");
            gw.take("w1");
            chunk(gw, id, "\"a\"");
            chunk(gw, id, "\"b\"");
            assertThat(gw.client.get("/v2/ep1/stream/" + id).json().path("stream").toString())
                    .isEqualTo("[{\"output\":\"a\"},{\"output\":\"b\"}]");
        }

        try (TestGateway gw = new TestGateway(dir)) {
            chunk(gw, id, "\"c\"");
            assertThat(gw.client.get("/v2/ep1/stream/" + id).json().path("stream").toString())
                    .isEqualTo("[{\"output\":\"c\"}]");
            gw.worker.post("/v2/ep1/job-done/w1/" + id, "{\"output\":\"done\"}");
            var last = gw.client.get("/v2/ep1/stream/" + id + "?wait=1000");
            assertThat(last.field("status")).isEqualTo("COMPLETED");
            assertThat(last.json().path("stream").size()).isZero();
        }
    }

    private static void chunk(TestGateway gw, String id, String output) {
        assertThat(gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"output\":" + output + "}").status())
                .isEqualTo(200);
    }
}
