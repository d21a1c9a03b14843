package io.comfyfleet.gateway.webhook;

import io.comfyfleet.gateway.config.WebhookSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhook calls in the background: a POST of the job's JSON, signed when the endpoint has a secret,
 * retried with doubling backoff until a 2xx answer or the attempts run out. Never blocks the caller.
 *
 * <p>Each call's target is checked again by {@link WebhookTargets} when the connection is made (a job may have
 * been stored before the rules changed, and DNS may answer differently now); a refused target is given up at
 * once. Redirects are not followed, so a receiver cannot bounce the call to an internal address.
 *
 * <p>Deliveries live in memory: calls still pending when the gateway stops are lost (logged at shutdown).
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    private final WebhookSettings settings;
    private final Clock clock;
    private final HttpClient http;
    private final WebhookTargets targets;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();

    public WebhookSender(WebhookSettings settings, Clock clock) {
        this(settings, clock, new WebhookTargets(settings.allowPrivateTargets()));
    }

    /** @param targets decides which addresses may be called (tests give it a fixed name table) */
    public WebhookSender(WebhookSettings settings, Clock clock, WebhookTargets targets) {
        this.settings = settings;
        this.clock = clock;
        this.targets = targets;
        QueuedThreadPool threads = new QueuedThreadPool(16, 1);
        threads.setName("webhook-client");
        threads.setDaemon(true);
        this.http = new HttpClient();
        http.setExecutor(threads);
        http.setSocketAddressResolver(targets.socketAddressResolver());
        http.setFollowRedirects(false);
        http.setConnectTimeout(settings.timeout().toMillis());
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "ComfyFleet-Webhook/0.1"));
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("the webhook HTTP client did not start: " + e.getMessage(), e);
        }
    }

    /** Which webhook URLs may be called; {@code /run} checks a job's webhook with it before storing the job. */
    public WebhookTargets targets() {
        return targets;
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
                String outcome;
                try {
                    outcome = tryOnce(url, body, signer);
                } catch (WebhookTargetRefusedException refused) {
                    abandoned.incrementAndGet();
                    log.warn("webhook for job {} not sent: {}", jobId, refused.getMessage());
                    return;
                }
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

    /**
     * Null on success, else what went wrong.
     *
     * @throws WebhookTargetRefusedException when the target's addresses are not allowed (no retry helps)
     */
    private String tryOnce(URI url, byte[] body, Optional<WebhookSigner> signer) throws InterruptedException {
        Request request;
        try {
            request = http.newRequest(url)
                    .method(HttpMethod.POST)
                    .timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .body(new BytesRequestContent("application/json", body));
        } catch (IllegalArgumentException e) {
            return "bad URL: " + e.getMessage();
        }
        signer.ifPresent(s -> request.headers(h -> h.put(WebhookSigner.HEADER,
                s.sign(clock.instant().getEpochSecond(), body))));
        try {
            ContentResponse response = request.send();
            int status = response.getStatus();
            return status >= 200 && status < 300 ? null : "HTTP " + status;
        } catch (TimeoutException e) {
            return "no answer within " + settings.timeout().toMillis() + " ms";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof WebhookTargetRefusedException refused) {
                    throw refused;
                }
            }
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
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
        try {
            http.stop();
        } catch (Exception e) {
            log.debug("webhook HTTP client did not stop cleanly", e);
        }
    }
}
