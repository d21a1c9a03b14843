package io.comfyfleet.worker.output;

import java.io.IOException;
import java.io.InputStream;

/** The bytes of one output file, opened as a stream (possibly more than once, e.g. when an upload is retried). */
public interface OutputContent {
    /** A fresh stream over the whole file; the caller closes it. */
    InputStream open() throws IOException;

    /** The size in bytes when known up front, else -1. */
    long size();
}
