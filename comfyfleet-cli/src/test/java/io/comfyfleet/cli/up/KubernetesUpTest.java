package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.FreePorts;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code comfyfleet up} with {@code workers.provider: kubernetes} from its YAML to a finished job: the gateway's
 * autoscaler creates a pod in fabric8's mock API server, and a stand-in kubelet runs that pod as a real
 * {@code comfyfleet worker} process (with the emulator as its ComfyUI) from nothing but the pod's environment,
 * its worker key read from the Secret the pod names, and the Service name resolved as cluster DNS would. Idle, the
 * worker's pod is deleted and the kubelet stops its process.
 */
class KubernetesUpTest {
    private static final String NS = "fleet-e2e";
    private static final String CLIENT_KEY = "k8s-client-key-0123456789";
    private static final String WORKER_KEY = "k8s-worker-key-0123456789";
    private static final String SERVICE = "http://comfyfleet-gateway:8080";
    private static final String WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":3}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"k8s"}}}}}""";

    @TempDir
    Path dir;

    private MockCluster cluster;
    private FleetStack stack;
    private Watch kubeletWatch;
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final ExecutorService kubelet = Executors.newSingleThreadExecutor();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
        if (kubeletWatch != null) {
            kubeletWatch.close();
        }
        kubelet.shutdownNow();
        running.values().forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
        if (cluster != null) {
            cluster.close();
        }
        http.close();
    }

    @Test
    void aJobRunsOnAPodStartedByTheAutoscalerAndTheIdlePodIsDeleted() throws Exception {
        cluster = MockCluster.start(NS).withWorkerKeySecret("comfyfleet-keys", "worker-key", WORKER_KEY);
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server: {host: 127.0.0.1, port: 0, dataDir: data}
                endpoints:
                  - name: sdxl
                    clientKeys: ["${COMFYFLEET_CLIENT_KEY}"]
                    workerKeys: ["${COMFYFLEET_WORKER_KEY}"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 2s
                    scaler: {type: QUEUE_DELAY, value: 1}
                workers:
                  provider: kubernetes
                  jobGrace: 5s
                  kubernetes:
                    namespace: %s
                    image: registry.example.com/comfyfleet/worker:e2e
                    gatewayUrl: %s
                    workerKeySecret: {name: comfyfleet-keys, key: worker-key}
                    gpus: 0
                    cache: {type: none}
                    maxPods: 2
                """.formatted(NS, SERVICE));
        UpConfig config = new UpConfigLoader(Map.of("COMFYFLEET_CLIENT_KEY", CLIENT_KEY,
                "COMFYFLEET_WORKER_KEY", WORKER_KEY)::get).load(file, dir);
        stack = FleetStack.start(config, Duration.ofMillis(200), Clock.systemUTC());
        // zero time: the emulator's default copies an H100 ComfyUI's 13.7 s start, which this test does not look at
        FleetSettings emulatorWorkers = config.fleet()
                .with(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time")));
        List<String> command = WorkerCommandLine.build(emulatorWorkers, dir.resolve("data"));
        kubeletWatch = cluster.client().pods().inNamespace(NS).watch(new Kubelet(command));
        String base = "http://127.0.0.1:" + stack.port();

        String id = post(base + "/v2/sdxl/run", WORKFLOW).path("id").asString();
        JsonNode done = await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                .until(() -> get(base + "/v2/sdxl/status/" + id), s -> !failures.isEmpty() || s.path("status")
                        .asString().matches("COMPLETED|FAILED|CANCELLED|TIMED_OUT"));

        assertThat(failures).as("the kubelet's failures").isEmpty();
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(done.path("output").path("images")).isNotEmpty();
        assertThat(running).as("one worker pod ran").hasSize(1);
        Pod pod = cluster.client().pods().inNamespace(NS).withName(running.keySet().iterator().next()).get();
        assertThat(pod.getMetadata().getLabels()).containsEntry("comfyfleet.io/endpoint", "sdxl");

        // idle past 2 s: the autoscaler deletes the pod, and the kubelet's process ends
        await().atMost(Duration.ofSeconds(60))
                .until(() -> cluster.client().pods().inNamespace(NS).list().getItems().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> running.values().stream().noneMatch(Process::isAlive));
    }

    private JsonNode post(String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonMapper.builder().build().readTree(r.body());
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JsonMapper.builder().build().readTree(r.body());
    }

    /**
     * Runs each new pod as a {@code comfyfleet worker} process, as a node would run its container: the pod's
     * environment (values, the pod name, the Secret's key), the Service URL as cluster DNS resolves it, status
     * Running then Failed/Succeeded with the exit code; a deleted pod's process gets SIGTERM.
     */
    private final class Kubelet implements Watcher<Pod> {
        private final List<String> command;

        Kubelet(List<String> command) {
            this.command = command;
        }

        @Override
        public void eventReceived(Action action, Pod pod) {
            String name = pod.getMetadata().getName();
            if (action == Action.ADDED) {
                kubelet.execute(() -> {
                    try {
                        run(pod);
                    } catch (RuntimeException | AssertionError e) {
                        failures.add(e);
                    }
                });
            } else if (action == Action.DELETED) {
                Process p = running.get(name);
                if (p != null) {
                    p.toHandle().destroy(); // SIGTERM: the worker hands back or finishes its job, stops its ComfyUI
                }
            }
        }

        private void run(Pod pod) {
            String name = pod.getMetadata().getName();
            Map<String, String> env = new HashMap<>();
            for (EnvVar e : pod.getSpec().getContainers().getFirst().getEnv()) {
                if (e.getValue() != null) {
                    env.put(e.getName(), e.getValue().replace(SERVICE, "http://127.0.0.1:" + stack.port()));
                } else if (e.getValueFrom().getSecretKeyRef() != null) {
                    var ref = e.getValueFrom().getSecretKeyRef();
                    String b64 = cluster.client().secrets().inNamespace(NS).withName(ref.getName()).get().getData()
                            .get(ref.getKey());
                    env.put(e.getName(), new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8));
                } else if (e.getValueFrom().getFieldRef() != null) {
                    env.put(e.getName(), name);
                }
            }
            List<String> cmd = new ArrayList<>();
            String comfyPort = Integer.toString(FreePorts.one());
            for (String word : command) {
                // the local provider's placeholders, filled as it fills them (the pod's worker reports to this JVM)
                cmd.add(word.replace("{workerId}", env.get("RUNPOD_POD_ID")).replace("{port}", comfyPort)
                        .replace("{providerPid}", Long.toString(ProcessHandle.current().pid())));
            }
            try {
                // under target/, not the temp folder: kept for reading when this test fails
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(Path.of("target", "kubelet-" + name + ".log").toFile());
                pb.environment().keySet().removeIf(k -> k.startsWith("COMFYFLEET_") || k.startsWith("RUNPOD_"));
                pb.environment().putAll(env);
                Process p = pb.start();
                running.put(name, p);
                status(name, "Running", null);
                p.onExit().thenAccept(done -> status(name, done.exitValue() == 0 ? "Succeeded" : "Failed",
                        done.exitValue()));
            } catch (IOException e) {
                throw new AssertionError("the kubelet could not run pod " + name, e);
            }
        }

        private void status(String name, String phase, Integer exitCode) {
            try {
                cluster.client().pods().inNamespace(NS).withName(name).editStatus(p -> {
                    var state = new ContainerStatusBuilder().withName("worker").withNewState();
                    var status = exitCode == null ? state.withNewRunning().endRunning().endState().build()
                            : state.withNewTerminated().withExitCode(exitCode).endTerminated().endState().build();
                    return new PodBuilder(p).withNewStatus().withPhase(phase).withContainerStatuses(status)
                            .endStatus().build();
                });
            } catch (RuntimeException e) {
                // the pod is gone already: nothing to report, as with a real kubelet
            }
        }

        @Override
        public void onClose(WatcherException cause) {}
    }
}
