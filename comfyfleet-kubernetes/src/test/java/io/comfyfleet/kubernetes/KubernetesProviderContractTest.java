package io.comfyfleet.kubernetes;

import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerProviderContract;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Kubernetes provider passes the provider contract against fabric8's mock API server; a stand-in kubelet makes
 * each new pod run, or fail at once with exit code 3, as a node would report it. Each provider gets a namespace of
 * its own, so they never see each other's pods.
 */
class KubernetesProviderContractTest extends WorkerProviderContract {
    private static MockCluster cluster;
    private static final AtomicInteger namespaces = new AtomicInteger();

    @BeforeAll
    static void startCluster() {
        cluster = new MockCluster();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected WorkerProvider newProvider(Behaviour behaviour, int capacity, Clock clock) {
        String namespace = "contract-" + namespaces.incrementAndGet();
        cluster.kubelet(namespace, behaviour == Behaviour.RUNS_UNTIL_STOPPED ? MockCluster.Kubelet.RUNS
                : MockCluster.Kubelet.EXITS_WITH_3);
        KubernetesConfig config = KubernetesConfig.builder("registry.example.com/comfyfleet/worker:1.0",
                        URI.create("http://comfyfleet-gateway:8080"))
                .namespace(namespace)
                .maxPods(capacity)
                .stopGrace(Duration.ofSeconds(1))
                .build();
        return KubernetesProvider.start(cluster.client, config, clock);
    }
}
