package io.comfyfleet.common.http;

import java.io.IOException;
import java.net.URI;

/** An answer longer than the most {@link BlockingHttp} reads of one: it was not read further, and its connection closed. */
public final class AnswerTooLargeException extends IOException {
    private final long maxBytes;

    AnswerTooLargeException(URI uri, long maxBytes) {
        super(uri + " answered with a body over " + maxBytes + " bytes, the most read of one answer");
        this.maxBytes = maxBytes;
    }

    /** The cap the answer passed. */
    public long maxBytes() {
        return maxBytes;
    }
}
