#!/usr/bin/env bash
# Partner repositories at national scale (run by tests/bench/run.sh, so
# only by `make bench`): a hub with no documents of its own and
# BENCH_SOURCES_N (default 150) partner repositories of BENCH_SOURCES_DOCS
# (default 200) documents and BENCH_SOURCES_COMMITS (default 5) commits
# each, made by ../shared/bench/make-corpus.py.
# Prints the time and peak memory of `casebook fetch` (every source into
# the private folder), the full build (empty cache), a rebuild with
# nothing changed, and a rebuild after one source moved (one document
# changed in one partner, `casebook update NAME`, the lock committed).
# The partners are cached in build/bench/ (delete it to regenerate).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
GEN=${BENCH_CORPUS_SCRIPT:-$ROOT/../shared/bench/make-corpus.py}
N=${BENCH_SOURCES_N:-150}
DOCS=${BENCH_SOURCES_DOCS:-200}
COMMITS=${BENCH_SOURCES_COMMITS:-5}
OUT=$ROOT/build/bench
PARTNERS=$OUT/partners-$N-$DOCS$([ "$COMMITS" = 5 ] || echo "-$COMMITS")
mkdir -p "$OUT"

timed() {
	local label=$1
	shift
	if ! /usr/bin/time -f '%e %M' -o "$OUT/.stime" "$@" >"$OUT/.sout" 2>&1; then
		echo "bench: $label failed:" >&2
		tail -20 "$OUT/.sout" >&2
		exit 1
	fi
	read -r WALL kb <"$OUT/.stime"
	MB=$(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}')
}
row() { printf '  %-44s %9s s %9s MB\n' "$1" "$2" "$3"; }

git_q() { git -c user.name=Bench -c user.email=bench@example.org "$@" >/dev/null; }

if [ ! -f "$PARTNERS/.done" ]; then
	rm -rf "$PARTNERS"
	mkdir -p "$PARTNERS"
	echo "making $N partner repositories of $DOCS documents and $COMMITS commits (once)…"
	for i in $(seq 1 "$N"); do
		python3 "$GEN" "$PARTNERS/p$i" --docs "$DOCS" --commits "$COMMITS" --seed "$i" >/dev/null
	done
	touch "$PARTNERS/.done"
fi

echo
echo "== $N partner repositories of $DOCS documents and $COMMITS commits ($((N * DOCS)) documents)"
work=$(mktemp -d "$OUT/sources.XXXXXX")
hub=$work/hub
git init -q "$hub"
{
	echo "title: National learning"
	echo "sources:"
	for i in $(seq 1 "$N"); do
		printf '  - name: p%s\n    url: %s\n    max-visibility: internal\n' "$i" "$PARTNERS/p$i"
	done
} >"$hub/casebook.yml"
git_q -C "$hub" add casebook.yml
git_q -C "$hub" commit -m "The partners"

timed "fetch" ./casebook fetch -q --repo "$hub"
row "fetch (every source, empty mirrors)" "$WALL" "$MB"
echo "      mirrors: $(du -sm "$hub/.casebook/sources" | cut -f1) MB"
git_q -C "$hub" add casebook.lock
git_q -C "$hub" commit -m "Pin the partners"

timed "full build" env CASEBOOK_TIMINGS=1 ./casebook build -q --repo "$hub" --out "$work/site"
row "full build (all cores, empty cache)" "$WALL" "$MB"
grep 'casebook: timing:' "$OUT/.sout" | sed 's/casebook: timing: */      /'
echo "      pages: $(find "$work/site/documents" -name '*.html' | wc -l)"

timed "no-change rebuild" ./casebook build -q --repo "$hub" --out "$work/site"
row "rebuild, nothing changed" "$WALL" "$MB"

# One partner changes one document; the hub moves that pin.
p=$PARTNERS/p$(((N + 1) / 2))
clone=$work/moved
git clone -q "$p" "$clone"
f=$(cd "$clone" && git ls-files 'content/*.md' | head -1)
printf '\nA sentence added by the partner.\n' >>"$clone/$f"
git_q -C "$clone" commit -am "One document changed"
sed -i "s#url: $p\$#url: $clone#" "$hub/casebook.yml"
timed "update" ./casebook update -q --repo "$hub" "p$(((N + 1) / 2))"
row "update (one source moved)" "$WALL" "$MB"
grep -q " $(git -C "$clone" rev-parse HEAD) " "$hub/casebook.lock" || {
	echo "bench: update did not move p$(((N + 1) / 2))'s pin" >&2
	exit 1
}
git_q -C "$hub" commit -am "Move one pin"
timed "rebuild after one source moved" ./casebook build -q --repo "$hub" --out "$work/site"
row "rebuild after one source moved" "$WALL" "$MB"
rm -rf "$work" "$OUT/.stime" "$OUT/.sout"
