#!/usr/bin/env bash
# Incremental rebuilds: a build into a folder that holds an earlier build
# (with the build cache in the repository's .casebook/) must give
# the same bytes and the same file list as a clean build of the same commit,
# after every kind of change: a document's body or front matter, a document
# added, deleted or renamed, a template, a plugin or its options,
# taxonomy.yml, casebook.yml, an empty commit, a change of audience, and an
# attachment linked, then its contents changed.
# The same holds with --jobs 1 and --jobs 4, with the cache deleted, and
# with every cache file overwritten by garbage.
. "$(dirname "$0")/lib.sh"

# tree_state DIR: every entry of DIR with its type (so a stale page or an
# empty folder left behind shows), then a checksum of every file.
tree_state() {
	(cd "$1" && find . -mindepth 1 -printf '%y %p\n' | LC_ALL=C sort && tree_sum .)
}

# tree_diff A B: prints how two output trees differ; nothing when they are
# byte-identical.
tree_diff() { diff <(tree_state "$1") <(tree_state "$2"); }

# same_tree DESC A B: passes when the trees at A and B are byte-identical.
same_tree() {
	local d
	d=$(tree_diff "$2" "$3")
	if [ -z "$d" ]; then ok "$1"; else not_ok "$1" "$d"; fi
}

# The demo content and configuration in a repository of its own, plus a
# few documents that link to each other and share themes, so that pages
# depend on other documents (backlinks, related documents, learning).
R=$TMP/repo
mkdir -p "$R"
cp -R "$ROOT/content" "$R/"
cp "$ROOT/casebook.yml" "$R/"
# Authors named, so that history-derived output (who changed what) is
# part of what incremental builds must get right.
printf '\nshow-authors: true\n' >>"$R/casebook.yml"
git init -q "$R"

doc "$R/content/extra/hub.md" "Extra hub review" "themes: [neglect, was-not-brought]
summary: The hub of the extra documents." "## Key learning

- Hub point: follow up every missed appointment.
- Hub point: read the whole chronology.

See [spoke A](spoke-a.md), [spoke B](spoke-b.md#think) and the
[briefing](../briefings/7mb-was-not-brought.md)."
doc "$R/content/extra/spoke-a.md" "Extra spoke A" "themes: [neglect, information-sharing]" "## Key learning

- Spoke A point: share the referral with the GP.

Back to [the hub](hub.md); see also [the leaf](leaf.md)."
doc "$R/content/extra/spoke-b.md" "Extra spoke B" "themes: [was-not-brought]" "## Think

- Spoke B point: who brings the child?"
doc "$R/content/extra/leaf.md" "Extra leaf" "themes: [neglect, information-sharing]" "## What to do

- Leaf point: record the child's words."
# Uses the words of a theme it is not filed under, so the taxonomy plugin
# warns about it on every build.
doc "$R/content/extra/wordy.md" "Extra wordy note" "themes: [information-sharing]" "Safer sleep matters.
Co-sleeping and bed sharing were discussed; sofa sharing too.
The SUDI risk of co-sleeping was explained again."
doc "$R/content/extra/internal.md" "Extra internal note" "themes: [neglect]
visibility: internal" "Internal only: spoke notes."

# step DATE MESSAGE: commits the working tree as one step, recording its
# commit in REFS, the audience to build (public) in AUDS and MESSAGE in NAMES.
REFS=() AUDS=() NAMES=()
step() {
	git -C "$R" add -A
	GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 git -C "$R" commit -q --allow-empty -m "$2"
	REFS+=("$(git -C "$R" rev-parse HEAD)")
	AUDS+=(public)
	NAMES+=("$2")
}
# same_commit AUDIENCE MESSAGE: the last commit again, for another audience.
same_commit() {
	REFS+=("${REFS[-1]}")
	AUDS+=("$1")
	NAMES+=("$2")
}

step 2024-02-01T09:00:00Z "the first build"

sed -i 's/^Back to \[the hub\]/Edited body. Back to [the hub]/' "$R/content/extra/spoke-a.md"
# Another author, so history-derived output (authors) changes too.
GIT_AUTHOR_NAME="B. Nurse" GIT_AUTHOR_EMAIL="nurse@example.org" step 2024-02-02T09:00:00Z "a document's body edited"

sed -i -e 's/^title: "Extra hub review"/title: "Extra hub review, retitled"/' \
	-e 's/^themes: \[neglect, was-not-brought\]/themes: [neglect, information-sharing]/' "$R/content/extra/hub.md"
step 2024-02-03T09:00:00Z "a document's title and themes edited"

doc "$R/content/extra/added.md" "Extra added briefing" "themes: [neglect, was-not-brought]" "## Key learning

- Added point: see [the hub](hub.md)."
step 2024-02-04T09:00:00Z "a document added"

git -C "$R" rm -q content/extra/spoke-b.md
sed -i 's/, \[spoke B\](spoke-b.md#think)//' "$R/content/extra/hub.md"
step 2024-02-05T09:00:00Z "a linked-to document deleted, its link removed"

git -C "$R" mv content/extra/added.md content/extra/added-renamed.md
step 2024-02-06T09:00:00Z "a document renamed"

git -C "$R" mv content/extra/leaf.md content/extra/leaf-renamed.md
sed -i 's/^- Leaf point: record the child.s words./- Leaf point, edited: record the words./' "$R/content/extra/leaf-renamed.md"
sed -i 's/(leaf.md)/(leaf-renamed.md)/' "$R/content/extra/spoke-a.md"
step 2024-02-07T09:00:00Z "a linked-to document renamed and edited, its link updated"

sed -i 's/^type: briefing/type: briefing\nvisibility: internal/' "$R/content/extra/added-renamed.md"
step 2024-02-08T09:00:00Z "a document made internal"

T=$R/themes/default/templates
mkdir -p "$T"
cp "$ROOT/themes/default/templates/docref.mustache" "$T/"
printf '%s\n' '<!-- docref override one -->' >>"$T/docref.mustache"
step 2024-02-09T09:00:00Z "a template (a partial) overridden"

sed -i 's/docref override one/docref override two/' "$T/docref.mustache"
mkdir -p "$R/themes/default/assets"
cp "$ROOT/themes/default/assets/style.css" "$R/themes/default/assets/"
printf '%s\n' '/* style override */' >>"$R/themes/default/assets/style.css"
step 2024-02-10T09:00:00Z "the template override edited, a stylesheet overridden"

mkdir -p "$R/plugins"
cat >"$R/plugins/stamp.lua" <<'LUA'
-- stamp: appends a line to every document page.
local p = {}
local label = casebook.options.label or "stamp one"
function p.document(doc)
  doc.html = doc.html .. "<p>" .. label .. "</p>"
end
return p
LUA
step 2024-02-11T09:00:00Z "a repository plugin added"

sed -i 's/"stamp one"/"stamp two"/' "$R/plugins/stamp.lua"
step 2024-02-12T09:00:00Z "the repository plugin edited"

cat >>"$R/casebook.yml" <<'YML'
plugins:
  - taxonomy
  - glossary
  - backlinks
  - name: related
    options:
      max: 2
  - learning
  - actions
  - name: stamp
    options:
      label: stamp from options
YML
step 2024-02-13T09:00:00Z "plugin options set in casebook.yml"

sed -i 's/max: 2/max: 1/; s/stamp from options/stamp from changed options/' "$R/casebook.yml"
step 2024-02-14T09:00:00Z "plugin options changed"

sed -i -e 's/^    label: Neglect$/    label: Neglect and unmet needs/' \
	-e 's/synonyms: \[chronic neglect,/synonyms: [chronic neglect, zqxneglectword,/' "$R/content/taxonomy.yml"
step 2024-02-15T09:00:00Z "a taxonomy label and synonym changed"

sed -i 's/^title: .*/title: Incremental test library/' "$R/casebook.yml"
step 2024-02-16T09:00:00Z "the site title changed"

step 2024-02-17T09:00:00Z "an empty commit"
same_commit internal "the same commit for the internal audience"
same_commit public "the same commit for the public audience again"

rm -r "$R/themes" "$R/plugins/stamp.lua"
sed -i '/^  - name: stamp$/,$d' "$R/casebook.yml"
step 2024-02-18T09:00:00Z "the template, stylesheet and plugin overrides removed"

mkdir -p "$R/content/extra/img"
printf 'month,referrals\nJan,3\n' >"$R/content/extra/img/referrals.csv"
printf '\n![Referrals](img/referrals.csv) and [the table](img/referrals.csv).\n' >>"$R/content/extra/leaf-renamed.md"
step 2024-02-19T09:00:00Z "an attachment linked"

printf 'month,referrals\nJan,4\n' >"$R/content/extra/img/referrals.csv"
step 2024-02-20T09:00:00Z "an attachment's contents changed, its link not"

# What the thematic analysis reads (its pages are keyed by a digest of
# it), one thing at a time.
sed -i 's/^area: Harrowdene$/area: Eastmere/' "$R/content/reviews/scr-children-d-and-e-2020.md"
step 2024-02-21T09:00:00Z "a document's area changed"

sed -i 's/^date: 2020-02-10$/date: 2019-02-10/' "$R/content/reviews/scr-children-d-and-e-2020.md"
step 2024-02-22T09:00:00Z "a document's year changed"

assert_eq "the sequence has 24 builds" "${#REFS[@]}" "24"
n=${#REFS[@]}
EMPTY_AT=16   # the empty commit: its output may equal the step before's

# clean_builds SET: a clean build of every step into SET-clean-I/site, a
# fresh output folder, with --no-cache so no earlier build's results are
# used (and the repository's cache is left alone); what it printed goes to
# SET-clean-I/out.
clean_builds() {
	local i
	for ((i = 0; i < n; i++)); do
		mkdir "$TMP/$1-clean-$i"
		run "$CASEBOOK" build -q --no-cache --repo "$R" --ref "${REFS[i]}" --audience "${AUDS[i]}" --out "$TMP/$1-clean-$i/site"
		[ "$RC" -eq 0 ] || not_ok "$1: clean build of step $i (${NAMES[i]}) exits 0" "$OUT"
		printf '%s' "$OUT" >"$TMP/$1-clean-$i/out"
		# The private search database a --no-cache build writes whole.
		cp "$R/.casebook/search-${AUDS[i]}.db" "$TMP/$1-clean-$i/search.db"
	done
}

# search_all DB: casebook search --json over DB for queries whose results
# the steps change (titles, bodies, themes, synonyms, documents added and
# removed), then an integrity check of both FTS5 tables.
search_all() {
	local q
	for q in neglect "information sharing" hub spoke "missed appointment" "extra -hub" "chronic neglect" \
		zqxneglectword "record the words" "referral*"; do
		"$CASEBOOK" search --db "$1" --json --limit 50 -- "$q" 2>&1
	done
	sqlite3 "$1" "INSERT INTO docs_fts(docs_fts, rank) VALUES('integrity-check', 1);
		INSERT INTO learning_fts(learning_fts, rank) VALUES('integrity-check', 1);" 2>&1
}

# corrupt_cache: overwrites every file of the repository's .casebook/ (the
# build cache) with garbage.
corrupt_cache() {
	local files f
	files=$(find "$R/.casebook" -type f 2>/dev/null)
	if [ -z "$files" ]; then
		not_ok "there is a build cache to corrupt in the repository's .casebook/"
		return
	fi
	while IFS= read -r f; do
		{
			head -c 3000 /dev/zero | tr '\0' 'G'
			printf 'not a cache \001\002\377\n'
		} >"$f"
	done <<<"$files"
	ok "every cache file overwritten with garbage (files: $(wc -l <<<"$files"))"
}

# sequence SET JOBS [DROP_AT [CORRUPT_AT]]: builds every step in turn into
# one output folder, SET-incJOBS/site, and compares each with that step's
# clean build: the same files and bytes, and the same problems reported.
# Before step DROP_AT the cache folder is deleted; before CORRUPT_AT every
# cache file is overwritten with garbage.
sequence() {
	local set=$1 jobs=$2 drop=${3:--1} corrupt=${4:--1} i what clean line
	local P=$TMP/$set-inc$jobs
	mkdir "$P"
	for ((i = 0; i < n; i++)); do
		what="$set, --jobs $jobs, step $i (${NAMES[i]}, ${AUDS[i]})"
		if [ "$i" = "$drop" ]; then
			rm -rf "$R/.casebook"
			what="$what, cache deleted first"
		fi
		if [ "$i" = "$corrupt" ]; then
			corrupt_cache
			what="$what, cache corrupted first"
		fi
		clean=$TMP/$set-clean-$i
		run "$CASEBOOK" build -q --jobs "$jobs" --repo "$R" --ref "${REFS[i]}" --audience "${AUDS[i]}" --out "$P/site"
		if [ "$RC" -ne 0 ]; then
			not_ok "$what: the rebuild exits 0" "status $RC: $OUT"
			continue
		fi
		same_tree "$what: the rebuild equals a clean build" "$P/site" "$clean/site"
		# The private database, updated in place, answers as a new one.
		assert_eq "$what: casebook search answers as after a clean build" \
			"$(search_all "$R/.casebook/search-${AUDS[i]}.db")" "$(search_all "$clean/search.db")"
		if [ "$i" = "$corrupt" ]; then
			# A corrupt cache may add a warning, never lose one.
			while IFS= read -r line; do
				[ -n "$line" ] && assert_contains "$what: still reports: $line" "$OUT" "$line"
			done <"$clean/out"
		else
			assert_eq "$what: reports the same problems as a clean build" "$OUT" "$(cat "$clean/out")"
		fi
	done
}

# With a fixed build date (SOURCE_DATE_EPOCH), a change touches only the
# pages that depend on it, so a rebuild that reuses a page it should have
# rendered again shows here.
export SOURCE_DATE_EPOCH=1710000000
clean_builds sde
# Every step must change the output, or its comparison proves little.
unchanged=""
for ((i = 1; i < n; i++)); do
	[ "$i" = "$EMPTY_AT" ] && continue
	[ -n "$(tree_diff "$TMP/sde-clean-$((i - 1))/site" "$TMP/sde-clean-$i/site")" ] ||
		unchanged="$unchanged step $i (${NAMES[i]})"
done
assert_eq "every step but the empty commit changes the clean output" "$unchanged" ""
assert_contains "the taxonomy plugin warns on the clean build" "$(cat "$TMP/sde-clean-0/out")" "wordy.md"
check "the internal build has the internal document" test -f "$TMP/sde-clean-17/site/documents/extra-internal.html"
check "the public build has not" test ! -e "$TMP/sde-clean-18/site/documents/extra-internal.html"
check "a deleted document's page is gone" test ! -e "$TMP/sde-clean-4/site/documents/extra-spoke-b.html"
check "a renamed document's old page is gone" test ! -e "$TMP/sde-clean-5/site/documents/extra-added.html"
check "the renamed document has its new page" test -f "$TMP/sde-clean-5/site/documents/extra-added-renamed.html"
check "a document made internal has no public page" test ! -e "$TMP/sde-clean-7/site/documents/extra-added-renamed.html"
# has STEP FILE TEXT: the clean build of STEP has TEXT in FILE.
has() { grep -qF -- "$3" "$TMP/sde-clean-$1/site/$2"; }
check "the body edit is by another author" has 1 documents/extra-spoke-a.html "B. Nurse"
check "the title edit shows on a page that links to it" has 2 documents/extra-spoke-a.html "Extra hub review, retitled"
check "the template override is used" has 8 index.html "docref override one"
check "the edited template override is used" has 9 index.html "docref override two"
check "the stylesheet override is used" has 9 assets/style.css "style override"
check "the repository plugin runs" has 10 documents/extra-hub.html "stamp one"
check "the edited repository plugin runs" has 11 documents/extra-hub.html "stamp two"
check "the plugin's options are used" has 12 documents/extra-hub.html "stamp from options"
check "the changed options are used" has 13 documents/extra-hub.html "stamp from changed options"
check "the taxonomy label is used" has 14 themes/neglect.html "Neglect and unmet needs"
check "the site title is used" has 15 index.html "Incremental test library"
check "the new area has its analysis page" test -f "$TMP/sde-clean-22/site/analysis/eastmere.html"
check "the year table starts at the changed year" has 23 analysis/index.html ">2019<"
check "removing the overrides removes their effects" bash -c "! grep -rqE 'stamp (one|two|from)|docref override|style override' '$TMP/sde-clean-19/site'"

check "--no-cache builds leave no cache" test ! -e "$R/.casebook/cache.db"
sequence sde 1 -1 9     # the cache corrupted before a template change
check "the cache is in the repository's .casebook/" test -s "$R/.casebook/cache.db"
check "nothing is written beside the output folder" test ! -e "$TMP/sde-inc1/.casebook"
sequence sde 4 13       # the cache deleted before a change of plugin options
same_tree "--jobs 1 and --jobs 4 sequences end with the same bytes" "$TMP/sde-inc1/site" "$TMP/sde-inc4/site"

# A rebuild of the same commit with nothing changed, after the cache was
# corrupted, is where a cache that trusts itself would go wrong.
corrupt_cache
run "$CASEBOOK" build -q --repo "$R" --ref "${REFS[n - 1]}" --out "$TMP/sde-inc4/site"
assert_eq "an unchanged rebuild over a corrupted cache exits 0" "$RC" "0"
same_tree "an unchanged rebuild over a corrupted cache equals a clean build" "$TMP/sde-inc4/site" "$TMP/sde-clean-$((n - 1))/site"

# The cache keeps a document's body (its HTML and text) apart from the
# rest of its record, read only for documents the build keeps, with its
# own checksum: a body damaged on the disk is not used, the document is
# read again. (A fresh output folder, so no earlier page is reused.)
damage="CAST('Leaf point' AS BLOB)"
got=$(sqlite3 "$R/.casebook/cache.db" "UPDATE docs SET body = CAST(substr(body, 1, instr(body, $damage)) || 'x' ||
	substr(body, instr(body, $damage) + 2) AS BLOB) WHERE instr(body, $damage) > 0; SELECT changes();")
assert_eq "one cached body is damaged" "$got" "1"
run "$CASEBOOK" build -q --repo "$R" --ref "${REFS[n - 1]}" --out "$TMP/body-damaged/site"
assert_eq "a rebuild over a damaged body exits 0" "$RC" "0"
same_tree "a rebuild over a damaged body equals a clean build" "$TMP/body-damaged/site" "$TMP/sde-clean-$((n - 1))/site"
check "and the damaged body is stored again" test -z "$(sqlite3 "$R/.casebook/cache.db" \
	"SELECT path FROM docs WHERE instr(body, CAST('Lxaf point' AS BLOB)) > 0")"

# A jump back to the first commit after the whole sequence.
run "$CASEBOOK" build -q --repo "$R" --ref "${REFS[0]}" --out "$TMP/sde-inc4/site"
assert_eq "a rebuild of an older commit exits 0" "$RC" "0"
same_tree "a rebuild of an older commit equals its clean build" "$TMP/sde-inc4/site" "$TMP/sde-clean-0/site"

# The last personal-data scan of a rebuild reads only the files that
# changed: the others are the previous output's, which its scan passed
# under the same names list and allowances. An output made since by a
# --no-cache build (which keeps no record of its scan) is read whole.
# scan_counts: "READ TOTAL" from the timings in OUT.
scan_counts() { sed -n 's/.*pii-output (\([0-9]*\) of \([0-9]*\) files read).*/\1 \2/p' <<<"$OUT"; }
mkdir "$TMP/scan"
run "$CASEBOOK" build -q --repo "$R" --ref "${REFS[0]}" --out "$TMP/scan/site"
run env CASEBOOK_TIMINGS=1 "$CASEBOOK" build -q --repo "$R" --ref "${REFS[1]}" --out "$TMP/scan/site"
read -r nread ntotal <<<"$(scan_counts)"
check "a rebuild after a body edit reads the changed files in its last scan" test "${nread:-0}" -gt 0
check "and only those (read $nread of $ntotal)" test "${nread:-0}" -lt "${ntotal:-0}"
# The search database is updated, not written again: every document but
# the edited one keeps its rows and tokens.
read -r nkept ndocs <<<"$(sed -n 's/.*timing: search (\([0-9]*\) of \([0-9]*\) documents kept).*/\1 \2/p' <<<"$OUT")"
check "the search database keeps the unchanged documents ($nkept of $ndocs)" test "${nkept:-0}" -eq "$((${ndocs:-0} - 1))"
same_tree "that rebuild equals a clean build" "$TMP/scan/site" "$TMP/sde-clean-1/site"
run "$CASEBOOK" build -q --no-cache --repo "$R" --ref "${REFS[2]}" --out "$TMP/scan/site"
run env CASEBOOK_TIMINGS=1 "$CASEBOOK" build -q --repo "$R" --ref "${REFS[2]}" --out "$TMP/scan/site"
read -r nread ntotal <<<"$(scan_counts)"
check "after a --no-cache build the last scan reads every file ($nread of $ntotal)" test "${nread:-0}" -eq "${ntotal:--1}"
same_tree "and the output equals a clean build" "$TMP/scan/site" "$TMP/sde-clean-2/site"

# Without SOURCE_DATE_EPOCH the build date is the commit's, so it changes
# with every commit, on every page.
unset SOURCE_DATE_EPOCH
clean_builds date
sequence date 2

# The build date is shown on the home page (and the accessibility
# statement), not on every page: a new day's commit that edits one
# document leaves a page that does not show it as it was.
check "the home page shows the build date" grep -q '2024-02-02' "$TMP/date-clean-1/site/index.html"
check "a new day leaves an unrelated document's page as it was" \
	cmp -s "$TMP/date-clean-0/site/documents/briefings-7mb-safer-sleep.html" "$TMP/date-clean-1/site/documents/briefings-7mb-safer-sleep.html"
check "and the 404 page" cmp -s "$TMP/date-clean-0/site/404.html" "$TMP/date-clean-1/site/404.html"
# And the rebuild does not make them again: its last scan reads the few
# files that changed.
mkdir "$TMP/newday"
run "$CASEBOOK" build -q --repo "$R" --ref "${REFS[0]}" --out "$TMP/newday/site"
run env CASEBOOK_TIMINGS=1 "$CASEBOOK" build -q --repo "$R" --ref "${REFS[1]}" --out "$TMP/newday/site"
read -r nread ntotal <<<"$(scan_counts)"
check "a new day's one-document rebuild reads under a quarter of the files ($nread of $ntotal)" \
	test "$((${nread:-1000000} * 4))" -lt "${ntotal:-0}"
same_tree "and equals a clean build" "$TMP/newday/site" "$TMP/date-clean-1/site"

# The comparison itself can fail: a stale file, a changed byte and a
# leftover empty folder are each noticed.
cp -R "$TMP/sde-clean-0/site" "$TMP/probe"
touch "$TMP/probe/documents/stale.html"
check "the comparison notices a stale file" test -n "$(tree_diff "$TMP/probe" "$TMP/sde-clean-0/site")"
rm "$TMP/probe/documents/stale.html"
printf ' ' >>"$TMP/probe/index.html"
check "the comparison notices a changed byte" test -n "$(tree_diff "$TMP/probe" "$TMP/sde-clean-0/site")"
cp "$TMP/sde-clean-0/site/index.html" "$TMP/probe/index.html"
mkdir "$TMP/probe/stale-folder"
check "the comparison notices an empty folder" test -n "$(tree_diff "$TMP/probe" "$TMP/sde-clean-0/site")"
rmdir "$TMP/probe/stale-folder"
check "and is empty for equal trees" test -z "$(tree_diff "$TMP/probe" "$TMP/sde-clean-0/site")"
finish
