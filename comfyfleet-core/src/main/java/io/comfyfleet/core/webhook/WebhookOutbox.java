package io.comfyfleet.core.webhook;

import java.time.Instant;
import java.util.List;

/**
 * Webhook calls that are not yet delivered, kept in the job store so a restarted gateway sends them again.
 * A call is added before its first attempt and removed once it is delivered or given up, so delivery is at
 * least once: a receiver may see a call twice (de-duplicate by job id). A failure of the database gives
 * {@link io.comfyfleet.core.job.JobStoreException}.
 *
 * <p>Once {@link #storeCallsWith} is set, the store adds the call of every job that ends with a webhook URL
 * itself, in the same transaction as the job's terminal change ({@code finish}, {@code cancel},
 * {@code timeOutOverdue}, {@code expireLeases} ending in FAILED): a job is never ended without its call, even
 * when the gateway dies right after the commit, and the change costs one disk sync, not two.
 */
public interface WebhookOutbox {
    /** One pending call: the unsigned body (it is signed when sent, with the time of sending). */
    record Entry(long id, String jobId, String endpoint, String url, byte[] body, Instant createdAt) {}

    /**
     * From now on, each terminal change of a job that has a webhook URL stores its call, made by
     * {@code bodies}, in the change's own transaction. Set once, before the store serves requests.
     */
    void storeCallsWith(WebhookBodies bodies);

    /** Stores a call durably before it is first tried; returns its id. */
    long add(String jobId, String endpoint, String url, byte[] body, Instant now);

    /** Forgets a call that was delivered or given up; false when it was already gone. */
    boolean remove(long id);

    /** Up to {@code limit} pending calls, oldest first. */
    List<Entry> pending(int limit);

    /** The pending calls of one job (those its terminal changes stored), oldest first. */
    List<Entry> pendingFor(String jobId);
}
