package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.comfyfleet.fleet.container.PodmanService;
import io.comfyfleet.fleet.local.WorkerOutput;
import io.comfyfleet.testkit.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code up} with {@code workers.provider: container}: the gateway in this JVM, its worker a container on a Podman
 * service of the test's own, from an image built here (a jlink'ed Java runtime, this program, the emulator). A job
 * sent with curl's request runs in the container and completes; stopping {@code up} removes the container.
 */
class ContainerUpEndToEndTest {
    private static final String CLIENT_KEY = "client-key-container-e2e";
    private static final String WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":5}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"ctr"}}}}}""";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ListAppender<ILoggingEvent> output = new ListAppender<>();
    private PodmanService podman;
    private FleetStack stack;

    @AfterEach
    void stopEverything() {
        if (stack != null) {
            stack.close();
        }
        if (podman != null) {
            podman.close();
        }
        ((Logger) LoggerFactory.getLogger(WorkerOutput.log.getName())).detachAppender(output);
        http.close();
    }

    @Test
    void upRunsAJobOnAContainerWorkerAndRemovesItWhenStopped() throws Exception {
        long began = System.nanoTime();
        podman = PodmanService.start();
        ContainerWorkerImage.build();
        long built = System.nanoTime();
        output.start();
        ((Logger) LoggerFactory.getLogger(WorkerOutput.log.getName())).addAppender(output);
        Path yaml = dir.resolve("comfyfleet.yaml");
        Files.writeString(yaml, """
                server: {host: 127.0.0.1, port: %d, dataDir: data}
                endpoints:
                  - name: ctr
                    clientKeys: ["%s"]
                    workerKeys: ["worker-key-container-e2e"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 60s
                    scaler: {type: QUEUE_DELAY, value: 1}
                workers:
                  provider: container
                  cpuSlots: 1
                  basePort: %d
                  jobGrace: 5s
                  container:
                    host: %s
                    image: %s
                    pull: never
                    env: {COMFYFLEET_TEST_MARK: from-yaml}
                """.formatted(FreePorts.one(), CLIENT_KEY, FreePorts.one(), podman.host(), ContainerWorkerImage.TAG));
        UpConfig config = new UpConfigLoader(name -> null).load(yaml, dir);
        stack = FleetStack.start(config, Duration.ofMillis(500), Clock.systemUTC());
        String base = "http://127.0.0.1:" + stack.port() + "/v2/ctr";

        HttpResponse<String> run = http.send(HttpRequest.newBuilder(URI.create(base + "/run"))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(WORKFLOW)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        String id = JsonMapper.shared().readTree(run.body()).path("id").asString();

        JsonNode done = await("the job completes on the container worker").atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> status(base, id), s -> List.of("COMPLETED", "FAILED").contains(s.path("status").asString()));
        assertThat(done.path("status").asString()).as("%s; worker output:\n%s", done, workerLines()).isEqualTo("COMPLETED");
        assertThat(done.path("output").path("images")).isNotEmpty();
        long ran = System.nanoTime();

        String instance = ContainerProviderSetup.instanceOf(dir.resolve("data").toAbsolutePath().normalize());
        assertThat(containers(instance)).as("one worker container while up runs").hasSize(1);
        assertThat(workerLines()).as("the container's output reached the worker log, marked with its worker id")
                .isNotEmpty().allMatch(l -> l.startsWith("["));

        stack.close();
        stack = null;
        assertThat(containers(instance)).as("stopping up removes its containers").isEmpty();
        System.out.printf("container e2e: image built in %.1f s, job completed %.1f s later (cold start included),"
                + " up stopped in %.1f s%n", (built - began) / 1e9, (ran - built) / 1e9, (System.nanoTime() - ran) / 1e9);
    }

    private JsonNode status(String base, String id) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/status/" + id))
                .header("Authorization", CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JsonMapper.shared().readTree(r.body());
    }

    private List<String> workerLines() {
        return output.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The ids of the containers with this instance label, as podman lists them. */
    private static List<String> containers(String instance) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("podman", "ps", "-aq", "--filter", "label=io.comfyfleet.instance=" + instance)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
    }
}
