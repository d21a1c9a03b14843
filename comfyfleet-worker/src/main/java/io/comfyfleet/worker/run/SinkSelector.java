package io.comfyfleet.worker.run;

import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.input.JobInput;
import io.comfyfleet.worker.output.GatewayStoreSink;
import io.comfyfleet.worker.output.InlineSink;
import io.comfyfleet.worker.output.OutputSink;
import io.comfyfleet.worker.output.OutputSinkProvider;
import java.time.Duration;

/** Picks where a job's outputs go: the job's own {@code s3Config} first, else the worker's configured sink. */
final class SinkSelector {
    private final WorkerSettings.OutputSettings settings;
    private final GatewayEndpoints gateway;

    SinkSelector(WorkerSettings.OutputSettings settings, GatewayEndpoints gateway) {
        this.settings = settings;
        this.gateway = gateway;
    }

    /** @throws io.comfyfleet.worker.input.InvalidJobInputException when the job's s3Config is incomplete */
    OutputSink forJob(JobInput input) {
        if (input.s3Config() != null) {
            return OutputSinkProvider.named("s3").create(input.s3Config());
        }
        return switch (settings.mode()) {
            case "s3" -> OutputSinkProvider.named("s3").create(settings.s3());
            case "gateway" -> new GatewayStoreSink(gateway.endpointRoot(), gateway.apiKey(), Duration.ofMinutes(10));
            default -> new InlineSink(settings.inlineMaxBytes());
        };
    }
}
