package io.comfyfleet.sdk;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One job's wait for its end, holding no thread while it waits: the job's live events ({@code /events/{id}},
 * Server-Sent Events read by the HTTP client's own threads) where the server has them, else {@code /status}
 * polls scheduled one poll interval apart. A stream that ends without the result (a proxy cut it, the gateway
 * restarted) is resumed with {@code Last-Event-ID}. Once the gateway has answered this wait, an {@link Outage} (a
 * restart, a proxy's 503) is ridden through with pauses until the deadline. A {@code gone} event (the job was
 * deleted while followed: its TTL ran out, purge-queue) ends the wait with a {@link NotFoundException} giving the
 * gateway's reason. Progress listeners run on the HTTP client's threads.
 */
final class JobWait {
    /** Turns the final status into the result; may download outputs, so it must not run on the client's threads. */
    private static final ExecutorService FINISHER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "comfyfleet-sdk-result");
        t.setDaemon(true);
        return t;
    });

    /** Timers not yet due; a test checks that finished waits leave none behind. */
    static int pendingTimers() {
        return SdkTimers.pending();
    }

    private final JobHandle job;
    private final Endpoint endpoint;
    private final String id;
    private final Duration timeout;
    private final long deadline;
    private final Consumer<Progress> listeners;
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();
    // one connection or poll at a time, so these are only touched by one thread at a time
    private volatile CompletableFuture<?> inFlight;
    // the open event stream's body: cancelling it closes the connection (cancelling the exchange alone does not)
    private volatile Flow.Subscription stream;
    private volatile String lastEventId;
    private volatile JobState lastState;
    private volatile JsonNode preview;
    private volatile JsonNode lastProgress;
    // set once the final status is known, before the result is built: no reconnect or poll after it
    private volatile boolean ending;
    // the gateway answered this wait, or the submission that gave the job's id: a failure from now on may be an
    // outage, not a wrong address
    private volatile boolean heard;
    private final Outage outage;
    private volatile Throwable lastFailure;

    private JobWait(JobHandle job, Endpoint endpoint, Duration timeout, Consumer<Progress> listeners) {
        this.job = job;
        this.endpoint = endpoint;
        this.id = job.id();
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
        this.listeners = listeners;
        this.outage = new Outage(endpoint.client().pollInterval());
        // a job this client submitted was queued by a gateway that answered: not a wrong address
        this.heard = job.answered();
    }

    /** Starts waiting; the future ends with the result or the typed exception {@link JobHandle#await} throws. */
    static CompletableFuture<JobResult> start(JobHandle job, Endpoint endpoint, Duration timeout,
                                              Consumer<Progress> listeners) {
        JobWait wait = new JobWait(job, endpoint, timeout, listeners);
        wait.result.whenComplete((r, e) -> {
            if (wait.ending) {
                // the server ends the stream itself right after the result: cutting it here instead left the
                // JDK client a pooled connection the server then closed, and the next POST failed unanswered
                return;
            }
            Flow.Subscription body = wait.stream;
            if (body != null) {
                body.cancel(); // a cancelled or ended wait drops its connection
            }
            CompletableFuture<?> current = wait.inFlight;
            if (current != null) {
                current.cancel(true);
            }
        });
        ScheduledFuture<?> deadline = after(timeout.toMillis(), wait::timedOut);
        wait.result.whenComplete((r, e) -> deadline.cancel(false));
        if (endpoint.eventsMayWork()) {
            wait.follow();
        } else {
            wait.poll();
        }
        return wait.result;
    }

    /** Runs {@code task} after {@code millis} on the common pool (the timer thread only hands it on). */
    private static ScheduledFuture<?> after(long millis, Runnable task) {
        return SdkTimers.schedule(millis, () -> ForkJoinPool.commonPool().execute(task));
    }

    // ---- live events

    private void follow() {
        if (over()) {
            return;
        }
        // no request timeout: it would cut a healthy long stream; the answer's arrival is bounded below instead
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint.transport().uri(endpoint.path("/events/"
                + Endpoint.enc(id)))).GET().header("Accept", "text/event-stream");
        endpoint.transport().authorize(builder);
        if (lastEventId != null) {
            builder.header("Last-Event-ID", lastEventId);
        }
        HttpRequest request = builder.build();
        CompletableFuture<Integer> answered = new CompletableFuture<>();
        long cap = endpoint.transport().maxResponseBytes();
        SseParser parser = new SseParser(cap);
        CompletableFuture<HttpResponse<String>> exchange = endpoint.transport().http().sendAsync(request, info -> {
            answered.complete(info.statusCode());
            if (info.statusCode() == 200) {
                answeredNow();
            }
            if (info.statusCode() != 200 || !eventStream(info.headers())) {
                return BodyLimit.whole(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8), cap);
            }
            return BodyLimit.perLine(HttpResponse.BodySubscribers.fromLineSubscriber(new Lines(parser, request),
                    s -> null, StandardCharsets.UTF_8, null), cap);
        });
        inFlight = exchange;
        Duration answerWait = endpoint.client().requestTimeout();
        // set when the answer wait gave up on this exchange: its cancellation is then no failure of its own
        AtomicBoolean unanswered = new AtomicBoolean();
        ScheduledFuture<?> noAnswer = after(answerWait.toMillis(), () -> {
            if (!answered.isDone() && inFlight == exchange) {
                unanswered.set(true);
                // completes the exchange with a CancellationException, whose handler below leaves it to this one
                exchange.cancel(true);
                retryOrFail(new ComfyFleetException(Transport.describe(request) + " got no answer within "
                        + HumanDuration.of(answerWait), id, 0, null, null), true, this::follow);
            }
        });
        answered.whenComplete((code, e) -> noAnswer.cancel(false));
        exchange.whenComplete((response, error) -> {
            boolean began = answered.isDone();
            answered.complete(0); // a failure before any answer must still free the answer-wait timer
            if (over() || unanswered.get()) {
                return;
            }
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (Transport.exceeded(cause) != null) {
                    fail(Transport.failure(request, cause, id)); // reconnecting would only read the same line again
                } else if (began) {
                    resume(); // the stream broke after it began: pick it up where it was
                } else {
                    ComfyFleetException failure = Transport.failure(request, cause, id);
                    retryOrFail(failure, Outage.passing(failure), this::follow);
                }
            } else if (response.statusCode() == 200 && !eventStream(response.headers())) {
                // a page where the event stream should be (a proxy, another app on the path): the job is followed
                // by /status from now on, as on a server without the route; reconnecting could only get the page again
                endpoint.eventsAbsent();
                poll();
            } else if (response.statusCode() == 200) {
                resume(); // ended without the result
            } else if (response.statusCode() == 404) {
                answeredNow();
                routeOrJobMissing();
            } else {
                retryOrFail(Transport.failure(request, response.statusCode(), response.body(), id),
                        Outage.passing(response.statusCode()), this::follow);
            }
        });
    }

    /** Whether an answer is an event stream; one that names no type is taken as one, as before. */
    private static boolean eventStream(java.net.http.HttpHeaders headers) {
        return headers.firstValue("Content-Type")
                .map(type -> type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")).orElse(true);
    }

    /** Reconnects after a pause, so a server that keeps ending streams at once is not called in a hot loop. */
    private void resume() {
        if (System.nanoTime() >= deadline) {
            timedOut();
            return;
        }
        after(pauseMillis(), this::follow);
    }

    /** A 404 means either "no such job" or "no such route" (RunPod): {@code /status} tells which. */
    private void routeOrJobMissing() {
        track(endpoint.transport().getAsync(endpoint.path("/status/" + Endpoint.enc(id)), id)).whenComplete((node, e) -> {
            if (e != null) {
                retryOrFail(e, Outage.passing(unwrap(e)), this::routeOrJobMissing);
            } else {
                answeredNow();
                endpoint.eventsAbsent();
                seen(JobStatus.parse(node, id));
            }
        });
    }

    private final class Lines implements Flow.Subscriber<String> {
        private final SseParser parser;
        private final HttpRequest request;

        Lines(SseParser parser, HttpRequest request) {
            this.parser = parser;
            this.request = request;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            stream = s;
            if (result.isDone()) {
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            SseParser.Event event;
            try {
                event = parser.accept(line);
            } catch (java.io.UncheckedIOException tooLong) {
                stream.cancel();
                fail(Transport.failure(request, tooLong.getCause(), id));
                return;
            }
            if (event != null && !over()) {
                try {
                    onEvent(event);
                } catch (RuntimeException e) {
                    fail(e);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            // seen by the exchange's completion
        }

        @Override
        public void onComplete() {
            // seen by the exchange's completion
        }
    }

    private void onEvent(SseParser.Event event) {
        if (event.id() != null) {
            lastEventId = event.id();
        }
        JsonNode data = parse(event.data());
        switch (event.type()) {
            case "status":
                lastState = JobState.parse(data.path("status").asString(null), id);
                break;
            case "preview":
                // a frame comes just before the progress event it belongs to
                preview = data.get("preview");
                break;
            case "progress":
                if (preview != null && data.isObject()) {
                    ((ObjectNode) data).set("preview", preview);
                    preview = null;
                }
                listeners.accept(Progress.parse(data));
                break;
            case "result":
                finish(JobStatus.parse(data, id));
                break;
            case "gone":
                gone(data);
                break;
            default:
                break; // event types added later are ignored
        }
    }

    private JsonNode parse(String data) {
        try {
            return Transport.JSON.readTree(data);
        } catch (JacksonException e) {
            throw new ComfyFleetException("the event stream of job " + id + " sent data that is not JSON: "
                    + Transport.abbreviate(data), id, 200, data, e);
        }
    }

    // ---- polling

    private void poll() {
        if (over()) {
            return;
        }
        track(endpoint.transport().getAsync(endpoint.path("/status/" + Endpoint.enc(id)), id)).whenComplete((node, e) -> {
            if (e != null) {
                retryOrFail(e, Outage.passing(unwrap(e)), this::poll);
            } else {
                answeredNow();
                seen(JobStatus.parse(node, id));
            }
        });
    }

    /** A polled status: the end, a progress update, or a reason to poll again. */
    private void seen(JobStatus status) {
        lastState = status.state();
        if (status.state().isTerminal()) {
            finish(status);
            return;
        }
        if (status.state() == JobState.IN_PROGRESS && status.output() != null && !status.output().equals(lastProgress)) {
            lastProgress = status.output();
            status.progress().ifPresent(listeners);
        }
        if (System.nanoTime() >= deadline) {
            timedOut();
        } else {
            after(pauseMillis(), this::poll);
        }
    }

    // ---- the end

    /**
     * The gateway's last event for a job deleted while followed (its TTL ran out, purge-queue): the 404 a
     * {@code /status} would answer now, with the reason, which a reconnect would no longer be told.
     */
    private void gone(JsonNode data) {
        String why = data.path("error").asString("job " + id + " does not exist any more");
        ending = true; // the server ends the stream itself right after this event
        result.completeExceptionally(new NotFoundException("the event stream of job " + id + " ended: " + why, id,
                why));
    }

    private void finish(JobStatus status) {
        ending = true;
        CompletableFuture.runAsync(() -> {
            try {
                result.complete(job.finish(status));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, FINISHER);
    }

    private void timedOut() {
        if (over()) {
            return;
        }
        JobState state = lastState;
        if (state != null) {
            fail(waitedTooLong(state));
            return;
        }
        track(endpoint.transport().getAsync(endpoint.path("/status/" + Endpoint.enc(id)), id)).whenComplete((node, e) -> {
            if (e != null) {
                fail(e);
            } else {
                JobStatus status = JobStatus.parse(node, id);
                if (status.state().isTerminal()) {
                    finish(status); // it ended just now
                } else {
                    fail(waitedTooLong(status.state()));
                }
            }
        });
    }

    private JobTimedOutException waitedTooLong(JobState state) {
        Duration unanswered = outage.length();
        Throwable failure = lastFailure;
        String outageText = unanswered.isZero() || failure == null ? ""
                : "; the gateway has not answered for the last " + HumanDuration.of(unanswered) + ": "
                + failure.getMessage();
        return new JobTimedOutException("job " + id + " did not finish within " + HumanDuration.of(timeout)
                + "; it is " + state + " and goes on (await it again, or cancel it)" + outageText,
                id, state, null);
    }

    /** The gateway answered: an outage, if there was one, is over. */
    private void answeredNow() {
        heard = true;
        outage.over();
    }

    /**
     * A request of this wait failed: once the gateway has answered this wait, a passing failure (an {@link Outage})
     * is tried {@code again} after a pause, until the deadline; any other failure ends the wait with it.
     */
    private void retryOrFail(Throwable failure, boolean passing, Runnable again) {
        if (over()) {
            return;
        }
        if (!heard || !passing) {
            fail(failure);
            return;
        }
        lastFailure = unwrap(failure);
        long pause = outage.pauseMillis();
        long leftMs = (deadline - System.nanoTime()) / 1_000_000;
        if (leftMs <= 0) {
            timedOut();
        } else {
            after(Math.min(pause, leftMs), again);
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private void fail(Throwable e) {
        result.completeExceptionally(unwrap(e));
    }

    private boolean over() {
        return ending || result.isDone();
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> request) {
        inFlight = request;
        return request;
    }

    /** One poll interval, or less when the deadline comes first. */
    private long pauseMillis() {
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        return Math.max(1, Math.min(endpoint.client().pollInterval().toMillis(), leftMs));
    }
}
