#!/usr/bin/env bash
# Starts a local fleet on 127.0.0.1 -- one gateway (SQLite), W workers each with its own ComfyUI emulator in
# zero-time mode, and one more idle emulator for the direct baseline -- runs `comfyfleet bench` against it,
# then (when `wrk` is installed) measures GET /status with wrk from outside the JVMs, prints `uptime`, and stops
# everything it started.
#
# Usage: [WARMUP=100] [SLOW_MS=0] [LEAN=0] [DIRECT=one] [RATE=] [PROGRESS_MS=300] [COMFY=launch] scripts/bench-local.sh [workers=2] [clients=20] [jobs=400] [status-seconds=5]
#   SLOW_MS=N   the workflow takes the emulator ~N ms (EmptyImage -> SlowProgress of 10 steps -> SaveImage,
#               with EmptyImage's colour varied per job so no job is a cache hit) instead of the zero-time
#               EmptyImage -> SaveImage
#   COMFYFLEET_JAVA_OPTS  extra JVM options for the gateway and the workers, as for ./comfyfleet (e.g. -XX:TieredStopAtLevel=4)
#   LEAN=1      workers and emulators run with small JVMs (-Xmx128m, serial GC, C1 only) so 40 of them fit
#   PROFILE="gateway worker-1 bench"  record these processes with JFR into $OUT/NAME.jfr (jfr view hot-methods ...)
#   PROGRESS_MS=N  the workers' --progress-interval (default 300 ms: a 1 s job posts three progress updates)
#   RATE=R      open loop: job i arrives at i/R seconds (the same on both paths; warm-up stays closed loop)
#               instead of each client submitting as soon as its last job ended; with R a little under
#               clients / job time, about that many jobs run at once without arriving in lock step
#   COMFY=launch  each worker starts and supervises its emulator, as `comfyfleet up` runs them (outputs are read
#               from its output folder); COMFY=attach starts the emulators apart and points the workers at their
#               URLs (--comfyui-url: outputs come over GET /view, as from a ComfyUI on another machine)
#   DIRECT=workers  the direct-ComfyUI baseline uses the workers' own emulators (idle by then), one per client,
#               instead of the one extra emulator (where 20 clients would queue behind each other)
# The aim "fleet overhead at 20 concurrent clients" measured fairly (no client ever waits for a free worker):
#   WARMUP=40 SLOW_MS=1000 LEAN=1 DIRECT=workers scripts/bench-local.sh 20 20 200 5
# Needs the shaded jar: ./mvnw -B -o -pl comfyfleet-cli -am package -DskipTests
# Writes bench.json / bench.md, workflow.json, wrk-status.txt and the processes' logs into $OUT
# (default: target/bench-local).
set -euo pipefail

WORKERS=${1:-2}
CLIENTS=${2:-20}
JOBS=${3:-400}
STATUS_SECONDS=${4:-5}
WARMUP=${WARMUP:-100}
SLOW_MS=${SLOW_MS:-0}
LEAN=${LEAN:-0}
DIRECT=${DIRECT:-one}
COMFY=${COMFY:-launch}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/comfyfleet-cli/target/comfyfleet.jar}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
OUT=${OUT:-$ROOT/target/bench-local}
BASE_PORT=${BASE_PORT:-18080}
GATEWAY_PORT=$BASE_PORT
CLIENT_KEY=bench-client-key-0123456789
WORKER_KEY=bench-worker-key-0123456789

PROGRESS_MS=${PROGRESS_MS:-300}
whole() { # whole NAME VALUE MIN: refuse what is not a whole number >= MIN, before anything starts
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] || { echo "$1 must be a whole number >= $3, not '$2'" >&2; exit 2; }
}
whole workers "$WORKERS" 1; whole clients "$CLIENTS" 1; whole jobs "$JOBS" 1; whole status-seconds "$STATUS_SECONDS" 0
whole WARMUP "$WARMUP" 0; whole SLOW_MS "$SLOW_MS" 0; whole PROGRESS_MS "$PROGRESS_MS" 50; whole BASE_PORT "$BASE_PORT" 1024
[[ "$COMFY" =~ ^(attach|launch)$ ]] || { echo "COMFY must be attach or launch, not '$COMFY'" >&2; exit 2; }
[[ -z "${RATE:-}" || "$RATE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "RATE must be a number of jobs per second, not '$RATE'" >&2; exit 2; }

[ -f "$JAR" ] || { echo "missing $JAR: build it with ./mvnw -B -o -pl comfyfleet-cli -am package -DskipTests" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT"
PIDS=(); KINDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# the gateway and the workers get the JVM options ./comfyfleet would give them on this machine (C1 only on two
# cores or fewer)
LAUNCHER_JVM=()
[ "$(nproc)" -le 2 ] && LAUNCHER_JVM=(-XX:TieredStopAtLevel=1)
read -r -a user_opts <<<"${COMFYFLEET_JAVA_OPTS:-}"  # split on spaces, no file-name globbing
LAUNCHER_JVM+=("${user_opts[@]}")
JVM_SMALL=()
[ "$LEAN" = 1 ] && JVM_SMALL=(-Xmx128m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1)
run() { # run NAME [JVM flags --] ARGS...: start the jar in the background, log to $OUT/NAME.log
  local name=$1; shift
  local flags=()
  if [ "${1:-}" = lean ]; then shift; flags=("${JVM_SMALL[@]}"); fi
  # gateway and workers get what ./comfyfleet gives every command on this machine (a worker's C2 compiles cost
  # it ~3 s of CPU in a 500-job run on two cores, and its job time with them); lean JVMs keep their own flags
  if [ "$name" = gateway ] || { [[ "$name" == worker-* ]] && [ "$LEAN" != 1 ]; }; then flags=("${LAUNCHER_JVM[@]}"); fi
  if [[ " ${PROFILE:-} " == *" $name "* ]]; then  # a JFR recording of this process, written when it stops
    flags+=("-XX:StartFlightRecording=filename=$OUT/$name.jfr,settings=profile")
  fi
  "$JAVA" --enable-native-access=ALL-UNNAMED "${flags[@]}" -jar "$JAR" "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=($!)
  KINDS+=("${name%%-*}")  # gateway, worker or emulator
}
wait_http() { # wait_http URL: until it answers at all (any status), up to 300 s (40 JVMs start slowly on 2 cores)
  for _ in $(seq 1 3000); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
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
GATEWAY_PID=${PIDS[0]}
LAST_EMULATOR=$WORKERS; [ "$COMFY" = launch ] && LAST_EMULATOR=0
for i in $(seq 0 "$LAST_EMULATOR"); do  # emulator 0 is the baseline's, 1..W belong to the workers
  port=$((BASE_PORT + 108 + i))
  run "emulator-$i" lean emulator --listen 127.0.0.1 --port "$port" --zero-time --base-directory "$OUT/comfy-$i"
done
wait_http "http://127.0.0.1:$GATEWAY_PORT/v2/bench/health"
for i in $(seq 0 "$LAST_EMULATOR"); do wait_http "http://127.0.0.1:$((BASE_PORT + 108 + i))/system_stats"; done
for i in $(seq 1 "$WORKERS"); do
  port=$((BASE_PORT + 108 + i))
  if [ "$COMFY" = launch ]; then  # as comfyfleet up runs it: the worker starts and supervises its emulator
    emu="'$JAVA' --enable-native-access=ALL-UNNAMED ${JVM_SMALL[*]} -jar '$JAR' emulator --listen 127.0.0.1 --port {port} --zero-time"
    emu+=" --output-directory {output} --input-directory {input} --temp-directory {temp}"
    comfy_args=(--comfyui-command "$emu" --comfyui-port "$port")
  else
    comfy_args=(--comfyui-url "http://127.0.0.1:$port")
  fi
  run "worker-$i" lean worker --gateway-url "http://127.0.0.1:$GATEWAY_PORT" --endpoint bench --worker-id "w$i" \
    --worker-key "$WORKER_KEY" "${comfy_args[@]}" --work-dir "$OUT/worker-$i" --progress-interval "$PROGRESS_MS"
  [ "$i" = 1 ] && WORKER1_PID=${PIDS[-1]}
done

# every worker idle (it asks the gateway for work) before the clock starts
for _ in $(seq 1 3000); do
  idle=$(curl -s -H "Authorization: Bearer $CLIENT_KEY" "http://127.0.0.1:$GATEWAY_PORT/v2/bench/health" \
    | sed -n 's/.*"idle":\([0-9]*\).*/\1/p')
  [ "${idle:-0}" -ge "$WORKERS" ] && break; sleep 0.1
done
if [ "$COMFY" = launch ]; then  # each worker's emulator is its child: count its CPU with the emulators
  for i in $(seq 1 "$WORKERS"); do
    port=$((BASE_PORT + 108 + i))
    for pid in $(pgrep -f -- "emulator --listen 127.0.0.1 --port $port "); do PIDS+=("$pid"); KINDS+=(emulator); done
  done
fi

WORKFLOW_ARGS=()
if [ "$SLOW_MS" -gt 0 ]; then
  cat >"$OUT/workflow.json" <<JSON
{"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
 "2": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 10, "delay_ms": $((SLOW_MS / 10)), "fail_at": -1}},
 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "bench"}}}
JSON
  # a distinct colour per job: ComfyUI (and the emulator) answer a repeated identical prompt from cache at once
  WORKFLOW_ARGS=(--workflow "$OUT/workflow.json" --vary 1.color)
fi
RATE_ARGS=()
[ -n "${RATE:-}" ] && RATE_ARGS=(--rate "$RATE")
DIRECT_ARGS=(--direct-comfyui "http://127.0.0.1:$((BASE_PORT + 108))")
if [ "$DIRECT" = workers ]; then
  DIRECT_ARGS=(); for i in $(seq 1 "$WORKERS"); do DIRECT_ARGS+=(--direct-comfyui "http://127.0.0.1:$((BASE_PORT + 108 + i))"); done
fi

CLK_TCK=$(getconf CLK_TCK)
cpu_by_kind() { # CPU seconds so far of the gateway, all workers, all emulators (utime+stime), one awk for all
  local files=() i
  for i in "${!PIDS[@]}"; do files+=("/proc/${PIDS[$i]}/stat"); done
  # a process that has exited has no file: awk skips it, and each file names its process kind by its pid
  awk -v t="$CLK_TCK" -v pids="${PIDS[*]}" -v kinds="${KINDS[*]}" \
    'BEGIN {n = split(pids, p, " "); split(kinds, k, " "); for (i = 1; i <= n; i++) kind[p[i]] = k[i]}
    {split(FILENAME, part, "/"); s[kind[part[3]]] += $14 + $15}
    END {printf "%.1f %.1f %.1f\n", s["gateway"]/t, s["worker"]/t, s["emulator"]/t}' "${files[@]}" 2>/dev/null
}
cpu_before=$(cpu_by_kind)
echo "== uptime before"; uptime
BENCH_JVM=()
[[ " ${PROFILE:-} " == *" bench "* ]] && BENCH_JVM=("-XX:StartFlightRecording=filename=$OUT/bench.jfr,settings=profile")
# the bench names each phase on stderr; the CPU counters are read as its measured fleet phase starts and ends
# (the lines are read as they come, so nothing polls while the bench runs)
{ "$JAVA" --enable-native-access=ALL-UNNAMED "${BENCH_JVM[@]}" -jar "$JAR" bench --url "http://127.0.0.1:$GATEWAY_PORT/v2" \
    --endpoint bench --key "$CLIENT_KEY" --clients "$CLIENTS" --jobs "$JOBS" --warmup "$WARMUP" --status-seconds "$STATUS_SECONDS" \
    "${WORKFLOW_ARGS[@]}" "${RATE_ARGS[@]}" "${DIRECT_ARGS[@]}" --json "$OUT/bench.json" --markdown "$OUT/bench.md" \
    2>&1 1>&3 3>&- \
  | while IFS= read -r line; do
      printf '%s\n' "$line" >&2
      case "$line" in
        "bench phase: fleet measured") cpu_by_kind >"$OUT/cpu-measured-start" ;;
        "bench phase: fleet done") cpu_by_kind >"$OUT/cpu-measured-end" ;;
      esac
    done; } 3>&1 || echo "== bench: not every job completed (see above)"
echo "== uptime after the bench"; uptime
echo "== CPU seconds during the bench (warm-up included; JVM start-up not), by process kind"
cpu_after=$(cpu_by_kind)
echo "$cpu_before" "$cpu_after" | awk '{printf "gateway %.1f s, workers %.1f s, emulators %.1f s\n", $4-$1, $5-$2, $6-$3}'
if [ -s "$OUT/cpu-measured-start" ] && [ -s "$OUT/cpu-measured-end" ]; then
  echo "== CPU seconds during the measured fleet phase only, by process kind"
  echo "$(cat "$OUT/cpu-measured-start")" "$(cat "$OUT/cpu-measured-end")" \
    | awk '{printf "gateway %.1f s, workers %.1f s, emulators %.1f s\n", $4-$1, $5-$2, $6-$3}'
fi
threads_cpu() { # threads_cpu PID: its CPU seconds so far by thread kind (JIT, GC, request threads), digits folded
  for task in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(tr -d '0-9' <"$task"/comm)" "$(awk '{print $14 + $15}' "$task"/stat)"
  done 2>/dev/null | awk -F'\t' -v t="$(getconf CLK_TCK)" '{s[$1] += $2} END {for (k in s) if (s[k] >= t / 10) printf "  %6.1f  %s\n", s[k] / t, k}' \
    | sort -rn | head -8
}
echo "== gateway CPU time (incl. JVM start-up): $(ps -o time= -p "$GATEWAY_PID"); by thread kind, in seconds:"
threads_cpu "$GATEWAY_PID"
echo "== worker-1 by thread kind (incl. JVM start-up):"; threads_cpu "$WORKER1_PID"

# /status from outside the JVMs: wrk's C event loop costs far less CPU per request than a JDK HttpClient, so on a
# shared machine it shows what the gateway answers rather than what the load generator can send
if [ "$STATUS_SECONDS" -gt 0 ] && command -v wrk >/dev/null; then
  id=$(curl -s -X POST -H "Authorization: Bearer $CLIENT_KEY" -H 'Content-Type: application/json' \
    -d '{"input":{"workflow":{"1":{"class_type":"EmptyImage","inputs":{"width":64,"height":64,"batch_size":1,"color":0}},"2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"status"}}}}}' \
    "http://127.0.0.1:$GATEWAY_PORT/v2/bench/run" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  for _ in $(seq 1 300); do
    curl -s -H "Authorization: Bearer $CLIENT_KEY" "http://127.0.0.1:$GATEWAY_PORT/v2/bench/status/$id" | grep -q COMPLETED && break
    sleep 0.1
  done
  THREADS=$(( CLIENTS < 2 ? CLIENTS : 2 ))   # wrk needs at least one connection per thread
  echo "== /status with wrk: $CLIENTS connections, $THREADS threads, 2 s warm-up then $STATUS_SECONDS s"
  wrk -t"$THREADS" -c"$CLIENTS" -d2s -H "Authorization: Bearer $CLIENT_KEY" "http://127.0.0.1:$GATEWAY_PORT/v2/bench/status/$id" >/dev/null
  wrk -t"$THREADS" -c"$CLIENTS" -d"${STATUS_SECONDS}s" --latency -H "Authorization: Bearer $CLIENT_KEY" \
    "http://127.0.0.1:$GATEWAY_PORT/v2/bench/status/$id" | tee "$OUT/wrk-status.txt"
  echo "== uptime after wrk"; uptime
elif [ "$STATUS_SECONDS" -gt 0 ]; then
  echo "(install wrk, e.g. apt-get install wrk, for a /status figure measured outside the JVM)"
fi
