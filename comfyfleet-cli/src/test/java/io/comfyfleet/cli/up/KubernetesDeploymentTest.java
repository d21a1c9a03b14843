package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.gateway.config.StoreSettings;
import io.comfyfleet.kubernetes.KubernetesConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * deploy/kubernetes renders offline with {@code kubectl kustomize} (Debian's kubernetes-client package) into what
 * a gateway needs, no more: the checks a reviewer would make by reading the manifests, and the ConfigMap's
 * comfyfleet.yaml loads with comfyfleet up's own loader and agrees with the manifests around it.
 */
class KubernetesDeploymentTest {
    private static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    private static List<JsonNode> objects;

    @TempDir
    Path dir;

    @BeforeAll
    static void render() throws Exception {
        assumeTrue(Files.isExecutable(KUBECTL), "kubectl is missing: apt-get install kubernetes-client");
        Path base = Path.of(System.getProperty("comfyfleet.repo.dir", "..")).resolve("deploy/kubernetes");
        Process p = new ProcessBuilder(KUBECTL.toString(), "kustomize", base.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        YAMLMapper yaml = YAMLMapper.builder().build();
        objects = new ArrayList<>();
        for (String doc : out.split("(?m)^---$")) {
            if (!doc.isBlank()) {
                objects.add(yaml.readTree(doc));
            }
        }
    }

    private static JsonNode only(String kind) {
        List<JsonNode> found = objects.stream().filter(o -> kind.equals(o.path("kind").asString())).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.getFirst();
    }

    @Test
    void rendersTheGatewayAndNothingElseInOneNamespace() {
        assertThat(objects).extracting(o -> o.path("kind").asString()).containsExactlyInAnyOrder("ServiceAccount",
                "Role", "RoleBinding", "ConfigMap", "Service", "Deployment", "PodDisruptionBudget");
        // Secrets are referenced, never shipped with values
        assertThat(objects).allSatisfy(o -> assertThat(o.path("metadata").path("namespace").asString())
                .isEqualTo("comfyfleet"));
    }

    @Test
    void theDeploymentRunsTwoProbedGatewaysWithKeysFromSecrets() {
        JsonNode d = only("Deployment");
        assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(2);
        JsonNode pod = d.path("spec").path("template").path("spec");
        assertThat(pod.path("serviceAccountName").asString())
                .isEqualTo(only("ServiceAccount").path("metadata").path("name").asString());
        JsonNode c = pod.path("containers").get(0);
        assertThat(c.path("image").asString()).isEqualTo("comfyfleet/gateway:0.1.0-SNAPSHOT");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo("/readyz");
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asString()).isEqualTo("/healthz");
        assertThat(c.path("resources").path("requests").path("memory").asString()).isNotEmpty();
        Set<String> secrets = new HashSet<>();
        c.path("env").forEach(e -> {
            if (e.has("valueFrom")) {
                secrets.add(e.path("valueFrom").path("secretKeyRef").path("name").asString());
            } else {
                assertThat(e.path("name").asString()).doesNotContain("KEY", "PASSWORD", "SECRET");
            }
        });
        assertThat(secrets).containsExactlyInAnyOrder("comfyfleet-keys", "comfyfleet-db");
        String configMap = only("ConfigMap").path("metadata").path("name").asString();
        assertThat(configMap).startsWith("comfyfleet-config-");
        assertThat(pod.path("volumes").findValuesAsString("name")).contains(configMap);
    }

    @Test
    void theRoleCoversPodsInItsNamespaceOnly() {
        JsonNode rules = only("Role").path("rules");
        assertThat(rules).hasSize(1);
        JsonNode rule = rules.get(0);
        assertThat(rule.path("apiGroups").get(0).asString()).isEmpty();
        assertThat(strings(rule.path("resources"))).containsExactly("pods");
        assertThat(strings(rule.path("verbs"))).containsExactlyInAnyOrder("get", "list", "watch", "create",
                "delete", "patch");
        JsonNode binding = only("RoleBinding");
        assertThat(binding.path("roleRef").path("kind").asString()).isEqualTo("Role");
        assertThat(binding.path("subjects").get(0).path("name").asString())
                .isEqualTo(only("ServiceAccount").path("metadata").path("name").asString());
    }

    @Test
    void theServiceAndTheDisruptionBudgetSelectTheGatewayPods() {
        JsonNode podLabels = only("Deployment").path("spec").path("template").path("metadata").path("labels");
        JsonNode service = only("Service").path("spec");
        JsonNode pdb = only("PodDisruptionBudget").path("spec");
        assertThat(matches(service.path("selector"), podLabels)).isTrue();
        assertThat(matches(pdb.path("selector").path("matchLabels"), podLabels)).isTrue();
        assertThat(pdb.path("minAvailable").asInt()).isEqualTo(1);
    }

    @Test
    void theConfigMapsYamlLoadsAndAgreesWithTheManifests() throws IOException {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, only("ConfigMap").path("data").path("comfyfleet.yaml").asString());
        Map<String, String> env = Map.of("COMFYFLEET_CLIENT_KEY", "client-key-0123456789",
                "COMFYFLEET_WORKER_KEY", "worker-key-0123456789", "COMFYFLEET_WEBHOOK_SECRET", "secret-0123456789",
                "COMFYFLEET_ADMIN_KEY", "admin-key-0123456789", "COMFYFLEET_DB_PASSWORD", "db-password");

        UpConfig config = new UpConfigLoader(env::get).load(file, dir);

        assertThat(config.generated()).isEmpty();
        assertThat(config.gateway().store().kind()).isEqualTo(StoreSettings.Kind.POSTGRES);
        assertThat(config.fleet().provider()).isEqualTo("kubernetes");
        KubernetesConfig k = config.fleet().kubernetes();
        JsonNode service = only("Service");
        assertThat(k.gatewayUrl().getHost()).isEqualTo(service.path("metadata").path("name").asString());
        assertThat(k.gatewayUrl().getPort()).isEqualTo(service.path("spec").path("ports").get(0).path("port").asInt());
        assertThat(config.gateway().server().port()).isEqualTo(only("Deployment").path("spec").path("template")
                .path("spec").path("containers").get(0).path("ports").get(0).path("containerPort").asInt());
        assertThat(k.workerKeySecret()).isEqualTo("comfyfleet-keys");
        // the gateway outlives its workers' grace on a stop, so their jobs are handed back before it exits
        assertThat(Duration.ofSeconds(only("Deployment").path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds").asLong())).isGreaterThanOrEqualTo(k.jobGrace());
    }

    /**
     * The gateways take every key from the Deployment's Secrets: a variable the ConfigMap names that the Deployment
     * does not set would be generated per pod into its emptyDir (a key each replica knows alone), and without
     * server.adminKey the admin API is off, so {@code comfyfleet rollout} (examples/ci) could never roll workers.
     */
    @Test
    void everyKeyTheConfigNamesComesFromTheDeploymentAndTheAdminApiIsOn() throws IOException {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, only("ConfigMap").path("data").path("comfyfleet.yaml").asString());
        Map<String, String> env = new java.util.HashMap<>();
        only("Deployment").path("spec").path("template").path("spec").path("containers").get(0).path("env")
                .forEach(e -> env.put(e.path("name").asString(), e.has("valueFrom")
                        ? "from-secret-" + e.path("valueFrom").path("secretKeyRef").path("key").asString()
                        : e.path("value").asString()));

        UpConfig config = new UpConfigLoader(env::get).load(file, dir);

        assertThat(config.generated()).as("variables the Deployment does not set").isEmpty();
        assertThat(config.gateway().adminKeys().size()).as("server.adminKey").isEqualTo(1);
        assertThat(config.gateway().adminKeys().accepts("from-secret-admin-key")).isTrue();
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        assertThat(selector.isObject() && !selector.isEmpty()).isTrue();
        return selector.properties().stream()
                .allMatch(e -> e.getValue().asString().equals(labels.path(e.getKey()).asString()));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out.stream().collect(Collectors.toList());
    }
}
