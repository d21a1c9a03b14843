package io.comfyfleet.worker.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one contract every {@link OutputSink} passes: what goes in comes back out, byte for byte, with its hash. */
public abstract class OutputSinkContract {
    private OutputSink sink;

    /** A fresh sink for one test. */
    protected abstract OutputSink newSink() throws Exception;

    protected final OutputSink sink() throws Exception {
        if (sink == null) {
            sink = newSink();
        }
        return sink;
    }

    @AfterEach
    void closeSink() {
        if (sink != null) {
            sink.close();
        }
    }

    /** Reads a delivered file back the way a client would. */
    protected byte[] fetch(DeliveredOutput delivered) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(delivered.data())).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET %s", delivered.data()).isEqualTo(200);
        return r.body();
    }

    protected static OutputContent content(byte[] bytes, boolean sizeKnown) {
        return new OutputContent() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public long size() {
                return sizeKnown ? bytes.length : -1;
            }
        };
    }

    protected static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aLargeFileOfKnownSizeComesBackWithItsHash() throws Exception {
        byte[] data = random(3 * 1024 * 1024 + 17);
        DeliveredOutput d = sink().deliver(new OutputTarget("job-1", "ComfyUI_00001_.png", "image/png"), content(data, true));
        assertThat(d.size()).isEqualTo(data.length);
        assertThat(d.sha256()).isEqualTo(sha256(data));
        assertThat(fetch(d)).isEqualTo(data);
    }

    @Test
    void aFileOfUnknownSizeIsDeliveredToo() throws Exception {
        byte[] data = random(70_000);
        DeliveredOutput d = sink().deliver(new OutputTarget("job-2", "clip.mp4", "video/mp4"), content(data, false));
        assertThat(d.size()).isEqualTo(data.length);
        assertThat(d.sha256()).isEqualTo(sha256(data));
        assertThat(fetch(d)).isEqualTo(data);
    }

    @Test
    void namesWithSpacesAndNonAsciiSurvive() throws Exception {
        byte[] data = "text output".getBytes();
        DeliveredOutput d = sink().deliver(new OutputTarget("job-3", "my result (1) ü.txt", "text/plain"), content(data, true));
        assertThat(fetch(d)).isEqualTo(data);
    }

    @Test
    void anEmptyFileIsDelivered() throws Exception {
        DeliveredOutput d = sink().deliver(new OutputTarget("job-4", "empty.txt", "text/plain"), content(new byte[0], true));
        assertThat(d.size()).isZero();
        assertThat(d.sha256()).isEqualTo(sha256(new byte[0]));
        assertThat(fetch(d)).isEmpty();
    }

    @Test
    void anUnreadableFileIsATypedFailureNamingJobAndFile() throws Exception {
        OutputContent broken = new OutputContent() {
            @Override
            public InputStream open() throws IOException {
                throw new IOException("ComfyUI went away");
            }

            @Override
            public long size() {
                return 10;
            }
        };
        assertThatThrownBy(() -> sink().deliver(new OutputTarget("job-5", "lost.png", "image/png"), broken))
                .isInstanceOf(OutputDeliveryException.class)
                .hasMessageContaining("job-5").hasMessageContaining("lost.png");
    }
}
