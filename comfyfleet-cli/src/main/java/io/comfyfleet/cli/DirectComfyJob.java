package io.comfyfleet.cli;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.comfy.client.run.RunStatus;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * One job of the baseline: the workflow run straight against ComfyUI with the ComfyUI client module (submit,
 * follow over the websocket, read the history), exactly as a worker runs it but without the gateway or worker.
 */
final class DirectComfyJob implements Supplier<BenchReport.Sample> {
    private final ComfyRunner runner;
    private final ObjectNode workflow;
    private final Duration timeout;
    private final PrintWriter err;

    DirectComfyJob(URI comfyUrl, ObjectNode workflow, Duration timeout, PrintWriter err) {
        this.runner = new ComfyRunner(ComfyClient.builder(comfyUrl).requestTimeout(timeout).build());
        this.workflow = workflow;
        this.timeout = timeout;
        this.err = err;
    }

    @Override
    public BenchReport.Sample get() {
        long submitted = System.nanoTime();
        try {
            RunResult result = runner.run(workflow, RunOptions.defaults().withTimeout(timeout), RunListener.none());
            long comfyMs = result.timings().execution().map(Duration::toMillis).orElse(-1L);
            String outcome = result.status() == RunStatus.SUCCESS ? "COMPLETED" : result.status().name();
            return new BenchReport.Sample(outcome, -1, -1, comfyMs, (System.nanoTime() - submitted) / 1_000_000);
        } catch (ComfyException e) {
            err.println(e.getMessage());
            return new BenchReport.Sample(e.getClass().getSimpleName(), -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BenchReport.Sample("Interrupted", -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        }
    }
}
