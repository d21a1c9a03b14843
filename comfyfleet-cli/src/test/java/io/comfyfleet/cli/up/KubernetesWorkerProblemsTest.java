package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What keeps a worker pod from working reaches people: {@code comfyfleet up} with the Kubernetes provider on
 * fabric8's mock API server starts two pods; one stays Pending past {@code pendingLimit} (no GPU node came), the
 * other's image cannot be pulled. Both reasons show on {@code GET /admin/endpoints/{ep}} ({@code workerProblems})
 * and on the dashboard's worker rows ({@code problem}). The autoscaler runs its first pass only (a period of an
 * hour), so the broken worker is still listed when the test looks.
 */
class KubernetesWorkerProblemsTest {
    private static final String NS = "fleet-problems";
    private static final String CLIENT_KEY = "kp-client-key-0123456789";
    private static final String ADMIN_KEY = "kp-admin-key-0123456789";

    @TempDir
    Path dir;

    private MockCluster cluster;
    private FleetStack stack;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        http.close();
    }

    @Test
    void aPodNoNodeTookAndAnImageThatCannotBePulledShowOnAdminAndTheDashboard() throws Exception {
        cluster = MockCluster.start(NS);
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server: {host: 127.0.0.1, port: 0, dataDir: data, adminKey: "%s"}
                endpoints:
                  - name: sdxl
                    clientKeys: ["%s"]
                    workerKeys: ["kp-worker-key-0123456789"]
                    minWorkers: 2
                    maxWorkers: 2
                workers:
                  provider: kubernetes
                  kubernetes:
                    namespace: %s
                    image: registry.example.com/comfyfleet/worker:typo
                    gatewayUrl: http://comfyfleet-gateway:8080
                    gpus: 1
                    cache: {type: none}
                    pendingLimit: 1s
                """.formatted(ADMIN_KEY, CLIENT_KEY, NS));
        UpConfig config = new UpConfigLoader(Map.<String, String>of()::get).load(file, dir);
        stack = FleetStack.start(config, Duration.ofHours(1), Clock.systemUTC());
        List<String> pods = await().atMost(Duration.ofSeconds(30)).until(
                () -> cluster.client().pods().inNamespace(NS).list().getItems().stream()
                        .map(p -> p.getMetadata().getName()).sorted().toList(), l -> l.size() == 2);
        String pending = pods.get(0);
        String broken = pods.get(1);
        cluster.client().pods().inNamespace(NS).withName(pending)
                .editStatus(KubernetesWorkerProblemsTest::unschedulable);
        cluster.client().pods().inNamespace(NS).withName(broken)
                .editStatus(KubernetesWorkerProblemsTest::imagePullBackOff);

        JsonNode admin = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/admin/endpoints/sdxl", ADMIN_KEY), a -> a.path("workerProblems").size() == 2
                        && a.path("workerProblems").toString().contains("still Pending"));
        List<String> problems = new ArrayList<>();
        admin.path("workerProblems").forEach(p -> problems.add(p.path("problem").asString()));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("pod " + pending, "still Pending",
                "Insufficient nvidia.com/gpu", "no GPU node came up"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("pod " + broken, "ImagePullBackOff",
                "registry.example.com/comfyfleet/worker:typo"));
        List<String> states = new ArrayList<>();
        admin.path("workerProblems").forEach(p -> states.add(p.path("state").asString()));
        assertThat(states).containsExactlyInAnyOrder("starting", "exited");

        JsonNode rows = get("/dashboard/api/overview", CLIENT_KEY).path("workers");
        List<String> shown = new ArrayList<>();
        rows.forEach(r -> shown.add(r.path("state").asString() + ": " + r.path("problem").asString("")));
        assertThat(shown).as(rows.toString()).hasSize(2)
                .anySatisfy(r -> assertThat(r).startsWith("starting: ").contains("still Pending"))
                .anySatisfy(r -> assertThat(r).startsWith("exited: ").contains("ImagePullBackOff"));
    }

    private static Pod unschedulable(Pod p) {
        return new PodBuilder(p).withNewStatus().withPhase("Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable")
                        .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").build())
                .endStatus().build();
    }

    private static Pod imagePullBackOff(Pod p) {
        String image = p.getSpec().getContainers().getFirst().getImage();
        return new PodBuilder(p).withNewStatus().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage(image)
                        .withNewState().withNewWaiting().withReason("ImagePullBackOff")
                        .withMessage("Back-off pulling image \"" + image + "\"").endWaiting().endState().build())
                .endStatus().build();
    }

    private JsonNode get(String path, String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + path))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JsonMapper.builder().build().readTree(r.body());
    }
}
