// Runs a ComfyUI workflow on ComfyFleet with RunPod's official JavaScript SDK: only baseUrl differs from RunPod.
// Usage: COMFYFLEET_CLIENT_KEY=... node example.mjs [baseUrl=http://127.0.0.1:8080/v2] [endpoint=sdxl]
// Prints the job's status as it changes, the images it made, then the same for a job followed with stream().
import runpodSdk from "runpod-sdk";

const [baseUrl = "http://127.0.0.1:8080/v2", endpointId = "sdxl"] = process.argv.slice(2);
const key = process.env.COMFYFLEET_CLIENT_KEY ?? process.env.RUNPOD_API_KEY;
if (!key) {
  console.error("Set COMFYFLEET_CLIENT_KEY to a client key of the endpoint (see clientKeys in comfyfleet.yaml).");
  process.exit(2);
}
const endpoint = runpodSdk(key, { baseUrl }).endpoint(endpointId);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"]);

// API-format workflow (ComfyUI's "Export (API)"): a blank image, inverted, saved. Any workflow works the same.
const workflow = {
  1: { class_type: "EmptyImage", inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
  2: { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
  3: { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "example-js" } },
};

/** Prints each image of a finished job: worker-comfyui's `images` list, base64 inline or a URL. */
function printImages(output) {
  for (const image of output?.images ?? []) {
    if (image.type === "base64") {
      const bytes = Buffer.from(image.data, "base64");
      const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      console.log(`image: ${image.filename}, ${bytes.length} bytes${png ? ", PNG" : ""}`);
    } else {
      console.log(`image: ${image.filename} at ${image.data ?? image.url}`);
    }
  }
  if (output?.timings) console.log(`ComfyUI took ${output.timings.execution_ms} ms of ${output.timings.total_ms} ms`);
}

/** Asks /status until the job ends, printing each new status; returns the last answer. */
async function pollUntilDone(id, timeoutMs = 120000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const s = await endpoint.status(id);
    if (s.status !== last) console.log(`status ${id}: ${(last = s.status)}`);
    if (TERMINAL.has(s.status)) return s;
    if (Date.now() > until) throw new Error(`job ${id} still ${s.status} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

try {
  const health = await endpoint.health();
  console.log(`health: ${JSON.stringify(health.workers)}`);

  // 1. run + poll /status
  const { id } = await endpoint.run({ input: { workflow } });
  const done = await pollUntilDone(id);
  if (done.status !== "COMPLETED") throw new Error(`job ${id} ended ${done.status}: ${done.error}`);
  console.log(`run: COMPLETED in ${done.executionTime} ms (queued ${done.delayTime} ms)`);
  printImages(done.output);

  // 2. run + stream(): yields the progress chunks the worker posts, ends when the job does
  const streamed = await endpoint.run({ input: { workflow } });
  let chunks = 0;
  for await (const chunk of endpoint.stream(streamed.id)) {
    chunks++;
    if (chunk.output?.percent !== undefined) console.log(`stream ${streamed.id}: ${chunk.output.percent}%`);
  }
  const final = await endpoint.status(streamed.id);
  console.log(`stream: ${final.status} after ${chunks} chunk(s)`);
  printImages(final.output);
  process.exit(final.status === "COMPLETED" ? 0 : 1);
} catch (e) {
  console.error(`failed: ${e.message}`);
  process.exit(1);
}
