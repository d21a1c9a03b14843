// One open-loop load step for scripts/bench-submit.sh (CLIENT=loadtest): loadtest's requestsPerSecond mode sends
// a request every 1000/RATE ms from one timer, on a free connection or a new one, whether or not earlier answers
// came back (autocannon's -R lets each connection send its share of a second back to back at the start of that
// second, so 50 connections offer 50-request bursts, not a rate). Prints autocannon's JSON fields the script reads.
//   node open-loop.mjs LOADTEST_INDEX_JS URL RATE SECONDS AUTHORIZATION BODY
const [, , loadtestPath, url, rate, seconds, authorization, body] = process.argv;
const { loadTest } = await import(loadtestPath);
const result = await loadTest({
  url, method: 'POST', body, contentType: 'application/json', agentKeepAlive: true,
  headers: { authorization }, requestsPerSecond: Number(rate), maxSeconds: Number(seconds), quiet: true,
});
const errors = result.totalErrors;
console.log(JSON.stringify({
  '2xx': result.totalRequests - errors, non2xx: errors, errors: 0, timeouts: 0, duration: result.totalTimeSeconds,
  latency: { p50: result.percentiles[50], p90: result.percentiles[90], p99: result.percentiles[99], max: result.maxLatencyMs },
}));
