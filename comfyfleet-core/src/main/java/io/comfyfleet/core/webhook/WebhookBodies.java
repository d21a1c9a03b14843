package io.comfyfleet.core.webhook;

import io.comfyfleet.core.job.Job;
import java.time.Instant;

/**
 * Makes the body of a job's webhook call (RunPod's: the job's status plus its input and webhook URL) for the
 * store to keep in its outbox. The store calls it inside the transaction that ends the job, so it must be
 * quick and must not touch the store; if it throws, the job's change is rolled back with the call.
 */
@FunctionalInterface
public interface WebhookBodies {
    /** The unsigned body of the call for {@code job}, as stored after its terminal change at {@code now}. */
    byte[] body(Job job, Instant now);
}
