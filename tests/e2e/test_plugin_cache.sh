#!/usr/bin/env bash
# Plugins' results kept in the build cache (plugin.h's cb_plugin_memo): a
# rebuild runs a plugin's document hook only on the documents whose fields
# it reads changed, and its site hook only when a field it read of any
# document changed; it gives the messages the hooks gave again, and writes
# the same bytes as a build without the cache. New options for a plugin,
# or a new plugin source, run it on every document; a hook that asks
# casebook.query always runs. The counts come from the
# build's timings (CASEBOOK_TIMINGS), the same figures `make bench` reads.
. "$(dirname "$0")/lib.sh"

R=$TMP/library
cp -R "$ROOT/tests/fixtures/plugins/library" "$R"
git init -q "$R"
commit "$R" "the library" "2024-06-01T10:00:00Z"

# counts PLUGIN: "RUN REUSED" of that plugin's document hook in $OUT.
counts() { sed -n "s/.*timing:   $1 (document hook: \([0-9]*\) run, \([0-9]*\) from the cache).*/\1 \2/p" <<<"$OUT"; }
# site_kept PLUGIN: whether its site hook's record was used.
site_kept() { grep -q "timing:   $1 .*(site hook from the cache)" <<<"$OUT" && echo yes || echo no; }
sites() { echo "$(site_kept backlinks) $(site_kept related) $(site_kept learning) $(site_kept actions) $(site_kept glossary)"; }
build() { run env CASEBOOK_TIMINGS=1 "$CASEBOOK" build --repo "$R" --out "$TMP/out" "$@"; }
# same_as_clean LABEL: the output equals a build without the cache.
same_as_clean() {
	rm -rf "$TMP/clean"
	"$CASEBOOK" build -q --no-cache --repo "$R" --out "$TMP/clean" >/dev/null 2>&1
	assert_eq "$1" "$(tree_sum "$TMP/out")" "$(tree_sum "$TMP/clean")"
}
warned='content/briefings/wnb.md:5: warning: mentions '"'"'co-sleeping'"'"' 3 times'

build
assert_eq "first build" "$RC" "0"
assert_eq "first build: the taxonomy's hook runs on every document" "$(counts taxonomy)" "5 0"
assert_eq "first build: the glossary's hook runs on every document" "$(counts glossary)" "5 0"
assert_eq "first build: every site hook runs" "$(sites)" "no no no no no"

build
assert_eq "rebuild" "$RC" "0"
assert_eq "nothing changed: no document hook runs" "$(counts taxonomy) / $(counts glossary)" "0 5 / 0 5"
assert_contains "a kept hook's warning is given again" "$OUT" "$warned"
assert_eq "nothing changed: no site hook runs" "$(sites)" "yes yes yes yes yes"
same_as_clean "nothing changed: the output is a clean build's"

# One document changed: only its hooks run.
printf '\nThe GP wrote again.\n' >>"$R/content/plans/plan-b.md"
commit "$R" "one document" "2024-06-01T11:00:00Z"
build
assert_eq "one document changed: its hooks run, no other" "$(counts taxonomy) / $(counts glossary)" "1 4 / 1 4"
assert_contains "one document changed: the warning of another is still given" "$OUT" "$warned"
assert_eq "a sentence added: no site hook read what changed" "$(sites)" "yes yes yes yes yes"
same_as_clean "one document changed: the output is a clean build's"

# A link added: the backlinks plugin read every document's links, so it
# runs again; related and learning read none of them.
printf '\nSee also [the first plan](../plans/plan-a.md).\n' >>"$R/content/briefings/sleep.md"
commit "$R" "a link" "2024-06-01T12:00:00Z"
build
assert_eq "a link added: backlinks runs again" "$(site_kept backlinks) $(site_kept related)" "no yes"
assert_contains "a link added: the linked plan is referenced by the briefing" "$(cat "$TMP/out/documents/plans-plan-a.html")" "briefings-sleep.html"
same_as_clean "a link added: the output is a clean build's"

# The taxonomy plugin's options changed: it runs on every document again,
# the glossary's hook does not.
sed -i 's/^  - taxonomy$/  - name: taxonomy\n    options:\n      min_mentions: 2/' "$R/casebook.yml"
commit "$R" "taxonomy options" "2024-06-01T13:00:00Z"
build
assert_eq "new options: that plugin runs on every document" "$(counts taxonomy) / $(counts glossary)" "5 0 / 0 5"
same_as_clean "new options: the output is a clean build's"

# A repository plugin: its own source is part of the key, and a hook that
# asks casebook.query is never kept.
mkdir -p "$R/plugins"
cat >"$R/plugins/marker.lua" <<'LUA'
local p = {}
function p.document(doc)
  doc.marker = "v1 " .. doc.title
end
return p
LUA
printf '  - marker\n' >>"$R/casebook.yml"
commit "$R" "a plugin" "2024-06-04T10:00:00Z"
build
assert_eq "a new plugin runs on every document" "$(counts marker)" "5 0"
build
assert_eq "... and then on none" "$(counts marker)" "0 5"
sed -i 's/v1 /v2 /' "$R/plugins/marker.lua"
commit "$R" "the plugin changed" "2024-06-05T10:00:00Z"
build
assert_eq "a changed plugin runs on every document" "$(counts marker)" "5 0"
cat >"$R/plugins/marker.lua" <<'LUA'
local p = {}
function p.document(doc)
  local hits = casebook.query("sleep", 3) or {}
  doc.marker = #hits
end
return p
LUA
commit "$R" "the plugin queries" "2024-06-06T10:00:00Z"
build
build
assert_eq "a hook that asks casebook.query always runs" "$(counts marker)" "5 0"
same_as_clean "with a querying plugin: the output is a clean build's"


# A document hook may read casebook.audience and casebook.build_date: the
# audience is part of every key, so what an internal build's hook did is
# never replayed into a public build; the date is once the hook read it,
# so a new commit's date reaches the page.
cat >"$R/plugins/marker.lua" <<'LUA'
local p = {}
function p.document(doc)
  doc.html = doc.html .. "<p>MARK-" .. casebook.audience .. " ON-" .. casebook.build_date .. "</p>"
end
return p
LUA
commit "$R" "the plugin reads the audience and date" "2024-06-07T10:00:00Z"
build --audience internal
assert_eq "an internal build" "$RC" "0"
assert_contains "the internal build's hook saw its audience" "$(cat "$TMP/out/documents/plans-plan-a.html")" "MARK-internal"
build
assert_eq "a public build after an internal one" "$RC" "0"
assert_not_contains "no internal build's hook result in a public page" "$(cat "$TMP/out/documents/plans-plan-a.html")" "MARK-internal"
assert_contains "the public build's hook saw its audience" "$(cat "$TMP/out/documents/plans-plan-a.html")" "MARK-public ON-2024-06-07"
same_as_clean "after an internal build: the public output is a clean build's"
printf '\nA line.\n' >>"$R/content/plans/plan-b.md"
commit "$R" "a later day" "2024-06-09T10:00:00Z"
build
assert_contains "a new build date reaches an unchanged document's page" "$(cat "$TMP/out/documents/plans-plan-a.html")" "ON-2024-06-09"
same_as_clean "a later build date: the output is a clean build's"

# A document hook sees a linked document as a small table naming it (its
# path, slug, title and url): what it read of it is checked, so a new
# title for the linked document runs the hook of the document linking to
# it again, and of no other.
cat >"$R/plugins/marker.lua" <<'LUA'
local p = {}
function p.document(doc)
  local titles = {}
  for _, link in ipairs(doc.links) do titles[#titles + 1] = link.doc.title end
  doc.html = doc.html .. "<p>LINKS-TO " .. table.concat(titles, " | ") .. "</p>"
end
return p
LUA
commit "$R" "the plugin reads the titles of linked documents" "2024-06-09T11:00:00Z"
build
build
assert_eq "links read: nothing changed, nothing runs" "$(counts marker)" "0 5"
sed -i 's/^title: "Child A: appointments that were missed"/title: "Child A: appointments not kept"/' "$R/content/reviews/child-a.md"
commit "$R" "a linked document's title" "2024-06-09T12:00:00Z"
build
assert_eq "a linked document's new title: the hook of the document linking to it runs" "$(counts marker)" "1 4"
assert_contains "... and its page shows the new title" "$(cat "$TMP/out/documents/briefings-sleep.html")" "LINKS-TO Child A: appointments not kept"
same_as_clean "a linked document's new title: the output is a clean build's"

# The build date is in a record's key only once the plugin has read it
# (casebook.build_date, site.build_date): on a new day a hook that never
# reads it is replayed, one that does runs again, and so does every hook
# of a plugin that read it before (when its file was loaded, or on an
# earlier call: it may have kept it).
# (The build date is the newest commit's that changed what is built: a
# sentence in one document, which the hooks reading its text or HTML see.)
new_day() {
	printf '\nAnother quiet line.\n' >>"$R/content/plans/plan-b.md"
	commit "$R" "$1" "$2"
}
new_day "a new day" "2024-06-10T10:00:00Z"
build
assert_eq "a new day: hooks that never read the date are kept" "$(counts marker) / $(counts taxonomy) / $(counts glossary)" "1 4 / 1 4 / 1 4"
assert_eq "a new day: of the site hooks only actions', which reads site.build_date, runs" "$(sites)" "yes yes yes no yes"
same_as_clean "a new day: the output is a clean build's"
cat >"$R/plugins/marker.lua" <<'LUA'
local today = casebook.build_date
local p = {}
function p.document(doc)
  doc.html = doc.html .. "<p>LOADED-ON " .. today .. "</p>"
end
return p
LUA
commit "$R" "the plugin reads the date when loaded" "2024-06-10T11:00:00Z"
build
build
assert_eq "the date read when loaded: kept on the same day" "$(counts marker)" "0 5"
new_day "another day" "2024-06-11T10:00:00Z"
build
assert_eq "the date read when loaded: every document runs on a new day" "$(counts marker)" "5 0"
assert_contains "... and the page shows the new date" "$(cat "$TMP/out/documents/plans-plan-a.html")" "LOADED-ON 2024-06-11"
same_as_clean "the date read when loaded: the output is a clean build's"
cat >"$R/plugins/marker.lua" <<'LUA'
local today
local p = {}
function p.document(doc)
  today = today or casebook.build_date
  doc.html = doc.html .. "<p>KEPT-DATE " .. today .. "</p>"
end
return p
LUA
commit "$R" "the plugin keeps the date it read on its first call" "2024-06-11T11:00:00Z"
build
new_day "a third day" "2024-06-12T10:00:00Z"
build
assert_eq "the date kept from a first call: every document runs on a new day" "$(counts marker)" "5 0"
same_as_clean "the date kept from a first call: the output is a clean build's"

finish
