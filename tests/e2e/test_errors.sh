#!/usr/bin/env bash
# A fixture repository with one example of every class of content error:
# `casebook check` reports all of them in one run, each at its exact
# position, exactly as tests/fixtures/errors/expected.txt says.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
git init -q "$R"
cp -R "$ROOT/tests/fixtures/errors/." "$R/"
rm -f "$R/expected.txt"
# The byte-level classes are made here, not stored, so no tool "fixes" them.
printf -- '---\ntitle: Bad bytes\ntype: briefing\ndate: 2024-01-01\n---\n\nCaf\xe9 in Latin-1.\n' >"$R/content/latin1.md"
printf -- '---\ntitle: Binary\ntype: briefing\ndate: 2024-01-01\n---\n\nA\0B\n' >"$R/content/binary.md"
{ printf -- '---\ntitle: Huge\ntype: briefing\ndate: 2024-01-01\n---\n\n'; head -c 1100000 /dev/zero | tr '\0' 'x'; } >"$R/content/huge.md"
commit "$R" "fixture"

run "$CASEBOOK" check --repo "$R"
assert_eq "check exits 1 on content errors" "$RC" "1"
expected=$(cat "$ROOT/tests/fixtures/errors/expected.txt")
got=$(grep -v '^casebook: ' <<<"$OUT")
if [ "$got" == "$expected" ]; then ok "diagnostics match expected.txt"; else
	not_ok "diagnostics match expected.txt" "$(diff <(echo "$expected") <(echo "$got"))"
fi
assert_contains "a summary line counts the problems" "$OUT" "casebook: "

run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
assert_eq "build exits 1 on content errors" "$RC" "1"
assert_no_file "a failed first build writes no output" "$TMP/out"
got_build=$(grep -v '^casebook: ' <<<"$OUT")
assert_eq "build reports the same diagnostics as check" "$got_build" "$got"
finish
