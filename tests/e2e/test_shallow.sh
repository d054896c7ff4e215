#!/usr/bin/env bash
# A shallow clone (what most CI systems check out) is refused by build and
# check with a message saying why and what to do; --allow-shallow (or
# allow-shallow: true) builds it with the history that is there, with one
# warning, and the history cache never mixes shallow and full histories.
. "$(dirname "$0")/lib.sh"

S="$TMP/src"
mkdir -p "$S"
git -C "$S" init -q
doc "$S/content/old.md" "An old briefing"
commit "$S" "old" 2020-03-01T10:00:00Z
doc "$S/content/new.md" "A new briefing"
commit "$S" "new" 2024-06-01T10:00:00Z

C="$TMP/clone"
git clone -q --depth 1 "file://$S" "$C"
assert_file "the clone is shallow" "$C/.git/shallow"

run "$CASEBOOK" check --repo "$C"
assert_eq "check of a shallow clone: exit 2" "$RC" "2"
assert_contains "says it is a shallow clone" "$OUT" "shallow clone"
assert_contains "says why it matters" "$OUT" "first-published dates"
assert_contains "says how to fix it" "$OUT" "git fetch --unshallow"
assert_contains "mentions CI" "$OUT" "in CI, check out the full history"
assert_not_contains "no raw libgit2 message" "$OUT" "no match for id"
assert_not_contains "no object id" "$OUT" "$(git -C "$S" rev-parse HEAD~1)"

run "$CASEBOOK" build --repo "$C" --out "$TMP/out"
assert_eq "build of a shallow clone: exit 2" "$RC" "2"
assert_no_file "nothing written" "$TMP/out"

run "$CASEBOOK" build --repo "$C" --out "$TMP/out" --allow-shallow
assert_eq "--allow-shallow builds" "$RC" "0"
assert_eq "one warning" "$(grep -c 'warning: .*shallow clone' <<<"$OUT")" "1"
page=$(cat "$TMP/out/documents/old.html")
assert_contains "old document dated by the boundary commit" "$page" 'datetime="2024-06-01"'
run "$CASEBOOK" check --repo "$C" --allow-shallow
assert_eq "check --allow-shallow passes" "$RC" "0"

# A bare shallow clone (its "shallow" file is inside it) is refused too.
git clone -q --bare --depth 1 "file://$S" "$TMP/bare.git"
run "$CASEBOOK" check --repo "$TMP/bare.git"
assert_eq "bare shallow clone: exit 2" "$RC" "2"
assert_contains "bare: says shallow" "$OUT" "shallow clone"
run "$CASEBOOK" build --repo "$TMP/bare.git" --out "$TMP/out3" --allow-shallow
assert_eq "bare shallow clone builds with --allow-shallow" "$RC" "0"

# allow-shallow: true in casebook.yml does the same (committed in the source
# and fetched again at depth 1).
printf 'allow-shallow: true\n' >"$S/casebook.yml"
commit "$S" "config" 2024-07-01T10:00:00Z
C2="$TMP/clone2"
git clone -q --depth 1 "file://$S" "$C2"
run "$CASEBOOK" build --repo "$C2" --out "$TMP/out2"
assert_eq "allow-shallow: true builds" "$RC" "0"
assert_contains "and warns" "$OUT" "shallow clone"
printf 'allow-shallow: maybe\n' >"$S/casebook.yml"
run "$CASEBOOK" check --repo "$S" --worktree
assert_contains "allow-shallow must be true or false" "$OUT" "casebook.yml:1:16: error: 'allow-shallow' should be true or false"

# Unshallowing gives the real dates, although the shallow history of the
# same commit is in the cache.
git -C "$C" fetch -q --unshallow
assert_no_file "no longer shallow" "$C/.git/shallow"
run "$CASEBOOK" build --repo "$C" --out "$TMP/out"
assert_eq "full clone builds" "$RC" "0"
assert_not_contains "no warning" "$OUT" "shallow"
assert_contains "old document's real first-published date" "$(cat "$TMP/out/documents/old.html")" \
	'datetime="2020-03-01"'

# A missing object outside a shallow clone is reported in words, without
# libgit2's own message.
D="$TMP/damaged"
git clone -q "file://$S" "$D"
obj=$(git -C "$D" rev-parse HEAD~2)
git -C "$D" repack -q -a -d
rm -f "$D"/.git/objects/pack/*
git -C "$S" cat-file commit HEAD | git -C "$D" hash-object -t commit -w --stdin >/dev/null
run "$CASEBOOK" check --repo "$D"
assert_eq "damaged repository: exit 2" "$RC" "2"
assert_not_contains "damaged: no raw libgit2 message" "$OUT" "no match for id"
assert_not_contains "damaged: no libgit2 wording" "$OUT" "object not found"
assert_contains "damaged: says what to run" "$OUT" "git fsck"
: "$obj"
finish
