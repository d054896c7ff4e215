#!/usr/bin/env bash
# Back catalogues: `new --date`, the `published:` field winning over the
# git date on every page that shows one, BRAG blue (done) actions, action
# text in search, and skeleton placeholders refused in published documents.
. "$(dirname "$0")/lib.sh"

R=$TMP/lib
mkdir -p "$R"
git init -q "$R"
printf 'base-url: https://learning.example.org\n' >"$R/casebook.yml"

# new --date writes the date, the file name and published:.
run "$CASEBOOK" new briefing "Bruising in babies" --date 2019-03-14 --repo "$R"
assert_eq "new --date: exit 0" "$RC" "0"
f=$R/content/briefings/2019-03-14-bruising-in-babies.md
assert_file "new --date names the file by the date" "$f"
assert_contains "new --date: date" "$(cat "$f")" "date: 2019-03-14"
assert_contains "new --date: published" "$(cat "$f")" "published: 2019-03-14"
run "$CASEBOOK" new briefing "Another" --date 2019-02-30 --repo "$R"
assert_eq "new --date with no such day: exit 2" "$RC" "2"
assert_contains "says what a date looks like" "$OUT" "--date needs a real date written YYYY-MM-DD"
run "$CASEBOOK" new briefing "Today's" --repo "$R"
assert_not_contains "no published: without --date" "$(cat "$R"/content/briefings/*-today-s.md)" "published:"
rm -f "$R"/content/briefings/*-today-s.md

# Published with the template's instructions still in it: [placeholder].
sed -i 's/^status: draft.*/status: published/' "$f"
run "$CASEBOOK" check --repo "$R" --worktree
assert_eq "placeholders: exit 1" "$RC" "1"
assert_contains "summary placeholder at its line and column" "$OUT" \
	"content/briefings/2019-03-14-bruising-in-babies.md:6:10: error: 'One or two sentences for lists and search results…' is an instruction from the template"
assert_contains "body placeholder" "$OUT" "'Say why this briefing was written…'"
assert_contains "rule id" "$OUT" "[placeholder]"
sed -i 's/^status: published/status: draft/' "$f"
run "$CASEBOOK" check --repo "$R" --worktree
assert_not_contains "a draft may keep them" "$OUT" "[placeholder]"

# A back catalogue document (published 2019, committed 2024) and a new
# one, committed later.
rm -f "$f"
doc "$R/content/old.md" "Old briefing" "published: 2019-03-14
themes: [neglect]
area: Harrowdene" "Text about neglect."
doc "$R/content/plan.md" "Plan" "type: action-plan
actions:
  - action: Audit the zebracrossing referrals
    owner: Named nurse
    due: 2024-01-01
    rag: blue
  - action: Train reception staff
    due: 2024-01-01
    rag: Complete
  - action: Review the escalation policy
    due: 2024-01-01
    rag: amber"
sed -i 's/^type: briefing$//' "$R/content/plan.md"
commit "$R" "import" 2024-05-01T10:00:00Z
doc "$R/content/new.md" "New briefing" "themes: [neglect]
area: Harrowdene"
commit "$R" "new" 2024-06-01T10:00:00Z
run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
assert_eq "the library builds" "$RC" "0"
O=$TMP/out

page=$(cat "$O/documents/old.html")
assert_contains "document page: first published is the published: date" "$page" \
	'<dt>First published</dt>
<dd><time datetime="2019-03-14">14 March 2019</time></dd>'
assert_contains "document page: last updated is the published: date too" "$page" \
	'<dt>Last updated</dt>
<dd><time datetime="2019-03-14">14 March 2019</time>'
assert_not_contains "document page: the import date is not shown" "$page" 'datetime="2024-05-01"'
feed=$(cat "$O/feed.atom")
assert_contains "feed: published" "$feed" "<published>2019-03-14T12:00:00Z</published>"
assert_contains "feed: the newest change is the new document" "$feed" "<updated>2024-06-01T10:00:00Z</updated>"
new=$(cat "$O/whatsnew.html")
assert_contains "what's new: dated 2019" "$new" 'datetime="2019-03-14"'
first=$(grep -o 'documents/[a-z]*\.html' <<<"$new" | head -1)
assert_eq "what's new: the back catalogue document is not the newest" "$first" "documents/new.html"
sitemap=$(cat "$O/sitemap.xml")
assert_contains "sitemap: lastmod from published:" "$sitemap" \
	"<loc>https://learning.example.org/documents/old.html</loc><lastmod>2019-03-14</lastmod>"
assert_not_contains "no page shows the import date" "$(grep -rl '2024-05-01\|1 May 2024' "$O" --include=*.html --include=*.atom --include=*.xml | grep -v plan)" "old"
# An edit after the import is a real update.
echo "An added paragraph." >>"$R/content/old.md"
commit "$R" "edit" 2024-07-01T10:00:00Z
run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
page=$(cat "$O/documents/old.html")
assert_contains "after an edit: first published still 2019" "$page" '<dd><time datetime="2019-03-14">14 March 2019</time></dd>'
assert_contains "after an edit: last updated is the edit" "$page" '<dt>Last updated</dt>
<dd><time datetime="2024-07-01">'
run "$CASEBOOK" check --repo "$R" --worktree
printf -- '---\ntitle: X\ntype: briefing\ndate: 2024-01-01\npublished: 2019-13-01\n---\n\nText.\n' >"$R/content/bad.md"
run "$CASEBOOK" check --repo "$R" --worktree
assert_contains "published: must be a date" "$OUT" "content/bad.md:5:12: error: '2019-13-01' is not a real calendar date"
rm "$R/content/bad.md"

# BRAG: blue (and complete) is done, never overdue.
plan=$(cat "$O/documents/plan.html")
assert_contains "blue label" "$plan" '<span class="rag rag--blue">Blue (complete)</span>'
assert_eq "complete is blue" "$(grep -c 'rag--blue' <<<"$plan")" "2"
assert_eq "only the amber action is overdue" "$(grep -c 'tag--overdue' <<<"$plan")" "1"
actions=$(cat "$O/actions.html")
assert_contains "dashboard counts blue" "$actions" '<dt><span class="rag rag--blue">Blue (complete)</span></dt><dd>2</dd>'
assert_contains "dashboard: one overdue" "$actions" '<dt>Overdue</dt><dd>1</dd>'
printf -- '---\ntitle: X\ntype: action-plan\ndate: 2024-01-01\nactions:\n  - action: A\n    rag: purple\n---\n\nText.\n' >"$R/content/bad.md"
run "$CASEBOOK" check --repo "$R" --worktree
assert_contains "an unknown rating names blue" "$OUT" "'purple' is not a RAG rating; use red, amber, green, or blue (or complete)"
rm "$R/content/bad.md"

# Action text is searchable.
run bash -c "cd '$R' && '$CASEBOOK' search zebracrossing"
assert_eq "search finds a word only an action has" "$RC" "0"
assert_contains "the plan is found" "$OUT" "Plan"
assert_contains "the browser index has it too" "$(cat "$O"/search/d-*.js)" "zebracrossing"
finish
