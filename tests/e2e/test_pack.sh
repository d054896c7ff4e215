#!/usr/bin/env bash
# casebook pack: a reflective supervision pack for a theme or for named
# documents; restricted notes only with --include-restricted, and then
# marked on every printed page; printed to PDF with headless Chromium.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
git init -q "$R"
mkdir -p "$R/content"
cat >"$R/content/taxonomy.yml" <<'EOF'
themes:
  was-not-brought: Was not brought
  neglect: Neglect
  supervision: Supervision
EOF
# Points are on a theme when their words name it ("was not brought").
doc "$R/content/b0.md" "Oldest briefing on appointments" "date: 2023-05-01
themes: [was-not-brought]" "## Key learning

- Oldest lesson zeta: a child who was not brought is a child at risk.
- Oldest lesson theta: ask why the child was not brought."
sed -i '/^date: 2024-01-10$/d' "$R/content/b0.md"
doc "$R/content/b1.md" "Briefing on missed appointments" "themes: [was-not-brought, neglect]
summary: Summary of the first briefing.
questions:
  - Who brings this child to appointments?" "## Key learning

- Lesson one alpha: the baby was not brought to three appointments.
- Lesson two beta: ask who was not brought, and why.
- Lesson three kappa: check the records."
doc "$R/content/b2.md" "Review of Child K" "themes: [was-not-brought]
summary: Summary of the review of Child K.
review: LCSPR" "## Recommendations

- Recommendation gamma: follow up every child who was not brought."
sed -i 's/^type: briefing$/type: case-review/; s/^date: 2024-01-10$/date: 2024-02-10/' "$R/content/b2.md"
doc "$R/content/b5.md" "Later briefing on appointments" "themes: [was-not-brought]" "## Key learning

- Lesson lambda: a child who was not brought needs a phone call."
sed -i 's/^date: 2024-01-10$/date: 2024-04-01/' "$R/content/b5.md"
doc "$R/content/audit.md" "Internal audit of appointments" "themes: [was-not-brought]
visibility: internal" "## Learning

- Audit lesson delta: letters went to an old address."
sed -i 's/^date: 2024-01-10$/date: 2024-03-10/' "$R/content/audit.md"
doc "$R/content/news.md" "News: the new appointments clinic opens" "themes: [was-not-brought]" "The clinic opens in May for children who were not brought elsewhere."
sed -i 's/^type: briefing$/type: guidance/; s/^date: 2024-01-10$/date: 2024-05-01/' "$R/content/news.md"
doc "$R/content/draft.md" "Unfinished draft on appointments" "themes: [was-not-brought]
status: draft" "## Key learning

- Draft lesson: the child was not brought."
sed -i 's/^date: 2024-01-10$/date: 2024-04-10/' "$R/content/draft.md"
doc "$R/content/note.md" "Supervision note on a family" "themes: [was-not-brought, supervision]
summary: Restricted summary epsilon.
questions:
  - Restricted question omega?" "## Think

- Restricted lesson eta: the child was not brought again."
sed -i 's/^type: briefing$/type: supervision-note/' "$R/content/note.md"
doc "$R/content/other.md" "Neglect briefing elsewhere" "themes: [neglect]"
commit "$R" "content"

NOTE_TITLE="Supervision note on a family"
MARK="Contains restricted material — do not share"

# ---- actions: the pages' labels (dates, and "Not rated" for no rating) ----
doc "$R/content/plan.md" "Action plan for appointments" "actions:
  - action: Write to every practice
    owner: Designated nurse
    due: 2024-03-04
    rag: blue
  - action: Audit the follow-up letters" "Text."
sed -i 's/^type: briefing$/type: action-plan/' "$R/content/plan.md"
commit "$R" "a plan"
run "$CASEBOOK" pack --repo "$R" content/plan.md --out "$TMP/plan.html"
assert_eq "a pack of an action plan" "$RC" "0"
H=$(cat "$TMP/plan.html")
assert_contains "an action's due date and rating, labelled as on the pages" "$H" "Write to every practice — Designated nurse, due 4 March 2024 (Blue (complete))"
assert_contains "an action without a rating says so, as the pages do" "$H" "Audit the follow-up letters (Not rated)"
git -C "$R" rm -q content/plan.md
commit "$R" "no plan"

# ---- a theme: the documents with the most points on it ----------------------
mkdir -p "$TMP/work"
run env -C "$TMP/work" "$CASEBOOK" pack --repo "$R" --theme was-not-brought
assert_eq "theme pack exits 0" "$RC" "0"
P=$TMP/work/pack-was-not-brought.html
assert_file "default file name pack-<theme>.html" "$P"
assert_contains "says what was left out" "$OUT" "1 more document on 'was-not-brought' left out: a pack holds the 3 with the most learning points on it"
assert_contains "says which documents have no point on the theme" "$OUT" "2 documents on 'was-not-brought' left out: no learning point of theirs is on it"
H=$(cat "$P")
# b1 has 2 points on the theme, b0 (the oldest) 2, b5 and b2 one each: the
# most points first, then the newest.
assert_contains "most points first, the newer of two equals first" "$H" "<h3>1. Briefing on missed appointments</h3>"
assert_contains "an old document with more points beats newer ones" "$H" "<h3>2. Oldest briefing on appointments</h3>"
assert_contains "of two with one point, the newer" "$H" "<h3>3. Later briefing on appointments</h3>"
assert_not_contains "of two with one point, the older is left out" "$H" "Review of Child K"
assert_not_contains "a news item with no learning is never chosen" "$H" "News: the new appointments clinic"
assert_not_contains "a document with no point on the theme is never chosen" "$H" "Internal audit of appointments"
assert_not_contains "drafts are never used" "$H" "Unfinished draft"
assert_not_contains "not another theme's document" "$H" "Neglect briefing elsewhere"
assert_contains "why: some of its points" "$H" '<p class="pack-chosen">Chosen: 2 of its 3 learning points are on Was not brought</p>'
assert_contains "why: all of its points" "$H" '<p class="pack-chosen">Chosen: all 2 of its learning points are on Was not brought</p>'
assert_contains "why: its one point" "$H" '<p class="pack-chosen">Chosen: its one learning point is on Was not brought</p>'
assert_contains "title names the theme" "$H" "<h1>Reflective supervision: Was not brought</h1>"
assert_contains "summary" "$H" "Summary of the first briefing."
assert_contains "a point on the theme" "$H" "<li>Lesson one alpha: the baby was not brought to three appointments.</li>"
assert_contains "another point on the theme" "$H" "<li>Lesson two beta: ask who was not brought, and why.</li>"
assert_not_contains "only the points on the theme" "$H" "Lesson three kappa"
assert_contains "reflective questions" "$H" "<li>Who brings this child to appointments?</li>"
assert_contains "default model: Kolb" "$H" "Kolb learning cycle: prompts"
for s in "Experience: what happened?" "Reflection: what did you feel and assume?" \
	"Analysis: what does the learning say?" "Action planning: what next?"; do
	assert_contains "Kolb stage: $s" "$H" "$s"
done
for s in "Record of the session" "Date of the session" "Attendees, by role" "Discussion" "Agreed actions" "Review date"; do
	assert_contains "record: $s" "$H" "$s"
done
assert_eq "six attendee rows and five action rows" \
	"$(grep -c '^<tr><td></td><td></td></tr>$' "$P") $(grep -c '^<tr><td></td><td></td><td></td></tr>$' "$P")" "6 5"
for s in "$NOTE_TITLE" "Restricted summary epsilon" "Restricted question omega" "Restricted lesson eta" "$MARK"; do
	assert_not_contains "no restricted material without the flag: $s" "$H" "$s"
done
assert_eq "self-contained: no scripts, links or outside files" \
	"$(grep -ciE '<script|<link|src=|href=|@import|url\(' "$P")" "0"
check "its style is inside it" grep -q '<style>' "$P"
check "A4 print style" grep -q 'size: A4' "$P"

# ---- restricted material ------------------------------------------------------
run "$CASEBOOK" pack --repo "$R" --theme was-not-brought --include-restricted --out "$TMP/r.html"
assert_eq "restricted pack exits 0" "$RC" "0"
H=$(cat "$TMP/r.html")
assert_contains "the restricted note is in" "$H" "$NOTE_TITLE"
assert_contains "its questions too" "$H" "Restricted question omega?"
assert_contains "marked on the document" "$H" "Restricted — Supervision note: do not share"
assert_contains "a running notice on every printed page" "$H" "content: \"$MARK\""
assert_eq "a notice at the start of each part" "$(grep -c "<strong>$MARK</strong>" "$TMP/r.html")" "3"
assert_contains "the count says so" "$H" "4 documents, 1 of them restricted"

# ---- named documents ----------------------------------------------------------
run env -C "$R" "$CASEBOOK" pack content/b1.md b2 --model signs-of-safety --out "$TMP/n.html"
assert_eq "named documents exit 0" "$RC" "0"
H=$(cat "$TMP/n.html")
assert_contains "first named document" "$H" "1. Briefing on missed appointments"
assert_contains "second named document, in order" "$H" "2. Review of Child K"
assert_not_contains "only the named ones" "$H" "Internal audit"
assert_contains "a named document prints every point" "$H" "<li>Lesson three kappa: check the records.</li>"
assert_not_contains "named documents need no reason" "$H" "Chosen:"
assert_contains "recommendations as learning" "$H" "<li>Recommendation gamma: follow up every child who was not brought.</li>"
assert_contains "review kind" "$H" "LCSPR"
assert_contains "a theme shared by all names the pack" "$H" "<h1>Reflective supervision: Was not brought</h1>"
for s in "What are we worried about?" "What’s working well?" "What needs to happen?" 'aria-label="Scale from 0 to 10"'; do
	assert_contains "Signs of Safety: $s" "$H" "$s"
done
run env -C "$R/content" "$CASEBOOK" pack b1.md --model 4x4x4
assert_eq "a path from the current folder works" "$RC" "0"
assert_file "default name from the document" "$R/content/pack-b1.html"
H=$(cat "$R/content/pack-b1.html")
for s in "The four functions" "Management" "Support" "Development" "Mediation" "The four stakeholders" "The four stages"; do
	assert_contains "4x4x4: $s" "$H" "$s"
done
rm -f "$R/content/pack-b1.html"

run "$CASEBOOK" pack --repo "$R" note
assert_eq "a restricted note without the flag: exit 2" "$RC" "2"
assert_eq "and why" "$OUT" "casebook: 'note' is not a document a pack can use: give its path or slug; restricted documents need --include-restricted (drafts are never used)"
run "$CASEBOOK" pack --repo "$R" note --include-restricted --out "$TMP/note.html"
assert_eq "a restricted note with the flag: exit 0" "$RC" "0"
check "is in the pack" grep -qF "$NOTE_TITLE" "$TMP/note.html"
run "$CASEBOOK" pack --repo "$R" draft --include-restricted --out "$TMP/x.html"
assert_eq "a draft: exit 2" "$RC" "2"
assert_no_file "nothing written for a refused pack" "$TMP/x.html"

# ---- usage errors ---------------------------------------------------------------
run "$CASEBOOK" pack --repo "$R" b0 b1 b2 audit
assert_eq "four documents: exit 2" "$RC" "2"
assert_contains "four documents: why" "$OUT" "a pack holds at most three documents"
run "$CASEBOOK" pack --repo "$R" --theme was-not-brought --model freud
assert_eq "unknown model: exit 2" "$RC" "2"
assert_contains "unknown model: the choices" "$OUT" "unknown model 'freud': use kolb, 4x4x4 or signs-of-safety"
run "$CASEBOOK" pack --repo "$R" --theme was-not-brougt
assert_eq "unknown theme: exit 2" "$RC" "2"
assert_eq "unknown theme: did you mean" "$OUT" "casebook: 'was-not-brougt' is not a theme; did you mean 'was-not-brought'?"
run "$CASEBOOK" pack --repo "$R" --theme supervision
assert_eq "a theme with only restricted documents: exit 2" "$RC" "2"
run "$CASEBOOK" pack --repo "$R" --theme neglect
assert_eq "a theme no learning point is on: exit 2" "$RC" "2"
assert_contains "a theme no learning point is on: why" "$OUT" "no learning point of the documents on 'neglect' is on the theme"
run "$CASEBOOK" pack --repo "$R"
assert_eq "nothing chosen: exit 2" "$RC" "2"
run "$CASEBOOK" pack --repo "$R" --theme neglect b1
assert_eq "--theme and names together: exit 2" "$RC" "2"
echo "---
title: Broken
---" >"$R/content/broken.md"
run "$CASEBOOK" pack --repo "$R" --worktree --theme was-not-brought --out "$TMP/b.html"
assert_eq "content errors: exit 1" "$RC" "1"
assert_contains "content errors are listed" "$OUT" "content/broken.md:1:1: error:"
assert_contains "  ... and counted" "$OUT" "fix them before making a pack ('casebook check' lists them)"
rm "$R/content/broken.md"

# ---- the demo repository --------------------------------------------------------
run "$CASEBOOK" pack --repo "$ROOT" --theme was-not-brought --out "$TMP/demo.html"
assert_eq "demo pack exits 0" "$RC" "0"
check "demo pack holds the 7-minute briefing" grep -q "7-minute briefing: children who are not brought to appointments" "$TMP/demo.html"
check "demo pack leaves out the restricted supervision note" \
	bash -c '! grep -q "missed contacts and an unseen partner" "$1"' _ "$TMP/demo.html"

# ---- printed to PDF in Chromium -------------------------------------------------
to_pdf() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
		--disable-background-networking --disable-component-update --no-first-run \
		--user-data-dir="$TMP/chrome" --print-to-pdf="$2" "file://$1" >/dev/null 2>&1
}
if ! command -v chromium >/dev/null || ! command -v pdfinfo >/dev/null; then
	not_ok "chromium and pdfinfo are installed (make deps)"
else
	to_pdf "$P" "$TMP/theme.pdf"
	assert_file "Chromium prints the pack" "$TMP/theme.pdf"
	assert_eq "three A4 pages: material, prompts, record" \
		"$(pdfinfo "$TMP/theme.pdf" | grep -E '^(Pages|Page size)' | tr -s ' ' | tr '\n' '|')" \
		"Pages: 3|Page size: 594.96 x 841.92 pts (A4)|"
	page() { pdftotext -layout -f "$2" -l "$2" "$1" - 2>/dev/null; }
	assert_contains "page 1: the material" "$(page "$TMP/theme.pdf" 1)" "Later briefing on appointments"
	assert_contains "page 2: the prompts" "$(page "$TMP/theme.pdf" 2)" "Kolb learning cycle: prompts"
	assert_contains "page 3: the record" "$(page "$TMP/theme.pdf" 3)" "Record of the session"
	assert_not_contains "no restricted notice when not asked" "$(pdftotext "$TMP/theme.pdf" - 2>/dev/null)" "do not share"

	to_pdf "$TMP/r.html" "$TMP/r.pdf"
	n=$(pdfinfo "$TMP/r.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
	check "the restricted pack prints" test "${n:-0}" -ge 3
	marked=0
	for ((i = 1; i <= ${n:-0}; i++)); do
		page "$TMP/r.pdf" "$i" | grep -q "$MARK" && marked=$((marked + 1))
	done
	assert_eq "every printed page says it contains restricted material" "$marked" "${n:-0}"
fi
finish
