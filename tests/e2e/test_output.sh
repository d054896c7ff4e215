#!/usr/bin/env bash
# Output: reproducible, swapped in whole, untouched by a failed build;
# audiences; dates and authors from git history.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
git init -q "$R"
doc "$R/content/a/alpha.md" "Alpha review" "themes: [neglect, was-not-brought]
summary: First summary." "## Key learning

- Record every missed appointment. #was-not-brought
- Share concerns with the GP.

See [beta](../b/beta.md#think)."
doc "$R/content/b/beta.md" "Beta briefing" "themes: [neglect]" "## Think

- Who is the child's voice here?"
commit "$R" "add alpha and beta" "2023-03-01T09:00:00Z"
GIT_AUTHOR_NAME="B. Nurse" GIT_AUTHOR_EMAIL=nurse@example.org \
	doc "$R/content/a/alpha.md" "Alpha review" "themes: [neglect, was-not-brought]
summary: Updated summary." "## Key learning

- Record every missed appointment. #was-not-brought
- Share concerns with the GP.

See [beta](../b/beta.md#think)."
GIT_AUTHOR_NAME="B. Nurse" commit "$R" "revise alpha" "2024-06-20T09:00:00Z"

run "$CASEBOOK" build --repo "$R" --out "$TMP/one"
assert_eq "first build" "$RC" "0"
run "$CASEBOOK" build --repo "$R" --out "$TMP/two"
a=$(tree_sum "$TMP/one" | sed "s#$TMP/one##")
b=$(tree_sum "$TMP/two" | sed "s#$TMP/two##")
assert_eq "two builds of one commit are byte-identical" "$a" "$b"
SOURCE_DATE_EPOCH=1700000000 "$CASEBOOK" build -q --repo "$R" --out "$TMP/sde1"
SOURCE_DATE_EPOCH=1700000000 "$CASEBOOK" build -q --repo "$R" --out "$TMP/sde2"
assert_eq "SOURCE_DATE_EPOCH builds are identical" "$(cd "$TMP/sde1" && tree_sum .)" "$(cd "$TMP/sde2" && tree_sum .)"
check "SOURCE_DATE_EPOCH sets the build date" grep -q "2023-11-14" "$TMP/sde1/index.html"
run env SOURCE_DATE_EPOCH=yesterday "$CASEBOOK" build --repo "$R" --out "$TMP/bad"
assert_eq "a malformed SOURCE_DATE_EPOCH exits 2" "$RC" "2"

page=$(cat "$TMP/one/documents/a-alpha.html")
assert_contains "first published from the first commit" "$page" "1 March 2023"
assert_contains "last updated from the newest commit" "$page" "20 June 2024"
# Staff are not named unless casebook.yml says show-authors: true: no
# commit author anywhere in the output, the feed's author is the library.
check "no commit author named anywhere without show-authors" \
	bash -c "! grep -rlE 'B\. Nurse|A\. Lead|nurse@example|lead@example' '$TMP/one'"
assert_not_contains "no contributors list without show-authors" "$page" "Contributors"
assert_contains "the feed's author is the library's title" "$(cat "$TMP/one/feed.atom")" \
	"<author><name>Learning from case reviews</name></author>"
assert_contains "links to other documents are rewritten to their pages" "$page" 'href="../documents/b-beta.html#think"'
assert_contains "headings get ids" "$page" '<h2 id="key-learning">'
beta=$(cat "$TMP/one/documents/b-beta.html")
assert_contains "backlinks: beta is referenced by alpha" "$beta" "a-alpha.html"
theme=$(cat "$TMP/one/themes/was-not-brought.html")
assert_contains "theme page lists its learning" "$theme" "Record every missed appointment."
assert_contains "learning links to the exact heading" "$theme" "documents/a-alpha.html#key-learning"

# With show-authors: true the pages name who changed each document (the
# committed casebook.yml of a copy of the repository).
git clone -q "$R" "$TMP/named"
printf 'show-authors: true\n' >"$TMP/named/casebook.yml"
commit "$TMP/named" "name the authors" "2024-06-21T09:00:00Z"
run "$CASEBOOK" build --repo "$TMP/named" --out "$TMP/named-out"
assert_eq "a build with show-authors: true" "$RC" "0"
named=$(cat "$TMP/named-out/documents/a-alpha.html")
assert_contains "show-authors: the last change's author" "$named" "20 June 2024</time> by B. Nurse"
assert_contains "show-authors: the contributors" "$named" "<li>A. Lead</li>"
assert_contains "show-authors: the feed's author is still the library's title" \
	"$(cat "$TMP/named-out/feed.atom")" "<author><name>Learning from case reviews</name></author>"
printf 'show-author: true\n' >"$TMP/named/casebook.yml"
commit "$TMP/named" "misspelt" "2024-06-22T09:00:00Z"
run "$CASEBOOK" check --repo "$TMP/named"
assert_contains "a misspelt show-authors gets a did you mean" "$OUT" \
	"casebook.yml:1:1: warning: 'show-author' is not a configuration setting casebook knows, so it is ignored; did you mean 'show-authors'?"

# A build's date, feed and search database come from what it publishes:
# a commit that changes only documents the build leaves out (restricted,
# internal, drafts) changes nothing in its output, byte for byte.
P=$TMP/pubdate
git init -q "$P"
doc "$P/content/pub.md" "Public note"
doc "$P/content/int.md" "Internal note" "visibility: internal"
doc "$P/content/res.md" "Restricted note" "visibility: restricted"
doc "$P/content/draft.md" "Draft note" "status: draft"
commit "$P" "start" "2024-03-01T09:00:00Z"
start=$(git -C "$P" rev-parse HEAD)
"$CASEBOOK" build -q --repo "$P" --out "$TMP/pd1"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/id1" --audience internal
echo "More restricted text." >>"$P/content/res.md"
commit "$P" "restricted only" "2024-05-05T09:00:00Z"
echo "More draft text." >>"$P/content/draft.md"
commit "$P" "draft only" "2024-05-06T09:00:00Z"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/pd2"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/id2" --audience internal
d=$(diff -r "$TMP/pd1" "$TMP/pd2")
if [ -z "$d" ]; then ok "public: a commit of restricted and draft documents only changes no byte"; else not_ok "public: a commit of restricted and draft documents only changes no byte" "$d"; fi
d=$(diff -r "$TMP/id1" "$TMP/id2")
if [ -z "$d" ]; then ok "internal: likewise"; else not_ok "internal: likewise" "$d"; fi
check "the public build is dated by the public change" grep -q '<time datetime="2024-03-01">' "$TMP/pd2/index.html"
assert_contains "the feed's updated is the published change" "$(cat "$TMP/pd2/feed.atom")" "<updated>2024-03-01T09:00:00Z</updated>"
db=$P/.casebook/search-public.db
[ -f "$db" ] || db=$TMP/pd2/casebook.db
assert_eq "the search database's commit is the published change" \
	"$(sqlite3 "$db" "select value from meta where key = 'commit'")" "$start"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/rd" --audience restricted
check "the restricted build is dated by the restricted change" grep -q '<time datetime="2024-05-05">' "$TMP/rd/index.html"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/dd" --audience internal --drafts
check "a build with drafts is dated by the draft's change" grep -q '<time datetime="2024-05-06">' "$TMP/dd/index.html"
# Anything else the build reads counts: a published document, casebook.yml.
echo "More public text." >>"$P/content/pub.md"
commit "$P" "public" "2024-06-06T09:00:00Z"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/pd3"
check "a public change dates the public build" grep -q '<time datetime="2024-06-06">' "$TMP/pd3/index.html"
printf 'title: Dated library\n' >"$P/casebook.yml"
commit "$P" "configuration" "2024-07-07T09:00:00Z"
"$CASEBOOK" build -q --repo "$P" --out "$TMP/pd4"
check "a configuration change dates the build" grep -q '<time datetime="2024-07-07">' "$TMP/pd4/index.html"

# A failed build leaves the previous output byte for byte.
before=$(cd "$TMP/one" && tree_sum .)
printf -- '---\ntitle: Broken\ntype: nonsense\n---\n' >"$R/content/broken.md"
commit "$R" "break" "2024-07-01T09:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/one"
assert_eq "a build with content errors exits 1" "$RC" "1"
assert_contains "it says nothing was written" "$OUT" "nothing was written"
assert_eq "the previous output is untouched" "$(cd "$TMP/one" && tree_sum .)" "$before"
leftovers=$(ls -a "$TMP" | grep -c staging || true)
assert_eq "no staging folder is left behind" "$leftovers" "0"
git -C "$R" rm -q content/broken.md && commit "$R" "fix" "2024-07-02T09:00:00Z"

# A broken theme also fails cleanly, leaving the output as it was.
mkdir -p "$TMP/data/themes"
cp -R "$ROOT/themes/default" "$TMP/data/themes/"
printf '{{#unclosed}}\n' >>"$TMP/data/themes/default/templates/index.mustache"
before=$(cd "$TMP/one" && tree_sum .)
run env CASEBOOK_DATADIR="$TMP/data" "$CASEBOOK" build --repo "$R" --out "$TMP/one"
check "a template error fails the build" test "$RC" -ne 0
assert_contains "the template error names the file" "$OUT" "index.mustache:"
assert_eq "output untouched after a template error" "$(cd "$TMP/one" && tree_sum .)" "$before"

# Audiences: internal and restricted documents only where allowed.
doc "$R/content/internal.md" "Internal note ZQX" "visibility: internal"
doc "$R/content/restricted.md" "Restricted note ZQR" "visibility: restricted"
doc "$R/content/draft.md" "Draft note ZQD" "status: draft"
printf -- '---\ntitle: Supervision ZQS\ntype: supervision-note\ndate: 2024-05-01\n---\n\nNotes.\n' >"$R/content/sup.md"
commit "$R" "more" "2024-07-03T09:00:00Z"
for aud in public internal restricted; do
	drafts=()
	[ $aud != public ] && drafts=(--drafts)
	run "$CASEBOOK" build --repo "$R" --audience $aud "${drafts[@]}" --out "$TMP/$aud"
	assert_eq "$aud build exits 0" "$RC" "0"
done
# Without --drafts no build has drafts, whatever its audience; with the
# public audience --drafts is refused.
run "$CASEBOOK" build --repo "$R" --audience internal --out "$TMP/internal-nodrafts"
assert_eq "internal build without --drafts exits 0" "$RC" "0"
check "internal without --drafts: no draft" bash -c "! grep -rq ZQD '$TMP/internal-nodrafts'"
run "$CASEBOOK" build --repo "$R" --drafts --out "$TMP/public-drafts"
assert_eq "--drafts for the public audience: exit 2" "$RC" "2"
assert_contains "--drafts for the public audience: says why" "$OUT" "drafts never go in a public build"
assert_no_file "--drafts for the public audience: nothing written" "$TMP/public-drafts"
check "public: no internal doc" bash -c "! grep -rq ZQX '$TMP/public'"
check "public: no restricted doc" bash -c "! grep -rq ZQR '$TMP/public'"
check "public: no draft" bash -c "! grep -rq ZQD '$TMP/public'"
check "public: no supervision note" bash -c "! grep -rq ZQS '$TMP/public'"
check "public: no page file for the hidden ones" bash -c "! ls '$TMP/public/documents' | grep -Eq 'internal|restricted|draft|sup'"
check "internal: has the internal doc" grep -rq ZQX "$TMP/internal"
check "internal: has drafts" grep -rq ZQD "$TMP/internal"
check "internal: no restricted doc" bash -c "! grep -rq ZQR '$TMP/internal'"
check "internal: no supervision note" bash -c "! grep -rq ZQS '$TMP/internal'"
check "restricted: has everything" bash -c "grep -rq ZQR '$TMP/restricted' && grep -rq ZQS '$TMP/restricted'"
check "restricted pages are marked noindex" grep -q 'noindex' "$TMP/restricted/index.html"
# The number of threads never changes the output (the demo, every audience).
for aud in public restricted; do
	"$CASEBOOK" build -q --jobs 1 --audience $aud --repo "$ROOT" --out "$TMP/j1-$aud"
	"$CASEBOOK" build -q --jobs 4 --audience $aud --repo "$ROOT" --out "$TMP/j4-$aud"
	assert_eq "--jobs 1 and --jobs 4 give the same bytes ($aud)" "$(cd "$TMP/j1-$aud" && tree_sum .)" \
		"$(cd "$TMP/j4-$aud" && tree_sum .)"
done

# A rebuild links unchanged pages from the previous output and writes the
# rest; the result equals a clean build byte for byte.
"$CASEBOOK" build -q --repo "$ROOT" --out "$TMP/re"
ino_before=$(stat -c %i "$TMP/re/index.html")
"$CASEBOOK" build -q --repo "$ROOT" --out "$TMP/re"
assert_eq "an unchanged page is kept, not rewritten" "$(stat -c %i "$TMP/re/index.html")" "$ino_before"
assert_eq "the rebuild equals a clean build" "$(cd "$TMP/re" && tree_sum .)" "$(cd "$TMP/j1-public" && tree_sum .)"
finish
