#!/usr/bin/env bash
# Partner repositories (sources: in casebook.yml): four fictional
# partnerships' git repositories and a hub that builds them together —
# fetch, casebook.lock, update.
. "$(dirname "$0")/lib.sh"

# partner NAME: a partnership's repository with a public briefing, an
# internal document holding a canary, and a plugin of its own.
partner() {
	local r=$TMP/$1
	git init -q "$r"
	doc "$r/content/briefings/missed-appointments.md" "Missed appointments in $1" \
		"themes: [was-not-brought]
area: ${1^}"
	doc "$r/content/briefings/internal-note.md" "Internal note from $1" \
		"visibility: internal
themes: [neglect]" "CANARY-$1-INTERNAL appears only in internal builds."
	mkdir -p "$r/plugins"
	echo 'error("partner plugin ran")' >"$r/plugins/taxonomy.lua"
	commit "$r" "Learning from $1"
}
for p in walsby orrin kelby marsh; do partner $p; done

HUB=$TMP/hub
git init -q "$HUB"
mkdir -p "$HUB/content"
cat >"$HUB/content/taxonomy.yml" <<'EOF'
themes:
  was-not-brought: {label: Was not brought}
  neglect: {label: Neglect}
EOF
cat >"$HUB/casebook.yml" <<EOF
title: Regional learning
sources:
  - name: walsby
    url: ../walsby
    max-visibility: internal
  - name: orrin
    url: $TMP/orrin
    max-visibility: internal
  - name: kelby
    url: file://$TMP/kelby
    max-visibility: internal
  - name: marsh
    url: ../marsh
    max-visibility: internal
EOF
commit "$HUB" "Hub"

# fetch: mirrors and pins.
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "fetch succeeds" "$RC" 0
for p in walsby orrin kelby marsh; do
	assert_file "fetch mirrors $p into the private folder" "$HUB/.casebook/sources/$p.git/HEAD"
done
lock_names=$(grep -v '^#' "$HUB/casebook.lock" | cut -d' ' -f1 | tr '\n' ' ')
assert_eq "casebook.lock has one line per source, sorted by name" "$lock_names" "kelby marsh orrin walsby "
walsby_pin=$(awk '$1 == "walsby" {print $2}' "$HUB/casebook.lock")
assert_eq "the pin is walsby's commit" "$walsby_pin" "$(git -C "$TMP/walsby" rev-parse HEAD)"
assert_contains "the lock names the url as written" "$(cat "$HUB/casebook.lock")" "walsby $walsby_pin ../walsby"
assert_contains "fetch says to commit the lock" "$OUT" "commit it"
check "the private folder ignores the mirrors" test -z "$(git -C "$HUB" status --porcelain .casebook)"

# A partner's new commit: fetch does not move the pin, update does.
doc "$TMP/walsby/content/briefings/new-learning.md" "New learning in Walsby" "themes: [neglect]"
commit "$TMP/walsby" "More learning" 2024-02-01T10:00:00Z
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "fetch keeps an existing pin" "$(awk '$1 == "walsby" {print $2}' "$HUB/casebook.lock")" "$walsby_pin"
assert_contains "fetch says a newer commit is there" "$OUT" "walsby: stays pinned"
run "$CASEBOOK" update --repo "$HUB" walsbi
assert_eq "update of an unknown source is a usage error" "$RC" 2
assert_contains "update suggests the source's name" "$OUT" "did you mean 'walsby'?"
run "$CASEBOOK" update --repo "$HUB" walsby
assert_eq "update succeeds" "$RC" 0
assert_eq "update moves the pin" "$(awk '$1 == "walsby" {print $2}' "$HUB/casebook.lock")" \
	"$(git -C "$TMP/walsby" rev-parse HEAD)"
assert_contains "update lists the documents added" "$OUT" "added walsby:content/briefings/new-learning.md"
assert_contains "update counts what changed" "$OUT" "walsby: 1 added, 0 changed, 0 removed"
assert_contains "update says to commit casebook.lock" "$OUT" "commit it"

# A source with a ref: a branch holding only what the partner shares.
git -C "$TMP/marsh" checkout -q -b shared
git -C "$TMP/marsh" rm -q content/briefings/internal-note.md
commit "$TMP/marsh" "Shared branch"
git -C "$TMP/marsh" checkout -q main
sed -i 's#    url: ../marsh#    url: ../marsh\n    ref: shared#' "$HUB/casebook.yml"
run "$CASEBOOK" update --repo "$HUB" marsh
assert_eq "update follows the ref" "$(awk '$1 == "marsh" {print $2}' "$HUB/casebook.lock")" \
	"$(git -C "$TMP/marsh" rev-parse shared)"
assert_contains "update lists a document removed" "$OUT" "removed marsh:content/briefings/internal-note.md"

# Errors in sources: are reported at their place.
cp "$HUB/casebook.yml" "$TMP/good.yml"
printf '  - name: documents\n    url: ../x\n' >>"$HUB/casebook.yml"
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "a bad source is a content error" "$RC" 1
assert_contains "the error names casebook.yml's line and column" "$OUT" "casebook.yml:16:11: error: 'documents' is the name of one of the site's own folders"
cp "$TMP/good.yml" "$HUB/casebook.yml"
printf '  - name: gone\n    url: ../no-such-repository\n' >>"$HUB/casebook.yml"
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "a source that cannot be fetched is an environment error" "$RC" 2
assert_contains "the error names the source" "$OUT" "casebook: gone: cannot fetch"
cp "$TMP/good.yml" "$HUB/casebook.yml"

finish
