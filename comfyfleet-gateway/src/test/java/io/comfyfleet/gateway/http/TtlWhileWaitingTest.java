package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A call waiting on a job ({@code /runsync}, {@code /status-sync}, {@code /stream}) whose TTL runs out meanwhile is
 * answered 404 then, as RunPod answers for an expired job, not at the end of a wait of up to 5 minutes; an events
 * stream ends then with a {@code gone} event; a TTL shortened by {@code /status?ttl=} counts from then on, and one
 * shortened to an expiry already past answers them at once, alike. The test clock moves the job past its TTL while
 * the call waits; no worker ever takes it.
 */
class TtlWhileWaitingTest extends GatewayPerTest {
    private static final String SHORT_LIVED = "{\"input\":{},\"policy\":{\"ttl\":10000}}";

    @Test
    void statusSyncIsAnswered404WhenTheTtlRunsOut() throws Exception {
        String id = gw.client.post("/v2/ep1/run", SHORT_LIVED).field("id");
        assertExpiresWhileWaiting(id, () -> gw.client.get("/v2/ep1/status-sync/" + id + "?wait=60000"));
    }

    @Test
    void streamIsAnswered404WhenTheTtlRunsOut() throws Exception {
        String id = gw.client.post("/v2/ep1/run", SHORT_LIVED).field("id");
        assertExpiresWhileWaiting(id, () -> gw.client.get("/v2/ep1/stream/" + id + "?wait=60000"));
    }

    @Test
    void runsyncIsAnswered404WhenTheTtlRunsOut() throws Exception {
        // a repeated request with the same key waits on the job the first one queued, which lets the clock move first
        Supplier<Reply> runsync = () -> gw.client.send(gw.client.request("/v2/ep1/runsync?wait=60000")
                .header("Idempotency-Key", "ttl-while-waiting").POST(HttpRequest.BodyPublishers.ofString(SHORT_LIVED)));
        Reply first = gw.client.send(gw.client.request("/v2/ep1/runsync?wait=1000")
                .header("Idempotency-Key", "ttl-while-waiting").POST(HttpRequest.BodyPublishers.ofString(SHORT_LIVED)));
        assertThat(first.field("status")).isEqualTo("IN_QUEUE");
        assertExpiresWhileWaiting(first.field("id"), runsync);
    }

    @Test
    void theEventStreamEndsWithAGoneEventWhenTheTtlRunsOut() throws Exception {
        // the SSE route has begun its 200 answer, so the 404 comes as a last event: the stream would otherwise only
        // notice at its next keep-alive read (15 s), and end without saying why
        String id = gw.client.post("/v2/ep1/run", SHORT_LIVED).field("id");
        gw.clock.advance(Duration.ofMillis(9_500));
        long started = System.nanoTime();
        CompletableFuture<Reply> following = CompletableFuture.supplyAsync(() -> gw.client.get("/v2/ep1/events/" + id));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingOnJob(id) == 1);
        Thread.sleep(500); // past its first read of the job, which would still find it
        gw.clock.advance(Duration.ofSeconds(1));

        Reply reply = following.get(30, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("ended at the expiry, not at the next keep-alive")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text()).startsWith("event: status\n").endsWith("event: gone\ndata: {\"id\":\"" + id
                + "\",\"error\":\"" + ttlRanOut(id) + "\"}\n\n");
    }

    @Test
    void shorteningTheTtlOfAJobBeingWaitedOnAnswersTheWaitAtTheNewExpiry() throws Exception {
        // a TTL of 60 s, shortened to 10 s by /status?ttl= while /status-sync waits: the wait re-reads the expiry
        String id = gw.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"ttl\":60000}}").field("id");
        gw.clock.advance(Duration.ofMillis(9_500));
        long started = System.nanoTime();
        CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(
                () -> gw.client.get("/v2/ep1/status-sync/" + id + "?wait=60000"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingOnJob(id) == 1);
        Thread.sleep(500); // parked until its wait or the old expiry, both 50 s away

        assertThat(gw.client.get("/v2/ep1/status/" + id + "?ttl=10000").field("status")).isEqualTo("IN_QUEUE");
        Thread.sleep(500); // the waiter has read the new expiry (0.5 s away on the test clock)
        gw.clock.advance(Duration.ofSeconds(1));

        Reply reply = waiting.get(20, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at the new expiry, not at the old one")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
        assertThat(reply.field("error")).isEqualTo(ttlRanOut(id));
    }

    @Test
    void aTtlSetAlreadyRunOutAnswersTheWaitingCallsAsATtlRunningOutWould() throws Exception {
        // a TTL of 60 s, 20 s old, set to 10 s by /status?ttl=: its expiry is past at once, so the store counts the
        // job gone; the calls waiting on it are woken by the change and must say why, not "does not exist" alone
        String body = "{\"input\":{},\"policy\":{\"ttl\":60000}}";
        Reply first = gw.client.send(gw.client.request("/v2/ep1/runsync?wait=1000")
                .header("Idempotency-Key", "ttl-set-past").POST(HttpRequest.BodyPublishers.ofString(body)));
        String id = first.field("id");
        gw.clock.advance(Duration.ofSeconds(20));
        CompletableFuture<Reply> statusSync = CompletableFuture.supplyAsync(
                () -> gw.client.get("/v2/ep1/status-sync/" + id + "?wait=60000"));
        CompletableFuture<Reply> stream = CompletableFuture.supplyAsync(
                () -> gw.client.get("/v2/ep1/stream/" + id + "?wait=60000"));
        CompletableFuture<Reply> runsync = CompletableFuture.supplyAsync(() -> gw.client.send(gw.client
                .request("/v2/ep1/runsync?wait=60000").header("Idempotency-Key", "ttl-set-past")
                .POST(HttpRequest.BodyPublishers.ofString(body))));
        CompletableFuture<Reply> events = CompletableFuture.supplyAsync(() -> gw.client.get("/v2/ep1/events/" + id));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingOnJob(id) == 4);
        Thread.sleep(500); // past their first reads of the job, which still find it
        long started = System.nanoTime();

        Reply set = gw.client.get("/v2/ep1/status/" + id + "?ttl=10000");
        assertThat(set.status()).as(set.toString()).isEqualTo(404);
        assertThat(set.field("error")).contains("had already run out");

        for (CompletableFuture<Reply> waiting : List.of(statusSync, stream, runsync)) {
            Reply reply = waiting.get(20, TimeUnit.SECONDS);
            assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
            assertThat(reply.field("error")).as(reply.toString()).isEqualTo(ttlRanOut(id));
        }
        assertThat(events.get(20, TimeUnit.SECONDS).text()).endsWith("event: gone\ndata: {\"id\":\"" + id
                + "\",\"error\":\"" + ttlRanOut(id) + "\"}\n\n");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered when the TTL was set, not at a wait's end")
                .isLessThan(Duration.ofSeconds(10));
    }

    /** Starts {@code call} 0.5 s before the job's TTL of 10 s runs out, then moves the clock past it. */
    private void assertExpiresWhileWaiting(String id, Supplier<Reply> call) throws Exception {
        gw.clock.advance(Duration.ofMillis(9_500));
        long started = System.nanoTime();
        CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(call);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingOnJob(id) == 1);
        Thread.sleep(500); // past its first read of the job, which would still find it
        gw.clock.advance(Duration.ofSeconds(1));

        Reply reply = waiting.get(20, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at the expiry, not after the 60 s wait")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
        assertThat(reply.field("error")).isEqualTo(ttlRanOut(id));
        assertThat(gw.status(id).status()).isEqualTo(404);
    }

    private static String ttlRanOut(String id) {
        return "job " + id + " does not exist: its ttl ran out while this call waited (10000 ms from its submission,"
                + " policy.ttl or the endpoint's ttl), so it was deleted, as RunPod deletes an expired job";
    }
}
