package io.comfyfleet.worker.output;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Puts the file into the job's result as base64 (worker-comfyui's default). Capped, because the result travels
 * in one JSON body and RunPod-style gateways refuse large ones.
 */
public final class InlineSink implements OutputSink {
    private final long maxBytes;

    /** @param maxBytes the largest file (raw bytes) put inline */
    public InlineSink(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public DeliveredOutput deliver(OutputTarget target, OutputContent content) {
        if (content.size() > maxBytes) {
            throw tooLarge(target, content.size());
        }
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try (HashingInputStream in = new HashingInputStream(content.open());
             OutputStream b64 = Base64.getEncoder().wrap(encoded)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (in.count() > maxBytes) {
                    throw tooLarge(target, in.count());
                }
                b64.write(buffer, 0, n);
            }
            b64.close();
            return new DeliveredOutput("base64", encoded.toString(StandardCharsets.US_ASCII), in.count(), in.sha256());
        } catch (IOException e) {
            throw new OutputDeliveryException(target, "could not be read: " + e.getMessage(), e);
        }
    }

    private OutputDeliveryException tooLarge(OutputTarget target, long size) {
        return new OutputDeliveryException(target, "is at least " + size
                + " bytes, over the inline limit of " + maxBytes + " bytes; configure S3 (input.s3Config or the"
                + " worker's --s3-* settings) or the gateway output store (the worker's --outputs gateway; under"
                + " comfyfleet up, workers.outputs: gateway) for large outputs", null);
    }
}
