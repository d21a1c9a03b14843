package io.comfyfleet.sdk;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read up to a cap: past it, the exchange is cancelled (the JDK drops the connection) and the body
 * fails with {@link Exceeded}. Without one, a broken or hostile server could make the SDK buffer an endless answer, or
 * an endless line of the event stream, until the process ran out of memory. Per line, the count starts again after
 * each line break, so a healthy stream that runs for hours is never cut. (Java 25 has
 * {@code BodySubscribers.limiting}; the SDK runs on Java 17.)
 */
final class BodyLimit<T> implements HttpResponse.BodySubscriber<T> {
    /** A body, or one line or event of it, longer than the cap. */
    static final class Exceeded extends IOException {
        final long cap;
        /** What passed it, for a message: "a body", "a line of its event stream", ... */
        final String what;

        Exceeded(long cap, String what) {
            super(what + " longer than " + cap + " bytes");
            this.cap = cap;
            this.what = what;
        }
    }

    private final HttpResponse.BodySubscriber<T> downstream;
    private final long cap;
    private final boolean perLine;
    private Flow.Subscription subscription;
    private long count;
    private boolean exceeded;

    private BodyLimit(HttpResponse.BodySubscriber<T> downstream, long cap, boolean perLine) {
        this.downstream = downstream;
        this.cap = cap;
        this.perLine = perLine;
    }

    /** {@code downstream}, failing once the whole body passes {@code cap} bytes. */
    static <T> HttpResponse.BodySubscriber<T> whole(HttpResponse.BodySubscriber<T> downstream, long cap) {
        return new BodyLimit<>(downstream, cap, false);
    }

    /** {@code downstream}, failing once one line (bytes between CR or LF) passes {@code cap} bytes. */
    static <T> HttpResponse.BodySubscriber<T> perLine(HttpResponse.BodySubscriber<T> downstream, long cap) {
        return new BodyLimit<>(downstream, cap, true);
    }

    @Override
    public CompletionStage<T> getBody() {
        return downstream.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        downstream.onSubscribe(s);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (exceeded) {
            return;
        }
        for (ByteBuffer item : items) {
            if (perLine ? longestLineOver(item) : (count += item.remaining()) > cap) {
                exceeded = true;
                subscription.cancel();
                downstream.onError(new Exceeded(cap, perLine ? "a line of its event stream" : "a body"));
                return;
            }
        }
        downstream.onNext(items);
    }

    /** Whether a line passes the cap within {@code item}; counts the line under way (read without moving it). */
    private boolean longestLineOver(ByteBuffer item) {
        for (int i = item.position(); i < item.limit(); i++) {
            byte b = item.get(i);
            count = b == '\n' || b == '\r' ? 0 : count + 1;
            if (count > cap) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onError(Throwable t) {
        if (!exceeded) {
            downstream.onError(t);
        }
    }

    @Override
    public void onComplete() {
        if (!exceeded) {
            downstream.onComplete();
        }
    }
}
