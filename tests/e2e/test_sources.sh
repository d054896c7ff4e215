#!/usr/bin/env bash
# Partner repositories (sources: in casebook.yml): four fictional
# partnerships' git repositories and a hub that builds them together —
# fetch, casebook.lock, update.
. "$(dirname "$0")/lib.sh"

# partner NAME: a partnership's repository with a public briefing (its
# area from the hub's casebook.yml), an internal document holding a
# canary, and a configuration and plugin of its own, which the hub must
# ignore.
partner() {
	local r=$TMP/$1
	git init -q "$r"
	doc "$r/content/briefings/missed-appointments.md" "Missed appointments in $1" \
		"themes: [was-not-brought]" "Families in $1 missed health appointments.

## Key learning

- Record every missed appointment as was not brought and follow it up."
	doc "$r/content/briefings/internal-note.md" "Internal note from $1" \
		"visibility: internal
themes: [neglect]" "CANARY-$1-INTERNAL appears only in internal builds."
	mkdir -p "$r/plugins"
	echo 'error("partner plugin ran")' >"$r/plugins/taxonomy.lua"
	printf 'title: Partner site of %s\nplugins: [taxonomy]\n' "$1" >"$r/casebook.yml"
	commit "$r" "Learning from $1"
}
for p in walsby orrin kelby marsh; do partner $p; done
# An attachment: it travels with walsby's pages, in walsby's folder.
printf 'month,missed\nJanuary,4\n' >"$TMP/walsby/content/briefings/audit.csv"
printf '\nThe [audit figures](audit.csv) are attached.\n' >>"$TMP/walsby/content/briefings/missed-appointments.md"
commit "$TMP/walsby" "Audit figures"

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
    label: Walsby Safeguarding Partnership
    area: Walsby
    url: ../walsby
    max-visibility: internal
  - name: orrin
    area: Orrin
    url: $TMP/orrin
    max-visibility: internal
  - name: kelby
    area: Kelby
    url: file://$TMP/kelby
    max-visibility: internal
  - name: marsh
    area: Marsh
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

# A build before the lock is committed: the tree built has no pins.
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/nolock"
assert_eq "a build whose tree has no casebook.lock fails" "$RC" 1
assert_contains "it says to fetch and commit the lock" "$OUT" \
	"casebook.yml:3:5: error: source 'walsby' has no pin in casebook.lock; run 'casebook fetch' and commit casebook.lock"
commit "$HUB" "Pin the partners"

# The public build: every partner's public documents, under its own
# folder; no internal canary; the hub's settings, not the partners'.
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public"
assert_eq "the hub builds with its partners (and no documents of its own)" "$RC" 0
for p in walsby orrin kelby marsh; do
	assert_file "$p's briefing is at documents/$p/" "$TMP/public/documents/$p/briefings-missed-appointments.html"
done
assert_eq "no partner's internal canary is in the public build" "$(grep -rl 'CANARY-' "$TMP/public" | wc -l)" 0
assert_not_contains "no internal document's title either" "$(cat "$TMP/public/search/"*.js)" "Internal note from"
assert_contains "pages carry the hub's title" "$(cat "$TMP/public/index.html")" "Regional learning"
assert_not_contains "a partner's casebook.yml is ignored" "$(cat "$TMP/public/index.html")" "Partner site of"
assert_not_contains "a partner's plugin is not run" "$OUT" "partner plugin ran"
page=$TMP/public/documents/walsby/briefings-missed-appointments.html
assert_contains "a partner's page links back to the root two folders up" "$(cat "$page")" 'href="../../index.html"'
assert_contains "its themes are the hub's theme pages" "$(cat "$page")" 'href="../../themes/was-not-brought.html"'
assert_contains "a partner's page names the partnership it comes from" "$(tr -d '\n' <"$page")" \
	'<dt>From</dt><dd>Walsby Safeguarding Partnership</dd>'
assert_contains "a partnership with no label is named by its area" \
	"$(tr -d '\n' <"$TMP/public/documents/orrin/briefings-missed-appointments.html")" '<dt>From</dt><dd>Orrin</dd>'
assert_contains "document lists name the partnership" "$(cat "$TMP/public/themes/was-not-brought.html")" \
	'<span class="doc-list__area"> · Walsby Safeguarding Partnership</span>'
assert_file "a partner's attachment is carried in its own folder" "$TMP/public/files/walsby/briefings/audit.csv"
assert_contains "and linked from its page" "$(cat "$page")" 'href="../../files/walsby/briefings/audit.csv"'
assert_eq "every link of the public build resolves" "$(broken_links "$TMP/public")" ""
assert_contains "the theme page lists every partner's document" \
	"$(cat "$TMP/public/themes/was-not-brought.html")" "documents/marsh/briefings-missed-appointments.html"

run "$CASEBOOK" check --repo "$HUB" --staged
assert_eq "the pre-commit hook's check reads the staged casebook.lock and the mirrors" "$RC" 0

# The internal build: each partner's internal document, canary and all.
run "$CASEBOOK" build --repo "$HUB" --audience internal --out "$TMP/internal"
assert_eq "the internal build succeeds" "$RC" 0
for p in walsby orrin kelby marsh; do
	assert_contains "$p's internal canary is in the internal build" \
		"$(cat "$TMP/internal/documents/$p/briefings-internal-note.html")" "CANARY-$p-INTERNAL"
done

# Reproducible: a repeat build, and one without the cache, are the same.
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public2"
run "$CASEBOOK" build --repo "$HUB" --no-cache --out "$TMP/public3"
assert_eq "a repeat build is byte-identical" "$(tree_sum "$TMP/public2")" "$(tree_sum "$TMP/public")"
assert_eq "a build without the cache is byte-identical" "$(tree_sum "$TMP/public3")" "$(tree_sum "$TMP/public")"
# The partners' histories are walked on several threads at once.
run "$CASEBOOK" build --repo "$HUB" --no-cache --jobs 1 --out "$TMP/public-j1"
run "$CASEBOOK" build --repo "$HUB" --no-cache --jobs 4 --out "$TMP/public-j4"
assert_eq "one thread or four build the same" "$(tree_sum "$TMP/public-j1")" "$(tree_sum "$TMP/public-j4")"
assert_eq "and the same as the default" "$(tree_sum "$TMP/public-j4")" "$(tree_sum "$TMP/public")"

# Across sources: search, learning, analysis, dates from each partner's history.
(cd "$HUB" && "$CASEBOOK" search "appointment" >"$TMP/search.txt" 2>&1)
assert_contains "search finds a partner's document by its path" "$(cat "$TMP/search.txt")" "orrin:content/briefings/missed-appointments.md"
(cd "$HUB" && "$CASEBOOK" learning --json >"$TMP/learning.json" 2>&1)
assert_contains "learning names a partner's document as source:path" "$(cat "$TMP/learning.json")" \
	'"document": "kelby:content/briefings/missed-appointments.md"'
(cd "$HUB" && "$CASEBOOK" analyse --by area --format csv >"$TMP/analysis.csv" 2>&1)
assert_contains "analyse counts each partner's documents in its area" "$(cat "$TMP/analysis.csv")" "Walsby"
assert_contains "analyse counts every area" "$(cat "$TMP/analysis.csv")" "Marsh"

run "$CASEBOOK" pack --repo "$HUB" --theme was-not-brought --out "$TMP/pack.html"
assert_eq "a pack on a theme gathers partners' documents" "$RC" 0
assert_contains "with their learning points" "$(cat "$TMP/pack.html")" "Missed appointments in marsh"
run "$CASEBOOK" pack --repo "$HUB" --out "$TMP/pack1.html" orrin:content/briefings/missed-appointments.md
assert_contains "a pack names a partner's document as source:path" "$(cat "$TMP/pack1.html")" "Missed appointments in orrin"

# A partner's new commit: unseen until update and a committed lock.
doc "$TMP/walsby/content/briefings/new-learning.md" "New learning in Walsby" "themes: [neglect]"
commit "$TMP/walsby" "More learning" 2024-02-01T10:00:00Z
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "fetch keeps an existing pin" "$(awk '$1 == "walsby" {print $2}' "$HUB/casebook.lock")" "$walsby_pin"
assert_contains "fetch says a newer commit is there" "$OUT" "walsby: stays pinned"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public4"
assert_no_file "a fetched commit is not built while the pin stays" "$TMP/public4/documents/walsby/briefings-new-learning.html"
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
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public4"
assert_no_file "a moved pin is not built from HEAD until committed" "$TMP/public4/documents/walsby/briefings-new-learning.html"
run "$CASEBOOK" build --repo "$HUB" --worktree --out "$TMP/public4"
assert_file "--worktree reads the working casebook.lock" "$TMP/public4/documents/walsby/briefings-new-learning.html"
commit "$HUB" "Move walsby's pin"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public4"
assert_file "the committed pin is built" "$TMP/public4/documents/walsby/briefings-new-learning.html"
assert_contains "dates come from the partner's own history" \
	"$(cat "$TMP/public4/documents/walsby/briefings-new-learning.html")" "1 February 2024"

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
commit "$HUB" "Marsh shares a branch"

# The hub's own documents keep their place beside the partners'.
doc "$HUB/content/briefings/regional-overview.md" "Regional overview" "themes: [neglect]"
commit "$HUB" "The hub's own briefing"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/mixed"
assert_file "a hub document's page is at documents/<slug>.html" "$TMP/mixed/documents/briefings-regional-overview.html"
assert_not_contains "the hub's own page names no partnership" \
	"$(cat "$TMP/mixed/documents/briefings-regional-overview.html")" "<dt>From</dt>"
assert_file "beside the partners' folders" "$TMP/mixed/documents/walsby/briefings-new-learning.html"
assert_eq "every link of the mixed build resolves" "$(broken_links "$TMP/mixed")" ""

# The hub's documents link to partners' documents as NAME:path.
doc "$HUB/content/briefings/partner-links.md" "Across the region" "themes: [neglect]" \
	"Read [Walsby's briefing](walsby:content/briefings/missed-appointments.md#key-learning) and [Walsby's note](walsby:content/briefings/internal-note.md)."
commit "$HUB" "Links to partners"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/linked"
assert_eq "a hub document linking to a partner's builds" "$RC" 0
linked=$(cat "$TMP/linked/documents/briefings-partner-links.html")
assert_contains "the link goes to the partner's page" "$linked" \
	'href="../documents/walsby/briefings-missed-appointments.html#key-learning"'
assert_not_contains "a link to a partner's internal document is plain text in a public build" "$linked" \
	"internal-note.html"
assert_contains "its words stay" "$linked" "Walsby's note"
assert_contains "the partner's page lists the hub document linking to it" \
	"$(cat "$TMP/linked/documents/walsby/briefings-missed-appointments.html")" \
	'href="../../documents/briefings-partner-links.html"'
assert_eq "every link of the linked build resolves" "$(broken_links "$TMP/linked")" ""
run "$CASEBOOK" build --repo "$HUB" --audience internal --out "$TMP/linked-internal"
assert_contains "in an internal build the internal document is linked" \
	"$(cat "$TMP/linked-internal/documents/briefings-partner-links.html")" \
	'href="../documents/walsby/briefings-internal-note.html"'
printf 'And [a typo](walsbi:content/briefings/missed-appointments.md).\n' >>"$HUB/content/briefings/partner-links.md"
run "$CASEBOOK" check --repo "$HUB" --worktree
assert_eq "a hub link to no partner document is an error" "$RC" 1
assert_contains "it names the file, line and column, and how to write one" "$OUT" \
	"content/briefings/partner-links.md:9:5: error: link to 'walsbi:content/briefings/missed-appointments.md' does not match any document; a partner repository's document is written NAME:PATH"
git -C "$HUB" checkout -q content/briefings/partner-links.md
doc "$TMP/orrin/content/briefings/sideways.md" "Sideways" "" "See [Walsby's](walsby:content/briefings/missed-appointments.md)."
commit "$TMP/orrin" "A link to another partner"
run "$CASEBOOK" update -q --repo "$HUB" orrin
run "$CASEBOOK" check --repo "$HUB" --worktree
assert_contains "a partner's link to another partner's document stays an error" "$OUT" \
	"orrin:content/briefings/sideways.md:7:5: error: 'walsby:content/briefings/missed-appointments.md' is outside this document's repository"
git -C "$HUB" checkout -q casebook.lock
git -C "$TMP/orrin" rm -q content/briefings/sideways.md
commit "$TMP/orrin" "No link to another partner"

# max-visibility: a partner's documents above it are in no build.
sed -i '/name: kelby/,/max-visibility/ s/max-visibility: internal/max-visibility: public/' "$HUB/casebook.yml"
commit "$HUB" "Kelby contributes public documents only"
run "$CASEBOOK" build --repo "$HUB" --audience internal --out "$TMP/internal2"
assert_eq "the internal build still succeeds" "$RC" 0
assert_no_file "kelby's internal document is above its ceiling" "$TMP/internal2/documents/kelby/briefings-internal-note.html"
assert_eq "kelby's canary is nowhere in the internal build" "$(grep -rl 'CANARY-kelby' "$TMP/internal2" | wc -l)" 0
assert_file "walsby's internal document is still there" "$TMP/internal2/documents/walsby/briefings-internal-note.html"

# Themes: an unknown one is reported with the source's prefix; a map fixes it.
doc "$TMP/orrin/content/briefings/dna.md" "Did not attend" "themes: [dna, neglekt]"
commit "$TMP/orrin" "Their theme ids"
run "$CASEBOOK" update -q --repo "$HUB" orrin
commit "$HUB" "Move orrin's pin"
run "$CASEBOOK" check --repo "$HUB"
assert_eq "an unknown theme in a partner's document is an error" "$RC" 1
assert_contains "it is reported at the partner's file, prefixed with its name" "$OUT" \
	"orrin:content/briefings/dna.md:5:10: error: 'dna' is not a theme in the hub's taxonomy"
assert_contains "with a suggestion" "$OUT" "'neglekt' is not a theme in the hub's taxonomy (did you mean 'neglect'?)"
sed -i "s#    url: $TMP/orrin#    url: $TMP/orrin\n    themes: {dna: was-not-brought, neglekt: neglect}#" "$HUB/casebook.yml"
commit "$HUB" "Map orrin's themes"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public5"
assert_eq "mapped themes build" "$RC" 0
assert_contains "a mapped theme's page lists the document" \
	"$(cat "$TMP/public5/themes/was-not-brought.html")" "documents/orrin/briefings-dna.html"

# A partner's hashtags on its learning points use its own ids too: the map
# applies to them, in the check and in what each point is about.
doc "$TMP/orrin/content/briefings/tagged.md" "Tagged learning" "themes: [neglekt]" "## Key learning

- Follow up every missed clinic appointment of a baby. #dna
- Keep the home visits going when a family moves. #neglekt"
commit "$TMP/orrin" "Tagged points"
run "$CASEBOOK" update -q --repo "$HUB" orrin
commit "$HUB" "Move orrin's pin again"
run "$CASEBOOK" check --repo "$HUB"
assert_eq "a partner's mapped hashtags check clean" "$RC" 0
(cd "$HUB" && "$CASEBOOK" learning --theme was-not-brought --json >"$TMP/tagged.json" 2>&1)
assert_contains "a point tagged with a partner's own id is on the hub's theme" "$(cat "$TMP/tagged.json")" \
	"Follow up every missed clinic appointment of a baby."
assert_not_contains "and only that point" "$(cat "$TMP/tagged.json")" "Keep the home visits going"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/tagged"
assert_contains "the theme page lists the tagged point" "$(cat "$TMP/tagged/themes/was-not-brought.html")" \
	"Follow up every missed clinic appointment"
assert_not_contains "without its hashtag" "$(cat "$TMP/tagged/documents/orrin/briefings-tagged.html")" "#dna"
printf -- '- Share the chronology with the school. #negect\n' >>"$TMP/orrin/content/briefings/tagged.md"
commit "$TMP/orrin" "An unmapped hashtag"
run "$CASEBOOK" update -q --repo "$HUB" orrin
run "$CASEBOOK" check --repo "$HUB" --worktree
assert_eq "an unmapped unknown hashtag in a partner's document is an error" "$RC" 1
assert_contains "it is reported at the partner's file and column, with a suggestion" "$OUT" \
	"orrin:content/briefings/tagged.md:12:41: error: '#negect' is not a theme in the hub's taxonomy (did you mean '#neglect'?)"
assert_contains "and says where to map it" "$OUT" "map it under 'themes:' in source 'orrin'"
git -C "$HUB" checkout -q casebook.lock

# Links stay within a source.
doc "$TMP/orrin/content/briefings/outward.md" "Outward" "" "See [the hub's page](../../content/taxonomy.md)."
commit "$TMP/orrin" "A link out"
run "$CASEBOOK" update -q --repo "$HUB" orrin
run "$CASEBOOK" check --repo "$HUB" --worktree
assert_contains "a link out of a source is an error" "$OUT" \
	"orrin:content/briefings/outward.md:7:5: error: '../../content/taxonomy.md' is outside this document's repository"
git -C "$HUB" checkout -q casebook.lock

# The personal-data check covers partners' documents, with the hub's
# deny-list of names.
printf 'Ellery Quorn\n' >"$HUB/content/pii-names.txt"
commit "$HUB" "Names deny-list"
doc "$TMP/walsby/content/briefings/contact.md" "Contact" "" "Ring Ellery Quorn on 07700 900123."
commit "$TMP/walsby" "Contact details"
run "$CASEBOOK" update -q --repo "$HUB" walsby
run "$CASEBOOK" check --repo "$HUB" --worktree
assert_contains "a phone number in a partner's document is found" "$OUT" "walsby:content/briefings/contact.md:7:"
assert_contains "it is a personal-data error" "$OUT" "[pii-phone]"
assert_contains "the hub's deny-list applies to partners' documents" "$OUT" "[pii-name]"
git -C "$HUB" checkout -q casebook.lock

# A pinned commit missing from the mirrors.
mv "$HUB/.casebook/sources/orrin.git" "$TMP/orrin-mirror"
run "$CASEBOOK" build --repo "$HUB" --out "$TMP/public6"
assert_eq "a missing mirror is an environment error" "$RC" 2
assert_contains "it says to run fetch" "$OUT" "source 'orrin' is pinned at"
assert_contains "it says to run fetch" "$OUT" "run 'casebook fetch'"
assert_contains "nothing else was needed from the network" "$(ls "$TMP")" "orrin-mirror"
mv "$TMP/orrin-mirror" "$HUB/.casebook/sources/orrin.git"

# Errors in sources: are reported at their place.
cp "$HUB/casebook.yml" "$TMP/good.yml"
printf '  - name: documents\n    url: ../x\n' >>"$HUB/casebook.yml"
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "a bad source is a content error" "$RC" 1
assert_contains "the error names casebook.yml's line and column" "$OUT" "error: 'documents' is the name of one of the site's own folders"
cp "$TMP/good.yml" "$HUB/casebook.yml"
printf '  - name: gone\n    url: ../no-such-repository\n' >>"$HUB/casebook.yml"
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "a source that cannot be fetched is an environment error" "$RC" 2
assert_contains "the error names the source" "$OUT" "casebook: gone: cannot fetch"
cp "$TMP/good.yml" "$HUB/casebook.yml"

# A source taken out of casebook.yml: fetch drops its pin and its mirror
# (a copy of the partner's whole repository no build reads any more).
mkdir -p "$HUB/.casebook/sources/notes.git"
sed -i '/  - name: kelby/,/max-visibility/d' "$HUB/casebook.yml"
assert_not_contains "kelby is out of casebook.yml" "$(cat "$HUB/casebook.yml")" "kelby"
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "fetch without a source succeeds" "$RC" 0
assert_contains "fetch says the pin goes" "$OUT" "kelby: no longer in casebook.yml's sources; its pin is removed"
assert_contains "fetch says the mirror goes" "$OUT" "kelby: no longer in casebook.yml's sources; its mirror"
assert_no_file "the mirror is removed" "$HUB/.casebook/sources/kelby.git/HEAD"
assert_file "the other mirrors stay" "$HUB/.casebook/sources/walsby.git/HEAD"
check "a folder that is not a mirror is left alone" test -d "$HUB/.casebook/sources/notes.git"
assert_eq "the lock drops the source's line" "$(grep -v '^#' "$HUB/casebook.lock" | cut -d' ' -f1 | tr '\n' ' ')" \
	"marsh orrin walsby "
printf 'title: Regional learning\n' >"$HUB/casebook.yml"
run "$CASEBOOK" update --repo "$HUB"
assert_eq "update with every source gone succeeds" "$RC" 0
assert_eq "it leaves no pins" "$(grep -vc '^#' "$HUB/casebook.lock")" 0
assert_eq "and no mirrors" "$(ls "$HUB/.casebook/sources" | tr '\n' ' ')" "notes.git "
run "$CASEBOOK" fetch --repo "$HUB"
assert_eq "with nothing left, fetch says there are no sources" "$RC" 2
assert_contains "and how to add them" "$OUT" "casebook.yml lists no sources"
cp "$TMP/good.yml" "$HUB/casebook.yml"

finish
