package io.comfyfleet.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.fleet.FleetConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class KubernetesConfigTest {
    private static final URI GATEWAY = URI.create("http://comfyfleet-gateway:8080");

    private static KubernetesConfig.Builder ok() {
        return KubernetesConfig.builder("registry.example.com/worker:1", GATEWAY);
    }

    private static void rejects(UnaryOperator<KubernetesConfig.Builder> change, String key, String says) {
        assertThatThrownBy(() -> change.apply(ok()).build()).isInstanceOf(FleetConfigException.class)
                .hasMessageContaining(says).extracting("key").isEqualTo(key);
    }

    @Test
    void defaultsAreUsable() {
        KubernetesConfig c = ok().build();
        assertThat(c.gpus()).isEqualTo(1);
        assertThat(c.gpuResource()).isEqualTo("nvidia.com/gpu");
        assertThat(c.maxPods()).isEqualTo(4);
        assertThat(c.pendingLimit()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.cacheType()).isEqualTo(KubernetesConfig.CacheType.EMPTY_DIR);
        assertThat(c.stopGrace()).isEqualTo(c.jobGrace());
        assertThat(c.keepPodsOnShutdown()).isFalse();
    }

    @Test
    void everyBadKeyIsNamed() {
        assertThatThrownBy(() -> KubernetesConfig.builder("Bad Image", GATEWAY).build())
                .isInstanceOf(FleetConfigException.class).extracting("key").isEqualTo("image");
        assertThatThrownBy(() -> KubernetesConfig.builder("worker:1", URI.create("ftp://x")).build())
                .isInstanceOf(FleetConfigException.class).extracting("key").isEqualTo("gatewayUrl");
        rejects(b -> b.namespace("Prod_NS"), "namespace", "'Prod_NS'");
        rejects(b -> b.fleet("-x"), "fleet", "label value");
        rejects(b -> b.gpus(-1), "gpus", "got -1");
        rejects(b -> b.maxPods(0), "maxPods", "1 or more");
        rejects(b -> b.pendingLimit(Duration.ZERO), "pendingLimit", "1 s or more");
        rejects(b -> b.tolerationsJson("{\"key\": \"x\"}"), "tolerations", "a list of tolerations");
        rejects(b -> b.affinityJson("[1]"), "affinity", "affinity object");
        rejects(b -> b.cache(KubernetesConfig.CacheType.HOST_PATH, null, "/cache"), "cache.hostPath", "absolute");
        rejects(b -> b.models("models", "/cache"), "cache.mountPath", "other than modelPath");
        rejects(b -> b.models("Models!", "/models"), "pvc", "PersistentVolumeClaim");
        rejects(b -> b.workerKeySecret("keys", ""), "workerKeySecret.key", "key of Secret 'keys'");
        rejects(b -> b.imagePullSecret("ok").imagePullSecret("Not OK"), "imagePullSecrets[1]", "Secret name");
        rejects(b -> b.nodeSelector("gpu", "a b"), "nodeSelector.gpu", "label value");
        rejects(b -> b.env("1X", "v"), "env", "'1X'");
    }

    @Test
    void tolerationsAndAffinityAreParsedFromTheirJson() {
        KubernetesConfig c = ok()
                .tolerationsJson("[{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"},{\"key\":\"spot\","
                        + "\"operator\":\"Equal\",\"value\":\"true\",\"effect\":\"NoSchedule\"}]")
                .affinityJson("{\"podAntiAffinity\":{}}")
                .build();
        assertThat(c.tolerations()).extracting("key").containsExactly("nvidia.com/gpu", "spot");
        assertThat(c.affinity().getPodAntiAffinity()).isNotNull();
    }
}
