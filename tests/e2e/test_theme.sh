#!/usr/bin/env bash
# The theme: a repository overrides templates and assets with files of the
# same name in its own themes/<name>/ folder, read from the same git tree
# as the content (committed files for a build, working files with
# --worktree); a broken override names its file, line and column; a theme
# only the repository has falls back to the default for everything else.
# Also the pages the default theme adds: listings, what's new, the Atom
# feed, sitemap.xml (only with base-url), the accessibility statement and
# agency labels, with nothing from outside the audience in any of them.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
mkdir -p "$R"
git init -q "$R"
# Agencies by their common names: one page each, under their ids.
doc "$R/content/a.md" "Alpha briefing" "audience: [gp, A&E, social workers, Health Visitors, Invented Teams]
area: North Vale
themes: [neglect]"
mkdir -p "$R/content"
# An agency of the repository's own, with no label (its id made readable),
# and a new label for a shipped one.
printf 'agencies:\n  made-up-agency:\n    synonyms: [invented team]\n  health-visiting: 0-19 health visiting\n' \
	>"$R/content/agencies.yml"
printf 'agencies: content/agencies.yml\n' >"$R/casebook.yml"
printf -- '---\ntitle: Bravo review\ntype: case-review\ndate: 2022-05-01\narea: South Vale\nthemes: [neglect]\n---\n\nText.\n' >"$R/content/b.md"
doc "$R/content/hidden.md" "Hidden internal note" "visibility: internal
audience: [police]
area: Secret Valley
themes: [neglect]"
commit "$R" "first" "2024-01-15T10:00:00Z"
printf '\nMore text.\n' >>"$R/content/b.md"
commit "$R" "edit mentioning Hidden internal note" "2024-02-20T10:00:00Z"

# Without an override: the default theme's pages.
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o1"
assert_eq "builds with the default theme" "$RC" "0"
O=$TMP/o1
for f in types/index.html types/briefing.html types/case-review.html areas/index.html areas/north-vale.html \
	areas/south-vale.html audiences/index.html audiences/gp.html audiences/made-up-agency.html whatsnew.html \
	feed.atom accessibility.html; do
	assert_file "writes $f" "$O/$f"
done
assert_no_file "no sitemap.xml without base-url" "$O/sitemap.xml"
assert_eq "one page per agency, named by id, whatever name a document used" \
	"$(ls "$O/audiences" | tr '\n' ' ')" \
	"childrens-social-care.html emergency-department.html gp.html health-visiting.html index.html made-up-agency.html "
C=$(cat "$O"/documents/*a.html)
for a in 'emergency-department.html">Emergency department' "childrens-social-care.html\">Children&#39;s social care" \
	'health-visiting.html">0-19 health visiting' 'made-up-agency.html">Made up agency'; do
	assert_contains "a common name stands for its agency: $a" "$C" "<a href=\"../audiences/$a</a>"
done
assert_eq "the document is listed once on an agency's page" \
	"$(grep -c 'doc-list__title' "$O/audiences/health-visiting.html")" "1"
assert_no_file "no listing for an area only an internal document has" "$O/areas/secret-valley.html"
assert_no_file "no listing for an agency only an internal document has" "$O/audiences/police.html"
A=$(cat "$O"/documents/*a.html)
assert_contains "agency ids become readable labels" "$A" '<a href="../audiences/gp.html">GP and primary care</a>'
assert_contains "an unknown agency id is shown readably" "$A" '<a href="../audiences/made-up-agency.html">Made up agency</a>'
assert_eq "what's new lists the newest change first" \
	"$(grep -o 'doc-list__title"><a href="[^"]*">[^<]*' "$O/whatsnew.html" | sed 's/.*">//')" "Bravo review
Alpha briefing"
assert_contains "what's new says which are updates" "$(cat "$O/whatsnew.html")" '>Updated</strong> <time datetime="2024-02-20">20 February 2024</time>'
F=$(cat "$O/feed.atom")
assert_contains "the feed links relatively without base-url" "$F" '<link rel="alternate" type="text/html" href="documents/'
assert_contains "the feed's ids are absolute tag: URIs" "$F" '<id>tag:casebook.invalid,2024:'
assert_eq "the feed has one entry per document" "$(grep -c '<entry>' <<<"$F")" "2"
assert_contains "an entry carries its first and last dates" "$F" '<updated>2024-02-20T10:00:00Z</updated>'
python3 -c 'import sys,xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$O/feed.atom"
assert_eq "the feed is well-formed XML" "$?" "0"
T=$(cat "$O/themes/neglect.html")
assert_contains "a theme page has a chart of documents per year" "$T" '<svg class="chart__svg"'
assert_contains "the chart has a table as its text alternative" "$T" '<tr><th scope="row">2023</th><td>0</td></tr>'
assert_contains "the year with two documents" "$T" '<tr><th scope="row">2024</th><td>1</td></tr>'
assert_contains "the accessibility statement has a placeholder contact" "$(cat "$O/accessibility.html")" 'accessibility-contact'
leak=$(grep -rl -e "Hidden internal note" -e "Secret Valley" -e "documents/hidden" "$O" --include='*.html' --include='*.atom' --include='*.xml' | grep -v '/search/' || true)
assert_eq "nothing of the internal document in pages, feed or listings" "$leak" ""
# A changed agencies file is a changed build (nothing stale from the cache).
sed -i 's/^  made-up-agency:$/  made-up-agency:\n    label: Invented team/' "$R/content/agencies.yml"
commit "$R" "label the invented team" "2024-02-21T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o1b"
assert_contains "the new label is on the document's page" "$(cat "$TMP"/o1b/documents/*a.html)" \
	'<a href="../audiences/made-up-agency.html">Invented team</a>'
assert_contains "and on the agency's page" "$(cat "$TMP/o1b/audiences/made-up-agency.html")" 'Invented team'
cp "$R/content/agencies.yml" "$TMP/agencies.yml"
sed -i '/invented team/Id' "$R/content/agencies.yml"
commit "$R" "drop a name" "2024-02-22T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o1c"
assert_contains "a name the agencies file no longer has is an error, cache or not" "$OUT" \
	"content/a.md:5:54: error: 'Invented Teams' is not an agency casebook knows"
cp "$TMP/agencies.yml" "$R/content/agencies.yml"
commit "$R" "the name back" "2024-02-22T11:00:00Z"

# base-url: absolute feed and a sitemap; a contact for accessibility problems.
cat >"$R/casebook.yml" <<'YML'
title: Vale learning
agencies: content/agencies.yml
base-url: https://learning.example.org/vale/
accessibility-contact: email accessibility@example.org or call 0300 123 4567
YML
commit "$R" "config" "2024-03-01T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o2"
assert_eq "builds with base-url" "$RC" "0"
S=$(cat "$TMP/o2/sitemap.xml" 2>/dev/null)
assert_contains "sitemap.xml lists absolute addresses" "$S" '<url><loc>https://learning.example.org/vale/index.html</loc></url>'
assert_eq "every sitemap address is absolute" "$(grep -o '<loc>[^<]*' <<<"$S" | grep -vc '<loc>https://learning.example.org/vale/')" "0"
assert_not_contains "the sitemap leaves out the internal document" "$S" "documents/hidden"
assert_contains "the feed is absolute with base-url" "$(cat "$TMP/o2/feed.atom")" '<link rel="self" type="application/atom+xml" href="https://learning.example.org/vale/feed.atom"/>'
assert_contains "the accessibility contact from casebook.yml" "$(cat "$TMP/o2/accessibility.html")" 'tell us: email accessibility@example.org or call 0300 123 4567.'

# Overrides from the repository's themes/default/.
mkdir -p "$R/themes/default/templates" "$R/themes/default/assets"
cat >"$R/themes/default/templates/index.mustache" <<'TPL'
{{<layout}}{{$content}}<h1>Custom home of {{site.title}}</h1>{{#documents}}<p class="mine">{{title}}</p>{{/documents}}{{/content}}{{/layout}}
TPL
printf 'body { color: #123456; }\n' >"$R/themes/default/assets/style.css"
printf '.extra { margin: 0; }\n' >"$R/themes/default/assets/extra.css"
commit "$R" "theme" "2024-03-02T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o3"
assert_eq "builds with overrides" "$RC" "0"
H=$(cat "$TMP/o3/index.html")
assert_contains "the repository's index.mustache replaces the built-in one" "$H" '<h1>Custom home of Vale learning</h1><p class="mine">Alpha briefing</p><p class="mine">Bravo review</p>'
assert_contains "the built-in layout still wraps it" "$H" 'Skip to main content'
assert_eq "the repository's style.css replaces the built-in one" "$(cat "$TMP/o3/assets/style.css")" "body { color: #123456; }"
assert_file "a new asset is added" "$TMP/o3/assets/extra.css"
assert_file "built-in assets not overridden are kept" "$TMP/o3/assets/pack.css"
assert_contains "other templates still come from the built-in theme" "$(cat "$TMP/o3/themes/neglect.html")" 'class="chart__svg"'

# Committed files are used; working files only with --worktree.
printf 'body { color: #654321; }\n' >"$R/themes/default/assets/style.css"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o4"
assert_eq "an uncommitted theme change is not built from HEAD" "$(cat "$TMP/o4/assets/style.css")" "body { color: #123456; }"
run "$CASEBOOK" build -q --repo "$R" --worktree --out "$TMP/o5"
assert_eq "--worktree uses the working theme file" "$(cat "$TMP/o5/assets/style.css")" "body { color: #654321; }"
git -C "$R" checkout -q -- themes

# A broken override names the file, line and column, and writes nothing.
printf 'line one\n{{#documents}}\n' >"$R/themes/default/templates/theme.mustache"
commit "$R" "broken theme" "2024-03-03T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o6"
assert_eq "a broken override fails the build" "$RC" "2"
assert_contains "the error names the repository's template and position" "$OUT" "themes/default/templates/theme.mustache:2:1:"
assert_no_file "nothing is written" "$TMP/o6"

# A theme only the repository has: its files, the default theme's for the rest.
git -C "$R" rm -q -r themes/default
mkdir -p "$R/themes/vale/templates"
cat >"$R/themes/vale/templates/404.mustache" <<'TPL'
{{<layout}}{{$content}}<h1>Vale: not here</h1>{{/content}}{{/layout}}
TPL
printf 'title: Vale learning\ntheme: vale\nagencies: content/agencies.yml\n' >"$R/casebook.yml"
commit "$R" "own theme" "2024-03-04T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o7"
assert_eq "a repository-only theme builds" "$RC" "0"
assert_contains "its template is used" "$(cat "$TMP/o7/404.html")" '<h1>Vale: not here</h1>'
assert_contains "the rest comes from the default theme" "$(cat "$TMP/o7/index.html")" 'Latest documents'

# A plugin's page with a template only the repository's theme has (it was
# refused before: add_page looked in the installed theme alone).
mkdir -p "$R/plugins" "$R/themes/vale/templates"
cat >"$R/plugins/due.lua" <<'LUA'
local p = {}
function p.site(site)
  casebook.add_page{path = "reviews-due.html", template = "reviews-due", title = "Reviews due",
    data = {count = #site.documents}}
end
return p
LUA
cat >"$R/themes/vale/templates/reviews-due.mustache" <<'TPL'
{{<layout}}{{$content}}<h1>Vale reviews due: {{page.data.count}}</h1>{{/content}}{{/layout}}
TPL
commit "$R" "reviews due in the repository's own theme" "2024-03-05T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o8"
assert_eq "add_page finds a template of the repository's own theme" "$RC" "0"
assert_contains "the page is rendered with it" "$(cat "$TMP/o8/reviews-due.html" 2>/dev/null)" '<h1>Vale reviews due: 2</h1>'
# The same with the repository's themes/default/ (theme: default).
git -C "$R" mv themes/vale themes/default
printf 'title: Vale learning\nagencies: content/agencies.yml\n' >"$R/casebook.yml"
commit "$R" "the template in themes/default" "2024-03-06T10:00:00Z"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o9"
assert_eq "add_page finds a template of the repository's themes/default/" "$RC" "0"
assert_contains "that page is rendered with it" "$(cat "$TMP/o9/reviews-due.html" 2>/dev/null)" '<h1>Vale reviews due: 2</h1>'
# Only in the working files: not in the committed build, found with --worktree.
git -C "$R" rm -q themes/default/templates/reviews-due.mustache
commit "$R" "template removed" "2024-03-07T10:00:00Z"
printf '{{<layout}}{{$content}}<h1>Working copy</h1>{{/content}}{{/layout}}\n' >"$R/themes/default/templates/reviews-due.mustache"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/o10"
assert_eq "an uncommitted template is not in the committed theme" "$RC" "1"
assert_contains "add_page says the theme lacks it" "$OUT" "casebook.add_page: the theme has no template 'reviews-due.mustache'"
run "$CASEBOOK" build -q --repo "$R" --worktree --out "$TMP/o11"
assert_eq "--worktree finds the working template" "$RC" "0"
assert_contains "and renders with it" "$(cat "$TMP/o11/reviews-due.html" 2>/dev/null)" '<h1>Working copy</h1>'
rm -f "$R/themes/default/templates/reviews-due.mustache" "$R/plugins/due.lua"
commit "$R" "no plugin" "2024-03-08T10:00:00Z"

# casebook pack reads the theme from the ref being built, not the working folder.
mkdir -p "$R/themes/default/assets"
printf '<html><body><h1>Committed pack: {{pack.title}}</h1></body></html>\n' >"$R/themes/default/templates/pack.mustache"
# A pack of a theme holds the learning points on it.
printf '\n## Key learning\n\n- Neglect was seen but not named.\n' >>"$R/content/b.md"
commit "$R" "our pack template" "2024-03-09T10:00:00Z"
git -C "$R" tag packed
printf '<html><body><h1>Working pack</h1></body></html>\n' >"$R/themes/default/templates/pack.mustache"
run "$CASEBOOK" pack --repo "$R" --theme neglect --out "$TMP/pack1.html"
assert_eq "pack builds from HEAD" "$RC" "0"
assert_contains "pack uses the committed template" "$(cat "$TMP/pack1.html")" '<h1>Committed pack: Reflective supervision: Neglect</h1>'
run "$CASEBOOK" pack --repo "$R" --theme neglect --worktree --out "$TMP/pack2.html"
assert_contains "pack --worktree uses the working template" "$(cat "$TMP/pack2.html")" '<h1>Working pack</h1>'
git -C "$R" checkout -q -- themes
git -C "$R" rm -q themes/default/templates/pack.mustache
commit "$R" "pack template removed" "2024-03-10T10:00:00Z"
printf '<html><body><h1>Working pack</h1></body></html>\n' >"$R/themes/default/templates/pack.mustache"
run "$CASEBOOK" pack --repo "$R" --ref packed --theme neglect --out "$TMP/pack3.html"
assert_contains "pack --ref uses that ref's template" "$(cat "$TMP/pack3.html")" '<h1>Committed pack: Reflective supervision: Neglect</h1>'
run "$CASEBOOK" pack --repo "$R" --theme neglect --out "$TMP/pack4.html"
assert_contains "without it in the ref, the installed template (not the working file)" "$(cat "$TMP/pack4.html")" 'class="pack'
assert_not_contains "the working file is not read" "$(cat "$TMP/pack4.html")" 'Working pack'
finish
