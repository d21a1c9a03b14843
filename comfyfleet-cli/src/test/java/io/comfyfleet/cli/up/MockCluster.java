package io.comfyfleet.cli.up;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * fabric8's mock Kubernetes API server on loopback, with a client for the test. FleetStack's Kubernetes provider
 * reads no kubeconfig: it finds the cluster through fabric8's system properties, so these point at this server
 * (and the given namespace) while it runs; closing puts them back as they were.
 */
final class MockCluster implements AutoCloseable {
    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
            new HashMap<>(), new KubernetesCrudDispatcher(), false);
    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> saved = new HashMap<>();

    private MockCluster(String namespace) {
        this.namespace = namespace;
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient(new JdkHttpClientFactory());
        Map.of("kubernetes.master", client.getMasterUrl().toString(), "kubernetes.auth.tryKubeConfig", "false",
                "kubernetes.auth.tryServiceAccount", "false", "kubernetes.namespace", namespace).forEach((k, v) -> {
                    saved.put(k, System.getProperty(k));
                    System.setProperty(k, v);
                });
    }

    /** Starts the server and points fabric8 at it, with {@code namespace} as the default namespace. */
    static MockCluster start(String namespace) {
        return new MockCluster(namespace);
    }

    KubernetesClient client() {
        return client;
    }

    /** Creates the Secret worker pods read their worker key from ({@code workerKeySecret} in the YAML). */
    MockCluster withWorkerKeySecret(String name, String key, String workerKey) {
        client.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata()
                .withName(name).endMetadata().addToData(key, Base64.getEncoder().encodeToString(
                        workerKey.getBytes(StandardCharsets.UTF_8))).build()).create();
        return this;
    }

    @Override
    public void close() {
        try {
            client.close();
            server.destroy();
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }
}
