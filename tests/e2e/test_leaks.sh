#!/usr/bin/env bash
# The leak test: internal, restricted, draft and supervision documents each
# carry a unique marker in every field, their file name, theme id and label,
# commit message and author. Each audience is built, and every byte of every
# output file is searched (SQLite databases also row by row and term by
# term, gzip files also unpacked) for the markers that must not be there;
# the ones that must be there are asserted too. Then counts, links, and a
# byte-for-byte comparison with a repository that never had the hidden
# documents.
. "$(dirname "$0")/lib.sh"

# leaks DIR MARKER...: prints "where: marker" for every marker found in DIR.
# Search indexes may store a term with its start shared with the term
# before it (FTS5 leaf pages do), so the last 8 characters of each marker,
# which are unique, are searched as well.
leaks() {
	python3 - "$@" <<'PY'
import gzip, os, sqlite3, sys
root, markers = sys.argv[1], sys.argv[2:]
pats = [(m, m.lower().encode(), m.lower()[-8:].encode()) for m in markers]
found = set()
def scan(where, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    low = data.lower()
    for m, full, tail in pats:
        if full in low or tail in low:
            found.add(f"{where}: {m}")
def scan_db(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tables = list(con.execute("select name, sql from sqlite_master where type = 'table'"))
    for name, sql in tables:
        quoted = '"' + name.replace('"', '""') + '"'
        if sql and "using fts5" in sql.lower():
            con.execute(f"create virtual table if not exists temp.{quoted[:-1]}_vocab\" using fts5vocab(main, {quoted}, 'row')")
            for (term,) in con.execute(f"select term from temp.{quoted[:-1]}_vocab\""):
                scan(f"{path} (fts5 term in {name})", str(term))
            continue
        for row in con.execute(f"select * from {quoted}"):
            for v in row:
                if isinstance(v, (str, bytes)):
                    scan(f"{path} (table {name})", v)
    con.close()
for dp, dirs, files in os.walk(root):
    for n in dirs + files:
        scan(f"file name {os.path.join(dp, n)}", n)
    for n in files:
        p = os.path.join(dp, n)
        data = open(p, "rb").read()
        scan(p, data)
        if data[:2] == b"\x1f\x8b":
            scan(f"{p} (unpacked)", gzip.decompress(data))
        if data.startswith(b"SQLite format 3\x00"):
            scan_db(p)
for f in sorted(found):
    print(f)
PY
}

R=$TMP/repo
git init -q "$R"
# Authors named on the pages (show-authors), so that a hidden document's
# author is shown to leak nowhere while a visible one's is published.
printf 'show-authors: true\n' >"$R/casebook.yml"
mkdir -p "$R/content"

# Markers: "zq<NN><doc><field>7". NN makes each one's start unique; the
# final digit keeps the Porter stemmer from changing the ending.
declare -A M
DOCS="int res dft sup"
FIELDS="titl summ body them labl file comm auth area ques acti lear head agen revw"
n=10
for D in $DOCS; do
	for F in $FIELDS; do
		M[$D.$F]="zq${n}${D}${F}7"
		n=$((n + 1))
	done
done
DENY=zq99denyname7

{
	echo "themes:"
	echo "  neglect: Neglect"
	echo "  shared-theme: Shared theme"
	for D in $DOCS; do
		echo "  ${M[$D.them]}:"
		echo "    label: Theme ${M[$D.labl]}"
		echo "    synonyms: [${M[$D.labl]}x]"
	done
} >"$R/content/taxonomy.yml"
# Each hidden document is written for an agency of its own.
{
	echo "agencies:"
	for D in $DOCS; do
		echo "  ${M[$D.agen]}:"
		echo "    label: Agency ${M[$D.agen]}"
	done
} >"$R/content/agencies.yml"
printf 'agencies: content/agencies.yml\n' >>"$R/casebook.yml"
printf '# names that must never be published\nZq99denyname7\n' >"$R/content/pii-names.txt"

# The public document links to every hidden one.
doc "$R/content/public/open.md" "Open briefing zq01pubtitl7" "summary: Public summary zq02pubsumm7.
themes: [neglect, shared-theme]" "## Key learning

- Public learning point zq03publear7.

See [the internal review](../int/${M[int.file]}.md), [the audit](../res/${M[res.file]}.md),
[the draft](../dft/${M[dft.file]}.md) and [the note](../sup/${M[sup.file]}.md)."
commit "$R" "Add the public briefing" "2024-01-15T10:00:00Z"

# hidden D TYPE EXTRA MONTH: a hidden document with markers everywhere.
hidden() {
	local D=$1 type=$2 extra=$3 month=$4
	mkdir -p "$R/content/$D"
	cat >"$R/content/$D/${M[$D.file]}.md" <<EOF
---
title: "Hidden ${M[$D.titl]}"
type: $type
date: 2024-$month-10
summary: "Summary ${M[$D.summ]}"
themes: [shared-theme, ${M[$D.them]}]
area: "Area ${M[$D.area]}"
audience: ["${M[$D.agen]}"]
review: "${M[$D.revw]}"
questions:
  - "Question ${M[$D.ques]}?"
actions:
  - action: "Action ${M[$D.acti]}"
    owner: Safeguarding team
    due: 2025-01-01
    rag: amber
$extra
---

## Heading ${M[$D.head]}

Body ${M[$D.body]} text.

## Key learning

- Learning ${M[$D.lear]} point.
EOF
	GIT_AUTHOR_NAME="Author ${M[$D.auth]}" commit "$R" "Add ${M[$D.comm]}" "2024-$month-12T10:00:00Z"
}
hidden int case-review "visibility: internal" 02
hidden res audit "visibility: restricted" 03
hidden dft inspection "status: draft" 04
hidden sup supervision-note "" 05

# Which documents each audience may see.
declare -A SEES=([public]="" [internal]="int dft" [restricted]="int res dft sup")

for aud in public internal restricted; do
	out=$TMP/out-$aud
	drafts=()
	[ $aud != public ] && drafts=(--drafts) # drafts are in no build without it
	run "$CASEBOOK" build --repo "$R" --audience $aud "${drafts[@]}" --with-db --out "$out"
	assert_eq "$aud build succeeds" "$RC" "0"
	[ "$RC" = 0 ] || { echo "$OUT"; continue; }

	must_not=("$DENY")
	must=()
	for D in $DOCS; do
		if [[ " ${SEES[$aud]} " == *" $D "* ]]; then
			# Commit messages are never published, so they are not required.
			for F in $FIELDS; do [ "$F" != comm ] && must+=("${M[$D.$F]}"); done
		else
			for F in $FIELDS; do must_not+=("${M[$D.$F]}"); done
		fi
	done
	found=$(leaks "$out" "${must_not[@]}")
	assert_eq "$aud: no marker of a hidden document (or the deny-list) anywhere in $(find "$out" -type f | wc -l) files" "$found" ""
	present=$(leaks "$out" "${must[@]}" | sed 's/.*: //' | sort -u)
	missing=$(comm -23 <(printf '%s\n' "${must[@]}" | sort -u) <(printf '%s\n' "$present"))
	assert_eq "$aud: every marker of a visible document is published" "$missing" ""
	check "$aud: the output really holds a search database (--with-db)" test -s "$out/casebook.db"
	# The audience's own database in the private folder, which `casebook
	# search` reads, holds no more than the output.
	mkdir -p "$TMP/priv-$aud"
	cp "$R/.casebook/search-$aud.db" "$TMP/priv-$aud/"
	assert_eq "$aud: no marker of a hidden document in .casebook/search-$aud.db" \
		"$(leaks "$TMP/priv-$aud" "${must_not[@]}")" ""
	present=$(leaks "$TMP/priv-$aud" "${must[@]}" | sed 's/.*: //' | sort -u)
	assert_eq "$aud: every searchable marker of a visible document is in .casebook/search-$aud.db" \
		"$(comm -23 <(printf '%s\n' "${must[@]}" | grep -E 'titl|summ|body|lear' | sort -u) <(printf '%s\n' "$present"))" ""
	for base in zq01pubtitl7 zq02pubsumm7 zq03publear7; do
		check "$aud: public marker $base is published" grep -rqF "$base" "$out"
	done
done

# Caches are shared by every build of the repository (.casebook/) and an
# output folder's last build is reused from: a public build into the
# folder the restricted build just wrote, with the cache warm from every
# audience, is the first (cold) public build byte for byte, and holds no
# marker of a hidden document. So is one after an encrypted restricted
# build there; and an encrypted build after a plain one leaves only the
# unlock page, scripts and styles in plain text.
again_public() {
	run "$CASEBOOK" build --repo "$R" --audience public --with-db --out "$1"
	assert_eq "$2: the public build succeeds" "$RC" "0"
	assert_eq "$2: the same bytes as the first public build" "$(diff <(tree_sum "$TMP/out-public") <(tree_sum "$1"))" ""
	must_not=("$DENY")
	for D in $DOCS; do for F in $FIELDS; do must_not+=("${M[$D.$F]}"); done; done
	assert_eq "$2: no marker of a hidden document" "$(leaks "$1" "${must_not[@]}")" ""
}
cp -a "$TMP/out-restricted" "$TMP/mixed"
again_public "$TMP/mixed" "public after restricted, same folder"
printf 'leak test passphrase\n' >"$TMP/pass"
run "$CASEBOOK" build --repo "$R" --audience restricted --drafts --encrypt --passphrase-file "$TMP/pass" --out "$TMP/mixed"
assert_eq "restricted, encrypted, over the public build: exit 0" "$RC" "0"
plain=$(cd "$TMP/mixed" && find . -type f ! -path './e/*' | sort | tr '\n' ' ')
assert_eq "restricted, encrypted, over the public build: only the unlock page, scripts and styles are plain" "$plain" \
	"./.casebook-output ./assets/pack.css ./assets/style.css ./index.html ./search/lock.js ./search/query.js ./search/search.css ./search/search.js ./search/tokenizer.js ./search/ui.js "
again_public "$TMP/mixed" "public after encrypted restricted, same folder"

# The hidden documents were really read (so the test is not vacuous).
run "$CASEBOOK" build --repo "$R" --out "$TMP/count"
assert_contains "the public build read all five documents and kept one" "$OUT" "from 1 of 5 documents"

# Counts on the home page and theme pages.
home=$(grep 'class="count"' "$TMP/out-public/index.html")
assert_contains "public: the shared theme counts one document" "$home" 'Shared theme</a> <span class="count">(1)</span>'
for label in "Case review" "Audit" "Inspection" "Supervision note"; do
	assert_not_contains "public: no count for the hidden type '$label'" "$home" "$label"
done
assert_contains "public: one briefing" "$home" 'Briefing</a> <span class="count">(1)</span>'
assert_contains "internal: the shared theme counts three" \
	"$(grep 'class="count"' "$TMP/out-internal/index.html")" 'Shared theme</a> <span class="count">(3)</span>'
assert_contains "restricted: the shared theme counts five" \
	"$(grep 'class="count"' "$TMP/out-restricted/index.html")" 'Shared theme</a> <span class="count">(5)</span>'
assert_contains "public: the shared theme's page says one document" \
	"$(tr -d '\n' <"$TMP/out-public/themes/shared-theme.html")" "<dd>1</dd>"
assert_no_file "public: no page for a theme only a restricted document uses" "$TMP/out-public/themes/${M[res.them]}.html"
assert_file "restricted: that theme has its page" "$TMP/out-restricted/themes/${M[res.them]}.html"
assert_no_file "internal: no page for the supervision note's theme" "$TMP/out-internal/themes/${M[sup.them]}.html"
assert_file "internal: the draft's theme has its page" "$TMP/out-internal/themes/${M[dft.them]}.html"
docs_public=$(ls "$TMP/out-public/documents")
assert_eq "public: one document page" "$docs_public" "public-open.html"

# Links to hidden documents become plain text, with no address.
page=$(cat "$TMP/out-public/documents/public-open.html")
assert_contains "public: the link text stays" "$page" "the internal review"
assert_not_contains "public: no link to the internal review" "$page" "href=\"../documents/int-"
assert_contains "internal: the link to the internal review works" \
	"$(cat "$TMP/out-internal/documents/public-open.html")" "href=\"../documents/int-${M[int.file]}.html\""

# Restricted builds are marked on every page; the others are not.
pages=$(find "$TMP/out-restricted" -name '*.html' | wc -l)
banner=$(grep -l 'Restricted — do not share' $(find "$TMP/out-restricted" -name '*.html') | wc -l)
noindex=$(grep -l '<meta name="robots" content="noindex">' $(find "$TMP/out-restricted" -name '*.html') | wc -l)
assert_eq "restricted: every page shows the banner ($pages pages)" "$banner" "$pages"
assert_eq "restricted: every page is noindex" "$noindex" "$pages"
check "public: no banner" bash -c "! grep -rq 'do not share' '$TMP/out-public' --include='*.html'"
check "public: no noindex" bash -c "! grep -rq noindex '$TMP/out-public' --include='*.html'"

# The public build of a repository with hidden documents is byte for byte
# the public build of one that never had them: no count, statistic or
# search weight gives them away. (No links here: a link to a missing
# document is an error, not plain text.)
A=$TMP/with
B=$TMP/without
for repo in "$A" "$B"; do
	git init -q "$repo"
	mkdir -p "$repo/content"
	cp "$R/content/taxonomy.yml" "$R/content/agencies.yml" "$repo/content/"
	cp "$R/casebook.yml" "$repo/"
	doc "$repo/content/public/open.md" "Open briefing" "summary: Public summary.
themes: [neglect, shared-theme]" "## Key learning

- Record every missed appointment and share it with the GP."
	doc "$repo/content/public/second.md" "Second briefing" "themes: [shared-theme]" "Neglect and missed appointments."
	commit "$repo" "public documents" "2024-01-15T10:00:00Z"
done
for D in $DOCS; do
	mkdir -p "$A/content/$D"
	cp "$R/content/$D/${M[$D.file]}.md" "$A/content/$D/"
	GIT_AUTHOR_NAME="Author ${M[$D.auth]}" commit "$A" "Add ${M[$D.comm]}" "2024-06-01T10:00:00Z"
done
SOURCE_DATE_EPOCH=1718000000 "$CASEBOOK" build -q --repo "$A" --with-db --out "$TMP/site-with"
SOURCE_DATE_EPOCH=1718000000 "$CASEBOOK" build -q --repo "$B" --with-db --out "$TMP/site-without"
check "the comparison builds ran" test -f "$TMP/site-with/index.html" -a -f "$TMP/site-without/index.html"
diffs=$(diff -r -x casebook.db "$TMP/site-with" "$TMP/site-without" 2>&1 | head -20)
assert_eq "public output is identical with and without the hidden documents" "$diffs" ""
# The database records the commit it was built from, which differs; every
# other row, FTS5 statistics included, must be the same.
dump() {
	python3 -c 'import sqlite3, sys
for line in sqlite3.connect(sys.argv[1]).iterdump():
    if not line.startswith("INSERT INTO \"meta\" VALUES(\x27commit\x27"):
        print(line)' "$1"
}
diffs=$(diff <(dump "$TMP/site-with/casebook.db") <(dump "$TMP/site-without/casebook.db") | head -20)
assert_eq "the search database is the same, row for row, apart from the commit id" "$diffs" ""
finish
