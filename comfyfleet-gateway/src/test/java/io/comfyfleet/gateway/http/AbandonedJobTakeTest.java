package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A worker's job-take whose client gave up before the gateway's hold ran out (its HTTP timeout, a proxy, a dead
 * process) must not win the next job: nobody would receive it, and it would wait out a lease and burn a retry.
 * The workers here are raw sockets, so the test decides exactly how the connection ends.
 */
class AbandonedJobTakeTest {
    private static final String HOLD_LONGER_THAN_THE_TEST = "  jobTakeHold: 60s";

    @TempDir
    Path dir;

    /** How a worker's client leaves its held job-take. */
    enum Leaving {
        /** Closes the socket: a FIN, as {@code curl -m 2} or a client timeout does. */
        CLOSE {
            @Override
            void leave(Socket socket) throws IOException {
                socket.close();
            }
        },
        /** Resets the connection (a process killed with bytes unread, some proxies). */
        RESET {
            @Override
            void leave(Socket socket) throws IOException {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        };

        abstract void leave(Socket socket) throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Leaving.class)
    void aJobTakeWhoseClientLeftIsNotHandedTheNextJob(Leaving how) throws Exception {
        try (TestGateway gw = new TestGateway(dir, HOLD_LONGER_THAN_THE_TEST);
                Socket ghost = jobTake(gw, "ghost")) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingTakers("ep1") == 1);

            how.leave(ghost);

            // the gateway ends the long-poll once the client is gone, not after its 60 s hold
            Awaitility.await("the gateway to end the job-take of a client that left")
                    .atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingTakers("ep1") == 0);
            String id = gw.run("{\"ghost\":1}");
            Reply queued = gw.status(id);
            assertThat(queued.field("status")).as(queued.text()).isEqualTo("IN_QUEUE");
            assertThat(queued.json().has("workerId")).as(queued.text()).isFalse();

            assertThat(gw.take("live")).isEqualTo(id);
            Reply running = gw.status(id);
            assertThat(running.field("status")).isEqualTo("IN_PROGRESS");
            assertThat(running.field("workerId")).isEqualTo("live");
            assertThat(running.json().path("retries").asInt(-1)).isZero();
        }
    }

    @Test
    void aWatchedJobTakeLeavesItsConnectionAsItWasForTheNextRequest() throws Exception {
        try (TestGateway gw = new TestGateway(dir, HOLD_LONGER_THAN_THE_TEST);
                Socket worker = jobTake(gw, "w1")) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingTakers("ep1") == 1);

            String id = gw.run("{\"x\":1}");

            Answer taken = Answer.read(worker.getInputStream());
            assertThat(taken.status()).as(taken.body()).isEqualTo(200);
            assertThat(taken.body()).contains("\"id\":\"" + id + "\"");
            // the same keep-alive connection carries the worker's result
            String done = "{\"output\":{\"ok\":true}}";
            send(worker, "POST /v2/ep1/job-done/w1/" + id + " HTTP/1.1\r\nHost: gw\r\nAuthorization: "
                    + TestGateway.WORKER_KEY + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + done.length() + "\r\n\r\n" + done);
            assertThat(Answer.read(worker.getInputStream()).status()).isEqualTo(200);
            Reply status = gw.status(id);
            assertThat(status.field("status")).isEqualTo("COMPLETED");
            assertThat(status.json().path("retries").asInt(-1)).isZero();
        }
    }

    private static Socket jobTake(TestGateway gw, String workerId) throws IOException {
        Socket socket = new Socket("127.0.0.1", gw.gateway.port());
        socket.setSoTimeout(30_000);
        send(socket, "GET /v2/ep1/job-take/" + workerId + "?job_in_progress=0 HTTP/1.1\r\nHost: gw\r\nAuthorization: "
                + TestGateway.WORKER_KEY + "\r\n\r\n");
        return socket;
    }

    private static void send(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** One HTTP/1.1 answer read off a raw socket (the gateway's answers carry a Content-Length). */
    private record Answer(int status, String body) {
        static Answer read(InputStream in) throws IOException {
            String head = line(in);
            int status = Integer.parseInt(head.split(" ")[1]);
            int length = 0;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).strip());
                }
            }
            return new Answer(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the connection ended inside an answer: " + line);
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }
    }
}
