// Drives a ComfyFleet gateway with RunPod's official JavaScript SDK, unchanged except for baseUrl.
// Usage: node sdk-check.mjs <baseUrl> <clientKey> <otherEndpointKey>
// A Java test worker serves endpoint "ep1"; endpoint "ep2" has no worker, so its jobs stay queued.
// Prints "OK <step>" per passed step and exits non-zero on the first failure.
import runpodSdk from "runpod-sdk";
import assert from "node:assert/strict";

const [baseUrl, key, otherKey] = process.argv.slice(2);
const ep1 = runpodSdk(key, { baseUrl }).endpoint("ep1");
const ep2 = runpodSdk(otherKey, { baseUrl }).endpoint("ep2");
const ok = (step) => console.log(`OK ${step}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(id, predicate, ms = 20000) {
  const until = Date.now() + ms;
  for (;;) {
    const s = await ep1.status(id);
    if (predicate(s)) return s;
    if (Date.now() > until) throw new Error(`job ${id} stuck at ${JSON.stringify(s)}`);
    await sleep(50);
  }
}

try {
  const health = await ep1.health();
  assert.deepEqual(Object.keys(health.jobs).sort(), ["completed", "failed", "inProgress", "inQueue", "retried"]);
  assert.deepEqual(Object.keys(health.workers).sort(),
    ["idle", "initializing", "ready", "running", "throttled", "unhealthy", "versions"]);
  ok("health");

  const queued = await ep1.run({ input: { prompt: "a cat", n: 1 } });
  assert.equal(queued.status, "IN_QUEUE");
  assert.match(queued.id, /^[A-Za-z0-9_-]+$/);
  const done = await waitFor(queued.id, (s) => s.completed);
  assert.equal(done.status, "COMPLETED");
  assert.equal(done.succeeded, true);
  assert.deepEqual(done.output, { prompt: "a cat", n: 1 });
  assert.equal(typeof done.delayTime, "number");
  assert.equal(typeof done.executionTime, "number");
  ok("run+status");

  const sync = await ep1.runSync({ input: { answer: 42 } }, 30000);
  assert.equal(sync.status, "COMPLETED");
  assert.equal(sync.succeeded, true);
  assert.deepEqual(sync.output, { answer: 42 });
  assert.match(sync.id, /^sync-/);
  ok("runSync");

  const failing = await ep1.runSync({ input: { fail: "bad seed" } }, 30000);
  assert.equal(failing.status, "FAILED");
  assert.equal(failing.succeeded, false);
  assert.equal(failing.error, "bad seed");
  ok("runSync-failed");

  const streamed = await ep1.run({ input: { chunks: ["a", "b", { c: 3 }] } });
  const chunks = [];
  for await (const part of ep1.stream(streamed.id)) chunks.push(part.output);
  assert.deepEqual(chunks, ["a", "b", { c: 3 }]);
  ok("stream");

  const slow = await ep1.run({ input: { sleepMs: 60000 } });
  await waitFor(slow.id, (s) => s.status === "IN_PROGRESS");
  const cancelled = await ep1.cancel(slow.id);
  assert.equal(cancelled.status, "CANCELLED");
  assert.equal(cancelled.id, slow.id);
  assert.equal((await ep1.status(slow.id)).status, "CANCELLED");
  console.log(`CANCELLED ${slow.id}`);
  ok("cancel");

  await ep2.run({ input: { x: 1 } });
  await ep2.run({ input: { x: 2 } });
  const purged = await ep2.purgeQueue();
  assert.deepEqual(purged, { removed: 2, status: "completed" });
  assert.equal((await ep2.health()).jobs.inQueue, 0);
  ok("purgeQueue");

  await assert.rejects(ep1.status("00000000-0000-0000-0000-000000000000-u1"));
  await assert.rejects(runpodSdk("not-a-valid-key-at-all", { baseUrl }).endpoint("ep1").health());
  ok("errors-reject");

  const after = await ep1.health();
  assert.ok(after.jobs.completed >= 3, JSON.stringify(after));
  assert.ok(after.jobs.failed >= 1, JSON.stringify(after));
  ok("health-counts");
  console.log("ALL OK");
} catch (e) {
  console.error("FAILED:", e?.stack ?? e);
  process.exit(1);
}
