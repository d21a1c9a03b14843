package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job-done body over {@code server.maxWorkerBody}: RunPod's worker does not post a result again after a 4xx, so
 * a job left IN_PROGRESS would wait out its lease and run again, as large as before. It ends FAILED saying why.
 * A job-stream chunk over {@code server.maxStreamChunk} likewise: dropped while the job ran on, a client reading
 * {@code /stream} would miss part of the output without being told.
 */
class OversizedResultTest {
    static final String BIG_RESULT = "{\"output\":{\"image\":\"" + "A".repeat(100_000) + "\"}}";
    static final String BIG_CHUNK = "{\"output\":{\"text\":\"" + "A".repeat(20_000) + "\"}}";

    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() {
        gw = new TestGateway(dir, "  maxWorkerBody: 64KB\n  maxStreamChunk: 16KB");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void aResultOverTheLimitEndsTheJobFailedSayingWhy() {
        String id = gw.run("{}");
        gw.take("w1");

        Reply refused = gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id + "?gpu=SIM&isStream=false", BIG_RESULT);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.field("error")).isEqualTo("the job-done body is larger than the limit of 65536 bytes; job "
                + id + " has ended FAILED with that error (server.maxWorkerBody); deliver large outputs to S3 or the"
                + " gateway's output store rather than inline");

        Reply status = gw.status(id);
        assertThat(status.field("status")).isEqualTo("FAILED");
        assertThat(status.field("error")).isEqualTo("the worker's result was not stored: its job-done body is larger"
                + " than the gateway's limit of 65536 bytes (server.maxWorkerBody); deliver large outputs to S3 or the"
                + " gateway's output store rather than inline, or raise the limit");
        // ComfyFleet's worker then posts an error result in its place: harmless, the gateway's reason stays
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"error\":\"the gateway refused the result\"}")
                .status()).isEqualTo(200);
        assertThat(gw.status(id).field("error")).startsWith("the worker's result was not stored");
    }

    @Test
    void aChunkedResultOverTheLimitEndsTheJobToo() {
        String id = gw.run("{}");
        gw.take("w1");
        // no Content-Length: the limit is only known to be passed once 64 KB + 1 byte have been read
        Reply refused = gw.worker.send(gw.worker.request("/v2/ep1/job-done/w1/" + id)
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(BIG_RESULT.getBytes(StandardCharsets.UTF_8)))));
        assertThat(refused.status()).isEqualTo(413);
        assertThat(gw.status(id).field("status")).isEqualTo("FAILED");
    }

    @Test
    void anOversizedPostForAJobNotRunningForThatWorkerChangesNothing() {
        String id = gw.run("{}");
        gw.take("w1");
        Reply refused = gw.worker.postAsForm("/v2/ep1/job-done/w2/" + id, BIG_RESULT);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.field("error")).isEqualTo("the job-done body is larger than the limit of 65536 bytes");
        assertThat(gw.status(id).field("status")).isEqualTo("IN_PROGRESS");
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(200);
        assertThat(gw.status(id).field("status")).isEqualTo("COMPLETED");
    }

    @Test
    void aStreamChunkOverTheLimitEndsTheJobFailedSayingWhy() {
        String id = gw.run("{}");
        gw.take("w1");
        Reply first = gw.worker.postAsForm("/v2/ep1/job-stream/w1/" + id, "{\"output\":\"first\"}");
        assertThat(first.status()).isEqualTo(200);

        Reply refused = gw.worker.postAsForm("/v2/ep1/job-stream/w1/" + id + "?gpu=SIM", BIG_CHUNK);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.field("error")).isEqualTo("the job-stream chunk is larger than the limit of 16384 bytes;"
                + " job " + id + " has ended FAILED with that error (server.maxStreamChunk); stream smaller chunks, or"
                + " raise the limit");

        // the reader of /stream gets the chunk before it and the end, with the reason
        Reply stream = gw.client.get("/v2/ep1/stream/" + id);
        assertThat(stream.field("status")).isEqualTo("FAILED");
        assertThat(stream.json().path("stream").toString()).isEqualTo("[{\"output\":\"first\"}]");
        Reply status = gw.status(id);
        assertThat(status.field("status")).isEqualTo("FAILED");
        assertThat(status.field("error")).isEqualTo("a stream chunk of the worker was not stored: its job-stream body"
                + " is larger than the gateway's limit of 16384 bytes (server.maxStreamChunk), so the job ended rather"
                + " than let /stream readers miss part of its output; stream smaller chunks (RunPod allows 1 MB), or"
                + " raise the limit");
        // the worker, still running it, is told to stop
        assertThat(gw.worker.get("/v2/ep1/job-stop/w1").json().path("jobsToStop").toString())
                .isEqualTo("[\"" + id + "\"]");
    }

    @Test
    void anOversizedChunkForAJobNotRunningForThatWorkerChangesNothing() {
        String id = gw.run("{}");
        gw.take("w1");
        Reply refused = gw.worker.postAsForm("/v2/ep1/job-stream/w2/" + id, BIG_CHUNK);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.field("error")).isEqualTo("the job-stream chunk is larger than the limit of 16384 bytes");
        assertThat(gw.status(id).field("status")).isEqualTo("IN_PROGRESS");
    }
}
