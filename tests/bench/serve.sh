#!/usr/bin/env bash
# Part of `make bench`: the preview's figure, on a clone of a corpus.
#   tests/bench/serve.sh REPO [HUGO_SITE]
# Starts `casebook serve` on REPO (a clone the benchmark may change), waits
# for its first build, then saves an edit to one document and prints the
# time from the save to the server saying a new build is ready (what the
# open page polls before it reloads: /__casebook/version), the median of
# three edits. With HUGO_SITE (tests/bench/hugo-site.sh) and hugo
# installed, the same for `hugo server`: from the save to Hugo saying it
# rebuilt. Prints SERVE_S=<seconds> and HUGO_S=<seconds or -> on its last
# lines for run.sh.
set -eu
cd "$(dirname "$0")/../.."
repo=$1
hugo_site=${2:-}

python3 - "$repo" "$hugo_site" <<'PY'
import os, re, signal, subprocess, statistics, sys, time, urllib.request

repo, hugo_site = sys.argv[1], sys.argv[2]

def wait_line(proc, pattern, limit):
    """Reads proc's stderr until a line matches; the match, or None."""
    end = time.time() + limit
    while time.time() < end:
        line = proc.stderr.readline()
        if not line:
            return None
        m = re.search(pattern, line)
        if m:
            return m
    return None

def edit(path, n):
    with open(path, "a") as f:
        f.write("\nA sentence the preview benchmark added (%d).\n" % n)

def version(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/__casebook/version" % port, timeout=5) as r:
        return int(r.read())

docs = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(repo, "content")) for f in fs if f.endswith(".md"))
doc = docs[len(docs) // 2]

proc = subprocess.Popen(["./casebook", "serve", "--port", "0", "--repo", repo], stderr=subprocess.PIPE,
                        stdout=subprocess.DEVNULL, text=True)
serve = None
try:
    m = wait_line(proc, r"serving .* at http://127\.0\.0\.1:(\d+)/", 1800)
    if not m:
        print("  serve: did not start")
    else:
        port = int(m.group(1))
        times = []
        for n in range(3):
            v = version(port)
            # Past the poll's own granularity: a new second for the
            # modification time the preview compares.
            time.sleep(1.1)
            t0 = time.perf_counter()
            edit(doc, n)
            while version(port) == v:
                time.sleep(0.01)
            times.append(time.perf_counter() - t0)
        serve = statistics.median(times)
        print("  serve: a saved edit to a page ready to reload, median of 3: %.2f s (each: %s)"
              % (serve, ", ".join("%.2f" % t for t in times)))
finally:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()

hugo = None
if not hugo_site:
    print("  hugo server: not measured (BENCH_COMPARE=0)")
elif subprocess.run(["sh", "-c", "command -v hugo"], stdout=subprocess.DEVNULL).returncode != 0:
    print("  hugo server: hugo not installed (make bench-tools)")
else:
    hdocs = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(hugo_site, "content"))
                   for f in fs if f.endswith(".md"))
    # A free port (Hugo picks none itself), and its files beside the site.
    import socket
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        hport = sk.getsockname()[1]
    hproc = subprocess.Popen(["hugo", "server", "--source", hugo_site, "--port", str(hport), "--disableLiveReload",
                              "--destination", os.path.join(hugo_site, "server-public")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    hproc.stderr = hproc.stdout
    try:
        if wait_line(hproc, r"Web Server is available", 1800):
            times = []
            for n in range(3):
                time.sleep(1.1)
                t0 = time.perf_counter()
                edit(hdocs[len(hdocs) // 2], n)
                if not wait_line(hproc, r"Total in \d+ ms", 600):
                    break
                times.append(time.perf_counter() - t0)
            if times:
                hugo = statistics.median(times)
                print("  hugo server: a saved edit to its rebuild done, median of %d: %.2f s" % (len(times), hugo))
        if hugo is None:
            print("  hugo server: did not report a rebuild")
    finally:
        hproc.send_signal(signal.SIGINT)
        try:
            hproc.wait(30)
        except subprocess.TimeoutExpired:
            hproc.kill()

print("SERVE_S=%s" % ("%.2f" % serve if serve is not None else "-"))
print("HUGO_S=%s" % ("%.2f" % hugo if hugo is not None else "-"))
PY
