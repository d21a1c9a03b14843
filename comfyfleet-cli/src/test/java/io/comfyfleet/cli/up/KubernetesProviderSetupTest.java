package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.kubernetes.KubernetesConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code workers.provider: kubernetes} and its {@code workers.kubernetes:} section, read by {@code comfyfleet up}. */
class KubernetesProviderSetupTest {
    private static final String ENDPOINTS = """
            endpoints:
              - name: sdxl
                clientKeys: ["client-key-0123456789"]
                workerKeys: ["${COMFYFLEET_WORKER_KEY}"]
                minWorkers: 0
                maxWorkers: 4
            """;

    @TempDir
    Path dir;

    private UpConfig load(String workers) throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, ENDPOINTS + workers);
        return new UpConfigLoader(Map.of("COMFYFLEET_WORKER_KEY", "worker-key-0123456789")::get).load(file, dir);
    }

    @Test
    void theSectionBecomesTheProvidersConfiguration() throws Exception {
        UpConfig config = load("""
                workers:
                  provider: kubernetes
                  jobGrace: 50s
                  kubernetes:
                    namespace: comfyfleet
                    fleet: prod
                    image: registry.example.com/comfyfleet/worker:1.4
                    gatewayUrl: http://comfyfleet-gateway.comfyfleet.svc:8080
                    workerKeySecret: {name: comfyfleet-keys, key: worker-key}
                    gpus: 1
                    nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}
                    tolerations:
                      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                    affinity:
                      nodeAffinity:
                        requiredDuringSchedulingIgnoredDuringExecution:
                          nodeSelectorTerms:
                            - matchExpressions: [{key: gpu, operator: In, values: ["l4"]}]
                    pvc: comfy-models
                    modelPath: /models
                    cache: {type: hostPath, hostPath: /var/cache/comfyfleet, mountPath: /cache}
                    maxPods: 8
                    pendingLimit: 1d
                    serviceAccount: comfyfleet-worker
                    imagePullSecrets: [registry-login]
                    priorityClassName: comfyfleet-workers
                    env: {HF_HOME: /cache/hf}
                    keepPodsOnShutdown: true
                """);

        KubernetesConfig k = config.fleet().kubernetes();
        assertThat(config.fleet().provider()).isEqualTo("kubernetes");
        assertThat(k.namespace()).isEqualTo("comfyfleet");
        assertThat(k.fleet()).isEqualTo("prod");
        assertThat(k.image()).isEqualTo("registry.example.com/comfyfleet/worker:1.4");
        assertThat(k.gatewayUrl()).hasToString("http://comfyfleet-gateway.comfyfleet.svc:8080");
        assertThat(k.workerKeySecret()).isEqualTo("comfyfleet-keys");
        assertThat(k.nodeSelector()).containsEntry("cloud.google.com/gke-accelerator", "nvidia-l4");
        assertThat(k.modelClaim()).isEqualTo("comfy-models");
        assertThat(k.cacheType()).isEqualTo(KubernetesConfig.CacheType.HOST_PATH);
        assertThat(k.maxPods()).isEqualTo(8);
        assertThat(k.pendingLimit()).isEqualTo(Duration.ofDays(1));
        assertThat(k.imagePullSecrets()).containsExactly("registry-login");
        assertThat(k.env()).containsEntry("HF_HOME", "/cache/hf");
        assertThat(k.keepPodsOnShutdown()).isTrue();
        // the job grace and the worker's time to hand its job back and exit
        assertThat(k.jobGrace()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void everyBadKeyIsNamed() {
        assertThatThrownBy(() -> load("""
                workers:
                  provider: kubernetes
                  kubernetes:
                    image: registry.example.com/worker:1
                    gatewayUrl: http://gw:8080
                    gpus: two
                    nodeSelector: [gpu]
                    cache: {type: nfs}
                    pendingLimit: soon
                    replicas: 3
                """)).isInstanceOf(ConfigException.class).satisfies(e -> assertThat(((ConfigException) e).problems())
                .anyMatch(p -> p.startsWith("workers.kubernetes.gpus: must be a whole number"))
                .anyMatch(p -> p.startsWith("workers.kubernetes.nodeSelector: must be a mapping"))
                .anyMatch(p -> p.startsWith("workers.kubernetes.cache.type: must be hostPath, emptyDir or none"))
                .anyMatch(p -> p.startsWith("workers.kubernetes.pendingLimit: must be a duration"))
                .anyMatch(p -> p.startsWith("workers.kubernetes.replicas: unknown key")));

        assertThatThrownBy(() -> load("""
                workers:
                  provider: kubernetes
                  kubernetes:
                    image: registry.example.com/worker:1
                    gatewayUrl: http://gw:8080
                    maxPods: 0
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("workers.kubernetes.maxPods: must be 1 or more, got 0");

        assertThatThrownBy(() -> load("""
                workers:
                  provider: kubernetes
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("workers.kubernetes: provider kubernetes needs this section");

        assertThatThrownBy(() -> load("""
                workers:
                  provider: nomad
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("workers.provider: must be local (workers as processes on this machine),"
                        + " container (workers as containers, see workers.container) or kubernetes (workers as pods)");
    }

    @Test
    void theLocalProviderIgnoresTheSection() throws Exception {
        UpConfig config = load("""
                workers:
                  provider: local
                  kubernetes: {image: registry.example.com/worker:1}
                """);
        assertThat(config.fleet().kubernetes()).isNull();
    }
}
