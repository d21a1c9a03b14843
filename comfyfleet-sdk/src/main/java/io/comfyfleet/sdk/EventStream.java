package io.comfyfleet.sdk;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Server-Sent Events connection to {@code /events/{id}}. Lines arrive on the HTTP client's threads and are
 * queued, so the reader can wait with a deadline and {@link #close()} can drop the connection at any time.
 */
final class EventStream implements AutoCloseable {
    /** One dispatched event; {@code type} is "message" when the server named none. */
    record Event(String type, String id, String data) {}

    /** The route is not there (RunPod, or an older gateway): answered 404. */
    static final class Absent extends Exception {
        final String serverMessage;

        Absent(String serverMessage) {
            super(serverMessage, null, false, false);
            this.serverMessage = serverMessage;
        }
    }

    private static final Object END = new Object();

    private final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final CompletableFuture<String> errorBody = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private CompletableFuture<?> exchange;
    private String type;
    private String id;
    private StringBuilder data;
    private boolean ended;

    private EventStream() {}

    /**
     * Connects and waits for the answer's status.
     *
     * @throws Absent when the server answers 404 (the caller tells a missing route from a missing job)
     * @throws ComfyFleetException for any other failure (unauthorized, unreachable, no answer in time)
     */
    static EventStream open(Transport transport, String path, String lastEventId, String jobId, Duration answerWait)
            throws Absent {
        EventStream stream = new EventStream();
        // no request timeout: it would cut a healthy long stream; the answer's arrival is bounded below instead
        HttpRequest.Builder builder = HttpRequest.newBuilder(transport.uri(path)).GET()
                .header("Accept", "text/event-stream");
        transport.authorize(builder);
        if (lastEventId != null) {
            builder.header("Last-Event-ID", lastEventId);
        }
        HttpRequest request = builder.build();
        stream.exchange = transport.http().sendAsync(request, stream::subscriberFor)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        stream.status.completeExceptionally(e);
                        stream.lines.add(e);
                    }
                });
        int code;
        try {
            code = stream.status.get(answerWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stream.close();
            throw new ComfyFleetException(Transport.describe(request) + " got no answer within " + answerWait,
                    jobId, 0, null, e);
        } catch (ExecutionException e) {
            stream.close();
            throw new ComfyFleetException(Transport.describe(request) + " failed: " + e.getCause(), jobId, 0, null,
                    e.getCause());
        } catch (InterruptedException e) {
            stream.close();
            Thread.currentThread().interrupt();
            throw new ComfyFleetException(Transport.describe(request) + " was interrupted", jobId, 0, null, e);
        }
        if (code == 200) {
            return stream;
        }
        String body;
        try {
            body = stream.errorBody.get(answerWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            body = null;
        } finally {
            stream.close();
        }
        if (code == 404) {
            throw new Absent(Transport.serverMessage(body));
        }
        throw Transport.failure(request, code, body, jobId);
    }

    private HttpResponse.BodySubscriber<Void> subscriberFor(HttpResponse.ResponseInfo info) {
        status.complete(info.statusCode());
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                    body -> {
                        errorBody.complete(body);
                        return null;
                    });
        }
        return HttpResponse.BodySubscribers.fromLineSubscriber(new Flow.Subscriber<String>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                lines.add(line);
            }

            @Override
            public void onError(Throwable t) {
                lines.add(t);
            }

            @Override
            public void onComplete() {
                lines.add(END);
            }
        });
    }

    /**
     * The next complete event; null when the stream ended (closed by the server or broken) or when
     * {@code deadlineNanos} (a {@link System#nanoTime()} value) passed first. {@link #ended()} tells which.
     */
    Event next(long deadlineNanos) throws InterruptedException {
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            Object item = left <= 0 ? lines.poll() : lines.poll(left, TimeUnit.NANOSECONDS);
            if (item == null) {
                return null;
            }
            if (!(item instanceof String)) {
                ended = true;
                return null;
            }
            Event event = accept((String) item);
            if (event != null) {
                return event;
            }
        }
    }

    boolean ended() {
        return ended;
    }

    /** The SSE line grammar (WHATWG): field lines build an event, an empty line dispatches it. */
    private Event accept(String line) {
        if (line.isEmpty()) {
            if (data == null) {
                type = null;
                return null;
            }
            Event event = new Event(type == null ? "message" : type, id, data.toString());
            type = null;
            data = null;
            return event;
        }
        if (line.startsWith(":")) {
            return null; // a keep-alive comment
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event":
                type = value;
                break;
            case "data":
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                break;
            case "id":
                id = value;
                break;
            default:
                break;
        }
        return null;
    }

    @Override
    public void close() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        if (exchange != null) {
            exchange.cancel(true);
        }
    }
}
