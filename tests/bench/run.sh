#!/usr/bin/env bash
# make bench: builds synthetic corpora (../shared/bench/make-corpus.py) and
# prints, for each size: the full build (wall time, peak memory, stage
# times), a rebuild with nothing changed, rebuilds after a one-document
# commit on the same day and on the next (a new build date), the full
# build on one core (--jobs 1), casebook analyse, the cmark-gfm floor
# (the same Markdown through the cmark-gfm command alone), search
# figures, and —
# when hugo (Debian) and pagefind (npm, in build/bench/node_modules) are
# installed — the same corpus built by Hugo and indexed by Pagefind, with
# our time and memory as ratios to theirs, the preview's edit-to-reload
# time (beside `hugo server`'s rebuild) and, last, a summary: every figure
# of issue 22's targets with its peer, the ratio and the target. Installing
# the peers belongs to the benchmark only: `make bench-tools` does it.
#
# Then partner repositories at national scale (tests/bench/sources.sh;
# BENCH_SOURCES=0 skips it).
#
# BENCH_SIZES (default "1000 10000"; BENCH_LARGE=1 adds 100000) chooses
# sizes; BENCH_COMPARE=0 skips Hugo and Pagefind (they take minutes and
# gigabytes at 100,000 documents). Corpora are cached in build/bench/
# (delete it to regenerate).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
GEN=${BENCH_CORPUS_SCRIPT:-$ROOT/../shared/bench/make-corpus.py}
SIZES=${BENCH_SIZES:-"1000 10000"}
[ "${BENCH_LARGE:-0}" = 1 ] && SIZES="$SIZES 100000"
OUT=$ROOT/build/bench
mkdir -p "$OUT"
[ -f "$GEN" ] || { echo "bench: corpus generator not found at $GEN" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

# timed LABEL CMD...: runs CMD under /usr/bin/time; sets WALL and MB.
timed() {
	local label=$1
	shift
	if ! /usr/bin/time -f '%e %M %U %S' -o "$OUT/.time" "$@" >"$OUT/.out" 2>&1; then
		echo "bench: $label failed:" >&2
		tail -20 "$OUT/.out" >&2
		exit 1
	fi
	read -r WALL kb USER SYS <"$OUT/.time"
	MB=$(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}')
}
row() { printf '  %-44s %9s s %9s MB\n' "$1" "$2" "$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a != "-" && b != "-" && b > 0) printf "%.2f", a/b; else print "-" }'; }
# fig KEY: a figure the parts wrote to $figs (KEY=VALUE lines), or -.
fig() { local v; v=$(sed -n "s/^$1=//p" "$figs" | tail -1); echo "${v:--}"; }
# verdict VALUE OP LIMIT: met or missed (- when there is no figure).
verdict() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN{ if (v == "-") print "-"; else if ((op == "<=" && v + 0 <= l + 0) || (op == ">=" && v + 0 >= l + 0)) print "met"; else print "MISSED" }'; }
srow() { printf '  %-34s %-16s %-26s %8s   %-8s %s\n' "$@"; }

# The summary of one size: issue 22's targets, each figure beside its peer.
summary() {
	local search_ms sqlite_ms serve_s hugo_s bms
	search_ms=$(fig SEARCH_MS) sqlite_ms=$(fig SQLITE_MS) serve_s=$(fig SERVE_S) hugo_s=$(fig HUGO_S)
	bms=$(fig BROWSER_MAX_MS)
	echo
	echo "  summary, $n documents (issue 22's targets; one run each, on a machine as loaded as it was):"
	srow "figure" "casebook" "peer" "ratio" "target" "verdict"
	srow "one-document rebuild (next day)" "$one s" "full build $full s" "$(ratio "$one" "$full")" "<= 0.15" "$(verdict "$(ratio "$one" "$full")" '<=' 0.15)"
	srow "  the same, same day" "$one_same s" "full build $full s" "$(ratio "$one_same" "$full")" "" ""
	srow "casebook search (whole command)" "$search_ms ms" "sqlite3 select 1 $sqlite_ms ms" "$(ratio "$search_ms" "$sqlite_ms")" "<= 2.5" "$(verdict "$(ratio "$search_ms" "$sqlite_ms")" '<=' 2.5)"
	srow "casebook version (start alone)" "$(fig VERSION_MS) ms" "sqlite3 select 1 $sqlite_ms ms" "$(ratio "$(fig VERSION_MS)" "$sqlite_ms")" "" ""
	srow "serve: saved edit to reload" "$serve_s s" "hugo server $hugo_s s" "$(ratio "$serve_s" "$hugo_s")" "<= 0.5 s" "$(verdict "$serve_s" '<=' 0.5)"
	srow "browser first results (slowest)" "$bms ms" "\"$(fig BROWSER_MAX_Q)\"" "" "<= 100 ms" "$(verdict "$bms" '<=' 100)"
	srow "  its most shards loaded" "$(fig BROWSER_MOST_KB) KB in $(fig BROWSER_MOST_SHARDS)" "Pagefind: < 300 KB at 10k" "" "" ""
	srow "  their parse (V8)" "$(fig BROWSER_MOST_PARSE_MS) ms" "" "" "" ""
	srow "full build / cmark-gfm floor" "$full s" "cmark-gfm $floor s" "$(ratio "$full" "$floor")" "<= 3" "$(verdict "$(ratio "$full" "$floor")" '<=' 3)"
	srow "Hugo + Pagefind / full build" "$full s" "Hugo + Pagefind $both s" "$(ratio "$both" "$full")" ">= 10" "$(verdict "$(ratio "$both" "$full")" '>=' 10)"
	if [ "$n" -ge 100000 ]; then
		srow "peak memory" "$full_mb MB" "" "" "<= 1024 MB" "$(verdict "$full_mb" '<=' 1024)"
	else
		srow "peak memory" "$full_mb MB" "" "" "<= 150 MB" "$(verdict "$full_mb" '<=' 150)"
	fi
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; casebook $(./casebook version | head -1 | cut -d' ' -f2)"
for n in $SIZES; do
	commits=$((n >= 10000 ? 300 : 50))
	corpus=$OUT/corpus-$n
	if [ ! -d "$corpus/.git" ]; then
		rm -rf "$corpus"
		echo "making a $n-document corpus (once)…"
		python3 "$GEN" "$corpus" --docs "$n" --commits "$commits" >/dev/null
	fi
	md_mb=$(find "$corpus/content" -name '*.md' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1048576}')
	echo
	echo "== $n documents ($md_mb MB of Markdown, $commits commits)"
	work=$(mktemp -d "$OUT/run-$n.XXXXXX")
	figs=$work/figures
	: >"$figs"
	floor=- both=- hugo_t=- full_over=-

	# Full build into a new folder with no build cache (it lives in the
	# repository's .casebook/, so an earlier run's is removed first), with
	# per-stage timings.
	rm -rf "$corpus/.casebook"
	timed "full build" env CASEBOOK_TIMINGS=1 ./casebook build -q --repo "$corpus" --out "$work/site"
	full=$WALL full_mb=$MB
	cp "$OUT/.out" "$OUT/full-timings"
	row "full build (all cores, empty cache)" "$WALL" "$MB"
	# Making thousands of files is system time; on ext4 it grows for a few
	# minutes after many files were deleted (inodes freed recently are
	# skipped), so a high figure here says more about the disk than casebook.
	echo "      CPU: user $USER s, system $SYS s"
	grep 'casebook: timing:' "$OUT/.out" | sed 's/casebook: timing: */      /'
	echo "      files written: $(find "$work/site" -type f | wc -l)"

	# Nothing changed: every page is linked from the previous output.
	timed "no-change rebuild" ./casebook build -q --repo "$corpus" --out "$work/site"
	row "rebuild, nothing changed" "$WALL" "$MB"

	# All the work again (no cache), but over the previous output, so the
	# pages' files are linked rather than made: the build without the
	# file system's cost of making thousands of new files.
	timed "full build over the previous output" env CASEBOOK_TIMINGS=1 ./casebook build -q --no-cache --repo "$corpus" --out "$work/site"
	full_over=$WALL
	row "full build (--no-cache) over the previous output" "$WALL" "$MB"
	echo "      CPU: user $USER s, system $SYS s"
	grep 'casebook: timing:' "$OUT/.out" | grep -v 'timing:   ' | sed 's/casebook: timing: */      /'

	# One document changed in a new commit, on a private clone.
	git clone -q "$corpus" "$work/repo"
	doc=$(git -C "$work/repo" ls-files content | grep '\.md$' | head -1)
	printf '\nA sentence added for the benchmark.\n' >>"$work/repo/$doc"
	git -C "$work/repo" -c user.name=Bench -c user.email=bench@example.org commit -qam "bench: one document"
	timed "first build of the clone" ./casebook build -q --repo "$work/repo" --out "$work/clone-site"
	git -C "$work/repo" -c user.name=Bench -c user.email=bench@example.org commit -q --allow-empty -m "bench: nothing"
	# Two one-document commits: one a second after the last commit (the
	# same day: the build date, the commit's, stays), then one a day after
	# it (a new build date). The next-day rebuild is the target's figure.
	one_edit() {
		local last
		last=$(git -C "$work/repo" log -1 --format=%ct)
		printf '\nAnother sentence.\n' >>"$work/repo/$doc"
		GIT_AUTHOR_DATE="@$((last + $1)) +0000" GIT_COMMITTER_DATE="@$((last + $1)) +0000" \
			git -C "$work/repo" -c user.name=Bench -c user.email=bench@example.org commit -qam "bench: one more edit"
		timed "one-document rebuild" env CASEBOOK_TIMINGS=1 ./casebook build -q --repo "$work/repo" --out "$work/clone-site"
		row "$2" "$WALL" "$MB"
		echo "      CPU: user $USER s, system $SYS s"
		grep 'casebook: timing:' "$OUT/.out" | grep -v 'timing:   ' | sed 's/casebook: timing: */      /'
	}
	one_edit 1 "rebuild after a one-document commit, same day"
	one_same=$WALL
	one_edit 86400 "rebuild after a one-document commit, next day"
	one=$WALL

	timed "one core" ./casebook build -q --no-cache --jobs 1 --repo "$corpus" --out "$work/one"
	row "full build on one core (--jobs 1 --no-cache)" "$WALL" "$MB"

	# Thematic analysis (issue 21): every figure, for the terminal.
	timed "analyse" ./casebook analyse --repo "$corpus" --format csv
	row "casebook analyse (themes by area, CSV)" "$WALL" "$MB"

	if command -v cmark-gfm >/dev/null; then
		# The files in batches of 200 per process (each batch is read as one
		# document), with the extensions casebook uses; the file list is
		# made first so only cmark-gfm is timed.
		find "$corpus/content" -name '*.md' -print0 >"$work/files"
		# The best of three: one run varies by a factor of two here.
		floor=
		for _ in 1 2 3; do
			timed "cmark-gfm" sh -c "xargs -0 -n 200 cmark-gfm -e table -e autolink -e strikethrough -e tasklist <'$work/files' >/dev/null"
			if [ -z "$floor" ] || awk -v a="$WALL" -v b="$floor" 'BEGIN{exit !(a < b)}'; then
				floor=$WALL floor_mb=$MB
			fi
		done
		row "cmark-gfm alone, same Markdown (the floor, best of 3)" "$floor" "$floor_mb"
		echo "      full build / floor: $(ratio "$full" "$floor") × (over the previous output: $(ratio "$full_over" "$floor") ×)"
	else
		echo "  (cmark-gfm not installed: apt-get install cmark-gfm for the floor)"
	fi

	hugo_site=$work/hugo
	if [ "${BENCH_COMPARE:-1}" = 0 ]; then
		echo "  (BENCH_COMPARE=0: Hugo and Pagefind skipped)"
	elif command -v hugo >/dev/null; then
		bash tests/bench/hugo-site.sh "$corpus" "$hugo_site"
		timed "hugo" hugo --quiet --source "$hugo_site" --destination "$hugo_site/public"
		hugo_t=$WALL hugo_mb=$MB
		row "Hugo $(hugo version | grep -o 'v[0-9.]*' | head -1) alone" "$WALL" "$MB"
		if [ -x "$OUT/node_modules/.bin/pagefind" ]; then
			timed "pagefind" "$OUT/node_modules/.bin/pagefind" --site "$hugo_site/public"
			pf_t=$WALL pf_mb=$MB
			row "Pagefind over Hugo's output" "$WALL" "$MB"
			both=$(awk -v a="$hugo_t" -v b="$pf_t" 'BEGIN{printf "%.2f", a+b}')
			peak=$(awk -v a="$hugo_mb" -v b="$pf_mb" 'BEGIN{print (a > b ? a : b)}')
			row "Hugo + Pagefind" "$both" "$peak"
			echo "      casebook / (Hugo + Pagefind): time $(ratio "$full" "$both") × (over the previous output: $(ratio "$full_over" "$both") ×), memory $(ratio "$full_mb" "$peak") ×"
		else
			echo "      casebook / Hugo: time $(ratio "$full" "$hugo_t") ×, memory $(ratio "$full_mb" "$hugo_mb") ×"
			echo "  (pagefind not installed: make bench-tools)"
		fi
	else
		echo "  (hugo not installed: make bench-tools)"
	fi

	search_stage=$(awk '/timing: search/ {for (i = 4; i < NF; i++) if ($(i + 1) == "s") {print $i; exit}}' "$OUT/full-timings")
	BENCH_SEARCH_STAGE=$search_stage bash tests/bench/search.sh "$corpus" "$work/site" "$figs" # index, CLI, browser

	# The preview, on the clone (its edits go nowhere else).
	hs=
	[ "${BENCH_COMPARE:-1}" != 0 ] && [ -d "$hugo_site" ] && hs=$hugo_site
	bash tests/bench/serve.sh "$work/repo" "$hs" | tee -a "$figs" | grep -v '^[A-Z_]*='

	summary
	rm -rf "$work" "$OUT/.time" "$OUT/.out" "$OUT/full-timings"
done
[ "${BENCH_SOURCES:-1}" = 0 ] || bash tests/bench/sources.sh
