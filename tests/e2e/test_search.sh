#!/usr/bin/env bash
# casebook search on the demo site: phrases, prefixes, exclusions, filters,
# synonyms, no hits (exit 1), malformed queries (exit 2, a plain message),
# JSON output, the database of each audience (.casebook/search-<audience>.db,
# out of the published output unless --with-db), the browser index files,
# and privacy (nothing of an excluded document in the index).
. "$(dirname "$0")/lib.sh"

# The demo content in a repository of its own, so builds write their
# search databases in its .casebook/ folder.
R=$TMP/demo
mkdir -p "$R"
cp -R "$ROOT/content" "$R/"
[ -f "$ROOT/casebook.yml" ] && cp "$ROOT/casebook.yml" "$R/"
git init -q "$R"
commit "$R" "demo"
run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "the demo builds" "$RC" "0"
DB=$R/.casebook/search-public.db
assert_file "the build writes the public search database in the private folder" "$DB"
assert_eq "the search database is owner-only" "$(stat -c %a "$DB")" "600"
assert_no_file "casebook.db is not in the output by default" "$TMP/site/casebook.db"
assert_eq "nothing but the database in the private folder (no temporary file left)" \
	"$(cd "$R/.casebook" && ls | grep search)" "search-public.db"
assert_file "the build writes the browser index" "$TMP/site/search/meta.js"
assert_file "the build writes search.html" "$TMP/site/search.html"
check "every page has a search box" grep -q 'action="search.html" method="get"' "$TMP/site/index.html"
check "document pages' search box points up" grep -q 'action="../search.html"' "$TMP/site/documents/briefings-7mb-safer-sleep.html"

# A rebuild makes again only the browser's text blocks (search/d-N.js)
# whose documents changed: the others are linked from the last output
# without being made, which shows when one was changed there in place
# (same size, time and inode): a rebuild with nothing changed keeps it, a
# build without the cache makes it again.
tamper() {
	python3 - "$1" <<'PY'
import os, sys
p = sys.argv[1]
st = os.stat(p)
with open(p, "r+b") as f:
    data = f.read()
    i = data.index(b"CBS.docs(")
    f.seek(i)
    f.write(b"CBS.DOCS(")
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
}
tamper "$TMP/site/search/d-0.js"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/site"
check "a rebuild links the unchanged text blocks of the browser index without making them" \
	grep -q "CBS.DOCS(" "$TMP/site/search/d-0.js"
run "$CASEBOOK" build -q --no-cache --repo "$R" --out "$TMP/site"
check "a build without the cache makes them" grep -q "^CBS.docs(0," "$TMP/site/search/d-0.js"

# The private database keeps each document's tokens for the next build's
# browser index: a byte of them changed on disk (a term's letter, so the
# form still reads) is found, not published. The rebuild after another
# document's change either stops and says so, or gives a clean build's
# index.
K=$TMP/tokens
git clone -q "$R" "$K"
"$CASEBOOK" build -q --repo "$K" --out "$TMP/tok-site" 2>/dev/null
python3 - "$K/.casebook/search-public.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
doc, toks = con.execute("SELECT doc, toks FROM doc_tokens ORDER BY length(toks) DESC LIMIT 1").fetchone()
b = bytearray(toks)
i = next(k for k in range(len(b) - 1) if 0x61 <= b[k] <= 0x79 and 0x61 <= b[k + 1] <= 0x7a)
b[i] += 1
con.execute("UPDATE doc_tokens SET toks = ? WHERE doc = ?", (bytes(b), doc))
con.commit()
PY
printf '\nA new closing line.\n' >>"$K/content/briefings/7mb-safer-sleep.md"
commit "$K" "one document changes"
run "$CASEBOOK" build -q --repo "$K" --out "$TMP/tok-site"
"$CASEBOOK" build -q --no-cache --repo "$K" --out "$TMP/tok-clean" 2>/dev/null
if [ "$RC" = 0 ]; then
	assert_eq "changed kept tokens: the rebuild's browser index is a clean build's" \
		"$(diff -r "$TMP/tok-site/search" "$TMP/tok-clean/search" | head -5)" ""
else
	assert_contains "changed kept tokens: the rebuild stops and says so" "$OUT" "are damaged"
fi

# paths QUERY [OPTIONS…]: the documents found (file names only), one line.
paths() {
	local q=$1
	shift
	"$CASEBOOK" search --db "$DB" --json --limit 200 "$@" -- "$q" |
		python3 -c 'import json,sys; print(" ".join(r["path"].rsplit("/",1)[-1] for r in json.load(sys.stdin)["results"] if r["kind"] == "document"))'
}

assert_eq "a phrase" "$(paths '"did not attend"')" \
	"7mb-was-not-brought.md neglect-multi-agency-audit-2025.md scr-children-d-and-e-2020.md"
assert_eq "a prefix" "$(paths 'bruis*')" \
	"7mb-bruising-non-mobile-babies.md lcspr-child-a-2023.md cpma-audit-2024.md"
# A prefix cut inside a suffix: "escalat" is not the start of the stem
# "escal" (escalation, escalate), yet escalat* finds them.
assert_eq "a prefix cut inside a suffix finds the whole word" "$(paths 'escalat*')" "$(paths escalation)"
check "escalat* finds something" test -n "$(paths 'escalat*')"
# ... and inside -able/-ability: "vulnerability" and "vulnerable" are "vulner".
assert_eq "a prefix cut inside -ability finds the whole word" "$(paths 'vulnerab*')" "$(paths vulnerability)"
check "vulnerab* finds something" test -n "$(paths 'vulnerab*')"
assert_eq "an excluded prefix cut inside a suffix" "$(paths 'neglect -escalat*')" "$(paths 'neglect -escal*')"
assert_eq "without an exclusion" "$(paths neglect)" \
	"neglect-multi-agency-audit-2025.md scr-children-d-and-e-2020.md 7mb-was-not-brought.md"
assert_eq "an exclusion" "$(paths 'neglect -drift')" "7mb-was-not-brought.md"
assert_eq "OR" "$(paths 'sofa OR cot')" \
	"7mb-safer-sleep.md sudi-thematic-2025.md rapid-review-baby-b-2024.md"
assert_eq "a type filter" "$(paths child --type audit)" \
	"neglect-multi-agency-audit-2025.md cpma-audit-2024.md"
assert_eq "a theme filter (by label)" "$(paths child --theme 'Was not brought')" \
	"neglect-multi-agency-audit-2025.md 7mb-was-not-brought.md scr-children-d-and-e-2020.md"
assert_eq "year filters" "$(paths DNA --since 2025 --until 2025)" "neglect-multi-agency-audit-2025.md"
assert_eq "a synonym (DNA) finds was-not-brought" "$(paths DNA)" \
	"7mb-was-not-brought.md neglect-multi-agency-audit-2025.md scr-children-d-and-e-2020.md"
assert_eq "a synonym (WNB) finds the same" "$(paths WNB)" "$(paths DNA)"
assert_eq "a synonym (NAI) finds non-mobile bruising first" "$(paths NAI | cut -d' ' -f1)" \
	"7mb-bruising-non-mobile-babies.md"

run "$CASEBOOK" search --db "$DB" DNA
assert_eq "matches exit 0" "$RC" "0"
assert_contains "a hit shows title" "$OUT" "1. 7-minute briefing: children who are not brought to appointments"
assert_contains "a hit shows type, date, area and path" "$OUT" \
	"7-minute briefing · 2024-03-04 · Harrowdene · content/briefings/7mb-was-not-brought.md"
assert_contains "the expansion is visible" "$OUT" 'theme: Was not brought (matched "DNA")'
assert_not_contains "no escape codes with NO_COLOR" "$OUT" $'\033['
if command -v script >/dev/null; then
	tty=$(env -u NO_COLOR script -qec "'$CASEBOOK' search --db '$DB' --limit 1 neglect" /dev/null)
	assert_contains "on a terminal, matched words are bold" "$tty" $'\033[1m'
	tty=$(NO_COLOR=1 script -qec "'$CASEBOOK' search --db '$DB' --limit 1 neglect" /dev/null)
	assert_not_contains "on a terminal with NO_COLOR, no bold" "$tty" $'\033['
fi
run "$CASEBOOK" search --db "$DB" --limit 1 missed appointments
assert_contains "several words without quotes are one query" "$OUT" "11 results match \"missed appointments\""
assert_contains "the limit is shown" "$OUT" "10 more: use --limit 11 to see them all"
run "$CASEBOOK" search --db "$DB" --limit 20 missed appointments
assert_contains "documents and points are counted" "$OUT" "11 results match \"missed appointments\" (4 documents, 7 learning points)"
assert_contains "the snippet has the matched words" "$OUT" "missed health appointments"
assert_contains "a point says which section it is in" "$OUT" \
	"1. 7-minute briefing: children who are not brought to appointments — learning point under \"Think\""
assert_contains "a point's path has its anchor" "$OUT" "content/briefings/7mb-was-not-brought.md#think"

run "$CASEBOOK" search neglect -drift --db "$DB" --limit 5
assert_contains "options may follow the query; -word stays a query word" "$OUT" '7 results match "neglect -drift"'
json=$("$CASEBOOK" search --db "$DB" --json --limit 2 NAI)
schema=$(python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
r = d["results"][0]
marked = [r["snippet"][s:s + n] for s, n in r["highlights"]]
p = d["results"][1]
print(d["version"], d["query"], d["total"], len(d["results"]), r["kind"], sorted(r), p["kind"], sorted(p),
      [t["id"] for t in r["themes_matched"]], r["themes_matched"][0]["synonym"],
      d["expanded"][0]["theme"], r["matched"], marked, type(r["score"]).__name__)
PY
)
assert_eq "--json follows the documented schema (version 2)" "$schema" \
	"2 NAI 5 2 document ['area', 'date', 'highlights', 'kind', 'matched', 'path', 'rank', 'score', 'snippet', 'themes_matched', 'title', 'type', 'type_label', 'url'] point ['anchor', 'area', 'date', 'heading', 'highlights', 'kind', 'matched', 'path', 'point', 'rank', 'score', 'snippet', 'text', 'themes_matched', 'title', 'type', 'type_label', 'url'] ['non-mobile-bruising'] NAI non-mobile-bruising theme [] float"

run "$CASEBOOK" search --db "$DB" zzqqxx
assert_eq "no hits exit 1" "$RC" "1"
assert_contains "no hits says so" "$OUT" 'nothing matches "zzqqxx"'
run "$CASEBOOK" search --db "$DB" --json zzqqxx
assert_eq "no hits exit 1 with --json too" "$RC" "1"
assert_contains "--json with no hits is still JSON" "$OUT" '"total":0,"results":[]'

# Malformed queries: a plain message and exit 2, never SQLite's words.
malformed() {
	local desc=$1 want=$2
	shift 2
	run "$CASEBOOK" search --db "$DB" "$@"
	assert_eq "$desc exits 2" "$RC" "2"
	assert_contains "$desc is explained" "$OUT" "$want"
	assert_not_contains "$desc shows no SQLite message" "$OUT" "fts5"
}
malformed "an unbalanced quote" "the quote at column 9 is never closed" -- 'neglect "did not'
malformed "a lone -" "a '-' on its own at column 9" -- 'neglect - audit'
malformed "OR at the start" "OR at column 1 needs a word to search for on each side" -- 'OR neglect'
malformed "OR at the end" "OR at column 9 needs a word to search for on each side" -- 'neglect OR'
malformed "an empty query" "the search is empty" -- ''
malformed "only exclusions" "the search only leaves words out" -- -neglect
malformed "a stray *" "is not at the end of a word" -- 'a*b'
malformed "only punctuation" "there is nothing to search for" -- '!!!'
assert_eq "FTS5 syntax gives no hits, not an error" "$(
	"$CASEBOOK" search --db "$DB" -- 'NEAR(' >/dev/null 2>&1
	echo $?
)" "1"
run "$CASEBOOK" search --db "$DB" --theme negelct child
assert_eq "an unknown theme exits 2" "$RC" "2"
assert_contains "an unknown theme gets a suggestion" "$OUT" "no theme 'negelct' in this index (did you mean 'neglect'?)"
run "$CASEBOOK" search --db "$DB" --since 20 child
assert_eq "a bad year exits 2" "$RC" "2"
assert_contains "a bad year is explained" "$OUT" "--since needs a year such as 2023, not '20'"
run "$CASEBOOK" search --db "$DB"
assert_eq "no query exits 2" "$RC" "2"
run "$CASEBOOK" search --db "$TMP/nowhere.db" child
assert_eq "a missing database exits 2" "$RC" "2"
assert_eq "a missing database is one line telling what to do" "$OUT" \
	"casebook search: no search index at '$TMP/nowhere.db': run 'casebook build' first"
run "$CASEBOOK" search --db "$R/content/taxonomy.yml" child
assert_eq "a file that is not an index exits 2" "$RC" "2"

# With no --db: the database of the audience's last build, in the private
# folder of the repository containing this folder (or --repo's).
run bash -c "cd '$R/content' && '$CASEBOOK' search DNA"
assert_eq "no --db reads the public database of the repository" "$RC" "0"
assert_contains "and finds what the build indexed" "$OUT" "7-minute briefing: children who are not brought"
run "$CASEBOOK" search --repo "$R" --limit 1 DNA
assert_eq "--repo names the repository" "$RC" "0"
# Finding the usual repository (a .git folder) needs no libgit2, whose
# libraries take longer to load than the search; a linked worktree (a
# .git file) is left to libgit2, and has a private folder of its own.
run bash -c "cd '$R/content' && LD_DEBUG=libs '$CASEBOOK' search --limit 1 DNA"
assert_contains "a search inside the repository finds it" "$OUT" "7-minute briefing"
assert_not_contains "without loading libgit2" "$OUT" "libgit2"
git -C "$R" worktree add -q --detach "$TMP/linked" >/dev/null 2>&1
run bash -c "cd '$TMP/linked/content' && LD_DEBUG=libs '$CASEBOOK' search DNA"
assert_contains "a linked worktree is found through libgit2" "$OUT" "libgit2"
assert_contains "and is its own repository, with no database yet" "$OUT" \
	"casebook: no search database for the public audience yet; run 'casebook build' first"
git -C "$R" worktree remove --force "$TMP/linked"
run bash -c "cd '$TMP' && '$CASEBOOK' search DNA"
assert_eq "outside a repository, no --db is an error" "$RC" "2"
assert_contains "outside a repository, it says which folder" "$OUT" "casebook search: "
run "$CASEBOOK" search --repo "$R" --audience internal DNA
assert_eq "no internal build yet: exit 2" "$RC" "2"
assert_eq "no internal build yet: the message names the command that makes one" "$OUT" \
	"casebook: no search database for the internal audience yet; run 'casebook build --audience internal' first"
run "$CASEBOOK" search --repo "$R" --audience secret DNA
assert_eq "an unknown audience exits 2" "$RC" "2"
assert_contains "an unknown audience is explained" "$OUT" "unknown audience 'secret': use public, internal or restricted"
run "$CASEBOOK" search --db "$DB" --audience internal DNA
assert_eq "--db with --audience is a usage error" "$RC" "2"
assert_contains "and says to give one of them" "$OUT" "give either --db or --audience and --repo"
rm -rf "$TMP/site"
run bash -c "cd '$R' && '$CASEBOOK' search DNA"
assert_eq "the database does not depend on the output folder" "$RC" "0"
mv "$DB" "$TMP/moved.db"
run "$CASEBOOK" search --repo "$R" DNA
assert_eq "no public build yet: exit 2" "$RC" "2"
assert_eq "no public build yet: the message names the command" "$OUT" \
	"casebook: no search database for the public audience yet; run 'casebook build' first"
mv "$TMP/moved.db" "$DB"

# Privacy: documents outside the audience leave no trace in the index; each
# audience has its own database, and search --audience reads it.
doc "$R/content/secret.md" "Internal ZQXHIDDEN review" "visibility: internal
themes: [neglect]" "Missed appointments ZQXHIDDEN."
commit "$R" "internal"
"$CASEBOOK" build -q --repo "$R" --out "$TMP/pub" --with-db 2>/dev/null
check "public: no trace of an internal document in casebook.db or the shards" \
	bash -c "! grep -rqi zqxhidden '$TMP/pub' '$DB'"
run "$CASEBOOK" search --repo "$R" zqxhidden
assert_eq "public: the internal document is not found" "$RC" "1"
run "$CASEBOOK" search --db "$TMP/pub/casebook.db" zqxhidden
assert_eq "public --with-db: not in the output's casebook.db either" "$RC" "1"
"$CASEBOOK" build -q --repo "$R" --audience internal --out "$TMP/int" 2>/dev/null
assert_file "the internal build writes its own database" "$R/.casebook/search-internal.db"
assert_no_file "and no casebook.db in its output" "$TMP/int/casebook.db"
assert_eq "internal: search --audience internal finds it" "$(paths zqxhidden --db "$R/.casebook/search-internal.db")" "secret.md"
run "$CASEBOOK" search --repo "$R" --audience internal --json zqxhidden
assert_contains "internal: found through --audience internal" "$OUT" '"path":"content/secret.md"'
run "$CASEBOOK" search --repo "$R" zqxhidden
assert_eq "the public database is untouched by the internal build" "$RC" "1"

# Drafts: search has no --drafts of its own; it sees what the last build of
# its audience published, so a draft is found after `build --drafts` only,
# its learning points too, and is gone again after a build without it.
doc "$R/content/draft.md" "Draft ZQXDRAFT review" "status: draft
themes: [neglect]" "## Key learning

- Keep ZQXDRAFT chronologies current."
commit "$R" "a draft"
"$CASEBOOK" build -q --repo "$R" --audience internal --out "$TMP/int" 2>/dev/null
run "$CASEBOOK" search --repo "$R" --audience internal zqxdraft
assert_eq "drafts: not found after an internal build without --drafts" "$RC" "1"
"$CASEBOOK" build -q --repo "$R" --audience internal --drafts --out "$TMP/int" 2>/dev/null
run "$CASEBOOK" search --repo "$R" --audience internal --json zqxdraft
assert_eq "drafts: found after build --drafts" "$RC" "0"
assert_contains "drafts: the draft document" "$OUT" '"url":"documents/draft.html",'
assert_contains "drafts: and its learning point" "$OUT" '"text":"Keep ZQXDRAFT chronologies current."'
"$CASEBOOK" build -q --repo "$R" --audience internal --out "$TMP/int" 2>/dev/null
run "$CASEBOOK" search --repo "$R" --audience internal zqxdraft
assert_eq "drafts: gone again after a build without --drafts" "$RC" "1"
run "$CASEBOOK" search --repo "$R" --drafts zqxdraft
assert_eq "drafts: search itself takes no --drafts (usage error)" "$RC" "2"
git -C "$R" rm -q content/draft.md
commit "$R" "no draft"

# The command line ranks like the browser of the same audience: the public
# database and the public output's casebook.db give the same results.
assert_eq "search-public.db and --with-db's casebook.db rank alike" \
	"$(paths child --db "$DB")" "$(paths child --db "$TMP/pub/casebook.db")"

# --with-db: casebook.db in the output, the same bytes from two builds (and
# with the cache or without); 'search-db: true' in casebook.yml does the same.
"$CASEBOOK" build -q --repo "$R" --out "$TMP/w1" --with-db 2>/dev/null
"$CASEBOOK" build -q --repo "$R" --out "$TMP/w2" --with-db --no-cache 2>/dev/null
assert_file "--with-db writes casebook.db into the output" "$TMP/w1/casebook.db"
check "--with-db: two builds give byte-identical databases" cmp "$TMP/w1/casebook.db" "$TMP/w2/casebook.db"
assert_eq "--with-db: the output's database is readable like any page" "$(stat -c %a "$TMP/w1/casebook.db")" "644"
printf 'search-db: true\n' >>"$R/casebook.yml"
commit "$R" "search-db"
"$CASEBOOK" build -q --repo "$R" --out "$TMP/w3" 2>/dev/null
assert_file "search-db: true writes casebook.db too" "$TMP/w3/casebook.db"
run "$CASEBOOK" build --repo "$R" --out "$TMP/w3" --quiet
assert_not_contains "search-db is a known setting" "$OUT" "search-db"
sed -i 's/^search-db: true$/serch-db: true/' "$R/casebook.yml"
commit "$R" "typo"
run "$CASEBOOK" check --repo "$R"
assert_contains "a misspelt search-db gets a suggestion" "$OUT" "did you mean 'search-db'"
sed -i '/^serch-db: true$/d' "$R/casebook.yml"
commit "$R" "no search-db"
run "$CASEBOOK" check --repo "$R" --with-db
assert_eq "check takes no --with-db" "$RC" "2"

# A failed build leaves the last good database as it was.
cp "$DB" "$TMP/good.db"
doc "$R/content/broken.md" "Broken ZQXBROKEN" "visibility: nonsense"
commit "$R" "broken"
run "$CASEBOOK" build --repo "$R" --out "$TMP/pub"
assert_eq "a build with a content error fails" "$RC" "1"
check "a failed build leaves the search database untouched" cmp "$DB" "$TMP/good.db"
run "$CASEBOOK" search --repo "$R" zqxbroken
assert_eq "the failed build's document is not searchable" "$RC" "1"
git -C "$R" rm -q content/broken.md
commit "$R" "fixed"
mkdir -p "$TMP/blocked"
: >"$TMP/blocked/file"
run "$CASEBOOK" build --repo "$R" --out "$TMP/blocked/file/site"
assert_eq "a build that cannot write its output fails" "$RC" "2"
check "and leaves the search database untouched" cmp "$DB" "$TMP/good.db"
assert_eq "and no temporary database is left" "$(cd "$R/.casebook" && ls | grep -c tmp)" "0"

# A build killed while writing its database leaves a temporary file; the
# next build removes it (its process is gone).
: >"$R/.casebook/search-public.db.tmp-999999"
"$CASEBOOK" build -q --repo "$R" --out "$TMP/pub" 2>/dev/null
assert_no_file "a dead build's temporary database is swept" "$R/.casebook/search-public.db.tmp-999999"

# ---- learning points ---------------------------------------------------------
# A match only through a theme's synonym ranks by the share of its
# document's points on the theme, after the matches of the words: the
# newest document here has no point on it, the oldest all of its points.
S=$TMP/points
mkdir -p "$S/content"
git init -q "$S"
cat >"$S/content/taxonomy.yml" <<'EOF2'
themes:
  was-not-brought:
    label: Was not brought
    synonyms: [DNA]
  neglect:
    label: Neglect
EOF2
doc "$S/content/focus.md" "Focused briefing" "date: 2023-01-01
themes: [was-not-brought]" "## Key learning

- A child who was not brought twice needs a phone call.
- Ask why the child was not brought."
sed -i '/^date: 2024-01-10$/d' "$S/content/focus.md"
doc "$S/content/mixed.md" "Mixed review" "themes: [was-not-brought, neglect]" "## Key learning

- The baby was not brought to the clinic.
- Neglect builds slowly.
- Use the neglect tool with the family.
- Write everything down."
doc "$S/content/nopoints.md" "Newest note without points" "themes: [was-not-brought]
date: 2025-01-01" "A short note."
sed -i '0,/^date: 2024-01-10$/{/^date: 2024-01-10$/d}' "$S/content/nopoints.md"
doc "$S/content/literal.md" "Old literal report" "themes: [neglect]
date: 2022-01-01" "Staff wrote DNA in the notes."
sed -i '0,/^date: 2024-01-10$/{/^date: 2024-01-10$/d}' "$S/content/literal.md"
commit "$S" "points"
run "$CASEBOOK" build --repo "$S" --out "$TMP/psite"
assert_eq "the points fixture builds" "$RC" "0"
PDB=$S/.casebook/search-public.db
keys() {
	"$CASEBOOK" search --db "$PDB" --json "$@" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["total"], " ".join(r["path"].rsplit("/", 1)[-1] + ("#%s/%d" % (r["anchor"], r["point"]) if r["kind"] == "point" else "") + ":" + r["matched"] for r in d["results"]))'
}
assert_eq "a synonym: the words first, then by share of points on the theme, not by date" "$(keys -- DNA)" \
	"7 literal.md:words focus.md:theme focus.md#key-learning/1:theme focus.md#key-learning/2:theme mixed.md:theme mixed.md#key-learning/1:theme nopoints.md:theme"
assert_eq "--limit counts documents and points" "$(keys --limit 3 -- DNA)" \
	"7 literal.md:words focus.md:theme focus.md#key-learning/1:theme"
json=$("$CASEBOOK" search --db "$PDB" --json DNA)
learn=$("$CASEBOOK" learning --repo "$S" --json)
got=$(python3 - "$json" "$learn" <<'PY'
import json, sys
d, l = json.loads(sys.argv[1]), json.loads(sys.argv[2])
r = {(x["path"].rsplit("/", 1)[-1], x.get("point")): x for x in d["results"]}
focus, p1, mixed = r[("focus.md", None)], r[("focus.md", 1)], r[("mixed.md", None)]
anchor = [x["anchor"] for x in l["points"] if x["text"] == p1["text"]][0]
print(focus["score"], mixed["score"], r[("nopoints.md", None)]["score"])
print(p1["url"], p1["anchor"] == anchor, p1["heading"])
print(focus["snippet"], "|", p1["snippet"], "|", p1["highlights"], "|", mixed["snippet"])
print(r[("literal.md", None)]["snippet"], r[("literal.md", None)]["highlights"])
PY
)
assert_eq "shares, links to anchors, snippets from the text" "$got" "1.0 0.25 0.0
documents/focus.html#key-learning True Key learning
A child who was not brought twice needs a phone call. | A child who was not brought twice needs a phone call. | [] | The baby was not brought to the clinic.
Staff wrote DNA in the notes. [[12, 3]]"
assert_eq "a point is found by its own words" "$(keys -- 'neglect tool')" \
	"2 mixed.md#key-learning/3:words mixed.md:words"
assert_eq "an exclusion applies to each point on its own" "$(keys -- 'neglect -tool')" \
	"2 mixed.md#key-learning/2:words literal.md:words"
assert_eq "a point is in a theme filter only when it is on the theme itself" "$(keys --theme neglect -- baby)" \
	"1 mixed.md:words"
assert_eq "without the filter the point is found" "$(keys -- baby)" "2 mixed.md#key-learning/1:words mixed.md:words"
finish
