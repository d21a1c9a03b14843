package io.comfyfleet.gateway.webhook;

import io.comfyfleet.core.webhook.WebhookOutbox;
import io.comfyfleet.gateway.config.WebhookSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway's claims on the stored webhook calls it sends, when several gateways share the outbox. Each attempt
 * is claimed for as long as it and the wait after it may take, plus {@link #MARGIN}: the others leave the call
 * alone meanwhile, and take it over once the claim has run out (this gateway died) or was released (it stopped).
 */
final class OutboxClaims {
    private static final Logger log = LoggerFactory.getLogger(OutboxClaims.class);
    /** Slack over an attempt's timeout and backoff: a busy gateway is late by seconds, not by this. */
    static final Duration MARGIN = Duration.ofSeconds(30);

    private final WebhookOutbox outbox;
    private final String sender;
    private final WebhookSettings settings;
    private final Clock clock;

    /** @param sender this gateway's id among those sharing the database */
    OutboxClaims(WebhookOutbox outbox, String sender, WebhookSettings settings, Clock clock) {
        this.outbox = outbox;
        this.sender = sender;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Claims the call for one attempt and the wait after it.
     *
     * @param takeOver claim it whoever holds it (a starting gateway's calls); else only when nobody else does
     * @return false when another gateway holds the call now, or it is gone (delivered there)
     */
    boolean claim(long id, boolean takeOver, Duration waitAfter) {
        Instant now = clock.instant();
        Instant until = now.plus(settings.timeout()).plus(waitAfter).plus(MARGIN);
        try {
            return takeOver ? outbox.takeOver(id, sender, until) : outbox.claim(id, sender, until, now);
        } catch (RuntimeException e) {
            // sent anyway: a call sent twice is better than one not sent (receivers de-duplicate by job id)
            log.warn("could not claim webhook call {} in the store; sending it anyway: {}", id, e.toString());
            return true;
        }
    }

    /** Gives the claim up: another gateway takes the call over at its next look. */
    void release(long id) {
        try {
            outbox.release(id, sender);
        } catch (RuntimeException e) {
            log.warn("could not release webhook call {}: another gateway sends it once its claim runs out: {}", id,
                    e.toString());
        }
    }

    /** Calls nobody holds now, oldest first. */
    List<WebhookOutbox.Entry> unclaimed(int limit) {
        return outbox.unclaimed(limit, clock.instant());
    }
}
