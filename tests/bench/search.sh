#!/usr/bin/env bash
# Part of `make bench`: search figures on a built site.
#   tests/bench/search.sh CORPUS SITE
# Prints the index build time (the build's "search" stage), the sizes of
# the search database (.casebook/search-public.db of the corpus, which
# `casebook search` reads) and of the browser index, the median and 95th-percentile
# time of `casebook search` over 100 varied queries, and — when the
# browser test packages are installed — the browser's time from typing to
# the first results drawn on screen (requests watched, not intercepted)
# and the bytes of index files each query loaded.
set -eu
cd "$(dirname "$0")/../.."
corpus=$1
site=$2
figures=${3:-/dev/null} # where the figures the summary needs are written (KEY=VALUE lines)
# The search database: in the output (older builds, or --with-db), else
# the one the build keeps in the repository's private folder.
db=$site/casebook.db
[ -f "$db" ] || db=$corpus/.casebook/search-public.db

# The search stage's time: given by run.sh from its full build
# (BENCH_SEARCH_STAGE), else from a build of our own.
stage=${BENCH_SEARCH_STAGE:-}
if [ -z "$stage" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	CASEBOOK_TIMINGS=1 ./casebook build -q --repo "$corpus" --out "$tmp/out" 2>"$tmp/timings" >/dev/null
	stage=$(awk '/timing: search/ {for (i = 4; i < NF; i++) if ($(i + 1) == "s") {print $i; exit}}' "$tmp/timings")
fi
echo "  search index build (the build's search stage): ${stage:-?} s"
bytes() { find "$site/search" -name "$1" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.1f MB in %d files", s/1048576, NR}'; }
echo "  search database ($(basename "$db")): $(du -b "$db" | awk '{printf "%.1f MB", $1/1048576}')"
echo "  browser index: term shards $(bytes 't-*.js'); document texts $(bytes 'd-*.js'); meta.js $(bytes meta.js); heads.js $(bytes heads.js)"

python3 - "$db" "$figures" <<'PY'
import statistics, subprocess, sys, time
db = sys.argv[1]
words = ["missed", "appointments", "bruising", "baby", "father", "history", "school", "mother", "low", "mood",
         "sibling", "disclosure", "repeated", "attendances", "strategy", "discussion", "consent", "housing",
         "health", "assessment", "discharge", "plan", "weight", "loss", "domestic", "abuse", "notification",
         "GP", "police", "MASH", "CAMHS", "supervision", "escalate", "referral", "neglect", "practitioners"]
queries = []
for i, w in enumerate(words):
    queries.append(w)
    queries.append(w + " " + words[(i * 7 + 3) % len(words)])
queries += ['"missed appointments"', '"strategy discussion"', '"discharge plan"', 'safeguard*', 'escalat*',
            'father*', 'neglect -audit', 'GP OR police', 'DNA', 'WNB', 'NAI', 'did not attend',
            'school -housing', '"low mood" OR anxiety', 'health visitor', 'emergency department',
            'out-of-hours', 'learning disability', 'self-harm', 'child sexual exploitation', 'county lines',
            'hidden men', 'voice of the child', 'information sharing', 'professional curiosity',
            'think family', 'risk assessment', 'early help']
queries = queries[:100]
times = []
for q in queries:
    t0 = time.perf_counter()
    r = subprocess.run(["./casebook", "search", "--db", db, "--json", "--", q], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t0) * 1000)
    if r.returncode == 2:
        print("  query failed:", q)
times.sort()
p95 = times[int(round(0.95 * (len(times) - 1)))]
print("  casebook search, %d queries (whole command, process start included): median %.1f ms, 95th percentile %.1f ms"
      % (len(times), statistics.median(times), p95))

# The peers of a whole command: the sqlite3 shell starting and answering
# `select 1` (skipped when it is not installed: apt-get install sqlite3),
# and casebook's own start (`casebook version`). Medians of 50 runs.
def median_ms(cmd, n=50):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)
version = median_ms(["./casebook", "version"])
print("  casebook version (the program's start alone): median %.1f ms" % version)
sq = "-"
try:
    sq = "%.1f" % median_ms(["sqlite3", ":memory:", "select 1"])
    print("  sqlite3 :memory: 'select 1' (the peer): median %s ms" % sq)
except FileNotFoundError:
    print("  sqlite3: not installed (apt-get install sqlite3), so no peer for casebook search")
with open(sys.argv[2], "w") as f:
    f.write("SEARCH_MS=%.1f\nVERSION_MS=%.1f\nSQLITE_MS=%s\n" % (statistics.median(times), version, sq))
PY

if [ -d tests/browser/node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
	node tests/bench/search-browser.js "$site" "$figures"
else
	echo "  browser: skipped (run 'npm ci' in tests/browser and install chromium)"
fi
