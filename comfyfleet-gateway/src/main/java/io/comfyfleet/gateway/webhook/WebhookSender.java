package io.comfyfleet.gateway.webhook;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.webhook.WebhookOutbox;
import io.comfyfleet.gateway.config.WebhookSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
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
 * <p>With an outbox (the job store's), the store keeps each call in the same transaction as the job's terminal
 * change ({@link WebhookOutbox#storeCallsWith}); {@link #ended} then sends what the store kept, and each call
 * is forgotten once delivered or given up. Calls still pending when the gateway stops or dies are sent again
 * by {@link #resume} at the next start (at least once: a receiver may see a call twice). Without an outbox
 * they live in memory and are lost with the process.
 *
 * <p>With several gateways on one database ({@link #shareWith}), each attempt is made under a claim on the stored
 * call ({@link OutboxClaims}), and every {@link #TAKE_OVER_EVERY} this gateway takes over the calls nobody holds:
 * those a stopped gateway released, and those whose gateway died (its claim ran out). So a call is sent by one
 * gateway at a time, and still sent when the gateway that ended its job goes away while others keep running.
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    /** Calls re-sent at start; more than this many pending means the receivers were down for long. */
    static final int RESUME_LIMIT = 10_000;
    /** How often a gateway sharing the outbox looks for calls nobody holds. */
    static final Duration TAKE_OVER_EVERY = Duration.ofSeconds(2);

    private final WebhookSettings settings;
    private final Clock clock;
    private final HttpClient http;
    private final WebhookTargets targets;
    private final Optional<WebhookOutbox> outbox;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    /** Stored calls queued here and not yet done: a job that ends again must not send them twice at once. */
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    /** Several gateways on one database: the claims this gateway sends under; null when it is alone. */
    private volatile OutboxClaims claims;
    private volatile Function<String, Optional<WebhookSigner>> signers = endpoint -> Optional.empty();
    private ScheduledExecutorService takeOvers;

    /** A sender whose pending calls live in memory only. */
    public WebhookSender(WebhookSettings settings, Clock clock) {
        this(settings, clock, new WebhookTargets(settings.allowPrivateTargets()), Optional.empty());
    }

    /** A sender that keeps pending calls in {@code outbox} (the job store's), so a restart sends them again. */
    public WebhookSender(WebhookSettings settings, Clock clock, Optional<WebhookOutbox> outbox) {
        this(settings, clock, new WebhookTargets(settings.allowPrivateTargets()), outbox);
    }

    /** @param targets decides which addresses may be called (tests give it a fixed name table) */
    public WebhookSender(WebhookSettings settings, Clock clock, WebhookTargets targets, Optional<WebhookOutbox> outbox) {
        this.settings = settings;
        this.clock = clock;
        this.targets = targets;
        this.outbox = outbox;
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
     * A job with a webhook URL ended: sends its call. With an outbox the store already holds the call (written
     * with the job's terminal change), and every pending call of the job not yet on its way here is sent;
     * without one, {@code body} makes the call, kept in memory.
     *
     * @param signer signs the body; empty sends it unsigned
     */
    public void ended(String jobId, URI url, Supplier<byte[]> body, Optional<WebhookSigner> signer) {
        if (outbox.isEmpty()) {
            queue(jobId, url, body.get(), signer, null);
            return;
        }
        for (WebhookOutbox.Entry e : outbox.get().pendingFor(jobId)) {
            queueStored(e, signer, false);
        }
    }

    /**
     * The function the store makes each call's body with; {@link #ended} and {@link #resume} send what it made.
     * The gateway hands it to the store's outbox once, at start.
     */
    public void storeCallsWith(io.comfyfleet.core.webhook.WebhookBodies bodies) {
        outbox.ifPresent(o -> o.storeCallsWith(bodies));
    }

    /**
     * Several gateways share the outbox: each attempt is made under a claim held as {@code sender} (this gateway's
     * id), and calls nobody holds are taken over. Call before {@link #resume}.
     */
    public void shareWith(String sender) {
        outbox.ifPresent(o -> claims = new OutboxClaims(o, sender, settings, clock));
    }

    /**
     * Sends again the calls a previous run left in the outbox (at start). With several gateways on one
     * PostgreSQL, a starting gateway also takes over calls another one is still trying (the other stops at its
     * next attempt, so a receiver may get one call twice), and from now on takes over calls nobody holds.
     *
     * @param signers the signer of each endpoint's calls (empty: unsigned)
     * @return how many calls were queued
     */
    public int resume(Function<String, Optional<WebhookSigner>> signers) {
        if (outbox.isEmpty()) {
            return 0;
        }
        this.signers = signers;
        List<WebhookOutbox.Entry> entries = outbox.get().pending(RESUME_LIMIT);
        for (WebhookOutbox.Entry e : entries) {
            queueStored(e, signers.apply(e.endpoint()), true);
        }
        if (claims != null) {
            startTakingOver();
        }
        if (!entries.isEmpty()) {
            log.info("re-sending {} webhook calls left pending by the previous run", entries.size());
        }
        return entries.size();
    }

    private synchronized void startTakingOver() {
        if (takeOvers != null) {
            return;
        }
        takeOvers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("comfyfleet-webhook-take-over")
                .daemon().factory());
        takeOvers.scheduleWithFixedDelay(this::takeOverGuarded, TAKE_OVER_EVERY.toMillis(), TAKE_OVER_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void takeOverGuarded() {
        try {
            takeOverLeftCalls();
        } catch (RuntimeException e) {
            log.warn("could not look for webhook calls other gateways left; trying again in {}",
                    HumanDuration.of(TAKE_OVER_EVERY), e);
        }
    }

    /** Sends the stored calls nobody holds: released by a gateway that stopped, or left by one that died. */
    private void takeOverLeftCalls() {
        List<WebhookOutbox.Entry> left = claims.unclaimed(RESUME_LIMIT);
        int queued = 0;
        for (WebhookOutbox.Entry e : left) {
            if (queueStored(e, signers.apply(e.endpoint()), false)) {
                queued++;
            }
        }
        if (queued > 0) {
            log.info("sending {} webhook calls that another gateway left unsent (it stopped or died)", queued);
        }
    }

    /** @return false when the call is already on its way here */
    private boolean queueStored(WebhookOutbox.Entry e, Optional<WebhookSigner> signer, boolean takeOver) {
        if (!inFlight.add(e.id())) {
            return false;
        }
        URI url;
        try {
            url = URI.create(e.url());
        } catch (IllegalArgumentException bad) {
            forget(e.id());
            inFlight.remove(e.id());
            return false;
        }
        queue(e.jobId(), url, e.body(), signer, e.id(), takeOver);
        return true;
    }

    private void queue(String jobId, URI url, byte[] body, Optional<WebhookSigner> signer, Long stored) {
        queue(jobId, url, body, signer, stored, false);
    }

    private void queue(String jobId, URI url, byte[] body, Optional<WebhookSigner> signer, Long stored,
            boolean takeOver) {
        pending.incrementAndGet();
        try {
            executor.execute(() -> deliver(jobId, url, body, signer, stored, takeOver));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pending.decrementAndGet();
            if (stored == null) {
                abandoned.incrementAndGet();
            } else {
                inFlight.remove(stored);
            }
            log.warn("webhook for job {} not sent: the gateway is stopping{}", jobId,
                    stored == null ? "" : "; it is sent at the next start");
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

    /** @param takeOver claim the stored call whoever holds it (at start), else only when nobody else does */
    private void deliver(String jobId, URI url, byte[] body, Optional<WebhookSigner> signer, Long stored,
            boolean takeOver) {
        boolean finished = false;
        OutboxClaims shared = stored == null ? null : claims;
        try {
            Duration backoff = settings.backoff();
            for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
                boolean last = attempt == settings.attempts();
                if (shared != null && !shared.claim(stored, attempt == 1 && takeOver, last ? Duration.ZERO : backoff)) {
                    // another gateway sends it now (it took the call over, or ended the job again there)
                    log.debug("webhook for job {} is being sent by another gateway", jobId);
                    return;
                }
                String outcome;
                try {
                    outcome = tryOnce(url, body, signer);
                } catch (WebhookTargetRefusedException refused) {
                    abandoned.incrementAndGet();
                    finished = true;
                    log.warn("webhook for job {} not sent: {}", jobId, refused.getMessage());
                    return;
                } catch (Redirected redirected) {
                    // the receiver answers the same way every time: retrying only delays the operator's fix
                    abandoned.incrementAndGet();
                    finished = true;
                    log.warn("webhook for job {} to {} given up: {}", jobId, url.getHost(), redirected.getMessage());
                    return;
                }
                if (outcome == null) {
                    delivered.incrementAndGet();
                    finished = true;
                    return;
                }
                if (attempt == settings.attempts()) {
                    abandoned.incrementAndGet();
                    finished = true;
                    log.warn("webhook for job {} to {} abandoned after {} attempts; last: {}",
                            jobId, url.getHost(), attempt, outcome);
                    return;
                }
                log.info("webhook for job {} attempt {}/{} failed ({}); retrying in {}",
                        jobId, attempt, settings.attempts(), outcome, HumanDuration.of(backoff));
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
        } catch (InterruptedException e) {
            // the gateway is stopping: a stored call stays in the outbox for the next start
            if (stored == null) {
                abandoned.incrementAndGet();
            }
            Thread.currentThread().interrupt();
        } finally {
            pending.decrementAndGet();
            if (stored != null) {
                if (finished) {
                    forget(stored);
                }
                // after the row is gone: a concurrent ended() of the job reads it, or finds it still in flight
                inFlight.remove(stored);
            }
        }
    }

    private void forget(long stored) {
        try {
            outbox.orElseThrow().remove(stored);
        } catch (RuntimeException e) {
            // it stays in the outbox and is sent once more after a restart: receivers de-duplicate
            log.warn("delivered webhook {} could not be removed from the outbox: {}", stored, e.toString());
        }
    }

    /**
     * Null on success, else what went wrong.
     *
     * @throws WebhookTargetRefusedException when the target's addresses are not allowed (no retry helps)
     * @throws Redirected when the receiver answers with a redirect (never followed, so no retry helps)
     */
    private String tryOnce(URI url, byte[] body, Optional<WebhookSigner> signer)
            throws InterruptedException, Redirected {
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
            if (status >= 300 && status < 400) {
                throw Redirected.by(status, response.getHeaders().get(HttpHeader.LOCATION));
            }
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

    /**
     * A receiver that redirected the call. Redirects are not followed (a receiver must not bounce the call to an
     * internal address), so the message names where it pointed: usually the URL the webhook should have been.
     */
    private static final class Redirected extends Exception {
        private Redirected(String message) {
            super(message, null, false, false);
        }

        static Redirected by(int status, String location) {
            return new Redirected("the receiver answered HTTP " + status
                    + (location == null ? " without a Location" : " redirecting to "
                            + (location.length() > 200 ? location.substring(0, 200) + "..." : location))
                    + "; webhook redirects are not followed, so send the job's webhook to the URL the receiver"
                    + " takes calls at");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (takeOvers != null) {
                takeOvers.shutdownNow();
            }
        }
        List<Long> leaving = List.copyOf(inFlight);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        OutboxClaims shared = claims;
        if (shared != null) {
            // another gateway takes these calls over at its next look, not once their claims run out; released
            // here, not by the interrupted senders, whose database calls fail; a call delivered or held by another
            // gateway meanwhile is not this gateway's to release, and stays as it is
            leaving.forEach(shared::release);
        }
        if (pending.get() > 0) {
            String fate = shared != null ? "another gateway (or the next start) sends them"
                    : outbox.isPresent() ? "they are sent at the next start" : "they are lost";
            log.warn("{} webhook calls were still pending at shutdown; {}", pending.get(), fate);
        }
        try {
            http.stop();
        } catch (Exception e) {
            log.debug("webhook HTTP client did not stop cleanly", e);
        }
    }
}
