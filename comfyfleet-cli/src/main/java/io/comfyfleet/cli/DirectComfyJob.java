package io.comfyfleet.cli;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

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
 * With several ComfyUIs, each client thread keeps to one of them (round robin as threads first call), so N
 * clients on N ComfyUIs never queue behind each other, as N clients on N workers do not.
 */
final class DirectComfyJob implements Supplier<BenchReport.Sample>, AutoCloseable {
    private final List<ComfyRunner> runners;
    private final AtomicInteger assigned = new AtomicInteger();
    private final ThreadLocal<ComfyRunner> mine;
    private final Supplier<ObjectNode> workflow;
    private final Duration timeout;
    private final PrintWriter err;

    DirectComfyJob(List<URI> comfyUrls, Supplier<ObjectNode> workflow, Duration timeout, PrintWriter err) {
        this.runners = comfyUrls.stream()
                .map(url -> new ComfyRunner(ComfyClient.builder(url).requestTimeout(timeout).build())).toList();
        this.mine = ThreadLocal.withInitial(() -> runners.get(assigned.getAndIncrement() % runners.size()));
        this.workflow = workflow;
        this.timeout = timeout;
        this.err = err;
    }

    @Override
    public BenchReport.Sample get() {
        ObjectNode prompt = workflow.get();
        long submitted = System.nanoTime();
        try {
            RunResult result = mine.get().run(prompt, RunOptions.defaults().withTimeout(timeout), RunListener.none());
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

    /** Closes each ComfyUI's shared event socket. */
    @Override
    public void close() {
        runners.forEach(ComfyRunner::close);
    }
}
