#!/usr/bin/env bash
# Thematic analysis: `casebook analyse` (text, CSV, JSON; by area, year,
# type, agency; one theme; audiences) and the site's analysis pages, on a
# fixture whose figures are counted by hand below. A learning point counts
# under the themes it is on (here its hashtags), not under every theme of
# its document: the first point of Doc A and Doc C is about neglect alone.
. "$(dirname "$0")/lib.sh"

R="$TMP/repo"
mkdir -p "$R/content/briefings"
cat >"$R/content/taxonomy.yml" <<'EOF'
themes:
  neglect:
    label: Neglect
  domestic-abuse:
    label: Domestic abuse
EOF
# mkdoc FILE TITLE TYPE DATE AREA THEMES AUDIENCE EXTRA NPOINTS [FIRST]: each
# point is tagged with all THEMES, the first with FIRST instead when given.
mkdoc() {
	local f=$R/content/briefings/$1 i tags
	tags=$(echo "$6" | tr -d '[]' | sed 's/, */ #/g; s/^/#/')
	{
		echo "---"
		echo "title: \"$2\""
		echo "type: $3"
		echo "date: $4"
		echo "area: $5"
		echo "themes: $6"
		echo "audience: $7"
		[ -n "$8" ] && echo "$8"
		echo "---"
		echo
		echo "## Summary"
		echo
		echo "A fictional document for the analysis test."
		if [ "$9" -gt 0 ]; then
			echo
			echo "## Key learning"
			echo
			for ((i = 1; i <= $9; i++)); do
				if [ $i = 1 ] && [ -n "${10:-}" ]; then
					echo "- Point $i of $2 about practice ${10}"
				else
					echo "- Point $i of $2 about practice $tags"
				fi
			done
		fi
	} >"$f"
}
#      file  title  type  date  area  themes  audience  extra  points
mkdoc a.md "Doc A" briefing 2024-03-01 North "[neglect, domestic-abuse]" "[gp]" "" 2 "#neglect"
mkdoc b.md "Doc B" case-review 2025-05-01 North "[neglect]" "[gp, police]" "" 3
mkdoc c.md "Doc C" audit 2026-01-10 South "[neglect, domestic-abuse]" "[police]" "" 1 "#neglect"
mkdoc d.md "Doc D" briefing 2026-02-02 South "[domestic-abuse]" "[gp]" "published: 2023-06-01" 0
mkdoc e.md "Doc E" briefing 2025-02-02 South "[neglect]" "[gp]" "visibility: internal" 4
mkdoc f.md "Doc F" briefing 2026-03-03 North "[neglect]" "[gp]" "" 1
git init -q "$R"
commit "$R" "fixture"
export SOURCE_DATE_EPOCH=1780000000 # 2026-05-28: the last three years are 2024, 2025, 2026

# By area (public): neglect North = A, B, F (2+3+1 points); neglect South = C (1);
# domestic abuse North = A (1: its first point is on neglect alone); South =
# C, D (0+0: C's one point is on neglect alone, D has none).
run "$CASEBOOK" analyse --repo "$R" --format csv
assert_eq "analyse: exit 0" "$RC" "0"
assert_eq "by area, CSV, counted by hand" "$OUT" "theme,area,documents,points
domestic-abuse,North,1,1
domestic-abuse,South,2,0
neglect,North,3,6
neglect,South,1,1"

# By year: D counts in 2023, its published: year, not 2026.
run "$CASEBOOK" analyse --repo "$R" --by year --format csv
assert_eq "by year, CSV: published: wins over date" "$OUT" "theme,year,documents,points
domestic-abuse,2023,1,0
domestic-abuse,2024,1,1
domestic-abuse,2026,1,0
neglect,2024,1,2
neglect,2025,1,3
neglect,2026,2,2"

run "$CASEBOOK" analyse --repo "$R" --by agency --format csv --theme domestic-abuse
assert_eq "by agency, one theme" "$OUT" "theme,agency,documents,points
domestic-abuse,gp,2,1
domestic-abuse,police,1,0"
run "$CASEBOOK" analyse --repo "$R" --by agency --theme domestic-abuse
assert_contains "text: agencies by the label the pages use" "$OUT" "GP and primary care"

run "$CASEBOOK" analyse --repo "$R" --by type --format csv --theme neglect
assert_eq "by type, in the type table's order" "$OUT" "theme,type,documents,points
neglect,case-review,1,3
neglect,briefing,2,3
neglect,audit,1,1"

# Internal: E (South, 2025, 4 points) is counted too.
run "$CASEBOOK" analyse --repo "$R" --audience internal --format csv
assert_contains "internal: the internal document is counted" "$OUT" "neglect,South,2,5"

# JSON: pairs and rising themes. Neglect 2024-2026: 1, 1, 2 (rising);
# domestic abuse: 1, 0, 1 (not).
json=$("$CASEBOOK" analyse --repo "$R" --format json)
summary=$(python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print(j["version"], j["by"], j["documents"])
print([(p["themes"], p["documents"]) for p in j["pairs"]])
print(j["rising"])
print(len(j["rows"]), "never of children" in j["note"])
' <<<"$json")
assert_eq "JSON: version, pairs and rising themes" "$summary" "1 area 5
[(['domestic-abuse', 'neglect'], 2)]
{'years': [2024, 2025, 2026], 'themes': [{'theme': 'neglect', 'documents': [1, 1, 2]}]}
4 True"

run "$CASEBOOK" analyse --repo "$R"
assert_contains "text: a table for the terminal" "$OUT" "Neglect         North          3       6"
assert_contains "text: says what is counted" "$OUT" "never of children"

run "$CASEBOOK" analyse --repo "$R" --by colour
assert_eq "an unknown --by: exit 2" "$RC" "2"
run "$CASEBOOK" analyse --repo "$R" --format xml
assert_eq "an unknown --format: exit 2" "$RC" "2"
run "$CASEBOOK" analyse --repo "$R" --theme neglekt
assert_eq "an unknown theme: exit 2" "$RC" "2"
assert_contains "  ... with a suggestion" "$OUT" "did you mean 'neglect'"
run "$CASEBOOK" analyse --repo "$R" --ref main --worktree
assert_eq "--ref with --worktree: exit 2" "$RC" "2"
printf -- '---\ntitle: Broken\n---\n' >"$R/content/broken.md"
run "$CASEBOOK" analyse --repo "$R" --worktree
assert_eq "content errors: exit 1" "$RC" "1"
assert_contains "  ... listed at their place" "$OUT" "content/broken.md:1:1: error:"
assert_contains "  ... and counted" "$OUT" "in the documents; fix them before counting ('casebook check' lists them)"
rm "$R/content/broken.md"

# The site's pages.
O="$TMP/site"
"$CASEBOOK" build -q --repo "$R" --out "$O"
assert_file "analysis/index.html" "$O/analysis/index.html"
assert_file "an area's page" "$O/analysis/north.html"
assert_file "the other area's page" "$O/analysis/south.html"
page=$(cat "$O/analysis/index.html")
assert_contains "the home page links to the analysis" "$(cat "$O/index.html")" 'href="analysis/index.html"'
assert_contains "the page says what is counted" "$page" "never of children"
assert_contains "the area table's text alternative" "$page" \
	'<tr><th scope="row"><a href="../themes/neglect.html">Neglect</a></th><td>3 (6)</td><td>1 (1)</td><td>4 (7)</td></tr>'
assert_contains "  ... a theme's points only where they are on it" "$page" \
	'<tr><th scope="row"><a href="../themes/domestic-abuse.html">Domestic abuse</a></th><td>1 (1)</td><td>2 (0)</td><td>3 (1)</td></tr>'
assert_contains "the year table: 2023 to the build's year" "$page" '<th scope="col">2023</th><th scope="col">2024</th><th scope="col">2025</th><th scope="col">2026</th>'
assert_contains "the heatmap is SVG that screen readers skip" "$page" 'class="heatmap__svg"'
assert_contains "  ... darkest for the largest cell" "$page" 'heat--4'
assert_contains "the pairs found together" "$page" '<a href="../themes/domestic-abuse.html">Domestic abuse</a> and <a href="../themes/neglect.html">Neglect</a>: 2 documents'
assert_contains "the rising themes" "$page" '<tr><th scope="row"><a href="../themes/neglect.html">Neglect</a></th><td>1</td><td>1</td><td>2</td></tr>'
north=$(cat "$O/analysis/north.html")
assert_contains "an area page: only its documents" "$north" '<tr><th scope="row"><a href="../themes/neglect.html">Neglect</a></th><td>1 (2)</td><td>1 (3)</td><td>1 (1)</td><td>3 (6)</td></tr>'
assert_not_contains "a public build leaves the internal document out" "$(cat "$O/analysis/south.html")" "5)"
assert_eq "no broken links" "$(broken_links "$O")" ""

finish
