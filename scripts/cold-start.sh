#!/usr/bin/env bash
# Cold starts of one worker, measured through `comfyfleet up` (docs/performance.md, "Cold start"):
#   scripts/cold-start.sh JAR emulator|real RUNS LABEL
# JAR: e.g. comfyfleet-cli/target/comfyfleet.jar; real: the real ComfyUI beside the clone (or $REAL_COMFYUI) (queue
# delay 1 s), emulator: the emulator with its H100 start times (queue delay 4 s). For each run it waits until the
# endpoint has no worker, submits one small job, prints its delayTime, the load average at submission and what
# /admin shows of the workers' cold starts (segments). Work folder: /tmp/comfyfleet-cold-start/LABEL.
set -u
JAR=$(realpath "$1"); MODE=$2; RUNS=$3; LABEL=$4
REAL=${REAL_COMFYUI:-$(cd "$(dirname "$0")/../.." && pwd)/shared/comfyui/real}   # ../shared/comfyui/real beside the clone
W=/tmp/comfyfleet-cold-start/$LABEL; rm -rf $W; mkdir -p $W
PORT=$((20000 + RANDOM % 20000)); CPORT=$((PORT+1))
if [ "$MODE" = real ]; then
  COMFY="comfyui: {dir: $REAL/ComfyUI, python: $REAL/python}"; DELAY=1
else
  COMFY='comfyui: {emulator: true}'; DELAY=4
fi
cat > $W/c.yaml <<Y
server:
  host: 127.0.0.1
  port: $PORT
  dataDir: data
  adminKey: "adm-key-0123456789abcdef"
endpoints:
  - name: cs
    clientKeys: ["cli-key-0123456789abcdef"]
    workerKeys: ["wrk-key-0123456789abcdef"]
    minWorkers: 0
    maxWorkers: 1
    idleTimeout: 3s
    scaler: {type: QUEUE_DELAY, value: $DELAY}
workers:
  cpuSlots: 1
  basePort: $CPORT
  jobGrace: 5s
  $COMFY
Y
cd $W
/usr/lib/jvm/temurin-25-jdk-amd64/bin/java -XX:TieredStopAtLevel=1 -Dsun.net.http.retryPost=false -jar $JAR up -c $W/c.yaml > $W/up.log 2>&1 &
UP=$!
H="Authorization: Bearer cli-key-0123456789abcdef"
for i in $(seq 1 120); do curl -s -o /dev/null -H "$H" http://127.0.0.1:$PORT/v2/cs/health && break; sleep 0.5; done
WF='{"input":{"workflow":{"1":{"class_type":"EmptyImage","inputs":{"width":64,"height":64,"batch_size":1,"color":7}},"2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},"3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"cs"}}}}}'
for r in $(seq 1 $RUNS); do
  # idle endpoint: no worker
  for i in $(seq 1 240); do n=$(curl -s -H "$H" http://127.0.0.1:$PORT/v2/cs/health | python3 -c 'import json,sys; w=json.load(sys.stdin)["workers"]; print(w["idle"]+w["running"]+w["initializing"])' 2>/dev/null); [ "$n" = 0 ] && break; sleep 0.5; done
  sleep 2
  LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
  # no python3 between the submission and the end of the job: on two cores its start (0.3 s of CPU through the pyenv shim) lands in
  # the worker's JVM boot it is measuring
  ID=$(curl -s -H "$H" -H 'Content-Type: application/json' -d "$WF" http://127.0.0.1:$PORT/v2/cs/run | grep -o '"id":"[^"]*"' | cut -d'"' -f4)
  for i in $(seq 1 1200); do S=$(curl -s -H "$H" http://127.0.0.1:$PORT/v2/cs/status/$ID); echo "$S" | grep -q '"COMPLETED"\|"FAILED"' && break; sleep 0.25; done
  W_ID=$(echo "$S" | grep -o '"workerId":"[^"]*"' | cut -d'"' -f4)
  echo "$LABEL run $r load [$LOAD] $(echo "$S" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["status"], "delayTime", s.get("delayTime"), "executionTime", s.get("executionTime"), "worker", s.get("workerId"))')"
  # the cold start of the worker that ran this job (a job that found a worker still up had none)
  curl -s -H "Authorization: Bearer adm-key-0123456789abcdef" http://127.0.0.1:$PORT/admin/endpoints/cs | W_ID="$W_ID" python3 -c 'import json,os,sys; print("  coldStart", json.dumps([c for c in json.load(sys.stdin).get("coldStarts") or [] if c.get("workerId") == os.environ["W_ID"]]))'
done
kill -TERM $UP; wait $UP
grep -h "cold start" $W/up.log | head -5
