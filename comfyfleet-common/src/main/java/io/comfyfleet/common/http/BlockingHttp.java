package io.comfyfleet.common.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Small HTTP/1.1 exchanges (a JSON body or none each way) as blocking calls on the calling thread, over the
 * JDK's {@link HttpURLConnection} with its kept-alive connections.
 *
 * <p>Why not {@code java.net.http}: its client reads every answer on a selector thread and hands it to the
 * waiting caller, and its request path is a chain of asynchronous stages. On the worker's critical path
 * (job-take answer, {@code POST /prompt}, job-done) each of its calls cost ~0.6 ms more than a blocking one, and
 * a quarter of the worker's CPU in the 20-worker benchmark (docs/performance.md). Streaming downloads, uploads
 * and the WebSocket stay on {@code java.net.http}.
 *
 * <p>A blocked call does not end on an interrupt alone; {@link #abort(Thread)} ends it. Timeouts end as
 * {@link HttpConnectTimeoutException} (connecting) or {@link HttpTimeoutException} (waiting for the answer),
 * an aborted call as {@link InterruptedIOException}. Thread-safe.
 *
 * <p>The JDK re-sends a POST once, unasked, when a kept-alive connection fails before its answer, and the
 * server may have taken the first; callers here re-send knowingly or not at all. That is a JVM-wide switch
 * ({@code sun.net.http.retryPost=false}, read once when the JDK's HTTP/1.1 client loads), so the program that
 * owns the JVM sets it at its start ({@code comfyfleet}'s {@code Main}, and the test JVMs), not this class.
 */
public final class BlockingHttp {

    /** A status and the body as text (an error's body too; empty when there is none). */
    public record Answer(int status, String body) {}

    /**
     * The most bytes of one answer read when the caller names no cap. An answer is held whole in memory, so without
     * one a broken or hostile server could fill it; this is far above any JSON answer these calls expect.
     */
    public static final long DEFAULT_MAX_ANSWER_BYTES = 256L << 20;

    private final int connectTimeoutMs;
    private final long maxAnswerBytes;
    /** The call each thread is blocked in, so {@link #abort} can end it. */
    private final Map<Thread, HttpURLConnection> inFlight = new ConcurrentHashMap<>();

    public BlockingHttp(Duration connectTimeout) {
        this(connectTimeout, DEFAULT_MAX_ANSWER_BYTES);
    }

    /** @param maxAnswerBytes the most bytes of one answer read; past it, {@link AnswerTooLargeException} */
    public BlockingHttp(Duration connectTimeout, long maxAnswerBytes) {
        if (maxAnswerBytes <= 0 || maxAnswerBytes >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxAnswerBytes must be from 1 to " + (Integer.MAX_VALUE - 1)
                    + " (one answer is held in one array), got " + maxAnswerBytes);
        }
        this.connectTimeoutMs = millis(connectTimeout);
        this.maxAnswerBytes = maxAnswerBytes;
    }

    /**
     * GET {@code uri} ({@code json} null) or POST {@code json} to it as {@code application/json}, and wait for the
     * answer at most {@code timeout} after connecting.
     *
     * @param headers extra request headers (e.g. Authorization); may be empty
     * @throws AnswerTooLargeException when the answer's body is longer than this client's cap
     */
    public Answer exchange(URI uri, Map<String, String> headers, byte[] json, Duration timeout) throws IOException {
        Thread caller = Thread.currentThread();
        HttpURLConnection call = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        call.setConnectTimeout(connectTimeoutMs);
        call.setReadTimeout(millis(timeout));
        call.setUseCaches(false);
        call.setInstanceFollowRedirects(false);
        call.setRequestProperty("Accept", "application/json");
        headers.forEach(call::setRequestProperty);
        if (json != null) {
            call.setRequestMethod("POST");
            call.setDoOutput(true);
            call.setRequestProperty("Content-Type", "application/json");
        }
        inFlight.put(caller, call);
        try {
            try {
                call.connect(); // now, so that an abort from here on has a socket to close
            } catch (SocketTimeoutException e) {
                throw new HttpConnectTimeoutException("connect timed out after " + connectTimeoutMs + " ms");
            }
            if (caller.isInterrupted()) { // aborted before the connection existed to be closed
                throw new InterruptedIOException(uri + " was aborted");
            }
            if (json != null) {
                // buffered, and sent with the headers when the answer is asked for: a fixed-length streamed body
                // goes out as a second packet after the headers, which made a job-done post ~1 ms later
                try (OutputStream out = call.getOutputStream()) {
                    out.write(json);
                }
            }
            int status = call.getResponseCode();
            // read to the end (an error's body too), so the connection goes back to the keep-alive pool
            try (InputStream in = status >= 400 ? call.getErrorStream() : call.getInputStream()) {
                return new Answer(status, in == null ? "" : text(in, call, uri));
            }
        } catch (SocketTimeoutException e) {
            throw new HttpTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            if (caller.isInterrupted() && !(e instanceof InterruptedIOException)) {
                throw (InterruptedIOException) new InterruptedIOException(uri + " was aborted").initCause(e);
            }
            throw e;
        } finally {
            inFlight.remove(caller, call);
        }
    }

    /** The body as text, read up to the cap; past it the connection is closed rather than read to its end. */
    private String text(InputStream in, HttpURLConnection call, URI uri) throws IOException {
        byte[] bytes = in.readNBytes((int) maxAnswerBytes + 1); // grows as it reads: nothing is allocated ahead
        if (bytes.length > maxAnswerBytes) {
            call.disconnect();
            throw new AnswerTooLargeException(uri, maxAnswerBytes);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** {@code HttpURLConnection} takes int milliseconds, where 0 means forever: longer ones are capped. */
    private static int millis(Duration d) {
        return (int) Math.clamp(d.toMillis(), 1, Integer.MAX_VALUE);
    }

    /**
     * Ends the call {@code caller} is blocked in (e.g. a long-poll at shutdown) with an
     * {@link InterruptedIOException}, and interrupts it; a call it starts afterwards fails the same way at once.
     */
    public void abort(Thread caller) {
        caller.interrupt(); // first: a call registered after the lookup below sees it and gives up
        HttpURLConnection call = inFlight.get(caller);
        if (call != null) {
            try {
                call.disconnect(); // closes the socket its read is blocked on
            } catch (RuntimeException e) {
                // the call ended just now and gave its connection back (the JDK then throws a NullPointerException
                // from disconnect): nothing is left to close, and the interrupt above still stops the caller
            }
        }
    }
}
