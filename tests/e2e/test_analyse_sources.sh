#!/usr/bin/env bash
# Thematic analysis across partner sources: a hub with documents of its own
# and three fictional partners' git repositories (fetched and pinned as
# test_sources.sh does), one mapping its own theme ids to the hub's. Every
# figure asserted below was counted by hand from the fixture, in the
# comments, before the test was first run.
. "$(dirname "$0")/lib.sh"

# mkdoc REPO FILE TITLE DATE THEMES EXTRA [TAGS...]: a briefing with one
# learning point per TAGS argument, tagged with those hashtags. The point's
# words name no theme, so a point is on exactly the themes of its tags.
mkdoc() {
	local f=$1/content/briefings/$2 title=$3 date=$4 themes=$5 extra=$6 i=0 tags
	shift 6
	mkdir -p "$(dirname "$f")"
	{
		echo "---"
		echo "title: \"$title\""
		echo "type: briefing"
		echo "date: $date"
		echo "themes: $themes"
		[ -n "$extra" ] && printf '%s\n' "$extra"
		echo "---"
		echo
		echo "## Summary"
		echo
		echo "A fictional document for the analysis test."
		if [ $# -gt 0 ]; then
			echo
			echo "## Key learning"
			echo
			for tags in "$@"; do
				i=$((i + 1))
				echo "- Point $i of $title about practice $tags"
			done
		fi
	} >"$f"
}

HUB=$TMP/hub
mkdir -p "$HUB/content"
cat >"$HUB/content/taxonomy.yml" <<'EOF'
themes:
  neglect: {label: Neglect}
  domestic-abuse: {label: Domestic abuse}
  was-not-brought: {label: Was not brought}
EOF

# The fixture (the build's date is 2026-05-28: the last three years are
# 2024, 2025 and 2026). Points per theme in brackets.
#
# hub (its documents name their area)
#   H1 Harbourside 2025  neglect, domestic-abuse   neglect 1, domestic-abuse 2
#   H2 Harbourside 2026  neglect, internal          neglect 3
# walsby (area Walsby, max-visibility public)
#   W1 2024  was-not-brought                        was-not-brought 2
#   W2 2026  was-not-brought, neglect               was-not-brought 1, neglect 2
#   W3 2025  neglect, internal: above the ceiling   neglect 4 (never counted)
# orrin (area Orrin, max-visibility internal; its ids dna and dv are the
# hub's was-not-brought and domestic-abuse)
#   O1 2025  dna, dv                                was-not-brought 2, domestic-abuse 2
#   O2 2026  dna (dated 2023, published: 2026)      was-not-brought 1
#   O3 2024  dv, neglect, internal                  domestic-abuse 1, neglect 0
# kelby (area Kelby, max-visibility internal)
#   K1 2024  neglect, domestic-abuse                neglect 2, domestic-abuse 1
#   K2 2026  neglect, was-not-brought               no learning points
mkdoc "$HUB" h1.md "Harbour review" 2025-03-01 "[neglect, domestic-abuse]" "area: Harbourside" \
	"#neglect #domestic-abuse" "#domestic-abuse"
mkdoc "$HUB" h2.md "Harbour internal note" 2026-02-01 "[neglect]" "area: Harbourside
visibility: internal" "#neglect" "#neglect" "#neglect"
git init -q "$TMP/walsby"
mkdoc "$TMP/walsby" w1.md "Walsby clinic letters" 2024-04-01 "[was-not-brought]" "" \
	"#was-not-brought" "#was-not-brought"
mkdoc "$TMP/walsby" w2.md "Walsby home visits" 2026-01-15 "[was-not-brought, neglect]" "" \
	"#was-not-brought #neglect" "#neglect"
mkdoc "$TMP/walsby" w3.md "Walsby internal audit" 2025-06-01 "[neglect]" "visibility: internal" \
	"#neglect" "#neglect" "#neglect" "#neglect"
commit "$TMP/walsby" "Walsby's learning"
git init -q "$TMP/orrin"
mkdoc "$TMP/orrin" o1.md "Orrin dental clinic" 2025-09-01 "[dna, dv]" "" "#dna" "#dv" "#dna #dv"
mkdoc "$TMP/orrin" o2.md "Orrin school nurse" 2023-11-01 "[dna]" "published: 2026-03-01" "#dna"
mkdoc "$TMP/orrin" o3.md "Orrin internal review" 2024-05-01 "[dv, neglect]" "visibility: internal" "#dv"
commit "$TMP/orrin" "Orrin's learning"
git init -q "$TMP/kelby"
mkdoc "$TMP/kelby" k1.md "Kelby housing" 2024-02-01 "[neglect, domestic-abuse]" "" \
	"#neglect" "#neglect #domestic-abuse"
mkdoc "$TMP/kelby" k2.md "Kelby transport" 2026-04-01 "[neglect, was-not-brought]" ""
commit "$TMP/kelby" "Kelby's learning"

cat >"$HUB/casebook.yml" <<'EOF'
title: Regional learning
sources:
  - name: walsby
    area: Walsby
    url: ../walsby
  - name: orrin
    area: Orrin
    url: ../orrin
    max-visibility: internal
    themes: {dna: was-not-brought, dv: domestic-abuse}
  - name: kelby
    area: Kelby
    url: ../kelby
    max-visibility: internal
EOF
git init -q "$HUB"
commit "$HUB" "Hub"
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "fetch: exit 0" "$RC" "0"
commit "$HUB" "Pin the partners"
export SOURCE_DATE_EPOCH=1780000000 # 2026-05-28

# Public: H1, W1, W2, O1, O2, K1 and K2 (7 documents); not H2 nor O3
# (internal), nor W3 (above walsby's ceiling).
# domestic-abuse: Harbourside H1 (2 points), Kelby K1 (1), Orrin O1 (2).
# neglect: Harbourside H1 (1), Kelby K1 and K2 (2 + 0), Walsby W2 (2).
# was-not-brought: Kelby K2 (0), Orrin O1 and O2 (2 + 1), Walsby W1 and W2 (2 + 1).
run "$CASEBOOK" analyse --repo "$HUB" --by area --format csv
assert_eq "analyse: exit 0" "$RC" "0"
assert_eq "by area across sources, CSV, counted by hand" "$OUT" "theme,area,documents,points
domestic-abuse,Harbourside,1,2
domestic-abuse,Kelby,1,1
domestic-abuse,Orrin,1,2
neglect,Harbourside,1,1
neglect,Kelby,2,2
neglect,Walsby,1,2
was-not-brought,Kelby,1,0
was-not-brought,Orrin,2,3
was-not-brought,Walsby,2,3"

# Years: W1, K1 2024; H1, O1 2025; W2, O2 (published:), K2 2026.
# domestic-abuse: 2024 K1 (1); 2025 H1, O1 (2 + 2).
# neglect: 2024 K1 (2); 2025 H1 (1); 2026 W2, K2 (2 + 0).
# was-not-brought: 2024 W1 (2); 2025 O1 (2); 2026 W2, O2, K2 (1 + 1 + 0).
run "$CASEBOOK" analyse --repo "$HUB" --by year --format csv
assert_eq "by year across sources, CSV: a partner's published: wins over its date" "$OUT" "theme,year,documents,points
domestic-abuse,2024,1,1
domestic-abuse,2025,2,4
neglect,2024,1,2
neglect,2025,1,1
neglect,2026,2,2
was-not-brought,2024,1,2
was-not-brought,2025,1,2
was-not-brought,2026,3,2"

# Internal: H2 (Harbourside neglect, 3 points) and O3 (Orrin neglect with
# no point on it, domestic-abuse 1 point) join; W3 never does.
run "$CASEBOOK" analyse --repo "$HUB" --by area --format csv --audience internal
assert_eq "internal: the internal documents within a source's ceiling, none above it" "$OUT" "theme,area,documents,points
domestic-abuse,Harbourside,1,2
domestic-abuse,Kelby,1,1
domestic-abuse,Orrin,2,3
neglect,Harbourside,2,4
neglect,Kelby,2,2
neglect,Orrin,1,0
neglect,Walsby,1,2
was-not-brought,Kelby,1,0
was-not-brought,Orrin,2,3
was-not-brought,Walsby,2,3"

# Pairs (public): domestic-abuse and neglect in H1, K1 (2); neglect and
# was-not-brought in W2, K2 (2); domestic-abuse and was-not-brought in O1
# (1). Rising over 2024-2026: was-not-brought 1, 1, 3 and neglect 1, 1, 2;
# domestic-abuse 1, 2, 0 is not.
json=$("$CASEBOOK" analyse --repo "$HUB" --format json)
summary=$(python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print(j["version"], j["by"], j["documents"])
print([(p["themes"], p["documents"]) for p in j["pairs"]])
print(j["rising"])
' <<<"$json")
assert_eq "JSON across sources: documents, pairs and rising themes" "$summary" "1 area 7
[(['domestic-abuse', 'neglect'], 2), (['neglect', 'was-not-brought'], 2), (['domestic-abuse', 'was-not-brought'], 1)]
{'years': [2024, 2025, 2026], 'themes': [{'theme': 'was-not-brought', 'documents': [1, 1, 3]}, {'theme': 'neglect', 'documents': [1, 1, 2]}]}"

# The pages: each table row is a theme's "documents (points)" per column,
# "–" where there are none, then the theme's total.
none='<span class="visually-hidden">none</span><span aria-hidden="true">–</span>'
# row ID LABEL CELL...: the table row a page should hold ("-" for none).
row() {
	local id=$1 label=$2 c
	shift 2
	printf '<tr><th scope="row"><a href="../themes/%s.html">%s</a></th>' "$id" "$label"
	for c in "$@"; do
		if [ "$c" = - ]; then printf '<td>%s</td>' "$none"; else printf '<td>%s</td>' "$c"; fi
	done
	printf '</tr>'
}
# rows FILE TITLE: the rows of FILE's table captioned TITLE, one a line.
rows() {
	python3 - "$1" "$2" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<caption[^>]*>" + re.escape(sys.argv[2]) + r": documents \(learning points\)</caption>(.*?)</table>", page, re.S)
print("\n".join(re.findall(r"<tr><th scope=\"row\">.*?</tr>", m.group(1))) if m else "no table " + sys.argv[2])
PY
}
O=$TMP/site
run "$CASEBOOK" build --repo "$HUB" --out "$O"
assert_eq "the hub builds" "$RC" "0"
assert_contains "analysis/index.html counts the 7 public documents" "$(cat "$O/analysis/index.html")" \
	"Which themes the library's 7 documents cover"
assert_contains "  ... links each area's page with its documents" "$(cat "$O/analysis/index.html")" \
	'<li><a href="../analysis/harbourside.html">Harbourside</a> (1)</li>
<li><a href="../analysis/kelby.html">Kelby</a> (2)</li>
<li><a href="../analysis/orrin.html">Orrin</a> (2)</li>
<li><a href="../analysis/walsby.html">Walsby</a> (2)</li>'
# Columns: Harbourside, Kelby, Orrin, Walsby.
assert_eq "analysis/index.html: themes by area, counted by hand" "$(rows "$O/analysis/index.html" "Themes by area")" \
	"$(row domestic-abuse "Domestic abuse" "1 (2)" "1 (1)" "1 (2)" - "3 (5)")
$(row neglect Neglect "1 (1)" "2 (2)" - "1 (2)" "4 (5)")
$(row was-not-brought "Was not brought" - "1 (0)" "2 (3)" "2 (3)" "5 (6)")"
# Columns: 2024, 2025, 2026.
assert_eq "analysis/index.html: themes by year, counted by hand" "$(rows "$O/analysis/index.html" "Themes by year")" \
	"$(row domestic-abuse "Domestic abuse" "1 (1)" "2 (4)" - "3 (5)")
$(row neglect Neglect "1 (2)" "1 (1)" "2 (2)" "4 (5)")
$(row was-not-brought "Was not brought" "1 (2)" "1 (2)" "3 (2)" "5 (6)")"
# An area's page: its documents' years, from its first to the build's.
assert_eq "analysis/harbourside.html: H1 only (2025, 2026)" "$(rows "$O/analysis/harbourside.html" "Themes by year")" \
	"$(row domestic-abuse "Domestic abuse" "1 (2)" - "1 (2)")
$(row neglect Neglect "1 (1)" - "1 (1)")"
assert_eq "analysis/walsby.html: W1 and W2, not W3 (2024 to 2026)" "$(rows "$O/analysis/walsby.html" "Themes by year")" \
	"$(row neglect Neglect - - "1 (2)" "1 (2)")
$(row was-not-brought "Was not brought" "1 (2)" - "1 (1)" "2 (3)")"
assert_eq "analysis/orrin.html: its mapped themes (2025, 2026)" "$(rows "$O/analysis/orrin.html" "Themes by year")" \
	"$(row domestic-abuse "Domestic abuse" "1 (2)" - "1 (2)")
$(row was-not-brought "Was not brought" "1 (2)" "1 (1)" "2 (3)")"
assert_eq "analysis/kelby.html: a document without points counts as a document (2024 to 2026)" \
	"$(rows "$O/analysis/kelby.html" "Themes by year")" \
	"$(row domestic-abuse "Domestic abuse" "1 (1)" - - "1 (1)")
$(row neglect Neglect "1 (2)" - "1 (0)" "2 (2)")
$(row was-not-brought "Was not brought" - - "1 (0)" "1 (0)")"
assert_contains "the pairs on the page" "$(cat "$O/analysis/index.html")" \
	'<li><a href="../themes/domestic-abuse.html">Domestic abuse</a> and <a href="../themes/neglect.html">Neglect</a>: 2 documents</li>
<li><a href="../themes/neglect.html">Neglect</a> and <a href="../themes/was-not-brought.html">Was not brought</a>: 2 documents</li>
<li><a href="../themes/domestic-abuse.html">Domestic abuse</a> and <a href="../themes/was-not-brought.html">Was not brought</a>: 1 document</li>'
assert_contains "the rising themes on the page" "$(cat "$O/analysis/index.html")" \
	"$(row was-not-brought "Was not brought" 1 1 3)
$(row neglect Neglect 1 1 2)"
assert_eq "no broken links" "$(broken_links "$O")" ""
run "$CASEBOOK" build --repo "$HUB" --no-cache --out "$TMP/site2"
assert_eq "a build without the cache is byte-identical" \
	"$(tree_sum "$TMP/site2")" "$(tree_sum "$O")"

# A source's hashtag the hub neither has nor maps: an error at its place,
# column counted from the source's own ids.
mkdoc "$TMP/orrin" o4.md "Orrin extra" 2026-04-01 "[dna]" "" "#dna #neglekt"
commit "$TMP/orrin" "A misspelt hashtag"
run "$CASEBOOK" update -q --repo "$HUB" orrin
run "$CASEBOOK" analyse --repo "$HUB" --worktree
assert_eq "an unmapped hashtag in a source's document: exit 1" "$RC" "1"
assert_contains "  ... reported at the partner's file, with the hub's suggestion" "$OUT" \
	"orrin:content/briefings/o4.md:14:46: error: '#neglekt' is not a theme in the hub's taxonomy (did you mean '#neglect'?); use one of its themes, or map it under 'themes:' in source 'orrin' in the hub's casebook.yml"
assert_not_contains "  ... and its mapped one is not an error" "$OUT" "'#dna'"

finish
