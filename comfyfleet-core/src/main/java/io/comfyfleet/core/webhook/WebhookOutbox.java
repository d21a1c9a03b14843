package io.comfyfleet.core.webhook;

import java.time.Duration;
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
 *
 * <p>Several gateways on one database share the outbox: a gateway {@linkplain #claim claims} a call before each
 * attempt, for as long as the attempt and the wait after it may take, so the others leave it alone; a call whose
 * claim ran out or was {@linkplain #release released} (its gateway stopped or died) is {@linkplain #unclaimed
 * unclaimed} and another gateway takes it over. A call stored with a job's end is claimed by nobody for
 * {@link #HAND_OVER}: the gateway that ended the job claims it first.
 */
public interface WebhookOutbox {
    /**
     * How long a call stored with a job's end is left to the gateway that ended the job (it claims it within
     * milliseconds) before another gateway may take it over: the delay of a call whose gateway died right after the
     * job's end.
     */
    Duration HAND_OVER = Duration.ofSeconds(30);

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

    /**
     * Claims the call for {@code sender} until {@code until}, unless another sender's claim runs past {@code now}.
     *
     * @return true when {@code sender} now holds the call; false when another sender does, or the call is gone
     */
    boolean claim(long id, String sender, Instant until, Instant now);

    /**
     * Claims the call for {@code sender} until {@code until} whoever held it (a starting gateway takes over every
     * pending call; a sender that finds its claim gone at its next attempt stops).
     *
     * @return false when the call is gone
     */
    boolean takeOver(long id, String sender, Instant until);

    /** Gives up {@code sender}'s claim on the call, so that another sender may take it now; nothing if not held. */
    void release(long id, String sender);

    /** Up to {@code limit} pending calls nobody holds at {@code now} (released, or the claim ran out), oldest first. */
    List<Entry> unclaimed(int limit, Instant now);
}
