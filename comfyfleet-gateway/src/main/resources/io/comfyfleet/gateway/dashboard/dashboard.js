// ComfyFleet dashboard: polls the gateway's /dashboard/api/* with the client key and redraws.
// Plain DOM, no libraries; every value from the gateway is written with textContent, never as HTML.
"use strict";

const POLL_MS = 1500;
const KEY_NAME = "comfyfleet.apiKey";
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

let timer = null;
// each start (sign-in, filter change) begins a new polling chain; answers of an older chain are dropped
let generation = 0;

function storedKey() {
  return sessionStorage.getItem(KEY_NAME) || localStorage.getItem(KEY_NAME);
}

function forgetKey() {
  sessionStorage.removeItem(KEY_NAME);
  localStorage.removeItem(KEY_NAME);
}

class Unauthorized extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + storedKey() }, cache: "no-store" });
  if (response.status === 401) {
    throw new Unauthorized();
  }
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || ("HTTP " + response.status));
  }
  return body;
}

// ---- formatting ----

/**
 * A duration as people read it: "350 ms", "1.2 s", "3 min 4 s", "2 h 5 min", "3 d 4 h"; the same rules as the
 * command line's HumanDuration, so both say the same thing about the same job.
 */
function duration(ms) {
  if (ms === null || ms === undefined) return "\u2013";
  ms = Math.max(0, Math.round(ms));
  if (ms < 1000) return ms + " ms";
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return (tenths / 10).toFixed(1) + " s";
  const pair = (big, bigUnit, small, smallUnit) => big + " " + bigUnit + (small ? " " + small + " " + smallUnit : "");
  const s = Math.max(60, Math.floor(ms / 1000)); // 59.96 s rounds to a minute
  if (s < 3600) return pair(Math.floor(s / 60), "min", s % 60, "s");
  const m = Math.floor(s / 60);
  if (m < 1440) return pair(Math.floor(m / 60), "h", m % 60, "min");
  const h = Math.floor(m / 60);
  return pair(Math.floor(h / 24), "d", h % 24, "h");
}

function time(iso) {
  return new Date(iso).toLocaleTimeString();
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child === null || child === undefined ? "" : child);
  }
  return node;
}

function badge(text) {
  return el("span", { class: "badge " + text }, text);
}

// a job id in a narrow column: its first characters, the whole id on hover; a click opens the job's detail
function jobRef(id) {
  const shown = id.length > 12 ? id.slice(0, 8) + "…" : id;
  return el("a", { href: "#", class: "mono job-ref", title: id, "data-open-job": id }, shown);
}

function jobRefs(ids) {
  if (!ids.length) return ["–"];
  return ids.flatMap((id, i) => (i ? [", ", jobRef(id)] : [jobRef(id)]));
}

function rowsOrEmpty(body, rows, columns, message) {
  body.replaceChildren(...(rows.length ? rows : [el("tr", { class: "empty" }, el("td", { colspan: columns }, message))]));
}

// ---- sections ----

function renderEndpoints(endpoints) {
  $("endpoints").replaceChildren(...endpoints.map((e) => {
    const s = e.settings;
    const stat = (value, label) => el("div", { class: "stat" }, el("b", {}, String(value)), el("span", {}, label));
    const setting = (name, value) => [el("dt", {}, name), el("dd", {}, value)];
    return el("div", { class: "card", "data-endpoint": e.name },
      el("h3", {}, e.name),
      el("div", { class: "stats" },
        stat(e.jobs.inQueue, "in queue"), stat(e.jobs.inProgress, "in progress"),
        stat(e.jobs.completed, "completed"), stat(e.jobs.failed, "failed")),
      el("div", { class: "stats" },
        stat(e.workers.idle, "idle"), stat(e.workers.running, "running"),
        stat(e.workers.initializing, "starting"), stat(e.workers.unhealthy, "unhealthy")),
      el("dl", { class: "settings" },
        ...setting("workers", s.minWorkers + " to " + s.maxWorkers + ", idle timeout " + duration(s.idleTimeoutMs)),
        ...setting("scaler", s.scalerType + " " + s.scalerValue),
        ...(e.version ? setting("version", e.version) : []),
        ...(e.rollout && e.rollout.state !== "DONE" ? setting("roll-out", rolloutText(e.rollout)) : []),
        ...setting("execution timeout", duration(s.executionTimeoutMs)),
        ...setting("ttl", duration(s.ttlMs)),
        ...setting("retries", String(s.maxRetries)),
        ...setting("webhooks", s.webhooksSigned ? "signed" : "unsigned")),
      e.lastWorkerFailure ? workerFailure(e.lastWorkerFailure) : "");
  }));
}

/** Why the endpoint's last worker gave up (kept 30 minutes), so nobody has to find the worker's log to know. */
function workerFailure(f) {
  const who = f.workerId + (f.check ? ", " + f.check : "");
  return el("p", { class: "card-problem" },
    el("b", {}, "A worker gave up " + duration(f.agoMs) + " ago"), " (" + who + "): " + f.reason);
}

/** A roll-out in one line: state, versions, workers; a halt says why. */
function rolloutText(r) {
  const counts = r.oldWorkers + " old, " + r.newWorkers + " new (" + r.readyNewWorkers + " ready)";
  const text = r.state.toLowerCase() + " " + (r.fromVersion || "?") + " \u2192 " + r.toVersion + ": " + counts;
  return r.halted ? text + ". " + r.reason : text;
}

function progressText(p) {
  if (!p) return "waiting for the first progress update";
  const parts = [p.percent.toFixed(1) + " %"];
  if (p.nodeType || p.nodeId) parts.push((p.nodeType || "node") + (p.nodeId ? " #" + p.nodeId : ""));
  if (p.maxSteps) parts.push("step " + p.step + "/" + p.maxSteps);
  return parts.join(" · ");
}

// set through the style object: the page's Content-Security-Policy refuses style attributes
function bar(percent) {
  const fill = el("div");
  fill.style.width = Math.max(0, Math.min(100, percent)) + "%";
  return fill;
}

function renderRunning(running) {
  const box = $("running");
  if (!running.length) {
    box.replaceChildren(el("p", { class: "muted" }, "No job is running."));
    return;
  }
  const previous = new Map([...box.querySelectorAll("[data-job-id]")].map((n) => [n.dataset.jobId, n]));
  box.replaceChildren(...running.map((job) => {
    const p = job.progress;
    // keep the shown image element when the frame did not change, so it does not flicker
    const old = previous.get(job.id);
    let img = old && old.querySelector("img");
    if (!img) img = el("img", { alt: "latest preview" });
    if (job.preview && img.getAttribute("src") !== job.preview) img.setAttribute("src", job.preview);
    img.hidden = !job.preview;
    return el("div", { class: "card running-job", "data-job-id": job.id },
      img,
      el("div", { class: "info" },
        el("div", { class: "mono" }, job.id),
        el("div", { class: "muted" }, job.endpoint + " on " + (job.workerId || "?") + " · running " + duration(job.executionTime)),
        el("div", { class: "bar" }, bar(p ? p.percent : 0)),
        el("div", { class: "progress" }, progressText(p))));
  }));
}

// The cold start in two parts, as the worker reported them: ComfyFleet's share and ComfyUI's (plus a warm-up);
// a worker that reports none (RunPod's own) shows its whole cold start under ComfyUI's part, marked as the total.
function coldStartCells(w) {
  const c = w.coldStartParts;
  if (!c) {
    return [el("td", { class: "wide" }, "–"), el("td", {}, w.coldStartMs === null ? "–" : duration(w.coldStartMs) + " (total)")];
  }
  const segments = "start " + duration(c.startMs) + (c.providerKnown ? "" : " (JVM only)") + " · set-up "
    + duration(c.setupMs) + " · to first job " + duration(c.takeMs);
  return [
    el("td", { class: "cold-fleet wide", title: segments }, duration(c.comfyFleetMs)),
    el("td", { class: "cold-comfyui" }, duration(c.comfyUiMs) + (c.warmupMs === null ? "" : " + warm-up " + duration(c.warmupMs)))];
}

function renderWorkers(workers) {
  rowsOrEmpty($("workers-body"), workers.map((w) => el("tr", { "data-worker-id": w.id, class: "worker-" + w.state },
    el("td", { class: "mono id" }, w.id),
    el("td", { class: "wide" }, w.endpoint),
    el("td", {}, badge(w.state), w.stopRequested ? " stop requested" : "",
      w.problem ? el("div", { class: "worker-problem", title: "health reason from the worker provider" }, w.problem) : ""),
    el("td", { class: "wide" }, duration(w.uptimeMs)),
    ...coldStartCells(w),
    el("td", { class: "mono" }, ...jobRefs(w.jobs)),
    el("td", { class: "mono wide" }, w.lastJob ? jobRef(w.lastJob) : "–"),
    el("td", { class: "wide" }, w.lastSeenMsAgo === null ? "not yet" : w.lastSeenMsAgo < 1000 ? "just now" : duration(w.lastSeenMsAgo) + " ago"))), 9,
    "No worker is starting or has called in the last minute.");
}

function renderJobs(jobs) {
  rowsOrEmpty($("jobs-body"), jobs.map((j) => el("tr", { "data-job-id": j.id, class: "clickable" + (j.id === selectedJob ? " selected" : "") },
    el("td", { class: "mono id" }, j.id),
    el("td", { class: "wide" }, j.endpoint),
    el("td", { class: "status" }, badge(j.status), j.progress ? " " + j.progress.percent.toFixed(0) + " %" : ""),
    el("td", { class: "wide" }, time(j.createdAt)),
    el("td", { class: "delay" }, duration(j.delayTime)),
    el("td", { class: "execution" }, j.status === "IN_QUEUE" ? "–" : duration(j.executionTime)),
    el("td", { class: "worker mono wide" }, j.workerId || "–"))), 7, "No job with this status.");
}

// ---- job detail ----

let selectedJob = null;
let shownDetail = null;

function outputView(o) {
  const src = o.dataUri || o.url;
  const kind = (o.mimeType || "").split("/")[0];
  let media = null;
  if (src && kind === "image") media = el("img", { src: src, alt: o.filename });
  if (src && kind === "video") media = el("video", { src: src, controls: "" });
  if (src && kind === "audio") media = el("audio", { src: src, controls: "" });
  const link = src ? el("a", { href: src, download: o.filename, target: o.url ? "_blank" : null }, o.filename)
    : el("span", {}, o.filename + " (too large to show here)");
  return el("figure", { class: "output" }, media, el("figcaption", {}, link, el("span", { class: "muted" }, " " + o.mimeType)));
}

function renderJobDetail(j) {
  const box = $("job-detail");
  if (!j) {
    shownDetail = null;
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const close = el("button", { type: "button", id: "job-detail-close" }, "Close");
  close.addEventListener("click", () => { selectedJob = null; renderJobDetail(null); });
  const row = (name, value) => [el("dt", {}, name), el("dd", {}, value)];
  const timeline = el("dl", { class: "settings timeline" },
    ...row("queued", time(j.createdAt)),
    ...row("started", j.startedAt ? time(j.startedAt) + " · waited " + duration(j.delayTime) : "not yet · waiting " + duration(j.delayTime)),
    ...(j.progress ? row("progress", progressText(j.progress)) : []),
    ...row("finished", j.finishedAt ? time(j.finishedAt) + " · ran " + duration(j.executionTime) : (j.startedAt ? "running " + duration(j.executionTime) : "–")),
    ...row("worker", j.workerId || "–"),
    ...row("retries", j.retries + " of " + j.maxRetries),
    ...row("workflow", j.nodes.length ? j.nodes.map((n) => n.id + " " + n.classType).join(" · ") : "–"));
  const parts = [el("h2", {}, "Job ", el("span", { class: "mono" }, j.id), badge(j.status), el("span", { class: "spacer" }), close), timeline];
  if (j.preview && j.status === "IN_PROGRESS") parts.push(el("img", { class: "preview", src: j.preview, alt: "latest preview" }));
  if (j.error) parts.push(el("h3", {}, "Error"), el("pre", { class: "error-text" }, j.error));
  if (j.outputs.length) parts.push(el("h3", {}, "Outputs"), el("div", { class: "outputs" }, ...j.outputs.map(outputView)));
  box.replaceChildren(...parts);
  box.hidden = false;
}

async function refreshDetail() {
  if (!selectedJob) return;
  try {
    const j = await api("/dashboard/api/jobs/" + encodeURIComponent(selectedJob));
    // an ended job's detail does not change: redrawing it would re-decode its images and reset a playing video
    const text = JSON.stringify(j);
    if (text !== shownDetail) renderJobDetail(j);
    shownDetail = text;
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    // gone (retention) or unreachable: the offline banner speaks for the latter
    if (!(e instanceof TypeError)) { selectedJob = null; renderJobDetail(null); }
  }
}

// ---- charts: plain SVG, x is time (oldest left, now at the right edge) ----

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/**
 * A time chart: grid with y labels (yText formats them), the window's ends on the x axis, then the given series.
 * Returns x(t), y(v) and the nodes so far; the caller adds its lines and dots and puts them in the svg.
 */
function frame(svg, windowMs, now, max, yText) {
  const width = Math.max(280, svg.clientWidth || 800);
  const height = svg.clientHeight || 200;
  const pad = { left: 44, right: 8, top: 8, bottom: 20 };
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  const x = (t) => pad.left + (width - pad.left - pad.right) * (t - (now - windowMs)) / windowMs;
  const y = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const nodes = [];
  for (const v of [0, max / 2, max]) {
    nodes.push(svgNode("line", { class: "grid", x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }));
    const label = svgNode("text", { x: 2, y: y(v) + 4 });
    label.textContent = v === 0 ? "0" : yText(v);
    nodes.push(label);
  }
  const axis = (text, xPos, anchor) => {
    const t = svgNode("text", { x: xPos, y: height - 4, "text-anchor": anchor });
    t.textContent = text;
    return t;
  };
  nodes.push(axis("\u2212" + Math.round(windowMs / 60000) + " min", pad.left, "start"), axis("now", width - pad.right, "end"));
  return { x, y, nodes, bottom: y(0) };
}

/** Polylines through the points whose value is not null, broken where it is, with a dot on each point. */
function line(cls, points, x, y) {
  const nodes = [];
  let run = [];
  const flush = () => {
    if (run.length > 1) nodes.push(svgNode("polyline", { class: cls, points: run.join(" ") }));
    run = [];
  };
  for (const [t, v] of points) {
    if (v === null || v === undefined) { flush(); continue; }
    run.push(x(t).toFixed(1) + "," + y(v).toFixed(1));
    nodes.push(svgNode("circle", { class: cls, cx: x(t).toFixed(1), cy: y(v).toFixed(1), r: 2.5 }));
  }
  flush();
  return nodes;
}

/** A rounded-up chart maximum for durations: 1, 2, 5 times a power of ten, in ms. */
function niceMax(ms) {
  let step = 1000;
  for (;;) {
    for (const f of [1, 2, 5]) if (ms <= f * step) return f * step;
    step *= 10;
  }
}

// Queue, in progress and workers (summed over the key's endpoints by the gateway). Workers is a filled area
// behind the lines: "in progress" often equals it, and a line drawn on a line of the same height disappears.
function renderChart(series) {
  const svg = $("chart");
  const minutes = Math.round(series.capacity * series.intervalMs / 60000);
  $("chart-window").textContent = "last " + minutes + " minutes, every " + (series.intervalMs / 1000) + " s";
  const points = series.points;
  const max = Math.max(4, ...points.map((p) => Math.max(p.queued, p.inProgress, p.workers)));
  const f = frame(svg, series.windowMs, series.now, max, (v) => String(Math.round(v)));
  const nodes = f.nodes;
  if (points.length > 1) {
    const top = points.map((p) => f.x(p.t).toFixed(1) + "," + f.y(p.workers).toFixed(1));
    const area = [f.x(points[0].t).toFixed(1) + "," + f.bottom, ...top, f.x(points[points.length - 1].t).toFixed(1) + "," + f.bottom];
    nodes.push(svgNode("polygon", { class: "workers", points: area.join(" ") }));
  }
  for (const [field, cls] of [["queued", "queued"], ["inProgress", "in-progress"]]) {
    if (points.length > 1) {
      nodes.push(svgNode("polyline", { class: cls, points: points.map((p) => f.x(p.t).toFixed(1) + "," + f.y(p[field]).toFixed(1)).join(" ") }));
    }
  }
  svg.replaceChildren(...nodes);
}

// Delay and execution time, p50 and p95 per bucket, from the jobs the gateway saw start and end.
function renderTimes(series) {
  const svg = $("times-chart");
  const buckets = series.times;
  const jobs = buckets.reduce((n, b) => n + b.executions, 0);
  $("times-window").textContent = "per " + (series.bucketMs / 1000) + " s, " + jobs + " job" + (jobs === 1 ? "" : "s") + " ended";
  const all = buckets.flatMap((b) => [b.delayP95, b.executionP95, b.delayP50, b.executionP50]).filter((v) => v !== null);
  const f = frame(svg, series.windowMs, series.now, niceMax(Math.max(1000, ...all)), (v) => duration(v));
  // a bucket's point sits at its middle; the current bucket's, at most at "now"
  const mid = (b) => Math.min(b.t + series.bucketMs / 2, series.now);
  const nodes = f.nodes;
  for (const [field, cls] of [["delayP95", "delay p95"], ["executionP95", "execution p95"], ["delayP50", "delay"], ["executionP50", "execution"]]) {
    nodes.push(...line(cls, buckets.map((b) => [mid(b), b[field]]), f.x, f.y));
  }
  svg.replaceChildren(...nodes);
}

// Each cold start is a dot at the moment its worker became ready, as high as the boot took.
function renderColdStarts(series) {
  const svg = $("cold-chart");
  const colds = series.coldStarts;
  const last = colds[colds.length - 1];
  $("cold-summary").textContent = colds.length
    ? colds.length + " in the window, last " + duration(last.ms) + " (" + last.workerId + ")" : "none in the window";
  const f = frame(svg, series.windowMs, series.now, niceMax(Math.max(1000, ...colds.map((c) => c.ms))), (v) => duration(v));
  const nodes = f.nodes;
  for (const c of colds) {
    const dot = svgNode("circle", { class: "cold", cx: f.x(c.t).toFixed(1), cy: f.y(c.ms).toFixed(1), r: 4 });
    const title = svgNode("title", {});
    title.textContent = c.workerId + " (" + c.endpoint + "): " + duration(c.ms) + " at " + new Date(c.t).toLocaleTimeString();
    dot.append(title);
    nodes.push(dot);
  }
  svg.replaceChildren(...nodes);
}

// ---- loop ----

async function refresh(gen) {
  try {
    const status = $("status-filter").value;
    const [overview, jobs, series] = await Promise.all([
      api("/dashboard/api/overview"),
      api("/dashboard/api/jobs?status=" + encodeURIComponent(status)),
      api("/dashboard/api/series"),
    ]);
    if (gen !== generation) return;
    renderEndpoints(overview.endpoints);
    renderRunning(overview.running);
    renderWorkers(overview.workers);
    renderJobs(jobs.jobs);
    renderChart(series);
    renderTimes(series);
    renderColdStarts(series);
    await refreshDetail();
    lastUpdate = new Date();
    $("connection").textContent = "updated " + lastUpdate.toLocaleTimeString();
    online();
    showBoard();
  } catch (e) {
    if (gen !== generation) return;
    if (e instanceof Unauthorized) {
      forgetKey();
      showSignIn("That key opens no endpoint on this gateway.");
      return;
    }
    offline(e);
  }
  timer = setTimeout(() => refresh(gen), POLL_MS);
}

// When the gateway stops answering, the numbers on screen stop being true: dim them and say since when.
let lastUpdate = null;
let unreachableSince = null;

function offline(error) {
  if (!unreachableSince) unreachableSince = new Date();
  const reason = error instanceof TypeError ? "no answer" : error.message;
  $("offline").textContent = "Gateway unreachable since " + unreachableSince.toLocaleTimeString() + " (" + reason
    + "); retrying every " + (POLL_MS / 1000) + " s." + (lastUpdate ? " What you see is from " + lastUpdate.toLocaleTimeString() + "." : "");
  $("offline").hidden = false;
  $("board").classList.add("stale");
  document.querySelector("header").classList.add("stale");
  $("connection").textContent = "offline";
}

function online() {
  unreachableSince = null;
  $("offline").hidden = true;
  $("board").classList.remove("stale");
  document.querySelector("header").classList.remove("stale");
}

function showBoard() {
  $("sign-in").hidden = true;
  $("board").hidden = false;
  $("sign-out").hidden = false;
}

function showSignIn(message) {
  generation++;
  clearTimeout(timer);
  $("board").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  $("key-error").textContent = message || "";
  online();
  $("connection").textContent = "";
  $("api-key").focus();
}

function start() {
  generation++;
  clearTimeout(timer);
  refresh(generation);
}

document.addEventListener("DOMContentLoaded", () => {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    forgetKey();
    ($("remember").checked ? localStorage : sessionStorage).setItem(KEY_NAME, key);
    $("api-key").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => {
    forgetKey();
    showSignIn();
  });
  $("status-filter").addEventListener("change", start);
  const openJob = (id) => {
    selectedJob = id;
    refreshDetail().then(() => $("job-detail").scrollIntoView({ block: "nearest" }));
  };
  $("jobs-body").addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-job-id]");
    if (tr) openJob(tr.dataset.jobId);
  });
  $("workers-body").addEventListener("click", (event) => {
    const ref = event.target.closest("[data-open-job]");
    if (!ref) return;
    event.preventDefault();
    openJob(ref.dataset.openJob);
  });
  if (storedKey()) {
    start();
  } else {
    showSignIn();
  }
});
