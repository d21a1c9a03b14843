"""Fetches one baked model during `comfyfleet image build` and checks its sha256; a secret (e.g. a Hugging Face
token) is read from its build-secret file, which exists only while this step runs and is never in a layer.
Usage: fetch_model.py URL DEST SHA256 [SECRET_FILE]"""
import hashlib, os, sys, urllib.request

url, dest, want = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url)
if len(sys.argv) > 4:
    with open(sys.argv[4]) as f:
        req.add_header("Authorization", "Bearer " + f.read().strip())
os.makedirs(os.path.dirname(dest), exist_ok=True)
h = hashlib.sha256()
with urllib.request.urlopen(req, timeout=60) as r, open(dest + ".part", "wb") as out:
    while True:
        chunk = r.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        out.write(chunk)
got = h.hexdigest()
if got != want:
    os.remove(dest + ".part")
    sys.exit(f"model {os.path.basename(dest)} from {url}: sha256 {got} but the recipe says {want}")
os.rename(dest + ".part", dest)
