package io.comfyfleet.comfy.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * A download's body whose reads fail once nothing has arrived for {@code bound}. The JDK's request timeout ends
 * with the answer's headers, and a read of its body has no bound at all: a ComfyUI that hangs mid-download held the
 * reader (a job's output delivery) forever, deaf to a cancel. A watcher closes the stream under the stalled read,
 * which then throws {@link HttpTimeoutException}.
 */
final class IdleBoundedStream extends FilterInputStream {
    private final Duration bound;
    private final String what;
    /** When the read waiting now began, by {@link System#nanoTime}; 0 while no read waits. */
    private volatile long waitingSince;
    private volatile boolean stalled;
    private volatile boolean done;

    /** @param what the download, for the message: {@code GET /view of img_00001_.png} */
    IdleBoundedStream(InputStream body, Duration bound, String what) {
        super(body);
        this.bound = bound;
        this.what = what;
        Thread.ofVirtual().name("download-stall-watch").start(this::watch);
    }

    @Override
    public int read() throws IOException {
        waitingSince = System.nanoTime();
        try {
            return ended(super.read());
        } catch (IOException e) {
            throw stalledOr(e);
        } finally {
            waitingSince = 0;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        waitingSince = System.nanoTime();
        try {
            return ended(super.read(b, off, len));
        } catch (IOException e) {
            throw stalledOr(e);
        } finally {
            waitingSince = 0;
        }
    }

    @Override
    public void close() throws IOException {
        done = true;
        super.close();
    }

    private int ended(int n) {
        if (n < 0) {
            done = true;
        }
        return n;
    }

    private IOException stalledOr(IOException e) {
        if (!stalled) {
            return e;
        }
        HttpTimeoutException timeout = new HttpTimeoutException("ComfyUI sent nothing of " + what + " for "
                + bound.toMillis() + " ms");
        timeout.initCause(e);
        return timeout;
    }

    private void watch() {
        long step = Math.clamp(bound.toMillis() / 4, 10, 1_000);
        while (!done) {
            try {
                Thread.sleep(step);
            } catch (InterruptedException e) {
                return;
            }
            long since = waitingSince;
            if (since != 0 && System.nanoTime() - since > bound.toNanos()) {
                stalled = true;
                done = true;
                try {
                    in.close(); // a blocked read of the JDK's response body ends with an IOException
                } catch (IOException e) {
                    // the read fails all the same
                }
            }
        }
    }
}
