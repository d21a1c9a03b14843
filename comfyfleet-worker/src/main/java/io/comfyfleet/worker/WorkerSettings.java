package io.comfyfleet.worker;

import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.config.WorkerConfigException;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * Everything one worker process needs, validated when built (by the {@code worker} command or a test) and
 * then immutable.
 *
 * @param gateway where jobs come from
 * @param comfyUrl an already running ComfyUI to attach to, or null to launch one
 * @param launch how to launch ComfyUI when {@code comfyUrl} is null
 * @param supervisor start, stop and restart patience
 * @param workDir this worker's folder: the result spool and per-job scratch space live here
 * @param shutdownGrace how long the current job may run on after SIGTERM before it is handed back
 * @param job how jobs run
 * @param outputs where outputs go
 * @param urlPolicy what input URLs may be fetched
 * @param warmupWorkflow an API-format workflow to run once before the first job, or null
 */
public record WorkerSettings(GatewayEndpoints gateway, URI comfyUrl, LaunchSpec launch, SupervisorSettings supervisor,
                             Path workDir, Duration shutdownGrace, JobSettings job, OutputSettings outputs,
                             UrlPolicy urlPolicy, JsonNode warmupWorkflow) {

    /** What happens to the running job when its ComfyUI dies under it. */
    public enum CrashPolicy {
        /** Report the job FAILED with the reason. */
        FAIL,
        /** Give the job back (no job-done; its lease runs out and another worker takes it). */
        HAND_BACK
    }

    /**
     * @param executionTimeout the worker's own limit for one workflow (the gateway's executionTimeout usually
     *     ends a job first, through job-stop)
     * @param interruptGrace how long ComfyUI gets to stop after an interrupt before it is restarted
     * @param onComfyCrash what to do with a job whose ComfyUI died
     * @param progressInterval the least time between two progress posts
     * @param previewMaxPixels the longer side of preview images sent with progress
     */
    public record JobSettings(Duration executionTimeout, Duration interruptGrace, CrashPolicy onComfyCrash,
                              Duration progressInterval, int previewMaxPixels) {
        public static JobSettings defaults() {
            return new JobSettings(Duration.ofHours(1), Duration.ofSeconds(15), CrashPolicy.FAIL,
                    Duration.ofMillis(300), 256);
        }
    }

    /**
     * @param mode {@code inline}, {@code s3} or {@code gateway}: where outputs go when the job gives no
     *     {@code s3Config}
     * @param inlineMaxBytes the largest file put inline as base64
     * @param s3 the worker's own S3 settings (job {@code s3Config} shape), or null
     */
    public record OutputSettings(String mode, long inlineMaxBytes, JsonNode s3) {
        public OutputSettings {
            if (!mode.equals("inline") && !mode.equals("s3") && !mode.equals("gateway")) {
                throw new WorkerConfigException("--outputs", "must be inline, s3 or gateway (got " + mode + ")");
            }
            if (mode.equals("s3") && s3 == null) {
                throw new WorkerConfigException("--outputs", "s3 needs --s3-endpoint, --s3-bucket, --s3-access-key and"
                        + " --s3-secret-key (or BUCKET_ENDPOINT_URL, BUCKET_ACCESS_KEY_ID, BUCKET_SECRET_ACCESS_KEY)");
            }
            if (inlineMaxBytes <= 0) {
                throw new WorkerConfigException("--inline-max-bytes", "must be positive");
            }
        }

        public static OutputSettings inline() {
            return new OutputSettings("inline", 20L * 1024 * 1024, null);
        }
    }

    public WorkerSettings {
        if (gateway == null) {
            throw new WorkerConfigException("--gateway-url", "is required (or RunPod's RUNPOD_WEBHOOK_* variables)");
        }
        if ((comfyUrl == null) == (launch == null)) {
            throw new WorkerConfigException("--comfyui-url", "give exactly one of --comfyui-url (attach to a running"
                    + " ComfyUI), --comfyui-dir (launch python main.py) or --comfyui-command (launch a custom command)");
        }
        if (shutdownGrace.isNegative()) {
            throw new WorkerConfigException("--shutdown-grace", "must not be negative");
        }
    }
}
