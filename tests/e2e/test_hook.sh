#!/usr/bin/env bash
# check --staged and the pre-commit hook, in a real repository with real
# `git commit`: a commit with personal data is refused with the finding, a
# clean one goes through; core.hooksPath; another hook left alone or
# chained with --force; remove; init installs it; casebook not on PATH.
. "$(dirname "$0")/lib.sh"

BIN=$TMP/bin
mkdir -p "$BIN"
ln -s "$CASEBOOK" "$BIN/casebook"
export PATH="$BIN:$PATH"
gc() { git -C "$R" -c user.name=Test -c user.email=test@example.org commit -q "$@"; }

R=$TMP/repo
git init -q "$R"
doc "$R/content/a.md" "A" "" "Clean text."
git -C "$R" add -A && gc -m "first"

# --staged reads the index, not the working files nor HEAD.
doc "$R/content/note.md" "Supervision" "visibility: restricted" "Child's NHS number 943 476 5919."
run "$CASEBOOK" check --repo "$R" --staged
assert_eq "an unstaged file is not what is committed" "$RC" "0"
git -C "$R" add content/note.md
run "$CASEBOOK" check --repo "$R" --staged
assert_eq "check --staged finds personal data in a staged restricted note" "$RC" "1"
assert_contains "at its position" "$OUT" "content/note.md:8:20: error: possible NHS number '943 476 5919'"
run "$CASEBOOK" build --repo "$R" --staged
assert_eq "--staged is for check only" "$RC" "2"

run "$CASEBOOK" hook install --repo "$R"
assert_eq "hook install" "$RC" "0"
assert_file "writes .git/hooks/pre-commit" "$R/.git/hooks/pre-commit"
run gc -m "leak"
assert_eq "git commit is refused" "$RC" "1"
assert_contains "with the finding" "$OUT" "content/note.md:8:20: error: possible NHS number '943 476 5919'"
assert_eq "nothing was committed" "$(git -C "$R" log --oneline | wc -l)" "1"
doc "$R/content/note.md" "Supervision" "visibility: restricted" "The child's NHS number is on the case file."
git -C "$R" add content/note.md
run gc -m "clean"
assert_eq "a clean commit goes through" "$RC" "0"
assert_eq "and is committed" "$(git -C "$R" log --oneline | wc -l)" "2"

# casebook not on PATH: the hook fails and says so.
doc "$R/content/b.md" "B" "" "Fine."
git -C "$R" add content/b.md
PATH=/usr/bin:/bin run gc -m "no casebook"
assert_eq "without casebook on PATH the commit fails" "$RC" "1"
assert_contains "and says why" "$OUT" "casebook pre-commit hook: casebook is not on PATH"

# Another hook is left alone, or chained with --force; remove restores it.
run "$CASEBOOK" hook remove --repo "$R"
assert_eq "hook remove" "$RC" "0"
assert_no_file "takes the hook out" "$R/.git/hooks/pre-commit"
printf '#!/bin/sh\necho other hook ran >&2\n' >"$R/.git/hooks/pre-commit"
chmod +x "$R/.git/hooks/pre-commit"
run "$CASEBOOK" hook install --repo "$R"
assert_eq "another hook is left alone" "$RC" "1"
assert_contains "with a message" "$OUT" "is another pre-commit hook, left as it is; run casebook hook install --force"
run "$CASEBOOK" hook install --repo "$R" --force
assert_eq "--force chains it" "$RC" "0"
assert_file "keeping it as pre-commit.local" "$R/.git/hooks/pre-commit.local"
doc "$R/content/b.md" "B" "" "Call 020 7946 0958."
git -C "$R" add content/b.md
run gc -m "phone"
assert_eq "the chained hook still blocks a finding" "$RC" "1"
assert_contains "after the other hook ran" "$OUT" "other hook ran"
assert_contains "and casebook's check" "$OUT" "content/b.md:7:6: error: possible phone number"
run "$CASEBOOK" hook remove --repo "$R"
assert_contains "remove puts the other hook back" "$(cat "$R/.git/hooks/pre-commit")" "other hook ran"
assert_no_file "and pre-commit.local is gone" "$R/.git/hooks/pre-commit.local"

# core.hooksPath is honoured.
rm "$R/.git/hooks/pre-commit"
git -C "$R" config core.hooksPath .githooks
run "$CASEBOOK" hook install --repo "$R"
assert_file "the hook goes to core.hooksPath" "$R/.githooks/pre-commit"
run gc -m "phone again"
assert_eq "and git runs it" "$RC" "1"

# casebook init installs the hook.
run "$CASEBOOK" init "$TMP/new"
assert_file "init installs the hook" "$TMP/new/.git/hooks/pre-commit"
assert_contains "casebook's" "$(cat "$TMP/new/.git/hooks/pre-commit")" "casebook check --staged"
git -C "$TMP/new" add -A
run git -C "$TMP/new" -c user.name=Test -c user.email=test@example.org commit -q -m "first content"
assert_eq "init's own content passes its hook" "$RC" "0"
finish
