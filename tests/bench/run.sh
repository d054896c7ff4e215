#!/usr/bin/env bash
# make bench: builds synthetic corpora (../shared/bench/make-corpus.py) and
# prints wall time and peak memory of a full build. Corpora are cached in
# build/bench/ (delete it to regenerate). BENCH_SIZES overrides the sizes.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
GEN=${BENCH_CORPUS_SCRIPT:-$ROOT/../shared/bench/make-corpus.py}
SIZES=${BENCH_SIZES:-"1000 10000"}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
[ -f "$GEN" ] || { echo "bench: corpus generator not found at $GEN" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

printf '%-8s %-10s %10s %12s %14s\n' docs commits "wall (s)" "peak (MB)" "files written"
for n in $SIZES; do
	commits=$((n >= 10000 ? 300 : 50))
	corpus=$OUT/corpus-$n
	if [ ! -d "$corpus/.git" ]; then
		rm -rf "$corpus"
		python3 "$GEN" "$corpus" --docs "$n" --commits "$commits" >/dev/null
	fi
	site=$(mktemp -d "$OUT/site-$n.XXXXXX")
	# Per-stage timings (CASEBOOK_TIMINGS) go to a file; anything else is shown.
	if ! CASEBOOK_TIMINGS=1 /usr/bin/time -f '%e %M' -o "$site.time" ./casebook build -q --repo "$corpus" --out "$site/out" 2>"$site.stages"; then
		cat "$site.stages" >&2
		exit 1
	fi
	grep -v '^casebook: timing:' "$site.stages" >&2 || true
	read -r wall kb <"$site.time"
	files=$(find "$site/out" -type f | wc -l)
	printf '%-8s %-10s %10s %12.1f %14s\n' "$n" "$commits" "$wall" "$(awk -v k="$kb" 'BEGIN{print k/1024}')" "$files"
	printf '         personal-data check: %s s of that build\n' "$(awk '$3 == "pii-check" {print $4}' "$site.stages")"
	printf '         plugins: %s s of that build (%s)\n' "$(awk '$3 == "plugins" {print $4}' "$site.stages")" \
		"$(grep 'timing:   ' "$site.stages" | awk '{printf "%s%s %s s", sep, $3, $4; sep = ", "}')"
	bash tests/bench/search.sh "$corpus" "$site/out" # search figures (index, CLI, browser)
	rm -rf "$site" "$site.time" "$site.stages"
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
