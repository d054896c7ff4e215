#!/usr/bin/env bash
# make bench-large: issue 22's memory target at 100,000 documents, alone.
# Makes (once; cached in build/bench/) a corpus of BENCH_LARGE_DOCS
# documents (default 100000) with ../shared/bench/make-corpus.py, then
# builds it into a new folder with no build cache under /usr/bin/time -v and
# prints the wall time, CPU time, peak memory (maximum resident set size)
# and the build's stage times, with the target: under 1 GB. One build only:
# `BENCH_LARGE=1 make bench` measures every figure at this size as well,
# which takes far longer.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
GEN=${BENCH_CORPUS_SCRIPT:-$ROOT/../shared/bench/make-corpus.py}
n=${BENCH_LARGE_DOCS:-100000}
OUT=$ROOT/build/bench
corpus=$OUT/corpus-$n
[ -f "$GEN" ] || { echo "bench-large: corpus generator not found at $GEN" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-large: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$OUT"
if [ ! -d "$corpus/.git" ]; then
	rm -rf "$corpus"
	echo "making a $n-document corpus (once)…"
	start=$(date +%s)
	python3 "$GEN" "$corpus" --docs "$n" --commits 300 >/dev/null
	echo "  made in $(($(date +%s) - start)) s"
fi
md_mb=$(find "$corpus/content" -name '*.md' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1048576}')
echo "== $n documents ($md_mb MB of Markdown, 300 commits); machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
site=$(mktemp -d "$OUT/large-site.XXXXXX")
log=$OUT/large-time.txt
rm -rf "$corpus/.casebook"
if ! env CASEBOOK_TIMINGS=1 /usr/bin/time -v -o "$log" ./casebook build -q --repo "$corpus" --out "$site/out" \
	>"$OUT/large-build.txt" 2>&1; then
	echo "bench-large: the build failed:" >&2
	tail -20 "$OUT/large-build.txt" >&2
	rm -rf "$site"
	exit 1
fi
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
mb=$(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}')
echo "  full build (all cores, empty cache): $wall wall, user $(sed -n 's/.*User time (seconds): //p' "$log") s, system $(sed -n 's/.*System time (seconds): //p' "$log") s"
echo "  peak memory (maximum resident set size): $mb MB ($kb kB); target under 1024 MB: $(awk -v m="$mb" 'BEGIN{print (m + 0 < 1024 ? "met" : "MISSED")}')"
grep 'casebook: timing:' "$OUT/large-build.txt" | grep -v 'timing:   ' | sed 's/casebook: timing: */      /'
echo "  files written: $(find "$site/out" -type f | wc -l)"
rm -rf "$site"
