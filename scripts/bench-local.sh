#!/usr/bin/env bash
# Starts a local fleet on 127.0.0.1 -- one gateway (SQLite), W workers each attached to its own ComfyUI emulator
# in zero-time mode, and one more idle emulator for the direct baseline -- runs `comfyfleet bench` against it,
# prints `uptime`, and stops everything it started.
#
# Usage: [WARMUP=100] scripts/bench-local.sh [workers=2] [clients=20] [jobs=400] [status-seconds=5]
# Needs the shaded jar: ./mvnw -B -o -pl comfyfleet-cli -am package -DskipTests
# Writes bench.json / bench.md and the processes' logs into $OUT (default: target/bench-local).
set -euo pipefail

WORKERS=${1:-2}
CLIENTS=${2:-20}
JOBS=${3:-400}
STATUS_SECONDS=${4:-5}
WARMUP=${WARMUP:-100}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/comfyfleet-cli/target/comfyfleet.jar}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
OUT=${OUT:-$ROOT/target/bench-local}
BASE_PORT=${BASE_PORT:-18080}
GATEWAY_PORT=$BASE_PORT
CLIENT_KEY=bench-client-key-0123456789
WORKER_KEY=bench-worker-key-0123456789

[ -f "$JAR" ] || { echo "missing $JAR: build it with ./mvnw -B -o -pl comfyfleet-cli -am package -DskipTests" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

run() { # run NAME ARGS...: start the jar in the background, log to $OUT/NAME.log
  local name=$1; shift
  "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=($!)
}
wait_http() { # wait_http URL: until it answers at all (any status), up to 60 s
  for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "$1 did not answer; see $OUT/*.log" >&2; exit 1
}

cat >"$OUT/gateway.yaml" <<YAML
server: {host: 127.0.0.1, port: $GATEWAY_PORT, dataDir: data, jobTakeHold: 20s, jobStopHold: 20s}
endpoints:
  - name: bench
    clientKeys: [$CLIENT_KEY]
    workerKeys: [$WORKER_KEY]
YAML
run gateway gateway --config "$OUT/gateway.yaml"
for i in $(seq 0 "$WORKERS"); do  # emulator 0 is the baseline's, 1..W belong to the workers
  port=$((BASE_PORT + 108 + i))
  run "emulator-$i" emulator --listen 127.0.0.1 --port "$port" --zero-time --base-directory "$OUT/comfy-$i"
done
wait_http "http://127.0.0.1:$GATEWAY_PORT/v2/bench/health"
for i in $(seq 0 "$WORKERS"); do wait_http "http://127.0.0.1:$((BASE_PORT + 108 + i))/system_stats"; done
for i in $(seq 1 "$WORKERS"); do
  run "worker-$i" worker --gateway-url "http://127.0.0.1:$GATEWAY_PORT" --endpoint bench --worker-id "w$i" \
    --worker-key "$WORKER_KEY" --comfyui-url "http://127.0.0.1:$((BASE_PORT + 108 + i))" --work-dir "$OUT/worker-$i"
done

echo "== uptime before"; uptime
"$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" bench --url "http://127.0.0.1:$GATEWAY_PORT/v2" \
  --endpoint bench --key "$CLIENT_KEY" --clients "$CLIENTS" --jobs "$JOBS" --warmup "$WARMUP" --status-seconds "$STATUS_SECONDS" \
  --direct-comfyui "http://127.0.0.1:$((BASE_PORT + 108))" --json "$OUT/bench.json" --markdown "$OUT/bench.md"
echo "== uptime after"; uptime
