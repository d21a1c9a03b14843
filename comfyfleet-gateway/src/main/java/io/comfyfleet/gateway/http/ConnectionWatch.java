package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.dispatch.TakerConnection;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a worker's HTTP client leaving while its job-take is held, and an answer that could not be written.
 *
 * <p>Jetty 12 notices neither on HTTP/1.1 by itself: once a request is read, it does not read the connection again
 * until the answer is written. With Jetty 12.1, a client's FIN, half-close or reset left a parked request open for
 * its whole hold, its failure listeners silent, and a small answer written after a FIN still "succeeded" into the
 * socket buffer. So while a job-take waits, this asks Jetty for the connection's next read readiness, which the
 * client's FIN or reset brings (or its next, pipelined request), and reads nothing: readable with no byte to read
 * is the end of the stream. The interest is withdrawn before the answer, so Jetty then reads the connection as
 * before. A connection that just goes silent (a cable pulled) is not noticed: the job's lease covers that.
 */
final class ConnectionWatch implements Callback, TakerConnection.Watch {
    private static final Logger log = LoggerFactory.getLogger(ConnectionWatch.class);
    /** What withdrawing the interest fails it with: not a hang-up. */
    private static final CancellationException WITHDRAWN = new CancellationException("the job-take answered");

    private final AbstractEndPoint endPoint;
    private final SocketChannel channel;
    private final Runnable hungUp;
    /** Set once: the connection became readable or failed, or the watch was closed. */
    private final AtomicBoolean over = new AtomicBoolean();

    private ConnectionWatch(AbstractEndPoint endPoint, SocketChannel channel, Runnable hungUp) {
        this.endPoint = endPoint;
        this.channel = channel;
        this.hungUp = hungUp;
    }

    /** The request's connection; unwatched when it is not a plain socket that Jetty selects on. */
    static TakerConnection of(Context ctx) {
        Request request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null
                || !(request.getConnectionMetaData().getConnection().getEndPoint() instanceof AbstractEndPoint endPoint)
                || !(endPoint.getTransport() instanceof SocketChannel channel)) {
            return TakerConnection.UNWATCHED;
        }
        return hungUp -> {
            ConnectionWatch watch = new ConnectionWatch(endPoint, channel, hungUp);
            // refused when something already waits to read this connection: leave it to that
            return endPoint.tryFillInterested(watch) ? watch : () -> { };
        };
    }

    /**
     * Runs {@code unsent} if writing the answer fails (the client reset the connection): it did not receive the
     * answer. Runs on a thread of its own, after the request ended.
     */
    static void onUnsent(Context ctx, Runnable unsent) {
        Request request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null) {
            return;
        }
        String path = ctx.path();
        Request.addCompletionListener(request, failure -> {
            if (failure == null) {
                return;
            }
            log.debug("{}: the answer could not be written: {}", path, failure.toString());
            Thread.ofVirtual().name("comfyfleet-unsent").start(() -> {
                try {
                    unsent.run();
                } catch (RuntimeException e) {
                    log.warn("{}: the jobs of an answer that could not be written stay claimed until their lease"
                            + " runs out", path, e);
                }
            });
        });
    }

    @Override
    public void succeeded() {
        // with bytes to read, the client sent its next request early: it is still there, and Jetty reads them later
        if (over.compareAndSet(false, true) && nothingToRead()) {
            hungUp.run();
        }
    }

    @Override
    public void failed(Throwable failure) {
        // the connection closed or failed under the waiting job-take
        if (over.compareAndSet(false, true)) {
            hungUp.run();
        }
    }

    @Override
    public void close() {
        if (over.compareAndSet(false, true)) {
            // a read interest still pending when the answer completes makes Jetty drop the connection
            endPoint.getFillInterest().onFail(WITHDRAWN);
        }
    }

    private boolean nothingToRead() {
        try {
            return channel.socket().getInputStream().available() == 0;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
