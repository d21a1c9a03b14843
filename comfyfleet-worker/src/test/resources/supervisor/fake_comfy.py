"""A stand-in for ComfyUI's main.py in supervisor tests: takes ComfyUI's launch flags, misbehaves on request."""
import argparse, json, os, signal, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer

p = argparse.ArgumentParser()
p.add_argument("--listen", default="127.0.0.1")
p.add_argument("--port", type=int, default=8188)
p.add_argument("--disable-auto-launch", action="store_true")
p.add_argument("--input-directory")
p.add_argument("--output-directory")
p.add_argument("--temp-directory")
p.add_argument("--preview-method")
p.add_argument("--start-delay", type=float, default=0)   # slow node imports
p.add_argument("--exit-at-start", type=int)               # crash before ready, with this code
p.add_argument("--never-ready", action="store_true")      # logs, never binds
p.add_argument("--crash-after", type=float)               # crash this long after the first /system_stats
p.add_argument("--crash-once-marker")                     # crash only if this file does not exist yet
p.add_argument("--child", action="store_true")            # start a grandchild that must not be orphaned
p.add_argument("--ignore-term", action="store_true")      # needs SIGKILL
args = p.parse_args()

if args.ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if args.child:
    subprocess.Popen(["sleep", "300"])
for i in range(1, 26):
    print(f"import line {i}", flush=True)
if args.exit_at_start is not None:
    print("fatal: missing comfyui-frontend-package", file=sys.stderr, flush=True)
    sys.exit(args.exit_at_start)
if args.never_ready:
    while True:
        time.sleep(1)
time.sleep(args.start_delay)

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/system_stats":
            body = json.dumps({"argv": sys.argv[1:], "pid": os.getpid()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            arm_crash()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *a):
        pass

crash = args.crash_after is not None
if args.crash_once_marker:
    crash = not os.path.exists(args.crash_once_marker)
    open(args.crash_once_marker, "a").close()
armed = threading.Event()

def arm_crash():
    # counted from the first readiness probe, so the supervisor always sees the server ready before it dies
    if crash and not armed.is_set():
        armed.set()
        threading.Timer(args.crash_after or 0.3, lambda: os._exit(7)).start()

print("To see the GUI go to: http://127.0.0.1:%d" % args.port, flush=True)
HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
