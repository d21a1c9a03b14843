package io.comfyfleet.worker.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.FakeGateway;
import io.comfyfleet.worker.config.GatewayEndpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultOutboxTest {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(20), Duration.ofMillis(100));
    private final FakeGateway gw = new FakeGateway(Duration.ofMillis(100));
    @TempDir
    Path spool;

    @AfterEach
    void stop() {
        gw.close();
    }

    private GatewayClient client(String url) {
        return new GatewayClient(GatewayEndpoints.forGateway(url, "ep", "w1", "KEY", Duration.ofSeconds(1)));
    }

    @Test
    void aReachableGatewayGetsTheResultOnTheSubmittingThreadWithoutASpoolFile() throws Exception {
        java.util.List<String> settledOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ResultOutbox outbox = ResultOutbox.open(client(gw.url()), spool, FAST, Clock.systemUTC())) {
            outbox.onSettled((id, at, accepted) -> settledOn.add(id + " " + accepted + " " + Thread.currentThread().getName()));
            // the spool folder turns into a file: any spool write would now fail, even as root
            Files.delete(spool);
            Files.writeString(spool, "not a folder");

            outbox.submit("j0", Json.MAPPER.readTree("{\"output\":{\"n\":0}}"));

            // accepted before submit returned, on this thread, and nothing is left to deliver
            assertThat(settledOn).containsExactly("j0 true " + Thread.currentThread().getName());
            assertThat(gw.requests("POST", "/job-done/w1/j0")).hasSize(1);
            assertThat(outbox.pendingCount()).isZero();
        }
    }

    @Test
    void whileAResultWaitsForARetryNewResultsGoThroughTheSpool() throws Exception {
        gw.failDoneTimes.set(1);
        java.util.List<String> settledOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ResultOutbox outbox = ResultOutbox.open(client(gw.url()), spool,
                new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(5)), Clock.systemUTC())) {
            outbox.onSettled((id, at, accepted) -> settledOn.add(id + " " + Thread.currentThread().getName()));
            outbox.submit("a", Json.MAPPER.readTree("{\"output\":1}"));
            // a's direct post failed: it is spooled and waits 5 s for its retry
            assertThat(gw.requests("POST", "/job-done/w1/a")).hasSize(1);
            assertThat(spool.resolve("a.json")).exists();

            outbox.submit("b", Json.MAPPER.readTree("{\"output\":2}"));

            // the gateway is believed down, so b was not tried on this thread but spooled and handed over
            await().atMost(Duration.ofSeconds(4)).until(() -> settledOn.contains("b result-outbox"));
            assertThat(settledOn).doesNotContain("a result-outbox");
            assertThat(spool.resolve("a.json")).exists();
        }
    }

    @Test
    void resultIsPostedAgainUntilTheGatewayAcceptsIt() throws Exception {
        gw.failDoneTimes.set(3);
        try (ResultOutbox outbox = ResultOutbox.open(client(gw.url()), spool, FAST, Clock.systemUTC())) {
            outbox.submit("j1", Json.MAPPER.readTree("{\"output\":{\"n\":1}}"));
            assertThat(outbox.awaitDelivered(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(gw.requests("POST", "/job-done/w1/j1")).hasSize(4);
        assertThat(gw.requests("POST", "/job-done/w1/j1").getLast().json().path("output").path("n").asInt()).isEqualTo(1);
        assertThat(spool).isEmptyDirectory();
    }

    @Test
    void spooledResultSurvivesARestartAndIsDeliveredByTheNextRun() throws Exception {
        try (ResultOutbox down = ResultOutbox.open(client("http://127.0.0.1:1"), spool, FAST, Clock.systemUTC())) {
            down.submit("job/../x", Json.MAPPER.readTree("{\"output\":\"kept\"}"));
            assertThat(down.awaitDelivered(Duration.ofMillis(300))).isFalse();
        }
        try (var files = Files.list(spool)) {
            assertThat(files.toList()).singleElement()
                    .satisfies(f -> assertThat(f.getFileName().toString()).doesNotContain("/").endsWith(".json"));
        }
        try (ResultOutbox up = ResultOutbox.open(client(gw.url()), spool, FAST, Clock.systemUTC())) {
            assertThat(up.awaitDelivered(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(gw.requests("POST", "/job-done/").getFirst().json().path("output").asString()).isEqualTo("kept");
        assertThat(spool).isEmptyDirectory();
    }

    /**
     * An id of 200 non-ASCII characters escapes to 1200 characters, past the 255 bytes a file name may have: its
     * result was kept in memory only and lost with the process. Two such ids that differ only in their last
     * character must not share a file either.
     */
    @Test
    void aLongNonAsciiIdIsSpooledUnderABoundedNameOfItsOwn() throws Exception {
        String first = "é".repeat(199) + "a";
        String second = "é".repeat(199) + "b";
        try (ResultOutbox down = ResultOutbox.open(client("http://127.0.0.1:1"), spool, FAST, Clock.systemUTC())) {
            down.submit(first, Json.MAPPER.readTree("{\"output\":\"first\"}"));
            down.submit(second, Json.MAPPER.readTree("{\"output\":\"second\"}"));
        }
        try (var files = Files.list(spool)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).hasSize(2).allSatisfy(name -> assertThat(
                    name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255));
        }
        assertThat(SpoolFileName.of("job-1_a")).as("a short id stays readable").isEqualTo("job-1_a");
        try (ResultOutbox up = ResultOutbox.open(client(gw.url()), spool, FAST, Clock.systemUTC())) {
            assertThat(up.awaitDelivered(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(gw.requests("POST", "/job-done/")).extracting(r -> r.json().path("output").asString())
                .containsExactlyInAnyOrder("first", "second");
        assertThat(spool).as("both delivered and deleted under the same names").isEmptyDirectory();
    }

    @Test
    void refusedResultIsReplacedByAnErrorThatSaysWhy() throws Exception {
        gw.failDoneTimes.set(1);
        gw.failDoneStatus = 413;
        try (ResultOutbox outbox = ResultOutbox.open(client(gw.url()), spool, FAST, Clock.systemUTC())) {
            outbox.submit("j2", Json.MAPPER.readTree("{\"output\":\"huge\"}"));
            assertThat(outbox.awaitDelivered(Duration.ofSeconds(10))).isTrue();
        }
        var posts = gw.requests("POST", "/job-done/w1/j2");
        assertThat(posts).hasSize(2);
        assertThat(posts.get(1).json().path("error").asString()).contains("HTTP 413").contains("S3");
    }

    @Test
    void resultForAJobTheGatewayForgotIsDropped() throws Exception {
        gw.failDoneTimes.set(1);
        gw.failDoneStatus = 404;
        java.util.List<String> settled = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ResultOutbox outbox = ResultOutbox.open(client(gw.url()), spool, FAST, Clock.systemUTC())) {
            outbox.onSettled((id, at, accepted) -> settled.add(id + (accepted ? " accepted" : " dropped")));
            outbox.submit("gone", Json.MAPPER.readTree("{\"output\":1}"));
            outbox.submit("kept", Json.MAPPER.readTree("{\"output\":2}"));
            await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pendingCount() == 0);
        }
        assertThat(gw.requests("POST", "/job-done/w1/gone")).hasSize(1);
        assertThat(spool).isEmptyDirectory();
        // whoever tracks results in flight hears of both ends, so it can forget the dropped one too
        assertThat(settled).containsExactlyInAnyOrder("gone dropped", "kept accepted");
    }
}
