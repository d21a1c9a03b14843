#!/usr/bin/env bash
# Submission under load: one gateway (`comfyfleet gateway`, no workers, so every /run is the whole submission
# path: auth, parse, validation, the synced insert of the job, the answer) on SQLite or on an embedded PostgreSQL
# with every commit synced, then an open-loop rate sweep of POST /v2/bench/run with autocannon. Prints p50 / p90 /
# p99 / max and errors per rate, and the highest rate whose p99 stays within P99_MS.
#
# Usage: [STORE=sqlite|postgres] [CLIENT=autocannon|loadtest] [RATES="500 1000 1500 2000"] [DURATION=15]
#        [CONNECTIONS=50] [WARMUP_SECONDS=10] [P99_MS=10] [PROFILE=1] scripts/bench-submit.sh
#   CLIENT=loadtest  a truly open-loop client (scripts/open-loop.mjs, loadtest 8's requestsPerSecond: one request
#                   every 1000/RATE ms on a free or new keep-alive connection, whatever came back; CONNECTIONS is
#                   not used). autocannon's -R is not open loop: each connection sends its share of a second
#                   back to back when the second starts, then waits, so 50 connections offer bursts of 50.
#   STORE=postgres  starts an embedded PostgreSQL 18 (io.comfyfleet.testkit.BenchPostgres: fsync and
#                   synchronous_commit on, data under $OUT/postgres) and points the gateway at it
#   PROFILE=1       records the gateway with JFR into $OUT/gateway.jfr (jfr view hot-methods / contention-by-site)
#   COMFYFLEET_JAVA_OPTS  extra JVM options for the gateway, as for ./comfyfleet
# The rates run in the order given on one gateway (the queue grows by rate x DURATION jobs per step, as it would
# with no worker taking them), each after a 2 s pause; a WARMUP_SECONDS step at the first rate comes first and
# is not reported.
# autocannon's -R spreads the requests of each second over the connections; a request waits for a free
# connection, so once all CONNECTIONS are busy the offered rate drops (answered/s falls below the rate) and the
# latencies understate the queueing a truly open-loop client would see.
# Needs the shaded jar (./mvnw -B -o -pl comfyfleet-cli -am package -DskipTests), node and npm (autocannon is
# installed into $ROOT/target/bench-tools on first use); for STORE=postgres also comfyfleet-testkit built
# (./mvnw -B -o -q -pl comfyfleet-testkit install -DskipTests).
# Writes the autocannon JSON per rate, gateway.yaml, the gateway's log and results.md into $OUT
# (default: target/bench-submit-$STORE).
set -euo pipefail

STORE=${STORE:-sqlite}
RATES=${RATES:-500 1000 1500 2000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-50}
WARMUP_SECONDS=${WARMUP_SECONDS:-10}
P99_MS=${P99_MS:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/comfyfleet-cli/target/comfyfleet.jar}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}  # also for ./mvnw below
JAVA=$JAVA_HOME/bin/java
OUT=${OUT:-$ROOT/target/bench-submit-$STORE}
PORT=${PORT:-18380}
PG_PORT=${PG_PORT:-18381}
TOOLS=$ROOT/target/bench-tools
CLIENT_KEY=bench-client-key-0123456789
WORKER_KEY=bench-worker-key-0123456789

whole() { # whole NAME VALUE MIN: refuse what is not a whole number >= MIN, before anything starts
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] || { echo "$1 must be a whole number >= $3, not '$2'" >&2; exit 2; }
}
[[ "$STORE" =~ ^(sqlite|postgres)$ ]] || { echo "STORE must be sqlite or postgres, not '$STORE'" >&2; exit 2; }
for r in $RATES; do whole "each of RATES" "$r" 1; done
whole DURATION "$DURATION" 1; whole CONNECTIONS "$CONNECTIONS" 1; whole WARMUP_SECONDS "$WARMUP_SECONDS" 0
whole P99_MS "$P99_MS" 1; whole PORT "$PORT" 1024; whole PG_PORT "$PG_PORT" 1024
[ -f "$JAR" ] || { echo "missing $JAR: build it with ./mvnw -B -o -pl comfyfleet-cli -am package -DskipTests" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "needs node and npm (for autocannon)" >&2; exit 2; }

CLIENT=${CLIENT:-autocannon}
case "$CLIENT" in autocannon|loadtest) ;; *) echo "CLIENT must be autocannon or loadtest, got '$CLIENT'" >&2; exit 2;; esac
AUTOCANNON=$TOOLS/node_modules/.bin/autocannon
LOADTEST=$TOOLS/node_modules/loadtest/index.js
if [ ! -x "$AUTOCANNON" ] || [ ! -f "$LOADTEST" ]; then
  echo "== installing autocannon 8 and loadtest 8 into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --no-audit --no-fund --silent --prefix "$TOOLS" autocannon@8 loadtest@8 >/dev/null
fi

rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

STORE_YAML=""
if [ "$STORE" = postgres ]; then
  CP_FILE=$ROOT/comfyfleet-testkit/target/bench.classpath
  if [ ! -s "$CP_FILE" ] || [ ! -d "$ROOT/comfyfleet-testkit/target/classes" ]; then
    echo "== resolving comfyfleet-testkit's classpath (embedded PostgreSQL)"
    (cd "$ROOT" && ./mvnw -B -o -q -pl comfyfleet-testkit compile \
      org.apache.maven.plugins:maven-dependency-plugin:3.11.0:build-classpath -Dmdep.outputFile=target/bench.classpath)
  fi
  "$JAVA" -cp "$ROOT/comfyfleet-testkit/target/classes:$(cat "$CP_FILE")" io.comfyfleet.testkit.BenchPostgres \
    "$PG_PORT" "$OUT/postgres" >"$OUT/postgres.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 600); do grep -q '^ready ' "$OUT/postgres.log" && break; sleep 0.1; done
  PG_URL=$(sed -n 's/^ready \(jdbc:postgresql:[^?]*\).*/\1/p' "$OUT/postgres.log")
  [ -n "$PG_URL" ] || { echo "PostgreSQL did not start; see $OUT/postgres.log" >&2; exit 1; }
  STORE_YAML="store: {type: postgres, url: '$PG_URL', user: postgres}"
fi

cat >"$OUT/gateway.yaml" <<YAML
server: {host: 127.0.0.1, port: $PORT, dataDir: data}
$STORE_YAML
endpoints:
  - name: bench
    clientKeys: [$CLIENT_KEY]
    workerKeys: [$WORKER_KEY]
YAML

# the JVM options ./comfyfleet gives the gateway on this machine (C1 only on two cores or fewer)
JVM=(--enable-native-access=ALL-UNNAMED)
[ "$(nproc)" -le 2 ] && JVM+=(-XX:TieredStopAtLevel=1)
read -r -a user_opts <<<"${COMFYFLEET_JAVA_OPTS:-}"  # split on spaces, no file-name globbing
JVM+=("${user_opts[@]}")
[ "${PROFILE:-0}" = 1 ] && JVM+=("-XX:StartFlightRecording=filename=$OUT/gateway.jfr,settings=profile")
(cd "$OUT" && exec "$JAVA" "${JVM[@]}" -jar "$JAR" gateway --config "$OUT/gateway.yaml" >"$OUT/gateway.log" 2>&1) &
PIDS+=($!)
GATEWAY_PID=${PIDS[-1]}
for _ in $(seq 1 3000); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/bench/health" && break; sleep 0.1; done
curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/bench/health" || { echo "the gateway did not start; see $OUT/gateway.log" >&2; exit 1; }

# a two-node workflow (no worker runs it: the benchmark is the submission)
BODY='{"input":{"workflow":{"1":{"class_type":"EmptyImage","inputs":{"width":64,"height":64,"batch_size":1,"color":0}},"2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"bench"}}}}}'
load() { # load RATE SECONDS JSON_FILE
  if [ "$CLIENT" = loadtest ]; then
    node "$ROOT/scripts/open-loop.mjs" "$LOADTEST" "http://127.0.0.1:$PORT/v2/bench/run" "$1" "$2" \
      "Bearer $CLIENT_KEY" "$BODY" >"$3"
    return
  fi
  "$AUTOCANNON" --json -c "$CONNECTIONS" -R "$1" -d "$2" -m POST \
    -H "Authorization=Bearer $CLIENT_KEY" -H "Content-Type=application/json" -b "$BODY" \
    "http://127.0.0.1:$PORT/v2/bench/run" >"$3" 2>/dev/null
}
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $CLIENT_KEY" \
  -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/v2/bench/run")
[ "$status" = 200 ] || { echo "POST /run answered $status, not 200; see $OUT/gateway.log" >&2; exit 1; }

FIRST_RATE=${RATES%% *}
echo "== $STORE, $CLIENT, $([ "$CLIENT" = loadtest ] && echo "open loop" || echo "$CONNECTIONS connections"), warm-up ${WARMUP_SECONDS} s at $FIRST_RATE/s; load: $(cat /proc/loadavg)"
[ "$WARMUP_SECONDS" -gt 0 ] && load "$FIRST_RATE" "$WARMUP_SECONDS" "$OUT/warmup.json"

{
  echo "| rate (/s) | answered/s | 2xx | errors (non-2xx + socket + timeouts) | p50 ms | p90 ms | p99 ms | max ms | load before |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$OUT/results.md"
BROKEN=0
for rate in $RATES; do
  sleep 2
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
  load "$rate" "$DURATION" "$OUT/rate-$rate.json"
  row=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const errors = r.non2xx + r.errors + r.timeouts;
    const l = r.latency;
    console.log([process.argv[2], Math.round(r["2xx"] / r.duration), r["2xx"], errors, l.p50, l.p90, l.p99, l.max, process.argv[3],
      (errors === 0 && l.p99 <= Number(process.argv[4])) ? "ok" : "over"].join("\t"));
  ' "$OUT/rate-$rate.json" "$rate" "$loadavg" "$P99_MS")
  IFS=$'\t' read -r r answered ok errors p50 p90 p99 max la verdict <<<"$row"
  echo "| $r | $answered | $ok | $errors | $p50 | $p90 | $p99 | $max | $la |" >>"$OUT/results.md"
  printf 'rate %5s/s  answered %5s/s  2xx %6s  errors %4s  p50 %5s  p90 %5s  p99 %5s  max %6s ms  (load %s)\n' \
    "$r" "$answered" "$ok" "$errors" "$p50" "$p90" "$p99" "$max" "$la"
  # the highest rate of an unbroken run from the lowest: a pass after a failure is noise, not capacity
  if [ "$verdict" != ok ]; then BROKEN=1; elif [ "$BROKEN" = 0 ]; then BEST_RATE=$r; fi
done
echo
cat "$OUT/results.md"
echo
echo "highest rate with p99 <= $P99_MS ms and no errors: ${BEST_RATE:-none of $RATES} /s ($STORE, $CLIENT)"
echo "load after: $(cat /proc/loadavg); gateway CPU time (incl. start-up): $(ps -o time= -p "$GATEWAY_PID")"
