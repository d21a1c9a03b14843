package io.comfyfleet.kubernetes;

import io.comfyfleet.core.ComfyFleetException;
import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.fleet.provider.ExitNotice;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.NoCapacityException;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.WorkerExit;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.fleet.provider.WorkerTable;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each worker as a Kubernetes pod ({@link WorkerPods} says what the pod looks like) and follows the pods with an
 * informer on the fleet's labels, so state changes arrive as watch events, never by polling:
 * <ul>
 *   <li>Pending: {@link FleetWorker.Phase#UP}, initializing until its first job-take. Pending longer than
 *       {@link KubernetesConfig#pendingLimit()} (no GPU node came) is reported by {@link #problem(String)};</li>
 *   <li>its image cannot be pulled ({@code ImagePullBackOff}, {@code ErrImagePull}, {@code InvalidImageName}):
 *       {@link FleetWorker.Phase#EXITED}, the version is broken, {@link #problem(String)} says why; the
 *       autoscaler's crash back-off then holds further starts, and a roll-out to that version halts;</li>
 *   <li>its container terminated, or the pod Succeeded or Failed: EXITED with the container's exit code;</li>
 *   <li>stopped: the pod is deleted with the grace as {@code gracePeriodSeconds}; the stop completes when the
 *       informer sees the pod gone.</li>
 * </ul>
 *
 * <p><b>Pods from a previous gateway are adopted</b>: at start the informer lists every pod with this fleet's
 * labels, and each becomes a listed worker again (under the id, endpoint and version in its annotations), so a
 * restarted or replaced gateway neither kills running jobs nor loses count of its GPUs; the autoscaler then stops
 * what it does not need, the usual way. With {@link KubernetesConfig#keepPodsOnShutdown()}, {@link #close()} leaves
 * the pods for the next gateway to adopt; otherwise it deletes them.
 *
 * <p>Capacity is {@link KubernetesConfig#maxPods()} pods that have not exited, whoever started them.
 */
public final class KubernetesProvider implements WorkerProvider {
    private static final Logger log = LoggerFactory.getLogger(KubernetesProvider.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final KubernetesConfig config;
    private final Clock clock;
    private final String namespace;
    private final WorkerPods pods;
    private final WorkerTable<KubeWorker> workers = new WorkerTable<>("kubernetes", w -> w);
    private final ExitNotice exits = ExitNotice.keepingEarlyExits();
    private final SharedIndexInformer<Pod> informer;
    private final Events events = new Events();
    private volatile boolean closed;
    /** When this provider began to follow the pods: an adopted pod that ended before then is not a fresh exit. */
    private final Instant startedAt;
    /** True until the pods of the informer's first list are all followed (see {@link Events#endedBeforeStart}). */
    private volatile boolean firstList = true;

    private KubernetesProvider(KubernetesClient client, boolean ownsClient, KubernetesConfig config, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.namespace = config.namespace() != null ? config.namespace()
                : client.getNamespace() != null ? client.getNamespace() : "default";
        this.pods = new WorkerPods(config);
        this.startedAt = clock.instant();
        this.informer = client.pods().inNamespace(namespace).withLabels(WorkerPods.selector(config.fleet()))
                .runnableInformer(0);
        informer.addEventHandler(events);
    }

    /**
     * Connects to the cluster the usual way (in a pod: its service account; elsewhere: {@code KUBECONFIG} or
     * {@code ~/.kube/config}) and starts following the fleet's pods, adopting those a previous gateway left.
     *
     * @throws ComfyFleetException when the API server cannot be reached or does not let us watch pods
     */
    public static KubernetesProvider connect(KubernetesConfig config, Clock clock) {
        KubernetesClient client = new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory())
                .build();
        try {
            return start(client, true, config, clock);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Like {@link #connect} on a client of the caller's (which stays the caller's to close).
     *
     * @throws ComfyFleetException when the pods cannot be listed and watched
     */
    public static KubernetesProvider start(KubernetesClient client, KubernetesConfig config, Clock clock) {
        return start(client, false, config, clock);
    }

    private static KubernetesProvider start(KubernetesClient client, boolean owns, KubernetesConfig config,
            Clock clock) {
        KubernetesProvider p = new KubernetesProvider(client, owns, config, clock);
        try {
            p.informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // The informer hands its first list to the handler on its own thread, possibly after start() has
            // completed; read the synced store here so the adopted pods are listed when start() returns.
            p.informer.getStore().list().forEach(p.events::seen);
            p.firstList = false;
        } catch (ExecutionException | TimeoutException e) {
            p.informer.stop();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new ComfyFleetException("cannot list and watch the worker pods in namespace '" + p.namespace
                    + "' of " + client.getMasterUrl() + " within " + SYNC_TIMEOUT.toSeconds() + " s: "
                    + cause.getMessage() + "; check that the gateway's service account may get, list, watch,"
                    + " create and delete pods there (deploy/kubernetes/role.yaml)", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.informer.stop();
            throw new ComfyFleetException("interrupted while listing the worker pods", e);
        }
        log.info("kubernetes provider: namespace {}, fleet {}, {} pods already running adopted, at most {} pods",
                p.namespace, config.fleet(), p.workers.size(), config.maxPods());
        return p;
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    /** The image a pod of {@code image} runs, the configured default for null: a pod's version is its image. */
    @Override
    public String versionFor(String image) {
        return pods.image(image);
    }

    /** The namespace of the worker pods. */
    public String namespace() {
        return namespace;
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (closed) {
            throw new ProviderException(spec.endpoint(), spec.workerId(), "the kubernetes provider is closed", null);
        }
        Pod pod = pods.pod(spec, namespace);
        String podName = pod.getMetadata().getName();
        WorkerHandle handle = new WorkerHandle(spec.workerId(), spec.endpoint(), name(), podName, pods.image(spec));
        KubeWorker worker = new KubeWorker(handle, podName, clock.instant());
        synchronized (this) {
            workers.requireNew(spec);
            long occupied = workers.all().stream().filter(KubeWorker::occupiesCapacity).count();
            if (occupied >= config.maxPods()) {
                throw new NoCapacityException(spec.endpoint(), spec.workerId(), name(), config.maxPods());
            }
            // listed before the pod exists: the informer's first event for it must find it known, not adopt it
            workers.add(worker);
        }
        try {
            client.pods().inNamespace(namespace).resource(pod).create();
        } catch (KubernetesClientException e) {
            workers.remove(worker);
            throw new ProviderException(spec.endpoint(), spec.workerId(), "could not create pod " + podName
                    + " for worker '" + spec.workerId() + "' of endpoint '" + spec.endpoint() + "' in namespace '"
                    + namespace + "': HTTP " + e.getCode() + " " + e.getMessage()
                    + (e.getCode() == 403 ? "; the gateway's service account may not create pods there" : "")
                    + (e.getCode() == 409 ? "; a pod of that name exists already (delete it)" : ""), e);
        }
        log.info("started worker {} of endpoint {} as pod {} ({})", spec.workerId(), spec.endpoint(), podName,
                handle.version());
        return handle;
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(grace, "grace");
        KubeWorker worker = workers.get(handle.workerId()).orElse(null);
        if (worker == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> gone = new CompletableFuture<>();
        CompletableFuture<Void> already = worker.beginStop(gone);
        if (already != null) {
            return already;
        }
        log.info("stopping worker {} of endpoint {}: deleting pod {} (grace {})", handle.workerId(), handle.endpoint(),
                worker.podName, HumanDuration.of(grace));
        try {
            List<StatusDetails> deleted = client.pods().inNamespace(namespace).withName(worker.podName)
                    .withGracePeriod(grace.toSeconds()).delete();
            if (deleted.isEmpty()) {
                forget(worker); // gone already, and the informer may have told us before we began stopping
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                forget(worker);
            } else {
                // the pod may still run: keep it listed (STOPPING) so capacity stays honest; the caller sees why
                log.warn("could not delete pod {} of worker {}: HTTP {} {}", worker.podName, handle.workerId(),
                        e.getCode(), e.getMessage());
                gone.completeExceptionally(new ProviderException(handle.endpoint(), handle.workerId(),
                        "could not delete pod " + worker.podName + ": HTTP " + e.getCode() + " " + e.getMessage(), e));
            }
        }
        return gone;
    }

    private void forget(KubeWorker worker) {
        workers.remove(worker);
        worker.gone();
    }

    @Override
    public List<FleetWorker> list() {
        return workers.list();
    }

    @Override
    public Optional<FleetWorker> find(String workerId) {
        return workers.view(workerId);
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return workers.markReady(workerId, at, w -> "pod " + w.podName);
    }

    /** Tells of each worker pod that ends on its own, seen by this provider's informer (every gateway has one). */
    @Override
    public void onExit(WorkerExit.Listener listener) {
        exits.listen(listener);
    }

    /**
     * What keeps a worker's pod from working: Pending past {@link KubernetesConfig#pendingLimit()} (with the
     * scheduler's reason, such as {@code Insufficient nvidia.com/gpu}), an image that cannot be pulled, a container
     * that cannot be created, or why it ended. Cheap (no API call): the dashboard may ask on every refresh.
     */
    @Override
    public Optional<String> problem(String workerId) {
        return workers.get(workerId).flatMap(w -> w.problem(clock.instant(), config.pendingLimit()));
    }

    /**
     * Deletes every pod with {@link KubernetesConfig#stopGrace()} and waits until they are gone (bounded), unless
     * {@link KubernetesConfig#keepPodsOnShutdown()} leaves them for the next gateway; then stops following pods.
     */
    @Override
    public void close() {
        close(config.keepPodsOnShutdown());
    }

    /** Every gateway's provider follows all of the fleet's pods, and pods reach every gateway through the Service. */
    @Override
    public boolean sharedByGateways() {
        return true;
    }

    /** Stops following pods and leaves every pod running, whatever {@code keepPodsOnShutdown} says. */
    @Override
    public void detach() {
        close(true);
    }

    private void close(boolean keepPods) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (keepPods) {
                log.info("leaving {} worker pods running for the gateway that runs the control loop, or the next one"
                        + " to adopt them", workers.size());
            } else {
                stopAll();
            }
        } finally {
            informer.stop();
            workers.clear();
            if (ownsClient) {
                client.close();
            }
        }
    }

    private void stopAll() {
        // a pod not gone by then is deleted by Kubernetes all the same
        workers.stopAll(w -> stop(w.handle, config.stopGrace()).exceptionally(e -> null), config.stopGrace(),
                Duration.ofSeconds(30));
    }

    /** The informer's events: the only place pod state reaches the workers' records. */
    private final class Events implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            seen(pod);
        }

        @Override
        public void onUpdate(Pod oldPod, Pod pod) {
            seen(pod);
        }

        @Override
        public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            String id = workerId(pod);
            KubeWorker worker = id == null ? null : workers.get(id).orElse(null);
            if (worker == null || !worker.podName.equals(pod.getMetadata().getName())) {
                return;
            }
            if (worker.view().phase() != FleetWorker.Phase.STOPPING) {
                log.warn("pod {} of worker {} was deleted by someone else (node drained, evicted, kubectl?)",
                        worker.podName, id);
            }
            forget(worker);
            log.info("worker {} of endpoint {} is gone (pod {} deleted)", id, worker.handle.endpoint(),
                    worker.podName);
        }

        private void seen(Pod pod) {
            String id = workerId(pod);
            if (id == null || closed) {
                return;
            }
            boolean[] adopted = {false};
            KubeWorker worker = workers.addIfAbsent(id, k -> {
                adopted[0] = true;
                return adopt(pod, k);
            });
            if (!worker.podName.equals(pod.getMetadata().getName())) {
                log.warn("pod {} claims worker id {} of pod {}; ignoring it", pod.getMetadata().getName(), id,
                        worker.podName);
                return;
            }
            PodReading reading = PodReading.of(pod);
            if (worker.read(reading, clock.instant())) {
                if (adopted[0] && endedBeforeStart(pod)) {
                    // the gateway that ran it told of it then (its /health failure is shared through the store, and
                    // its jobs went back to the queue); told again now, it was a fresh failure on every restart
                    log.info("worker {} of endpoint {} had already exited before this gateway started: pod {}: {};"
                            + " not reported again", id, worker.handle.endpoint(), worker.podName, reading.problem());
                    return;
                }
                log.warn("worker {} of endpoint {} exited: pod {}: {}", id, worker.handle.endpoint(), worker.podName,
                        reading.problem());
                int code = reading.exitCode() == null ? -1 : reading.exitCode();
                exits.tell(new WorkerExit(worker.handle.endpoint(), id, code,
                        "pod " + worker.podName + ": " + reading.problem(), !reading.silent()));
            }
        }

        /**
         * Whether an exited pod, adopted just now, ended before this provider started: by its container's finish
         * time when the kubelet recorded one, else when it was in the informer's first list (it ended before this
         * gateway could see it: evicted, never pulled).
         */
        private boolean endedBeforeStart(Pod pod) {
            Instant finished = PodReading.finishedAt(pod);
            return finished != null ? finished.isBefore(startedAt) : firstList;
        }

        private KubeWorker adopt(Pod pod, String id) {
            Map<String, String> a = pod.getMetadata().getAnnotations();
            String endpoint = a.getOrDefault(Labels.ENDPOINT_ANNOTATION, "unknown");
            String version = a.getOrDefault(Labels.VERSION_ANNOTATION, "unknown");
            String podName = pod.getMetadata().getName();
            // at start, a previous gateway's pods; later, those another gateway on the same database started
            log.info("following pod {}, not started here: worker {} of endpoint {} ({})", podName, id, endpoint,
                    version);
            return new KubeWorker(new WorkerHandle(id, endpoint, name(), podName, version), podName,
                    created(pod));
        }

        private Instant created(Pod pod) {
            try {
                String ts = pod.getMetadata().getCreationTimestamp();
                return ts == null ? clock.instant() : Instant.parse(ts);
            } catch (DateTimeParseException e) {
                return clock.instant();
            }
        }

        private static String workerId(Pod pod) {
            Map<String, String> a = pod.getMetadata().getAnnotations();
            return a == null ? null : a.get(Labels.WORKER_ID_ANNOTATION);
        }
    }
}
