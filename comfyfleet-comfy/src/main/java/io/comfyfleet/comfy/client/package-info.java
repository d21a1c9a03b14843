/**
 * A client for one ComfyUI server (0.3.x, checked against recordings of 0.3.64), on {@code java.net.http}.
 *
 * <p>Front doors: {@link io.comfyfleet.comfy.client.ComfyClient} (every HTTP route, typed errors),
 * {@link io.comfyfleet.comfy.client.ComfyEventStream} (the event WebSocket) and
 * {@link io.comfyfleet.comfy.client.run.ComfyRunner} (one prompt from submit to result). Events are in
 * {@code .events}, outputs in {@code .outputs}.
 *
 * <pre>{@code
 * ComfyClient comfy = ComfyClient.create(URI.create("http://127.0.0.1:8188"));
 * RunResult r = new ComfyRunner(comfy).run(Prompts.parse(json), RunOptions.defaults().withPromptId(jobId),
 *         event -> progress.report(event));
 * for (OutputFile f : r.outputs().outputs()) comfy.download(f.ref(), dir.resolve(f.filename()));
 * }</pre>
 */
package io.comfyfleet.comfy.client;
