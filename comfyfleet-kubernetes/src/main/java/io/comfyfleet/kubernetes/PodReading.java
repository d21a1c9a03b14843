package io.comfyfleet.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.List;
import java.util.Set;

/**
 * What a worker pod's status says, in the provider's terms: starting, running, ended (with the exit code the kubelet
 * recorded), or being deleted, plus what is wrong with it when something is.
 *
 * @param state    where the pod is
 * @param exitCode the worker container's exit code when it ended and the kubelet knows it; null otherwise
 * @param problem  what is wrong, for people; null when nothing is
 * @param silent   for an ended worker, true when it cannot have said why itself (on its unhealthy ping): it was
 *                 killed (a signal, the out-of-memory killer), evicted, or never ran (its image cannot be pulled)
 */
record PodReading(State state, Integer exitCode, String problem, boolean silent) {

    PodReading(State state, Integer exitCode, String problem) {
        this(state, exitCode, problem, false);
    }

    enum State {
        /** Not running yet: waiting for a node (a cluster autoscaler may be adding one), pulling, starting. */
        PENDING,
        RUNNING,
        /** Ended on its own, or can never run (its image cannot be pulled). */
        EXITED,
        /** Deletion was asked (by us or anyone); gone after its grace. */
        DELETING
    }

    /**
     * Waiting reasons that mean the image will never run as given: the version is broken, so the worker counts as
     * exited (the autoscaler's crash back-off holds further starts, a roll-out to it halts) rather than pending.
     */
    static final Set<String> BROKEN_IMAGE = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "ErrImageNeverPull");

    static PodReading of(Pod pod) {
        if (pod.getMetadata() != null && pod.getMetadata().getDeletionTimestamp() != null) {
            return new PodReading(State.DELETING, null, null);
        }
        PodStatus status = pod.getStatus();
        if (status == null) {
            return new PodReading(State.PENDING, null, null);
        }
        ContainerStatus worker = workerStatus(status.getContainerStatuses());
        if (worker != null && worker.getState() != null) {
            ContainerStateTerminated ended = worker.getState().getTerminated();
            if (ended != null) {
                Integer code = ended.getExitCode();
                boolean killed = "OOMKilled".equals(ended.getReason()) || code != null && code > 128;
                return new PodReading(State.EXITED, code, "worker container ended with exit code " + code
                        + describe(ended.getReason(), ended.getMessage()), killed);
            }
            ContainerStateWaiting waiting = worker.getState().getWaiting();
            if (waiting != null && BROKEN_IMAGE.contains(waiting.getReason())) {
                return new PodReading(State.EXITED, null, "image '" + worker.getImage() + "' cannot be pulled ("
                        + waiting.getReason() + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage())
                        + "): this version is broken; fix the image reference, the registry or imagePullSecrets", true);
            }
            if (waiting != null && waiting.getReason() != null && !"ContainerCreating".equals(waiting.getReason())
                    && !"PodInitializing".equals(waiting.getReason())) {
                // CreateContainerConfigError (a missing Secret), CrashLoopBackOff, ...: may clear, so not an exit
                return new PodReading(State.PENDING, null, "worker container is waiting: " + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()));
            }
        }
        String phase = status.getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return new PodReading(State.EXITED, null, "pod " + phase.toLowerCase(java.util.Locale.ROOT)
                    + describe(status.getReason(), status.getMessage()), "Failed".equals(phase));
        }
        if ("Running".equals(phase)) {
            return new PodReading(State.RUNNING, null, null);
        }
        return new PodReading(State.PENDING, null, unscheduled(status.getConditions()));
    }

    /** When the worker container ended, as the kubelet recorded it; null when it has not or the time is unreadable. */
    static java.time.Instant finishedAt(Pod pod) {
        ContainerStatus worker = pod.getStatus() == null ? null : workerStatus(pod.getStatus().getContainerStatuses());
        ContainerStateTerminated ended = worker == null || worker.getState() == null ? null
                : worker.getState().getTerminated();
        if (ended == null || ended.getFinishedAt() == null) {
            return null;
        }
        try {
            return java.time.Instant.parse(ended.getFinishedAt());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The scheduler's word when no node took the pod yet, like "0/3 nodes are available: 3 Insufficient nvidia.com/gpu". */
    private static String unscheduled(List<PodCondition> conditions) {
        if (conditions == null) {
            return null;
        }
        for (PodCondition c : conditions) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                return "not scheduled" + describe(c.getReason(), c.getMessage());
            }
        }
        return null;
    }

    private static ContainerStatus workerStatus(List<ContainerStatus> statuses) {
        if (statuses == null) {
            return null;
        }
        for (ContainerStatus s : statuses) {
            if (WorkerPods.CONTAINER.equals(s.getName())) {
                return s;
            }
        }
        return null;
    }

    private static String describe(String reason, String message) {
        if (reason == null && message == null) {
            return "";
        }
        return " (" + (reason == null ? "" : reason) + (reason != null && message != null ? ": " : "")
                + (message == null ? "" : message) + ")";
    }
}
