package io.comfyfleet.cli;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ViewStream;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.comfy.client.run.RunStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * One job of the baseline: the workflow run straight against ComfyUI with the ComfyUI client module (submit,
 * follow over the websocket, take the outputs from its executed events, download each output file with
 * {@code GET /view}), as a worker runs it but without the gateway or worker.
 * With several ComfyUIs, each client thread keeps to one of them (round robin as threads first call), so N
 * clients on N ComfyUIs never queue behind each other, as N clients on N workers do not.
 */
final class DirectComfyJob implements Supplier<BenchReport.Sample>, AutoCloseable {
    /** One ComfyUI: its client (for {@code /view}) and the runner that drives prompts on it. */
    private record Comfy(ComfyClient client, ComfyRunner runner) {}

    private final List<Comfy> comfys;
    private final AtomicInteger assigned = new AtomicInteger();
    private final ThreadLocal<Comfy> mine;
    private final Supplier<ObjectNode> workflow;
    private final Duration timeout;
    private final PrintWriter err;

    DirectComfyJob(List<URI> comfyUrls, Supplier<ObjectNode> workflow, Duration timeout, PrintWriter err) {
        this.comfys = comfyUrls.stream().map(url -> {
            ComfyClient client = ComfyClient.builder(url).requestTimeout(timeout).build();
            return new Comfy(client, new ComfyRunner(client));
        }).toList();
        this.mine = ThreadLocal.withInitial(() -> comfys.get(assigned.getAndIncrement() % comfys.size()));
        this.workflow = workflow;
        this.timeout = timeout;
        this.err = err;
    }

    @Override
    public BenchReport.Sample get() {
        ObjectNode prompt = workflow.get();
        long submitted = System.nanoTime();
        try {
            Comfy comfy = mine.get();
            // run as the worker runs a prompt (outputs from the socket's events), so the baseline is the same path
            RunResult result = comfy.runner().run(prompt, RunOptions.defaults().withTimeout(timeout)
                    .withOutputsFromEvents(true), RunListener.none());
            if (result.succeeded()) {
                download(comfy.client(), result);
            }
            long comfyMs = result.timings().execution().map(Duration::toMillis).orElse(-1L);
            String outcome = result.status() == RunStatus.SUCCESS ? "COMPLETED" : result.status().name();
            return new BenchReport.Sample(outcome, -1, -1, comfyMs, (System.nanoTime() - submitted) / 1_000_000);
        } catch (ComfyException e) {
            err.println(e.getMessage());
            return new BenchReport.Sample(e.getClass().getSimpleName(), -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        } catch (IOException e) {
            err.println("reading an output of ComfyUI failed: " + e.getMessage());
            return new BenchReport.Sample("IOException", -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BenchReport.Sample("Interrupted", -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        }
    }

    /** Reads every output file (not temp previews) whole, as a client of plain ComfyUI has to get its results. */
    private static void download(ComfyClient client, RunResult result) throws IOException {
        for (OutputFile file : result.outputs().outputs()) {
            try (ViewStream view = client.view(file.ref())) {
                view.body().transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /** Closes each ComfyUI's shared event socket. */
    @Override
    public void close() {
        comfys.forEach(c -> c.runner().close());
    }
}
