package io.comfyfleet.gateway.webhook;

import io.comfyfleet.gateway.config.WebhookSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhook calls in the background: a POST of the job's JSON, signed when the endpoint has a secret,
 * retried with doubling backoff until a 2xx answer or the attempts run out. Never blocks the caller.
 *
 * <p>Deliveries live in memory: calls still pending when the gateway stops are lost (logged at shutdown).
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    private final WebhookSettings settings;
    private final Clock clock;
    private final HttpClient http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();

    public WebhookSender(WebhookSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Queues one call.
     *
     * @param jobId  for logs only
     * @param signer signs the body; empty sends it unsigned
     */
    public void send(String jobId, URI url, byte[] body, Optional<WebhookSigner> signer) {
        pending.incrementAndGet();
        try {
            executor.execute(() -> deliver(jobId, url, body, signer));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pending.decrementAndGet();
            abandoned.incrementAndGet();
            log.warn("webhook for job {} not sent: the gateway is stopping", jobId);
        }
    }

    /** Calls not yet delivered or abandoned. */
    public long pending() {
        return pending.get();
    }

    public long delivered() {
        return delivered.get();
    }

    public long abandoned() {
        return abandoned.get();
    }

    private void deliver(String jobId, URI url, byte[] body, Optional<WebhookSigner> signer) {
        try {
            Duration backoff = settings.backoff();
            for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
                String outcome = tryOnce(url, body, signer);
                if (outcome == null) {
                    delivered.incrementAndGet();
                    return;
                }
                if (attempt == settings.attempts()) {
                    abandoned.incrementAndGet();
                    log.warn("webhook for job {} to {} abandoned after {} attempts; last: {}",
                            jobId, url.getHost(), attempt, outcome);
                    return;
                }
                log.info("webhook for job {} attempt {}/{} failed ({}); retrying in {}",
                        jobId, attempt, settings.attempts(), outcome, backoff);
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
        } catch (InterruptedException e) {
            abandoned.incrementAndGet();
            Thread.currentThread().interrupt();
        } finally {
            pending.decrementAndGet();
        }
    }

    /** Null on success, else what went wrong. */
    private String tryOnce(URI url, byte[] body, Optional<WebhookSigner> signer) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "ComfyFleet-Webhook/0.1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signer.ifPresent(s -> request.header(WebhookSigner.HEADER, s.sign(clock.instant().getEpochSecond(), body)));
        try {
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return status >= 200 && status < 300 ? null : "HTTP " + status;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pending.get() > 0) {
            log.warn("{} webhook calls were still pending at shutdown and are lost", pending.get());
        }
        http.close();
    }
}
