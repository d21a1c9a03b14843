package io.comfyfleet.core.webhook;

import java.time.Instant;
import java.util.List;

/**
 * Webhook calls that are not yet delivered, kept in the job store so a restarted gateway sends them again.
 * A call is added before its first attempt and removed once it is delivered or given up, so delivery is at
 * least once: a receiver may see a call twice (de-duplicate by job id). A failure of the database gives
 * {@link io.comfyfleet.core.job.JobStoreException}.
 */
public interface WebhookOutbox {
    /** One pending call: the unsigned body (it is signed when sent, with the time of sending). */
    record Entry(long id, String jobId, String endpoint, String url, byte[] body, Instant createdAt) {}

    /** Stores a call durably before it is first tried; returns its id. */
    long add(String jobId, String endpoint, String url, byte[] body, Instant now);

    /** Forgets a call that was delivered or given up; false when it was already gone. */
    boolean remove(long id);

    /** Up to {@code limit} pending calls, oldest first. */
    List<Entry> pending(int limit);
}
