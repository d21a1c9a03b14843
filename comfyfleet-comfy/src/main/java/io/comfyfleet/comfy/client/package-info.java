/**
 * A client for one ComfyUI server (0.3.x, checked against recordings of 0.3.64), on {@code java.net.http}.
 *
 * <p>Front doors: {@link io.comfyfleet.comfy.client.ComfyClient} (every HTTP route, typed errors),
 * {@link io.comfyfleet.comfy.client.ComfyEventStream} (the event WebSocket) and
 * {@link io.comfyfleet.comfy.client.run.ComfyRunner} (prompts from submit to result, over one event socket
 * shared by all of them; keep one runner per ComfyUI and close it at the end). Events are in
 * {@code .events}, outputs in {@code .outputs}.
 *
 * <pre>{@code
 * ComfyClient comfy = ComfyClient.create(URI.create("http://127.0.0.1:8188"));
 * try (ComfyRunner runner = new ComfyRunner(comfy)) {
 *     RunResult r = runner.run(Prompts.parse(json), RunOptions.defaults().withPromptId(jobId),
 *             event -> progress.report(event));
 *     for (OutputFile f : r.outputs().outputs()) comfy.download(f.ref(), dir.resolve(f.filename()));
 * }
 * }</pre>
 */
package io.comfyfleet.comfy.client;
