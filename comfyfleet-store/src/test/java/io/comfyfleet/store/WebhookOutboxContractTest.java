package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.webhook.WebhookOutbox;
import io.comfyfleet.core.webhook.WebhookOutbox.Entry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every store's webhook outbox must do, run against each database by a subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebhookOutboxContractTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    protected JobStore store;
    protected WebhookOutbox outbox;

    /** Opens the store under test (once per class). */
    protected abstract JobStore openStore() throws Exception;

    /** Closes the store and opens it again on the same database, as a gateway restart does. */
    protected abstract JobStore reopen(JobStore store) throws Exception;

    @BeforeAll
    void open() throws Exception {
        store = openStore();
        outbox = store.webhookOutbox().orElseThrow();
    }

    @AfterAll
    void close() {
        store.close();
    }

    @BeforeEach
    void empty() {
        outbox.pending(10_000).forEach(e -> outbox.remove(e.id()));
    }

    @Test
    void anAddedCallIsPendingWithItsBytesUntilRemoved() {
        byte[] body = "{\"id\":\"j1\",\"status\":\"COMPLETED\",\"x\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        long id = outbox.add("j1", "ep1", "https://hooks.example.com/done", body, T0);

        List<Entry> pending = outbox.pending(10);
        assertThat(pending).hasSize(1);
        Entry entry = pending.getFirst();
        assertThat(entry.id()).isEqualTo(id);
        assertThat(entry.jobId()).isEqualTo("j1");
        assertThat(entry.endpoint()).isEqualTo("ep1");
        assertThat(entry.url()).isEqualTo("https://hooks.example.com/done");
        assertThat(entry.body()).isEqualTo(body);
        assertThat(entry.createdAt()).isEqualTo(T0);

        assertThat(outbox.remove(id)).isTrue();
        assertThat(outbox.remove(id)).isFalse();
        assertThat(outbox.pending(10)).isEmpty();
    }

    @Test
    void pendingCallsComeOldestFirstUpToTheLimit() {
        long a = outbox.add("a", "ep1", "https://h/a", new byte[] {1}, T0);
        long b = outbox.add("b", "ep1", "https://h/b", new byte[] {2}, T0.plusMillis(1));
        outbox.add("c", "ep2", "https://h/c", new byte[] {3}, T0.plusMillis(2));

        assertThat(outbox.pending(2)).extracting(Entry::id).containsExactly(a, b);
        assertThat(outbox.pending(10)).extracting(Entry::jobId).containsExactly("a", "b", "c");
    }

    @Test
    void pendingCallsSurviveARestart() throws Exception {
        outbox.add("kept", "ep1", "https://h/kept", new byte[] {7, 8}, T0);
        store = reopen(store);
        outbox = store.webhookOutbox().orElseThrow();

        assertThat(outbox.pending(10)).singleElement().satisfies(e -> {
            assertThat(e.jobId()).isEqualTo("kept");
            assertThat(e.body()).containsExactly(7, 8);
        });
    }
}
