package io.comfyfleet.kubernetes;

import io.comfyfleet.fleet.provider.GatewaySilenceLimit;
import io.comfyfleet.fleet.provider.RunpodWorkerEnv;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod of one worker: its image, the RunPod environment pointing at the gateway's Service, the worker key from a
 * Secret, the GPU limit, where it may be scheduled, the model and cache volumes, and the labels that find it again.
 * The pod never restarts its container ({@code restartPolicy: Never}): a worker that ends is reported as exited and
 * the autoscaler decides on a replacement (with its crash back-off), so a broken version cannot loop unseen.
 */
final class WorkerPods {
    static final String CONTAINER = "worker";
    static final String MODELS_VOLUME = "models";
    static final String CACHE_VOLUME = "cache";

    private final KubernetesConfig config;

    WorkerPods(KubernetesConfig config) {
        this.config = config;
    }

    /** The image a worker of {@code spec} runs: the endpoint's, or the configured default. */
    String image(WorkerSpec spec) {
        return image(spec.image());
    }

    /** {@code image}, or the configured default when it is null. */
    String image(String image) {
        return image != null ? image : config.image();
    }

    Pod pod(WorkerSpec spec, String namespace) {
        String image = image(spec);
        Map<String, String> labels = selector(config.fleet());
        labels.put(Labels.NAME, Labels.NAME_VALUE);
        labels.put(Labels.ENDPOINT, Labels.labelValue(spec.endpoint()));
        labels.put(Labels.WORKER, Labels.labelValue(spec.workerId()));
        labels.put(Labels.VERSION, Labels.labelValue(image));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Labels.WORKER_ID_ANNOTATION, spec.workerId());
        annotations.put(Labels.ENDPOINT_ANNOTATION, spec.endpoint());
        annotations.put(Labels.VERSION_ANNOTATION, image);

        ResourceRequirementsBuilder resources = new ResourceRequirementsBuilder();
        if (config.gpus() > 0) {
            // extended resources are limits only; the request defaults to the limit
            resources.addToLimits(config.gpuResource(), new Quantity(Integer.toString(config.gpus())));
        }
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        if (config.modelClaim() != null) {
            volumes.add(new VolumeBuilder().withName(MODELS_VOLUME)
                    .withNewPersistentVolumeClaim(config.modelClaim(), false).build());
            mounts.add(new VolumeMountBuilder().withName(MODELS_VOLUME).withMountPath(config.modelPath()).build());
        }
        switch (config.cacheType()) {
            case HOST_PATH -> volumes.add(new VolumeBuilder().withName(CACHE_VOLUME)
                    .withNewHostPath(config.cacheHostPath(), "DirectoryOrCreate").build());
            case EMPTY_DIR -> volumes.add(new VolumeBuilder().withName(CACHE_VOLUME).withNewEmptyDir().endEmptyDir()
                    .build());
            case NONE -> { }
        }
        if (config.cacheType() != KubernetesConfig.CacheType.NONE) {
            mounts.add(new VolumeMountBuilder().withName(CACHE_VOLUME).withMountPath(config.cachePath()).build());
        }

        PodSpecBuilder podSpec = new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(config.jobGrace().toSeconds())
                // a worker runs ComfyUI and its custom nodes, third-party code: no token for the Kubernetes API
                .withAutomountServiceAccountToken(false)
                .withServiceAccountName(config.serviceAccount())
                .withPriorityClassName(config.priorityClassName())
                .withNodeSelector(config.nodeSelector().isEmpty() ? null : new LinkedHashMap<>(config.nodeSelector()))
                .withTolerations(config.tolerations().isEmpty() ? null : config.tolerations())
                .withAffinity(config.affinity())
                .withImagePullSecrets(config.imagePullSecrets().stream().map(LocalObjectReference::new).toList())
                .withVolumes(volumes)
                .withContainers(new ContainerBuilder()
                        .withName(CONTAINER)
                        .withImage(image)
                        .withEnv(env(spec, image))
                        .withResources(resources.build())
                        .withVolumeMounts(mounts)
                        .build());
        return new PodBuilder()
                .withNewMetadata()
                .withName(Labels.podName(spec.workerId()))
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withSpec(podSpec.build())
                .build();
    }

    /** The labels every pod of this fleet carries: what the informer selects and what adoption finds. */
    static Map<String, String> selector(String fleet) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        labels.put(Labels.FLEET, fleet);
        return labels;
    }

    private List<EnvVar> env(WorkerSpec spec, String image) {
        Map<String, String> values = new LinkedHashMap<>();
        // a pod whose gateway is gone for good stops itself instead of holding its GPU; config.env may override
        GatewaySilenceLimit.putDefault(values);
        values.putAll(config.env());
        values.putAll(RunpodWorkerEnv.of(config.gatewayUrl(), spec, "kubernetes", image, config.pingInterval()));
        values.put("COMFYFLEET_DEVICE", config.gpus() > 0 ? "cuda" : "cpu");
        if (config.modelClaim() != null) {
            values.put("COMFYFLEET_MODELS_DIR", config.modelPath());
        }
        if (config.cacheType() != KubernetesConfig.CacheType.NONE) {
            values.put("COMFYFLEET_CACHE_DIR", config.cachePath());
        }
        List<EnvVar> env = new ArrayList<>();
        values.forEach((name, value) -> env.add(new EnvVarBuilder().withName(name).withValue(value).build()));
        env.add(new EnvVarBuilder().withName("COMFYFLEET_POD_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        if (config.workerKeySecret() != null) {
            // the kubelet reads the Secret: the key never appears in the pod spec or in the gateway's logs
            env.add(new EnvVarBuilder().withName("RUNPOD_AI_API_KEY").withNewValueFrom().withNewSecretKeyRef()
                    .withName(config.workerKeySecret()).withKey(config.workerKeySecretKey()).withOptional(false)
                    .endSecretKeyRef().endValueFrom().build());
        }
        return env;
    }
}
