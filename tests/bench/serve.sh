#!/usr/bin/env bash
# Part of `make bench`: the preview's figure, on a clone of a corpus.
#   tests/bench/serve.sh REPO [HUGO_SITE]
# Starts `casebook serve` on REPO (a clone the benchmark may change), waits
# for its first build, then saves an edit to one document and prints the
# time from the save to the server saying the edited page is ready (what
# the open page polls before it reloads: /__casebook/version), and the time
# to the end of the full rebuild that follows it (the terminal's
# "rebuilt"), the median of three edits, each made once the previous full
# rebuild is done. With HUGO_SITE (tests/bench/hugo-site.sh) and hugo
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
# The terminal's lines with when they came, read all along so that a
# build's warnings never fill the pipe.
import threading
lines, cond = [], threading.Condition()
def drain():
    for line in proc.stderr:
        with cond:
            lines.append((time.perf_counter(), line))
            cond.notify_all()
    with cond:
        lines.append((time.perf_counter(), None))
        cond.notify_all()
threading.Thread(target=drain, daemon=True).start()

def wait_after(since, pattern, limit):
    """The first line after time since matching pattern: (time, match), or None."""
    end = time.time() + limit
    with cond:
        while True:
            for t, line in lines:
                if line is None:
                    return None
                if t >= since:
                    m = re.search(pattern, line)
                    if m:
                        return t, m
            if time.time() >= end:
                return None
            cond.wait(0.5)

serve = None
try:
    started = wait_after(0, r"serving .* at http://127\.0\.0\.1:(\d+)/", 1800)
    if not started:
        print("  serve: did not start")
    else:
        port = int(started[1].group(1))
        times, fulls, shown = [], [], []
        for n in range(3):
            # Past the poll's own granularity: a new second for the
            # modification time the preview compares.
            time.sleep(1.1)
            v = version(port)
            t0 = time.perf_counter()
            edit(doc, n)
            while version(port) == v:
                time.sleep(0.01)
            times.append(time.perf_counter() - t0)
            done = wait_after(t0, r"casebook: (rebuilt|.*still serving)", 600)
            fulls.append(done[0] - t0 if done else float("nan"))
            q = wait_after(t0, r"showed the edit to .* in ([0-9.]+) s", 0)
            shown.append(q[1].group(1) if q else "-")
        serve = statistics.median(times)
        print("  serve: a saved edit to its page ready to reload, median of 3: %.2f s (each: %s)"
              % (serve, ", ".join("%.2f" % t for t in times)))
        print("         of which the page checked and rendered alone (each): %s s" % ", ".join(shown))
        print("         the full rebuild after it done, median of 3: %.2f s (each: %s)"
              % (statistics.median(fulls), ", ".join("%.2f" % t for t in fulls)))
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
