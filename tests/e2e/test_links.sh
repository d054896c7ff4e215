#!/usr/bin/env bash
# Links between documents: rewritten, checked, and never pointing at a
# document the build leaves out.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
git init -q "$R"
doc "$R/content/guide.md" "Guide" "" "Read [the note](notes/sup.md) and [the plan](plan.md#actions).

Also [a missing one](nowhere.md) and [outside](../../etc/passwd.md)."
doc "$R/content/plan.md" "Plan" "" "## Actions

Text."
mkdir -p "$R/content/notes"
printf -- '---\ntitle: Secret supervision\ntype: supervision-note\ndate: 2024-05-01\n---\n\nNotes.\n' >"$R/content/notes/sup.md"
commit "$R" "links"

run "$CASEBOOK" check --repo "$R"
assert_eq "broken links fail the check" "$RC" "1"
assert_contains "missing link reported at its position" "$OUT" "content/guide.md:9:6: error: link to 'nowhere.md' does not match any document"
assert_contains "a link leaving the repository is an error too" "$OUT" "content/guide.md:9:38: error: link to '../../etc/passwd.md'"

doc "$R/content/guide.md" "Guide" "" "Read [the note](notes/sup.md) and [the plan](plan.md#actions)."
commit "$R" "fix links" "2024-01-16T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/pub"
assert_eq "builds once links are fixed" "$RC" "0"
page=$(cat "$TMP/pub/documents/guide.html")
assert_contains "link rewritten with its fragment" "$page" 'href="../documents/plan.html#actions"'
assert_not_contains "no link to the restricted note" "$page" "notes-sup"
assert_contains "the link text stays as plain text" "$page" "Read the note and"
run "$CASEBOOK" build --repo "$R" --audience restricted --out "$TMP/res"
assert_contains "restricted build links the note" "$(cat "$TMP/res/documents/guide.html")" 'href="../documents/notes-sup.html"'
finish
