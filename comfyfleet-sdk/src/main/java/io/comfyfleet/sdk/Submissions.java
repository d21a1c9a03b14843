package io.comfyfleet.sdk;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * Posts a submission ({@code /run}, {@code /runsync}). Without an idempotency key it is sent once: a request that
 * got no answer may have queued the job, and sending it again could queue a second one. With a key the server
 * answers a repeat with the job the first request queued, so a failure that may pass (an {@link Outage}: no answer,
 * 502/503/504, 429) is sent again after a pause, until the client's request timeout (a {@code /runsync}: the
 * caller's timeout) has passed since the first try.
 */
final class Submissions {
    private final Transport transport;
    private final Duration pollInterval;
    private final Duration requestTimeout;

    Submissions(Transport transport, Duration pollInterval, Duration requestTimeout) {
        this.transport = transport;
        this.pollInterval = pollInterval;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Posts {@code body}; each try may take up to {@code timeout}, and a keyed one is sent again until {@code giveUp}
     * has passed since the first try (the request timeout for {@code /run}; for {@code /runsync}, whose one try may
     * be held 90 s, the caller's whole wait).
     */
    JsonNode post(String path, JsonNode body, String idempotencyKey, Duration timeout, Duration giveUpAfter) {
        HttpRequest request = transport.jsonPost(path, body, timeout, idempotencyKey);
        if (idempotencyKey == null) {
            return transport.send(request);
        }
        Outage outage = new Outage(pollInterval);
        long giveUp = System.nanoTime() + giveUpAfter.toNanos();
        while (true) {
            try {
                return transport.send(request);
            } catch (ComfyFleetException e) {
                if (!Outage.passing(e) || System.nanoTime() >= giveUp) {
                    throw e;
                }
                pause(outage.pauseMillis());
            }
        }
    }

    /** {@link #post} without blocking, each try with the client's request timeout. */
    CompletableFuture<JsonNode> postAsync(String path, JsonNode body, String idempotencyKey) {
        HttpRequest request = transport.jsonPost(path, body, requestTimeout, idempotencyKey);
        if (idempotencyKey == null) {
            return transport.sendAsync(request);
        }
        return tryAsync(request, new Outage(pollInterval), System.nanoTime() + requestTimeout.toNanos());
    }

    private CompletableFuture<JsonNode> tryAsync(HttpRequest request, Outage outage, long giveUp) {
        return transport.sendAsync(request).exceptionallyCompose(e -> {
            Throwable failure = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!Outage.passing(failure) || System.nanoTime() >= giveUp) {
                return CompletableFuture.failedFuture(failure);
            }
            var later = CompletableFuture.delayedExecutor(outage.pauseMillis(), TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> null, later).thenCompose(x -> tryAsync(request, outage, giveUp));
        });
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComfyFleetException("a submission was interrupted while the gateway was not answering", null, 0,
                    null, e);
        }
    }
}
