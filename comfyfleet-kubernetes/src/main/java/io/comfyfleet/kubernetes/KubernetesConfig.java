package io.comfyfleet.kubernetes;

import io.comfyfleet.fleet.FleetConfigException;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How {@link KubernetesProvider} makes worker pods. Build with {@link #builder}; {@link Builder#build()} checks every
 * key and names the first bad one (as in {@code comfyfleet.yaml} under {@code workers.kubernetes:}), after which it is
 * immutable. Tolerations and affinity are given as the JSON of their Kubernetes objects (the YAML section, converted)
 * so that nothing outside this module sees fabric8's types.
 */
public final class KubernetesConfig {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9][A-Za-z0-9._:/@+-]{0,254}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    /** Where the node-local cache lives. */
    public enum CacheType {
        /** A folder on the node ({@code cache.hostPath}), kept across pods: downloaded models stay warm. */
        HOST_PATH,
        /** A scratch folder that lives as long as the pod. */
        EMPTY_DIR,
        /** No cache volume. */
        NONE
    }

    private final String namespace;
    private final String fleet;
    private final String image;
    private final URI gatewayUrl;
    private final String workerKeySecret;
    private final String workerKeySecretKey;
    private final int gpus;
    private final String gpuResource;
    private final Map<String, String> nodeSelector;
    private final List<Toleration> tolerations;
    private final Affinity affinity;
    private final String modelClaim;
    private final String modelPath;
    private final CacheType cacheType;
    private final String cacheHostPath;
    private final String cachePath;
    private final int maxPods;
    private final Duration pendingLimit;
    private final Duration jobGrace;
    private final Duration stopGrace;
    private final Duration pingInterval;
    private final String serviceAccount;
    private final List<String> imagePullSecrets;
    private final String priorityClassName;
    private final Map<String, String> env;
    private final boolean keepPodsOnShutdown;

    private KubernetesConfig(Builder b) {
        this.namespace = b.namespace;
        this.fleet = b.fleet;
        this.image = b.image;
        this.gatewayUrl = b.gatewayUrl;
        this.workerKeySecret = b.workerKeySecret;
        this.workerKeySecretKey = b.workerKeySecretKey;
        this.gpus = b.gpus;
        this.gpuResource = b.gpuResource;
        this.nodeSelector = Map.copyOf(b.nodeSelector);
        this.tolerations = b.parsedTolerations;
        this.affinity = b.parsedAffinity;
        this.modelClaim = b.modelClaim;
        this.modelPath = b.modelPath;
        this.cacheType = b.cacheType;
        this.cacheHostPath = b.cacheHostPath;
        this.cachePath = b.cachePath;
        this.maxPods = b.maxPods;
        this.pendingLimit = b.pendingLimit;
        this.jobGrace = b.jobGrace;
        this.stopGrace = b.stopGrace;
        this.pingInterval = b.pingInterval;
        this.serviceAccount = b.serviceAccount;
        this.imagePullSecrets = List.copyOf(b.imagePullSecrets);
        this.priorityClassName = b.priorityClassName;
        this.env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        this.keepPodsOnShutdown = b.keepPodsOnShutdown;
    }

    /**
     * @param image      the image a worker runs when its endpoint names none
     * @param gatewayUrl the gateway as pods reach it: its in-cluster Service, like
     *                   {@code http://comfyfleet-gateway.comfyfleet.svc:8080}
     */
    public static Builder builder(String image, URI gatewayUrl) {
        return new Builder(image, gatewayUrl);
    }

    /** The namespace of the worker pods; null means the client's (in a pod: its own namespace). */
    public String namespace() {
        return namespace;
    }

    /** The {@code comfyfleet.io/fleet} label value: which ComfyFleet installation the pods belong to. */
    public String fleet() {
        return fleet;
    }

    public String image() {
        return image;
    }

    public URI gatewayUrl() {
        return gatewayUrl;
    }

    /** The Secret holding the worker key ({@code RUNPOD_AI_API_KEY}), read by the kubelet, never by us. */
    public String workerKeySecret() {
        return workerKeySecret;
    }

    public String workerKeySecretKey() {
        return workerKeySecretKey;
    }

    /** GPUs per pod ({@link #gpuResource()} limit); 0 asks for none. */
    public int gpus() {
        return gpus;
    }

    public String gpuResource() {
        return gpuResource;
    }

    public Map<String, String> nodeSelector() {
        return nodeSelector;
    }

    List<Toleration> tolerations() {
        return tolerations;
    }

    Affinity affinity() {
        return affinity;
    }

    /** The PersistentVolumeClaim with the models; null mounts none. */
    public String modelClaim() {
        return modelClaim;
    }

    public String modelPath() {
        return modelPath;
    }

    public CacheType cacheType() {
        return cacheType;
    }

    public String cacheHostPath() {
        return cacheHostPath;
    }

    public String cachePath() {
        return cachePath;
    }

    /** Worker pods at most (running or starting); starts beyond get {@code NoCapacityException}. */
    public int maxPods() {
        return maxPods;
    }

    /** How long a pod may stay Pending (no node took it, or it is still being pulled) before it is reported. */
    public Duration pendingLimit() {
        return pendingLimit;
    }

    /** The pods' {@code terminationGracePeriodSeconds}: how long a job may go on after a stop. */
    public Duration jobGrace() {
        return jobGrace;
    }

    /** The grace {@link KubernetesProvider#close()} gives each pod. */
    public Duration stopGrace() {
        return stopGrace;
    }

    public Duration pingInterval() {
        return pingInterval;
    }

    public String serviceAccount() {
        return serviceAccount;
    }

    public List<String> imagePullSecrets() {
        return imagePullSecrets;
    }

    public String priorityClassName() {
        return priorityClassName;
    }

    /** Extra variables for every worker; the RunPod variables the provider sets win. */
    public Map<String, String> env() {
        return env;
    }

    /**
     * Whether {@link KubernetesProvider#close()} leaves the pods running (the next gateway adopts them) instead of
     * deleting them. For gateways that are themselves pods: a rolling update of the gateway must not kill every job.
     */
    public boolean keepPodsOnShutdown() {
        return keepPodsOnShutdown;
    }

    /** Collects and validates a {@link KubernetesConfig}. */
    public static final class Builder {
        private String namespace;
        private String fleet = "comfyfleet";
        private final String image;
        private final URI gatewayUrl;
        private String workerKeySecret;
        private String workerKeySecretKey = "worker-key";
        private int gpus = 1;
        private String gpuResource = "nvidia.com/gpu";
        private final Map<String, String> nodeSelector = new LinkedHashMap<>();
        private String tolerationsJson;
        private String affinityJson;
        private List<Toleration> parsedTolerations = List.of();
        private Affinity parsedAffinity;
        private String modelClaim;
        private String modelPath = "/models";
        private CacheType cacheType = CacheType.EMPTY_DIR;
        private String cacheHostPath;
        private String cachePath = "/cache";
        private int maxPods = 4;
        private Duration pendingLimit = Duration.ofMinutes(5);
        private Duration jobGrace = Duration.ofSeconds(30);
        private Duration stopGrace;
        private Duration pingInterval = Duration.ofSeconds(10);
        private String serviceAccount;
        private final List<String> imagePullSecrets = new ArrayList<>();
        private String priorityClassName;
        private final Map<String, String> env = new LinkedHashMap<>();
        private boolean keepPodsOnShutdown;

        private Builder(String image, URI gatewayUrl) {
            this.image = image;
            this.gatewayUrl = gatewayUrl;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder fleet(String fleet) {
            this.fleet = fleet;
            return this;
        }

        /** The Secret and its key that hold the worker key; without one, workers present no key. */
        public Builder workerKeySecret(String name, String key) {
            this.workerKeySecret = name;
            this.workerKeySecretKey = key;
            return this;
        }

        public Builder gpus(int gpus) {
            this.gpus = gpus;
            return this;
        }

        public Builder gpuResource(String gpuResource) {
            this.gpuResource = gpuResource;
            return this;
        }

        public Builder nodeSelector(String label, String value) {
            nodeSelector.put(Objects.requireNonNull(label, "label"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A JSON array of Kubernetes tolerations, like {@code [{"key":"nvidia.com/gpu","operator":"Exists"}]}. */
        public Builder tolerationsJson(String json) {
            this.tolerationsJson = json;
            return this;
        }

        /** The JSON of a Kubernetes {@code affinity} object. */
        public Builder affinityJson(String json) {
            this.affinityJson = json;
            return this;
        }

        /** The PersistentVolumeClaim holding the models and where the worker sees it. */
        public Builder models(String claim, String mountPath) {
            this.modelClaim = claim;
            this.modelPath = mountPath;
            return this;
        }

        /**
         * @param type     where the cache lives
         * @param hostPath the folder on the node, for {@link CacheType#HOST_PATH}
         * @param path     where the worker sees it
         */
        public Builder cache(CacheType type, String hostPath, String path) {
            this.cacheType = type;
            this.cacheHostPath = hostPath;
            this.cachePath = path;
            return this;
        }

        public Builder maxPods(int maxPods) {
            this.maxPods = maxPods;
            return this;
        }

        public Builder pendingLimit(Duration pendingLimit) {
            this.pendingLimit = pendingLimit;
            return this;
        }

        public Builder jobGrace(Duration jobGrace) {
            this.jobGrace = jobGrace;
            return this;
        }

        /** The grace {@code close()} gives each pod; defaults to the job grace. */
        public Builder stopGrace(Duration stopGrace) {
            this.stopGrace = stopGrace;
            return this;
        }

        public Builder pingInterval(Duration pingInterval) {
            this.pingInterval = pingInterval;
            return this;
        }

        public Builder serviceAccount(String serviceAccount) {
            this.serviceAccount = serviceAccount;
            return this;
        }

        public Builder imagePullSecret(String name) {
            imagePullSecrets.add(name);
            return this;
        }

        public Builder priorityClassName(String priorityClassName) {
            this.priorityClassName = priorityClassName;
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder keepPodsOnShutdown(boolean keep) {
            this.keepPodsOnShutdown = keep;
            return this;
        }

        /** @throws FleetConfigException naming the first key that is not usable */
        public KubernetesConfig build() {
            if (image == null || !IMAGE.matcher(image).matches()) {
                throw new FleetConfigException("image", "must be the worker image reference used when an endpoint"
                        + " names none, like registry.example.com/comfyfleet/worker:1.0, got " + quote(image));
            }
            if (gatewayUrl == null || !("http".equals(gatewayUrl.getScheme()) || "https".equals(gatewayUrl.getScheme()))
                    || gatewayUrl.getHost() == null) {
                throw new FleetConfigException("gatewayUrl", "must be the gateway's URL as pods reach it, its"
                        + " Service, like http://comfyfleet-gateway.comfyfleet.svc:8080, got " + gatewayUrl);
            }
            if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
                throw new FleetConfigException("namespace", "must be a Kubernetes namespace name (lower-case letters,"
                        + " digits and '-', at most 63), got " + quote(namespace));
            }
            if (fleet == null || fleet.isEmpty() || !LABEL_VALUE.matcher(fleet).matches()) {
                throw new FleetConfigException("fleet", "must be a label value (letters, digits, '-', '_', '.', at"
                        + " most 63, starting and ending with a letter or digit), got " + quote(fleet));
            }
            if (workerKeySecret != null && !DNS_SUBDOMAIN.matcher(workerKeySecret).matches()) {
                throw new FleetConfigException("workerKeySecret.name", "must be a Secret name, got "
                        + quote(workerKeySecret));
            }
            if (workerKeySecret != null && (workerKeySecretKey == null
                    || !workerKeySecretKey.matches("[-._a-zA-Z0-9]{1,253}"))) {
                throw new FleetConfigException("workerKeySecret.key", "must be a key of Secret '" + workerKeySecret
                        + "', got " + quote(workerKeySecretKey));
            }
            if (gpus < 0 || gpus > 16) {
                throw new FleetConfigException("gpus", "must be 0 (no GPU) to 16 GPUs per pod, got " + gpus);
            }
            if (gpuResource == null || !gpuResource.matches("[a-z0-9.-]+/[a-z0-9._-]+")) {
                throw new FleetConfigException("gpuResource", "must be an extended resource name like"
                        + " nvidia.com/gpu, got " + quote(gpuResource));
            }
            nodeSelector.forEach((k, v) -> {
                if (!LABEL_VALUE.matcher(v).matches()) {
                    throw new FleetConfigException("nodeSelector." + k, "must be a label value, got " + quote(v));
                }
            });
            if (tolerationsJson != null) {
                parsedTolerations = List.of(parse("tolerations", tolerationsJson, Toleration[].class,
                        "a list of tolerations like [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]"));
            }
            if (affinityJson != null) {
                parsedAffinity = parse("affinity", affinityJson, Affinity.class,
                        "a Kubernetes affinity object (nodeAffinity, podAffinity, podAntiAffinity)");
            }
            if (modelClaim != null && !DNS_SUBDOMAIN.matcher(modelClaim).matches()) {
                throw new FleetConfigException("pvc", "must be a PersistentVolumeClaim name, got " + quote(modelClaim));
            }
            if (modelPath == null || !modelPath.startsWith("/")) {
                throw new FleetConfigException("modelPath", "must be an absolute path in the pod, got "
                        + quote(modelPath));
            }
            if (cacheType == null) {
                throw new FleetConfigException("cache.type", "must be hostPath, emptyDir or none");
            }
            if (cacheType == CacheType.HOST_PATH && (cacheHostPath == null || !cacheHostPath.startsWith("/"))) {
                throw new FleetConfigException("cache.hostPath", "must be an absolute folder on the node when"
                        + " cache.type is hostPath, got " + quote(cacheHostPath));
            }
            if (cacheType != CacheType.NONE && (cachePath == null || !cachePath.startsWith("/")
                    || cachePath.equals(modelPath))) {
                throw new FleetConfigException("cache.mountPath", "must be an absolute path in the pod other than"
                        + " modelPath, got " + quote(cachePath));
            }
            if (maxPods < 1) {
                throw new FleetConfigException("maxPods", "must be 1 or more, got " + maxPods);
            }
            if (pendingLimit == null || pendingLimit.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new FleetConfigException("pendingLimit", "must be 1 s or more (a cluster autoscaler takes"
                        + " minutes to add a GPU node), got " + pendingLimit);
            }
            if (jobGrace == null || jobGrace.isNegative()) {
                throw new FleetConfigException("jobGrace", "must be 0 seconds or more, got " + jobGrace);
            }
            if (stopGrace == null) {
                stopGrace = jobGrace;
            } else if (stopGrace.isNegative()) {
                throw new FleetConfigException("stopGrace", "must be 0 seconds or more, got " + stopGrace);
            }
            if (pingInterval == null || pingInterval.toMillis() < 1000) {
                throw new FleetConfigException("pingInterval", "must be at least 1 s, got " + pingInterval);
            }
            if (serviceAccount != null && !DNS_SUBDOMAIN.matcher(serviceAccount).matches()) {
                throw new FleetConfigException("serviceAccount", "must be a ServiceAccount name, got "
                        + quote(serviceAccount));
            }
            for (int i = 0; i < imagePullSecrets.size(); i++) {
                String s = imagePullSecrets.get(i);
                if (s == null || !DNS_SUBDOMAIN.matcher(s).matches()) {
                    throw new FleetConfigException("imagePullSecrets[" + i + "]", "must be a Secret name, got "
                            + quote(s));
                }
            }
            if (priorityClassName != null && !DNS_SUBDOMAIN.matcher(priorityClassName).matches()) {
                throw new FleetConfigException("priorityClassName", "must be a PriorityClass name, got "
                        + quote(priorityClassName));
            }
            for (String name : env.keySet()) {
                if (name == null || !ENV_NAME.matcher(name).matches()) {
                    throw new FleetConfigException("env", "names must be environment variable names, got "
                            + quote(name));
                }
            }
            return new KubernetesConfig(this);
        }

        private static <T> T parse(String key, String json, Class<T> type, String expected) {
            try {
                T value = JSON.unmarshal(json, type);
                if (value == null) {
                    throw new FleetConfigException(key, "must be " + expected + ", got nothing");
                }
                return value;
            } catch (RuntimeException e) {
                if (e instanceof FleetConfigException f) {
                    throw f;
                }
                throw new FleetConfigException(key, "must be " + expected + ": " + e.getMessage());
            }
        }

        private static String quote(String s) {
            return s == null ? "nothing" : "'" + s + "'";
        }
    }
}
