package io.comfyfleet.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * fabric8's in-process API server in CRUD mode (it keeps objects, serves watches and status patches) on a loopback
 * port of its own, and a stand-in kubelet: no cluster is reachable in tests, and the provider must be proven against
 * real list/watch semantics rather than a stub of its own calls.
 */
final class MockCluster implements AutoCloseable {
    /** What the stand-in kubelet does with each new pod, as a real node would report it. */
    enum Kubelet {
        /** Nothing: the pod stays Pending (no node took it). */
        NONE,
        /** The worker container runs. */
        RUNS,
        /** The worker container exits at once with code 3; the pod Failed. */
        EXITS_WITH_3
    }

    final KubernetesMockServer server;
    final KubernetesClient client;
    private final List<Watch> watches = new ArrayList<>();
    private final ExecutorService kubeletThread = Executors.newSingleThreadExecutor();

    MockCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient(new JdkHttpClientFactory());
    }

    /** Starts a kubelet for the pods of {@code namespace}. */
    void kubelet(String namespace, Kubelet kubelet) {
        if (kubelet == Kubelet.NONE) {
            return;
        }
        watches.add(client.pods().inNamespace(namespace).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED) {
                    // off the watch's thread: a status patch is a blocking call
                    kubeletThread.execute(() -> {
                        try {
                            status(namespace, pod.getMetadata().getName(),
                                    kubelet == Kubelet.RUNS ? MockCluster::running : MockCluster::failedWith3);
                        } catch (RuntimeException e) {
                            // deleted in the meantime: as with a real kubelet, nothing to report
                        }
                    });
                }
            }

            @Override
            public void onClose(WatcherException cause) {}
        }));
    }

    /** Sets a pod's status as the kubelet or scheduler would. */
    Pod status(String namespace, String pod, UnaryOperator<Pod> change) {
        return client.pods().inNamespace(namespace).withName(pod).editStatus(change);
    }

    static Pod running(Pod p) {
        return new PodBuilder(p).withNewStatus().withPhase("Running")
                .withContainerStatuses(new ContainerStatusBuilder().withName(WorkerPods.CONTAINER)
                        .withImage(p.getSpec().getContainers().getFirst().getImage())
                        .withNewState().withNewRunning().withStartedAt("2026-01-01T00:00:00Z").endRunning().endState()
                        .build())
                .endStatus().build();
    }

    static Pod failedWith3(Pod p) {
        return new PodBuilder(p).withNewStatus().withPhase("Failed")
                .withContainerStatuses(new ContainerStatusBuilder().withName(WorkerPods.CONTAINER)
                        .withImage(p.getSpec().getContainers().getFirst().getImage())
                        .withNewState().withNewTerminated().withExitCode(3).withReason("Error").endTerminated()
                        .endState().build())
                .endStatus().build();
    }

    /** As the kernel's out-of-memory killer ends the worker container: exit code 137, reason OOMKilled. */
    static Pod oomKilled(Pod p) {
        return new PodBuilder(p).withNewStatus().withPhase("Running")
                .withContainerStatuses(new ContainerStatusBuilder().withName(WorkerPods.CONTAINER)
                        .withImage(p.getSpec().getContainers().getFirst().getImage())
                        .withNewState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated()
                        .endState().build())
                .endStatus().build();
    }

    static Pod imagePullBackOff(Pod p) {
        return new PodBuilder(p).withNewStatus().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName(WorkerPods.CONTAINER)
                        .withImage(p.getSpec().getContainers().getFirst().getImage())
                        .withNewState().withNewWaiting().withReason("ImagePullBackOff")
                        .withMessage("Back-off pulling image \"" + p.getSpec().getContainers().getFirst().getImage()
                                + "\"").endWaiting().endState().build())
                .endStatus().build();
    }

    static Pod unschedulable(Pod p) {
        return new PodBuilder(p).withNewStatus().withPhase("Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable")
                        .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").build())
                .endStatus().build();
    }

    @Override
    public void close() {
        watches.forEach(Watch::close);
        kubeletThread.shutdownNow();
        client.close();
        server.destroy();
    }
}
