package io.comfyfleet.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the Kubernetes provider does beyond the contract: the pod it makes, the failure states, adoption. */
class KubernetesProviderTest {
    private static final java.util.concurrent.atomic.AtomicInteger NAMESPACES = new java.util.concurrent.atomic.AtomicInteger();
    /** One API server for the class (starting one is slow on a busy machine); a namespace per test keeps them apart. */
    private static MockCluster cluster;
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String IMAGE = "registry.example.com:5000/team/comfy-worker:2.1";

    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final String ns = "gpu-workers-" + NAMESPACES.incrementAndGet();
    private final List<KubernetesProvider> providers = new ArrayList<>();

    @org.junit.jupiter.api.BeforeAll
    static void startCluster() {
        cluster = new MockCluster();
    }

    @org.junit.jupiter.api.AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @AfterEach
    void close() {
        providers.forEach(KubernetesProvider::close);
    }

    private KubernetesConfig.Builder config() {
        return KubernetesConfig.builder(IMAGE, URI.create("http://comfyfleet-gateway.comfyfleet.svc:8080"))
                .namespace(ns)
                .stopGrace(Duration.ofSeconds(1));
    }

    private KubernetesProvider provider(KubernetesConfig config) {
        KubernetesProvider p = KubernetesProvider.start(cluster.client, config, clock);
        providers.add(p);
        return p;
    }

    private Pod pod(String name) {
        return cluster.client.pods().inNamespace(ns).withName(name).get();
    }

    @Test
    void thePodCarriesTheGpuPlacementVolumesKeyLabelsAndGrace() {
        KubernetesProvider p = provider(config()
                .fleet("prod")
                .gpus(2)
                .nodeSelector("cloud.google.com/gke-accelerator", "nvidia-l4")
                .tolerationsJson("[{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]")
                .affinityJson("{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
                        + "{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"gpu-memory\","
                        + "\"operator\":\"In\",\"values\":[\"24Gi\"]}]}]}}}")
                .models("comfy-models", "/models")
                .cache(KubernetesConfig.CacheType.HOST_PATH, "/var/cache/comfyfleet", "/cache")
                .workerKeySecret("comfyfleet-keys", "worker-key")
                .serviceAccount("comfyfleet-worker")
                .imagePullSecret("registry-login")
                .priorityClassName("comfyfleet-workers")
                .jobGrace(Duration.ofSeconds(120))
                .env("HF_HOME", "/cache/hf")
                .build());

        WorkerHandle h = p.start(new WorkerSpec("sdxl_turbo", "sdxl_turbo-1a2b3c4d"));

        assertThat(h.placement()).isEqualTo("comfyfleet-sdxl-turbo-1a2b3c4d-" + h.placement().substring(31));
        assertThat(h.version()).isEqualTo(IMAGE);
        Pod pod = pod(h.placement());
        assertThat(pod).isNotNull();
        assertThat(pod.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "comfyfleet")
                .containsEntry("comfyfleet.io/fleet", "prod")
                .containsEntry("comfyfleet.io/endpoint", "sdxl_turbo")
                .containsEntry("comfyfleet.io/worker", "sdxl_turbo-1a2b3c4d");
        String versionLabel = pod.getMetadata().getLabels().get("comfyfleet.io/version");
        assertThat(versionLabel).matches("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
                .startsWith("registry.example.com_5000_team_comfy-worker_2.1-");
        assertThat(pod.getMetadata().getAnnotations())
                .containsEntry("comfyfleet.io/version", IMAGE)
                .containsEntry("comfyfleet.io/worker-id", "sdxl_turbo-1a2b3c4d")
                .containsEntry("comfyfleet.io/endpoint", "sdxl_turbo");

        var spec = pod.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Never");
        assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(120L);
        assertThat(spec.getAutomountServiceAccountToken()).isFalse();
        assertThat(spec.getServiceAccountName()).isEqualTo("comfyfleet-worker");
        assertThat(spec.getPriorityClassName()).isEqualTo("comfyfleet-workers");
        assertThat(spec.getImagePullSecrets()).singleElement().extracting("name").isEqualTo("registry-login");
        assertThat(spec.getNodeSelector()).containsExactly(Map.entry("cloud.google.com/gke-accelerator", "nvidia-l4"));
        assertThat(spec.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms().getFirst().getMatchExpressions().getFirst().getValues())
                .containsExactly("24Gi");
        assertThat(spec.getVolumes()).hasSize(2);
        assertThat(spec.getVolumes().get(0).getPersistentVolumeClaim().getClaimName()).isEqualTo("comfy-models");
        assertThat(spec.getVolumes().get(1).getHostPath().getPath()).isEqualTo("/var/cache/comfyfleet");

        Container c = spec.getContainers().getFirst();
        assertThat(c.getImage()).isEqualTo(IMAGE);
        assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
        assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + "@" + m.getMountPath())
                .containsExactly("models@/models", "cache@/cache");
        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        String base = "http://comfyfleet-gateway.comfyfleet.svc:8080/v2/sdxl_turbo";
        assertThat(env.get("RUNPOD_WEBHOOK_GET_JOB").getValue()).isEqualTo(base
                + "/job-take/$ID?gpu=kubernetes&version=registry.example.com%3A5000%2Fteam%2Fcomfy-worker%3A2.1");
        assertThat(env.get("RUNPOD_WEBHOOK_POST_OUTPUT").getValue())
                .isEqualTo(base + "/job-done/$RUNPOD_POD_ID/$ID?gpu=kubernetes");
        assertThat(env.get("RUNPOD_POD_ID").getValue()).isEqualTo("sdxl_turbo-1a2b3c4d");
        assertThat(env.get("COMFYFLEET_WORKER_VERSION").getValue()).isEqualTo(IMAGE);
        assertThat(env.get("COMFYFLEET_DEVICE").getValue()).isEqualTo("cuda");
        assertThat(env.get("HF_HOME").getValue()).isEqualTo("/cache/hf");
        assertThat(env.get("COMFYFLEET_GATEWAY_SILENCE_LIMIT").getValue())
                .as("a pod whose gateway is gone for good stops itself after 5 minutes").isEqualTo("300");
        EnvVar key = env.get("RUNPOD_AI_API_KEY");
        assertThat(key.getValue()).isNull();
        assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("comfyfleet-keys");
        assertThat(key.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("worker-key");
    }

    @Test
    void anEndpointsImageWinsAndNoGpuMeansNoLimit() {
        KubernetesProvider p = provider(config().gpus(0).cache(KubernetesConfig.CacheType.NONE, null, null).build());

        WorkerHandle h = p.start(new WorkerSpec("ep", "w1", "registry.example.com/other:3"));

        Pod pod = pod(h.placement());
        assertThat(h.version()).isEqualTo("registry.example.com/other:3");
        assertThat(pod.getSpec().getContainers().getFirst().getImage()).isEqualTo("registry.example.com/other:3");
        assertThat(pod.getSpec().getContainers().getFirst().getResources().getLimits()).isNullOrEmpty();
        assertThat(pod.getSpec().getVolumes()).isNullOrEmpty();
        assertThat(pod.getSpec().getContainers().getFirst().getEnv()).extracting(EnvVar::getName)
                .doesNotContain("RUNPOD_AI_API_KEY");
    }

    @Test
    void anImageThatCannotBePulledEndsTheWorkerAsABrokenVersion() {
        KubernetesProvider p = provider(config().build());
        WorkerHandle h = p.start(new WorkerSpec("ep", "w1", "registry.example.com/typo:9"));

        cluster.status(ns, h.placement(), MockCluster::imagePullBackOff);

        FleetWorker w = await().atMost(WAIT).until(() -> p.list().getFirst(),
                x -> x.phase() == FleetWorker.Phase.EXITED);
        assertThat(w.exitCode()).isNull();
        assertThat(w.exitedAt()).isEqualTo(clock.instant());
        assertThat(p.problem("w1")).hasValueSatisfying(reason -> assertThat(reason)
                .contains(h.placement(), "registry.example.com/typo:9", "ImagePullBackOff", "version is broken"));
        // an exited pod holds no GPU: it does not count against maxPods
        assertThat(p.list()).hasSize(1);
    }

    @Test
    void aPodKilledOrNeverRunIsToldAsAnExitWithoutAWordAndAnErrorExitAsOneThatSaidWhy() {
        KubernetesProvider p = provider(config().build());
        List<io.comfyfleet.fleet.provider.WorkerExit> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
        p.onExit(exits::add);
        WorkerHandle oom = p.start(new WorkerSpec("ep", "w-oom"));
        WorkerHandle typo = p.start(new WorkerSpec("ep", "w-typo", "registry.example.com/typo:9"));
        WorkerHandle gaveUp = p.start(new WorkerSpec("ep", "w-3"));

        cluster.status(ns, oom.placement(), MockCluster::oomKilled);
        cluster.status(ns, typo.placement(), MockCluster::imagePullBackOff);
        cluster.status(ns, gaveUp.placement(), MockCluster::failedWith3);

        await().atMost(WAIT).until(() -> exits.size() == 3);
        var byWorker = exits.stream().collect(Collectors.toMap(io.comfyfleet.fleet.provider.WorkerExit::workerId,
                e -> e));
        assertThat(byWorker.get("w-oom").saidWhy()).isFalse();
        assertThat(byWorker.get("w-oom").exitCode()).isEqualTo(137);
        assertThat(byWorker.get("w-oom").description()).isEqualTo("pod " + oom.placement()
                + ": worker container ended with exit code 137 (OOMKilled)");
        assertThat(byWorker.get("w-typo").saidWhy()).isFalse();
        assertThat(byWorker.get("w-typo").exitCode()).isEqualTo(-1);
        assertThat(byWorker.get("w-typo").description()).contains("cannot be pulled", "ImagePullBackOff");
        // exit code 3: the worker's own giving up, whose reason its unhealthy ping carried
        assertThat(byWorker.get("w-3").saidWhy()).isTrue();
        assertThat(byWorker.get("w-3").exitCode()).isEqualTo(3);
        assertThat(byWorker.values()).allSatisfy(e -> assertThat(e.endpoint()).isEqualTo("ep"));
    }

    @Test
    void aPodPendingPastTheLimitIsReportedWithTheSchedulersReason() {
        KubernetesProvider p = provider(config().pendingLimit(Duration.ofMinutes(5)).build());
        WorkerHandle h = p.start(new WorkerSpec("ep", "w1"));
        cluster.status(ns, h.placement(), MockCluster::unschedulable);
        await().atMost(WAIT).until(() -> p.problem("w1").isPresent());

        clock.advance(Duration.ofMinutes(4));
        assertThat(p.problem("w1")).hasValueSatisfying(r -> assertThat(r).contains("not scheduled")
                .doesNotContain("still Pending"));

        clock.advance(Duration.ofMinutes(2));
        assertThat(p.problem("w1")).hasValueSatisfying(r -> assertThat(r)
                .contains("still Pending after 360 s", "pendingLimit 300 s", "Insufficient nvidia.com/gpu"));
        assertThat(p.list().getFirst().phase()).isEqualTo(FleetWorker.Phase.UP);

        cluster.status(ns, h.placement(), MockCluster::running);
        await().atMost(WAIT).until(() -> p.problem("w1").isEmpty());
    }

    @Test
    void podsOfAPreviousGatewayAreAdoptedAndOtherFleetsAreLeftAlone() throws Exception {
        cluster.kubelet(ns, MockCluster.Kubelet.RUNS);
        KubernetesProvider old = KubernetesProvider.start(cluster.client, config().keepPodsOnShutdown(true).build(),
                clock);
        WorkerHandle kept = old.start(new WorkerSpec("ep", "w1"));
        old.start(new WorkerSpec("ep", "w2", "registry.example.com/worker:7"));
        KubernetesProvider other = provider(config().fleet("staging").build());
        other.start(new WorkerSpec("ep", "s1"));
        await().atMost(WAIT).until(() -> "Running".equals(pod(kept.placement()).getStatus().getPhase()));
        old.close();
        assertThat(pod(kept.placement())).as("kept for the next gateway").isNotNull();

        clock.advance(Duration.ofMinutes(1));
        KubernetesProvider next = provider(config().maxPods(3).build());

        assertThat(next.list()).extracting(FleetWorker::handle).extracting(WorkerHandle::workerId,
                        WorkerHandle::endpoint, WorkerHandle::version, WorkerHandle::provider)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("w1", "ep", IMAGE, "kubernetes"),
                        org.assertj.core.groups.Tuple.tuple("w2", "ep", "registry.example.com/worker:7", "kubernetes"));
        assertThat(next.list()).allSatisfy(w -> assertThat(w.phase()).isEqualTo(FleetWorker.Phase.UP));
        // they hold their GPUs: one more fits in maxPods 3, not two
        next.start(new WorkerSpec("ep", "w3"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> next.start(new WorkerSpec("ep", "w4")))
                .isInstanceOf(io.comfyfleet.fleet.provider.NoCapacityException.class);

        next.stop(next.list().stream().filter(w -> w.workerId().equals("w1")).findFirst().orElseThrow().handle(),
                Duration.ofSeconds(1)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(pod(kept.placement())).isNull();
        assertThat(other.list()).extracting(FleetWorker::workerId).containsExactly("s1");
    }

    /**
     * A pod that had exited before this gateway started (its failure told by the gateway that ran it) is adopted as
     * exited, but not told again as a fresh exit: /health would name it as the endpoint's latest failure.
     */
    @Test
    void anAdoptedPodThatHadExitedBeforeThisGatewayStartedIsNotToldAsAFreshExit() throws Exception {
        KubernetesProvider old = KubernetesProvider.start(cluster.client, config().keepPodsOnShutdown(true).build(),
                clock);
        List<io.comfyfleet.fleet.provider.WorkerExit> oldExits = new java.util.concurrent.CopyOnWriteArrayList<>();
        old.onExit(oldExits::add);
        WorkerHandle crashed = old.start(new WorkerSpec("ep", "w1"));
        cluster.status(ns, crashed.placement(), MockCluster::oomKilled); // no finish time: the first list decides
        WorkerHandle gaveUp = old.start(new WorkerSpec("ep", "w0"));
        String finished = clock.instant().toString();
        cluster.status(ns, gaveUp.placement(), p -> new io.fabric8.kubernetes.api.model.PodBuilder(
                MockCluster.failedWith3(p)).editStatus().editContainerStatus(0).editState().editTerminated()
                .withFinishedAt(finished).endTerminated().endState().endContainerStatus().endStatus().build());
        await().atMost(WAIT).until(() -> oldExits.size() == 2);
        old.close();

        clock.advance(Duration.ofMinutes(10));
        List<io.comfyfleet.fleet.provider.WorkerExit> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
        KubernetesProvider next = provider(config().build());
        next.onExit(exits::add);
        WorkerHandle later = next.start(new WorkerSpec("ep", "w2"));
        cluster.status(ns, later.placement(), MockCluster::failedWith3);

        await().atMost(WAIT).until(() -> !exits.isEmpty());
        Thread.sleep(500); // an informer event for w1 after w2's would be told by now
        assertThat(exits).extracting(io.comfyfleet.fleet.provider.WorkerExit::workerId).containsExactly("w2");
        assertThat(next.list()).filteredOn(w -> !w.workerId().equals("w2")).hasSize(2)
                .allSatisfy(w -> assertThat(w.phase()).as("adopted as exited").isEqualTo(FleetWorker.Phase.EXITED));
        assertThat(next.problem("w1")).hasValueSatisfying(p -> assertThat(p).contains("137"));
    }

    @Test
    void aPodDeletedBySomeoneElseLeavesTheList() {
        KubernetesProvider p = provider(config().build());
        WorkerHandle h = p.start(new WorkerSpec("ep", "w1"));
        await().atMost(WAIT).until(() -> pod(h.placement()) != null);

        cluster.client.pods().inNamespace(ns).withName(h.placement()).delete();

        await().atMost(WAIT).until(() -> p.list().isEmpty());
    }

    @Test
    void closeDeletesThePodsUnlessTheyAreKept() {
        KubernetesProvider p = KubernetesProvider.start(cluster.client, config().build(), clock);
        WorkerHandle h = p.start(new WorkerSpec("ep", "w1"));
        await().atMost(WAIT).until(() -> pod(h.placement()) != null);

        p.close();

        assertThat(pod(h.placement())).isNull();
        assertThat(p.list()).isEmpty();
    }

    @Test
    void aStatusWithAMissingSecretIsAProblemButNotAnExit() {
        KubernetesProvider p = provider(config().workerKeySecret("missing", "worker-key").build());
        WorkerHandle h = p.start(new WorkerSpec("ep", "w1"));

        cluster.status(ns, h.placement(), pod -> new PodBuilder(pod).withNewStatus().withPhase("Pending")
                .addNewContainerStatus().withName("worker").withImage(IMAGE).withNewState().withNewWaiting()
                .withReason("CreateContainerConfigError").withMessage("secret \"missing\" not found").endWaiting()
                .endState().endContainerStatus().endStatus().build());

        await().atMost(WAIT).until(() -> p.problem("w1").isPresent());
        assertThat(p.problem("w1").orElseThrow()).contains("CreateContainerConfigError", "secret \"missing\"");
        assertThat(p.list().getFirst().phase()).isEqualTo(FleetWorker.Phase.UP);
    }
}
