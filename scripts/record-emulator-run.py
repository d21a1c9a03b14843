#!/usr/bin/env python3
"""Records a short `comfyfleet up --emulator` run for the simulator's fidelity test (SimulatorFidelityTest).

Starts `up` with one endpoint (0..2 workers, idle timeout 20 s, QUEUE_DELAY 1, a pass every second), sends five
tiny jobs at fixed offsets (two at once on an idle endpoint, one while the worker is warm, two after the idle
timeout), and writes what happened, in seconds from the first submission:
  job,<answered>,<delayTime>,<executionTime>           from each /run answer and the job's /status
  worker,<started>,<ready>,<gone>                      from up's log lines, timed as they were printed
Usage: scripts/record-emulator-run.py OUT.csv   (builds nothing: run ./comfyfleet once first for the jar)
"""
import json, os, urllib.error, re, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "comfyfleet-cli", "target", "comfyfleet.jar")
JAVA = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java")
PORT = 18391
OFFSETS = [0.0, 0.0, 30.0, 80.0, 80.5]
WORKFLOW = {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
            "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "rec"}}}

def main(out):
    work = tempfile.mkdtemp(prefix="cf-record-")
    cfg = os.path.join(work, "cfg.yaml")
    with open(cfg, "w") as f:
        f.write(f"""server: {{host: 127.0.0.1, port: {PORT}, dataDir: data}}
endpoints:
  - name: sdxl
    clientKeys: ["cf-client-record"]
    workerKeys: ["cf-worker-record"]
    minWorkers: 0
    maxWorkers: 2
    idleTimeout: 20s
    scaler: {{type: QUEUE_DELAY, value: 1}}
workers: {{provider: local, cpuSlots: 2, basePort: 18400, jobGrace: 5s, comfyui: {{emulator: true}}}}
""")
    up = subprocess.Popen([JAVA, "--enable-native-access=ALL-UNNAMED", "-jar", JAR, "up", "-c", cfg, "--emulator"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)
    lines = []
    def pump():
        for line in up.stdout:
            lines.append((time.time(), line.rstrip()))
    threading.Thread(target=pump, daemon=True).start()
    while not any("is up" in l for _, l in lines):
        if up.poll() is not None:
            sys.exit("up ended:\n" + "\n".join(l for _, l in lines))
        time.sleep(0.1)
    time.sleep(3)
    # warm the request path (the first request of a JVM is slow) without starting a worker: health and a refused run
    for _ in range(5):
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{PORT}/v2/sdxl/health",
                                                      headers={"Authorization": "Bearer cf-client-record"}))
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{PORT}/v2/sdxl/run", data=b"{}",
                                   headers={"Authorization": "Bearer cf-client-record",
                                            "Content-Type": "application/json"}))
        except urllib.error.HTTPError:
            pass
    t0 = time.time()
    jobs = []
    for off in OFFSETS:
        while time.time() < t0 + off:
            time.sleep(0.01)
        req = urllib.request.Request(f"http://127.0.0.1:{PORT}/v2/sdxl/run",
                                     data=json.dumps({"input": {"workflow": WORKFLOW}}).encode(),
                                     headers={"Authorization": "Bearer cf-client-record",
                                              "Content-Type": "application/json"})
        jid = json.load(urllib.request.urlopen(req))["id"]
        # the job exists from before its answer (which waits for the store's sync): the answer's time is the closest
        # the client can know
        jobs.append((time.time() - t0, jid))
    results = []
    for sent, jid in jobs:
        while True:
            req = urllib.request.Request(f"http://127.0.0.1:{PORT}/v2/sdxl/status/{jid}",
                                         headers={"Authorization": "Bearer cf-client-record"})
            s = json.load(urllib.request.urlopen(req))
            if s["status"] in ("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"):
                break
            time.sleep(0.2)
        assert s["status"] == "COMPLETED", s
        results.append((sent, s["delayTime"] / 1000, s["executionTime"] / 1000))
    # let the last worker reach its idle timeout and go
    deadline = time.time() + 60
    while time.time() < deadline and sum("is gone" in l for _, l in lines) < sum("started worker" in l for _, l in lines):
        time.sleep(0.2)
    up.terminate()
    up.wait(30)
    workers = {}
    for t, l in lines:
        m = re.search(r"started worker (\S+)", l)
        if m:
            workers[m.group(1)] = [t - t0, None, None]
        m = re.search(r"worker (\S+) of endpoint \S+ is ready", l)
        if m and m.group(1) in workers:
            workers[m.group(1)][1] = t - t0
        m = re.search(r"worker (\S+) of endpoint \S+ is gone", l)
        if m and m.group(1) in workers and workers[m.group(1)][2] is None:
            workers[m.group(1)][2] = t - t0
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    with open(out, "w") as f:
        f.write(f"# recorded {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by scripts/record-emulator-run.py,"
                f" load average {' '.join(load)}\n")
        f.write("# job,submitted,delayTime,executionTime / worker,started,ready,gone (s from the first submission)\n")
        for r in results:
            f.write("job,%.3f,%.3f,%.3f\n" % r)
        for w in sorted(workers.values()):
            f.write("worker," + ",".join("%.3f" % v if v is not None else "" for v in w) + "\n")
    print(open(out).read())

if __name__ == "__main__":
    main(sys.argv[1])
