#!/usr/bin/env bash
# Plugins: each shipped plugin on a fixture library (tests/fixtures/plugins)
# against expected output; repository plugins adding to and overriding the
# shipped ones; and the sandbox: plugins that misbehave fail the build
# within seconds, naming the plugin and line, and nothing is written.
. "$(dirname "$0")/lib.sh"

FX=$ROOT/tests/fixtures/plugins
R=$TMP/library
cp -R "$FX/library" "$R"
git init -q "$R"
commit "$R" "the library" "2024-06-01T10:00:00Z"
extract() { python3 "$FX/extract.py" "$@"; }

run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
assert_eq "the fixture library builds" "$RC" "0"
P=$TMP/out

# taxonomy: suggests a theme whose synonym the text keeps using.
assert_contains "taxonomy suggests a theme from its synonyms" "$OUT" \
	"content/briefings/wnb.md:5: warning: mentions 'co-sleeping' 3 times but is not filed under 'safer-sleep'; add it to 'themes' if the document is about safer sleep [taxonomy]"
# ... and one a learning point is about, however few its words.
assert_contains "taxonomy suggests the theme of a learning point the document lacks" "$OUT" \
	"content/briefings/sleep.md:5: warning: mentions 'missed appointments' once and has a learning point on was not brought (line 12) but is not filed under 'was-not-brought'; add it to 'themes' if the document is about was not brought [taxonomy]"
assert_eq "taxonomy warns about nothing else" "$(grep -c '\[taxonomy\]' <<<"$OUT")" "2"

# related, backlinks and learning, document by document. The learning
# plugin counts a theme's own points: Child A's "Record every missed
# appointment" is about was-not-brought, not neglect, and no point of
# Sleeping safely names safer sleep.
assert_eq "related, referenced by and more learning" "$(extract cross "$P")" "$(cat "$FX/expected/cross.txt")"
assert_eq "the learning page" "$(extract learning "$P")" "$(cat "$FX/expected/learning.txt")"
assert_eq "the actions dashboard" "$(extract actions "$P")" "$(cat "$FX/expected/actions.txt")"

# glossary: <abbr> on the first use in text only: not in a link, in code or
# in a heading, and only once.
body=$(sed -n '/class="document-body"/,/<\/div>/p' "$P/documents/reviews-child-a.html")
assert_contains "glossary: first use in text gets <abbr>" "$body" \
	'<p>The <a href="https://example.org/gp">GP practice</a> and the <code>GP</code> field come first here. Then the <abbr title="General Practitioner">GP</abbr> wrote to the family; the GP called again. Child A was later taken to <abbr title="Accident and Emergency">A&amp;E</abbr>.</p>'
assert_contains "glossary: headings are left alone" "$body" '<h2 id="what-the-gp-knew">What the GP knew</h2>'
assert_eq "glossary: one <abbr> per term on a page" "$(grep -o '<abbr title="General Practitioner">' <<<"$body" | wc -l)" "1"
assert_contains "glossary: table cells too" "$(cat "$P/documents/plans-plan-b.html")" \
	'<td>Refer high-risk cases to <abbr title="Multi-Agency Risk Assessment Conference">MARAC</abbr></td>'
glossary=$(cat "$P/glossary.html")
assert_contains "glossary page lists each term" "$glossary" '<dt><abbr title="Multi-Agency Risk Assessment Conference">MARAC</abbr></dt>'
assert_contains "glossary page has descriptions" "$glossary" "Agencies meet to plan for the safety of people at high risk of domestic abuse."
assert_eq "glossary page terms" "$(grep -c '<div class="summary-list__row" id="term-' <<<"$glossary")" "3"
nav=$(grep -A8 'class="site-nav__list"' "$P/documents/briefings-sleep.html")
assert_contains "navigation links the glossary" "$nav" '<li><a href="../glossary.html">Glossary</a></li>'
assert_contains "navigation links learning by theme" "$nav" '<li><a href="../learning/index.html">Learning</a></li>'
assert_contains "navigation links the actions" "$nav" '<li><a href="../actions.html">Actions</a></li>'
out=$(broken_links "$P")
assert_eq "every link in the plugins' pages resolves" "$out" ""

# Privacy: the internal document leaves no trace in a public build, and is
# cross-referenced in an internal one.
assert_eq "no trace of the internal document" "$(grep -rl ZQX "$P" || true)" ""
run "$CASEBOOK" build --repo "$R" --out "$TMP/internal" --audience internal
assert_eq "internal build" "$RC" "0"
assert_contains "internal: its action on the dashboard" "$(cat "$TMP/internal/actions.html")" "Secret action ZQX"
assert_contains "internal: it refers to Child A" "$(extract cross "$TMP/internal")" \
	"referenced by: Secret internal review ZQX under ../documents/internal-secret.html#key-learning | Sleeping safely"

# Two builds of one commit are identical, plugins and all.
"$CASEBOOK" build -q --repo "$R" --out "$TMP/again" 2>/dev/null
assert_eq "plugin output is reproducible" "$(cd "$TMP/again" && tree_sum .)" "$(cd "$P" && tree_sum .)"

# taxonomy in "add" mode files the document under the suggested theme.
cat >"$R/casebook.yml" <<'EOF'
plugins:
  - name: taxonomy
    options: {synonyms: add}
EOF
commit "$R" "add themes from synonyms" "2024-06-02T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/add"
assert_eq "taxonomy add mode builds" "$RC" "0"
assert_not_contains "add mode warns about nothing" "$OUT" "[taxonomy]"
assert_contains "add mode: the theme page lists the document" "$(cat "$TMP/add/themes/safer-sleep.html")" "briefings-wnb.html"
# The search index starts beside the plugins from the themes as loaded, and
# starts again when a plugin changes them: it must have the added theme.
in_theme() { python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print("\n".join(r[0] for r in c.execute("SELECT d.path FROM doc_themes t JOIN docs d ON d.id = t.doc WHERE t.theme = ? ORDER BY 1", (sys.argv[2],))))' "$1" "$2"; }
assert_contains "add mode: the search index files it under the theme too" "$(in_theme "$R/.casebook/search-public.db" safer-sleep)" "content/briefings/wnb.md"
"$CASEBOOK" build -q --jobs 1 --no-cache --repo "$R" --out "$TMP/add-again"
assert_eq "add mode: the same bytes again" "$(cd "$TMP/add-again" && tree_sum .)" "$(cd "$TMP/add" && tree_sum .)"
assert_no_file "only the configured plugins ran" "$TMP/add/glossary.html"

# related with its defaults: the full-text search finds what shares words.
doc "$R/content/briefings/hammock.md" "Hammock safety at home" "themes: [domestic-abuse]" "A hammock is not a safe place for a baby."
doc "$R/content/reviews/hammock-review.md" "Review: the hammock incident" "themes: [neglect]" "The baby slept in a hammock."
printf 'plugins: [related]\n' >"$R/casebook.yml"
commit "$R" "hammocks" "2024-06-03T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/text"
assert_eq "related with text similarity builds" "$RC" "0"
assert_contains "related: found by the words of the title" "$(extract cross "$TMP/text")" "briefings-hammock.html
  related: Review: the hammock incident"

# A repository's own plugins: one added, one overriding a shipped plugin.
mkdir -p "$R/plugins"
cat >"$R/plugins/glossary.lua" <<'EOF'
-- Our own glossary page replaces the shipped one.
local p = {}
function p.site(site)
  casebook.add_page{path = "glossary.html", template = "glossary", title = "Our own terms",
    data = {terms = {{term = "WNB", expansion = "Was not brought", id = "term-wnb"}}}}
end
return p
EOF
cat >"$R/plugins/count-words.lua" <<'EOF'
local p = {}
function p.document(doc)
  if doc.path == "content/briefings/sleep.md" then
    casebook.log("counted " .. select(2, doc.text:gsub("%S+", "")) .. " words", doc)
  end
end
return p
EOF
rm "$R/casebook.yml"
commit "$R" "our own plugins" "2024-06-04T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/own"
assert_eq "repository plugins build" "$RC" "0"
assert_contains "a repository plugin overrides a shipped one" "$(cat "$TMP/own/glossary.html")" "<h1>Our own terms</h1>"
assert_contains "a repository plugin is added to the defaults" "$OUT" "content/briefings/sleep.md: note: counted 32 words [count-words]"
assert_file "the other defaults still run" "$TMP/own/actions.html"

# A plugin casebook.yml names but nobody has.
printf 'plugins:\n  - relatd\n' >"$R/casebook.yml"
commit "$R" "typo" "2024-06-05T10:00:00Z"
run "$CASEBOOK" check --repo "$R"
assert_eq "an unknown plugin is an error" "$RC" "1"
assert_contains "it says what is on offer" "$OUT" \
	"casebook.yml:2:5: error: there is no plugin 'relatd' (did you mean 'related'?); the plugins on offer are actions, backlinks, count-words, glossary, learning, related, taxonomy, and a plugin of your own goes in plugins/relatd.lua [unknown-plugin]"

# Declared options: a misspelt one (a shipped plugin's, and one of a
# repository plugin) is a warning with "did you mean" at its place in
# casebook.yml; a mistyped one keeps its default; the rest take their
# defaults. A plugin that declares none is not checked.
cat >"$R/plugins/count-words.lua" <<'EOF'
local p = {}
p.options = {
  min_words = { type = "integer", default = 10, doc = "words a document should have at least" },
  label = { type = "string", default = "words" },
}
function p.site(site)
  local o = casebook.options
  casebook.log("min_words=" .. tostring(o.min_words) .. " label=" .. tostring(o.label))
end
return p
EOF
cat >"$R/plugins/undeclared.lua" <<'EOF'
local p = {}
function p.site(site) casebook.log("anything=" .. tostring(casebook.options.anything)) end
return p
EOF
cat >"$R/casebook.yml" <<'EOF'
plugins:
  - name: related
    options:
      maks: 3
  - name: count-words
    options:
      min_wrods: 50
      label: 7
  - name: undeclared
    options:
      anything: 1
EOF
commit "$R" "options" "2024-06-05T11:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/options"
assert_eq "misspelt options are warnings, not errors" "$RC" "0"
assert_contains "a shipped plugin's misspelt option: did you mean" "$OUT" \
	"casebook.yml:4:7: warning: plugin 'related' has no option 'maks', so it is ignored; did you mean 'max'? [unknown-option]"
assert_contains "a repository plugin's misspelt option: did you mean" "$OUT" \
	"casebook.yml:7:7: warning: plugin 'count-words' has no option 'min_wrods', so it is ignored; did you mean 'min_words'? [unknown-option]"
assert_contains "a mistyped option keeps its default" "$OUT" \
	"casebook.yml:8:7: warning: option 'label' of plugin 'count-words' should be text, not '7'; it is left at its default (words) [option-type]"
assert_contains "declared defaults fill in" "$OUT" "note: min_words=10 label=words [count-words]"
assert_contains "a plugin that declares none gets its options unchecked" "$OUT" "note: anything=1 [undeclared]"
assert_eq "no other option warnings" "$(grep -c '\[unknown-option\]\|\[option-type\]' <<<"$OUT")" "3"
rm -f "$R/plugins/undeclared.lua"

# The sandbox. Each plugin below must fail the build within seconds with
# its file and line, and leave the previous output as it was.
rm -f "$R/plugins/"*.lua
# (A generous clock, so that the instruction budget is what stops the loop
# below even on a busy machine; the clock has its own cases further down.)
printf 'plugins: [bad]\nplugin-limits: {seconds: 120}\n' >"$R/casebook.yml"
before=$(cd "$P" && tree_sum .)
sandbox() {
	local what=$1 want=$2 src=$3
	printf '%s\n' "$src" >"$R/plugins/bad.lua"
	commit "$R" "$what" "2024-06-06T10:00:00Z"
	local t0=$SECONDS
	run "$CASEBOOK" build --repo "$R" --out "$P"
	local took=$((SECONDS - t0))
	assert_eq "$what: the build fails" "$RC" "1"
	assert_contains "$what: the message names the plugin and line" "$OUT" "$want"
	check "$what: stopped within seconds ($took s)" test "$took" -le 20
	assert_eq "$what: nothing was written" "$(cd "$P" && tree_sum .)" "$before"
}
sandbox "a loop that never ends" "plugins/bad.lua:3: error: stopped after 1000000000 instructions in one call" \
	'local p = {}
function p.site(site)
  while true do end
end
return p'
sandbox "allocating without end" "plugins/bad.lua:4: error: ran out of memory: a plugin may use at most 256 MB" \
	'local p = {}
function p.document(doc)
  local t = {}
  while true do t[#t + 1] = {doc.title} end
end
return p'
sandbox "a gigantic string" "plugins/bad.lua:2: error: ran out of memory: a plugin may use at most 256 MB" \
	'local s = "x"
for i = 1, 40 do s = s .. s end
return {}'
sandbox "io.open" "plugins/bad.lua:3: error: attempt to index a nil value (global 'io') (in the document hook, for" \
	'local p = {}
function p.document(doc)
  local f = io.open("/etc/passwd")
end
return p'
sandbox "os.execute" "plugins/bad.lua:1: error: attempt to call a nil value (field 'execute')" \
	'os.execute("touch /tmp/casebook-sandbox-escape")
return {}'
check "os.execute ran nothing" test ! -e /tmp/casebook-sandbox-escape
sandbox "require" "plugins/bad.lua:1: error: attempt to call a nil value (global 'require')" \
	'local lfs = require("lfs")
return {}'
sandbox "load with bytecode" "plugins/bad.lua:2: error: attempt to load a binary chunk (mode is 't')" \
	'local chunk = "\27Lua\84\0\25\147\13\10\26\10"
local f = assert(load(chunk, "x", "b"))
return {}'
sandbox "debug" "plugins/bad.lua:1: error: attempt to index a nil value (global 'debug')" \
	'debug.sethook()
return {}'
sandbox "a plugin error()" "plugins/bad.lua:3: error: content/briefings/hammock.md looks wrong" \
	'local p = {}
function p.document(doc)
  if doc.path:find("hammock") then error(doc.path .. " looks wrong") end
end
return p'
sandbox "an error through nested coroutines: one position, not one per level" \
	"plugins/bad.lua:3: error: deep failure (in the site hook) [plugin]" \
	'local function nest(n)
  if n == 0 then error("deep failure") end
  return coroutine.wrap(function() return nest(n - 1) end)()
end
return {site = function() nest(150) end}'
assert_eq "nested coroutines: the message stays one short line" "$(grep -c 'bad.lua:[0-9]*: plugins' <<<"$OUT")" "0"
sandbox "a very long message is cut short" "(message cut short)" \
	'return {site = function() error(string.rep("x", 100000)) end}'
check "a very long message: under 1,000 bytes" test "$(grep 'bad.lua' <<<"$OUT" | wc -c)" -lt 1000

# Limits from casebook.yml.
printf 'plugins: [bad]\nplugin-limits: {instructions: 100000, memory-mb: 16}\n' >"$R/casebook.yml"
sandbox "a lower instruction limit" "plugins/bad.lua:2: error: stopped after 100000 instructions in one call" \
	'local n = 0
for i = 1, 1000000 do n = n + i end
return {}'
sandbox "a lower memory limit" "plugins/bad.lua:2: error: ran out of memory: a plugin may use at most 16 MB" \
	'local s = "x"
for i = 1, 30 do s = s .. s end
return {}'

# The clock (plugin-limits: seconds): what no count hook can stop — a
# finalizer, a message handler, a pattern in liblua's C code, a query in
# SQLite — is stopped, named, and nothing is written. One second here, so
# the suite does not wait the default ten for each.
printf 'plugins: [bad]\nplugin-limits: {seconds: 1}\n' >"$R/casebook.yml"
STOP="plugins/bad.lua: error: stopped after 1 s (plugin-limits.seconds)"
sandbox "a loop in a __gc finalizer" "$STOP" \
	'local p = {}
function p.document(doc) end
setmetatable({}, {__gc = function() while true do end end})
return p'
sandbox "a loop in an xpcall message handler" "$STOP" \
	'local p = {}
function p.site(site) xpcall(error, function() while true do end end) end
return p'
sandbox "a pattern that backtracks" "$STOP" \
	'local s = ("a"):rep(30000):find(".-.-.-.-.-b")
return {}'
sandbox "casebook.query with 100,000 words" "$STOP" \
	'local p = {}
function p.site(site) casebook.query(("appointment "):rep(100000)) end
return p'
mkdir "$TMP/qtmp"
OUT=$(TMPDIR=$TMP/qtmp "$CASEBOOK" build --repo "$R" --out "$P" 2>&1)
assert_contains "the query stopped again" "$OUT" "$STOP"
assert_eq "the stopped query's temporary index is removed" "$(ls -A "$TMP/qtmp")" ""
run "$CASEBOOK" check --repo "$R"
assert_eq "check stops it too" "$RC" "1"
assert_contains "check names it" "$OUT" "$STOP"

# Out of memory inside pcall ends the call at once (the memory message,
# not the clock's, with a clock of 20 s).
printf 'plugins: [bad]\nplugin-limits: {seconds: 20, memory-mb: 16}\n' >"$R/casebook.yml"
sandbox "out of memory in pcall, again and again" "plugins/bad.lua:1: error: ran out of memory: a plugin may use at most 16 MB" \
	'while true do pcall(function() local t = {} while true do t[#t + 1] = ("x"):rep(100) end end) end'
sandbox "string.rep beyond the memory, in pcall" "plugins/bad.lua:1: error: ran out of memory: a plugin may use at most 16 MB" \
	'while true do pcall(string.rep, "x", 1 << 30) end'

# 2,000,000 messages: the first 1,000, then a notice; the build goes on.
# (A minute's clock: on a busy machine two million calls can take ten.)
printf 'plugins: [bad]\nplugin-limits: {seconds: 60}\n' >"$R/casebook.yml"
printf '%s\n' 'for i = 1, 2000000 do casebook.warn("w" .. i) end
return {}' >"$R/plugins/bad.lua"
commit "$R" "flood" "2024-06-07T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/flood"
assert_eq "a message flood: the build succeeds" "$RC" "0"
assert_eq "a message flood: 1,000 messages" "$(grep -c 'warning: w[0-9]* \[bad\]' <<<"$OUT")" "1000"
assert_contains "a message flood: the rest suppressed" "$OUT" \
	"plugins/bad.lua: note: more than 1000 messages from this plugin: further messages suppressed [plugin-limit]"

# check runs the plugins too.
printf 'plugins: [bad]\nplugin-limits: {instructions: 100000}\n' >"$R/casebook.yml"
printf '%s\n' 'while true do end' >"$R/plugins/bad.lua"
commit "$R" "loop" "2024-06-08T10:00:00Z"
run "$CASEBOOK" check --repo "$R"
assert_eq "check reports plugin failures" "$RC" "1"
finish
