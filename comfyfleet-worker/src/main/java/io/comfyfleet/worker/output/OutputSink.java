package io.comfyfleet.worker.output;

/**
 * Delivers a job's output files somewhere a client can get them: inline in the result, an S3 bucket, or the
 * gateway's output store. Implementations stream the file (never hold it whole, except inline, which is
 * capped) and compute its SHA-256 on the way. All implementations pass one contract test.
 */
public interface OutputSink extends AutoCloseable {
    /**
     * Delivers one file.
     *
     * @throws OutputDeliveryException when the destination refuses it or cannot be reached, or the file is
     *     larger than this sink accepts; the message says which and what to change
     */
    DeliveredOutput deliver(OutputTarget target, OutputContent content);

    /** Releases clients the sink holds; delivered outputs stay where they are. */
    @Override
    default void close() {}
}
