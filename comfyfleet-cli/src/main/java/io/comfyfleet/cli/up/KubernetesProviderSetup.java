package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.FleetConfigException;
import io.comfyfleet.gateway.config.Durations;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.kubernetes.KubernetesConfig;
import io.comfyfleet.kubernetes.KubernetesProvider;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import tools.jackson.databind.JsonNode;

/**
 * {@code workers.provider: kubernetes}: reads the {@code workers.kubernetes:} section into a
 * {@link KubernetesConfig} (every problem named by its key, like {@code workers.kubernetes.maxPods: ...}) and starts
 * the {@link KubernetesProvider} on the cluster the gateway runs in. See docs/kubernetes.md for every key.
 */
final class KubernetesProviderSetup {
    private static final String PREFIX = "workers.kubernetes.";
    private static final Set<String> KEYS = Set.of("namespace", "fleet", "image", "gatewayUrl", "workerKeySecret",
            "gpus", "gpuResource", "nodeSelector", "tolerations", "affinity", "pvc", "modelPath", "cache", "maxPods",
            "pendingLimit", "serviceAccount", "imagePullSecrets", "priorityClassName", "env", "keepPodsOnShutdown");

    private final List<String> problems;

    KubernetesProviderSetup(List<String> problems) {
        this.problems = problems;
    }

    /**
     * @param section  {@code workers.kubernetes}
     * @param podGrace how long a stopped pod may take: the job grace and the worker's time to hand back and exit
     * @return the checked configuration, or null when there were problems (added to the list)
     */
    KubernetesConfig parse(JsonNode section, Duration podGrace) {
        if (section == null || section.isMissingNode() || section.isNull() || !section.isObject()) {
            problems.add("workers.kubernetes: provider kubernetes needs this section, at least image and gatewayUrl"
                    + " (see docs/kubernetes.md)");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> it = section.propertyNames().iterator(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                problems.add(PREFIX + key + ": unknown key; known keys are " + KEYS.stream().sorted().toList());
            }
        }
        KubernetesConfig.Builder b = KubernetesConfig.builder(text(section, "image"),
                section.hasNonNull("gatewayUrl") ? uri(section.get("gatewayUrl")) : null);
        b.namespace(text(section, "namespace")).jobGrace(podGrace).stopGrace(podGrace);
        ifText(section, "fleet", b::fleet);
        JsonNode key = section.path("workerKeySecret");
        if (!key.isMissingNode() && !key.isNull()) {
            if (!key.isObject()) {
                problems.add(PREFIX + "workerKeySecret: must be a mapping {name: SECRET, key: KEY}, got " + key);
            } else {
                b.workerKeySecret(text(key, "name", "workerKeySecret."),
                        key.hasNonNull("key") ? text(key, "key", "workerKeySecret.") : "worker-key");
            }
        }
        ifInt(section, "gpus", b::gpus);
        ifText(section, "gpuResource", b::gpuResource);
        map(section, "nodeSelector", b::nodeSelector);
        if (section.hasNonNull("tolerations")) {
            b.tolerationsJson(section.get("tolerations").toString());
        }
        if (section.hasNonNull("affinity")) {
            b.affinityJson(section.get("affinity").toString());
        }
        String pvc = text(section, "pvc");
        String modelPath = section.hasNonNull("modelPath") ? text(section, "modelPath") : "/models";
        b.models(pvc, modelPath);
        cache(section.path("cache"), b);
        ifInt(section, "maxPods", b::maxPods);
        if (section.hasNonNull("pendingLimit")) {
            Duration d = Durations.parse(section.get("pendingLimit").asString(""));
            if (d == null) {
                problems.add(PREFIX + "pendingLimit: must be a duration like " + Durations.EXAMPLES + ", got "
                        + section.get("pendingLimit"));
            } else {
                b.pendingLimit(d);
            }
        }
        ifText(section, "serviceAccount", b::serviceAccount);
        JsonNode pulls = section.path("imagePullSecrets");
        if (!pulls.isMissingNode() && !pulls.isNull()) {
            if (!pulls.isArray()) {
                problems.add(PREFIX + "imagePullSecrets: must be a list of Secret names, got " + pulls);
            } else {
                pulls.forEach(p -> b.imagePullSecret(p.isString() ? p.asString() : p.toString()));
            }
        }
        ifText(section, "priorityClassName", b::priorityClassName);
        map(section, "env", b::env);
        if (section.hasNonNull("keepPodsOnShutdown")) {
            JsonNode keep = section.get("keepPodsOnShutdown");
            if (!keep.isBoolean()) {
                problems.add(PREFIX + "keepPodsOnShutdown: must be true or false, got " + keep);
            } else {
                b.keepPodsOnShutdown(keep.asBoolean());
            }
        }
        if (problems.size() > before) {
            return null;
        }
        try {
            return b.build();
        } catch (FleetConfigException e) {
            String own = "fleet setting '" + e.key() + "' ";
            String message = e.getMessage().startsWith(own) ? e.getMessage().substring(own.length()) : e.getMessage();
            problems.add(PREFIX + e.key() + ": " + message);
            return null;
        }
    }

    /** Connects to the cluster and adopts the pods a previous gateway left (see {@link KubernetesProvider}). */
    static WorkerProvider start(KubernetesConfig config, Clock clock) {
        return KubernetesProvider.connect(config, clock);
    }

    /** One line for the startup report. */
    static String describe(KubernetesConfig c) {
        return "kubernetes namespace " + (c.namespace() == null ? "(the gateway's)" : c.namespace()) + ", fleet "
                + c.fleet() + ", image " + c.image() + ", " + c.gpus() + " x " + c.gpuResource() + " per pod, at most "
                + c.maxPods() + " pods, workers reach the gateway at " + c.gatewayUrl();
    }

    private void cache(JsonNode c, KubernetesConfig.Builder b) {
        if (c.isMissingNode() || c.isNull()) {
            return;
        }
        if (!c.isObject()) {
            problems.add(PREFIX + "cache: must be a mapping {type: hostPath|emptyDir|none, hostPath, mountPath}");
            return;
        }
        String type = c.hasNonNull("type") ? text(c, "type", "cache.") : "emptyDir";
        KubernetesConfig.CacheType t = switch (type == null ? "" : type.toLowerCase(Locale.ROOT)) {
            case "hostpath" -> KubernetesConfig.CacheType.HOST_PATH;
            case "emptydir" -> KubernetesConfig.CacheType.EMPTY_DIR;
            case "none" -> KubernetesConfig.CacheType.NONE;
            default -> {
                problems.add(PREFIX + "cache.type: must be hostPath, emptyDir or none, got " + c.get("type"));
                yield KubernetesConfig.CacheType.NONE;
            }
        };
        b.cache(t, text(c, "hostPath", "cache."), c.hasNonNull("mountPath") ? text(c, "mountPath", "cache.") : "/cache");
    }

    private URI uri(JsonNode v) {
        try {
            return URI.create(v.asString(""));
        } catch (IllegalArgumentException e) {
            problems.add(PREFIX + "gatewayUrl: not a URL: " + v);
            return null;
        }
    }

    private String text(JsonNode node, String key) {
        return text(node, key, "");
    }

    private String text(JsonNode node, String key, String within) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            problems.add(PREFIX + within + key + ": must be text, got " + v);
            return null;
        }
        return v.asString();
    }

    private void ifText(JsonNode node, String key, java.util.function.Consumer<String> to) {
        String v = text(node, key);
        if (v != null) {
            to.accept(v);
        }
    }

    private void ifInt(JsonNode node, String key, java.util.function.IntConsumer to) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return;
        }
        if (!v.isIntegralNumber()) {
            problems.add(PREFIX + key + ": must be a whole number, got " + v);
            return;
        }
        to.accept(v.asInt());
    }

    private void map(JsonNode node, String key, BiConsumer<String, String> to) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            problems.add(PREFIX + key + ": must be a mapping of names to text, got " + v);
            return;
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                problems.add(PREFIX + key + "." + e.getKey() + ": must be text, got " + e.getValue());
            } else {
                to.accept(e.getKey(), e.getValue().asString());
            }
        }
    }
}
