#!/usr/bin/env bash
# Hostile input: markup in every field of the front matter, the taxonomy,
# the glossary and casebook.yml is escaped in every output (HTML text and
# attributes, the search shards, the database, JSON, XML); dangerous link
# targets are neutralised; raw HTML is dropped; odd file names cannot make
# paths outside the output; symlinks and submodules are not followed;
# oversize, binary and invalid UTF-8 files are rejected with positions.
# (The same site is opened in a browser by tests/browser/hostile.test.js.)
. "$(dirname "$0")/lib.sh"

# html_problems DIR: every way a page could run or load something it should
# not — an inline event handler, a new element of a dangerous kind, an
# inline script mentioning the payload, a javascript:/vbscript:/data:
# address, a <meta> refresh, a <base>.
html_problems() {
	python3 - "$1" <<'PY'
import html.parser, os, re, sys
root = sys.argv[1]
bad = []
class P(html.parser.HTMLParser):
    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path, self.stack = path, []
    def handle_starttag(self, tag, attrs):
        where = f"{os.path.relpath(self.path, root)}:{self.getpos()[0]}"
        # The theme's own drawings (the chart on theme pages, the heatmaps of
        # the analysis pages) are the only inline SVG allowed.
        theme_chart = tag == "svg" and (("class", "chart__svg") in attrs or ("class", "heatmap__svg") in attrs)
        if tag in ("iframe", "frame", "object", "embed", "svg", "math", "base", "style", "textarea") and not theme_chart:
            bad.append(f"{where}: <{tag}> element")
        if tag == "meta" and any(k == "http-equiv" and (v or "").lower() == "refresh" for k, v in attrs):
            bad.append(f"{where}: meta refresh")
        for k, v in attrs:
            if k.startswith("on"):
                bad.append(f"{where}: event handler {k}= on <{tag}>")
            if k in ("href", "src", "action", "formaction", "poster", "srcset", "xlink:href", "background"):
                u = re.sub(r"[\x00-\x20]", "", v or "").lower()
                if u.startswith(("javascript:", "vbscript:", "data:", "file:")):
                    bad.append(f"{where}: {k}={v!r} on <{tag}>")
        if tag == "script":
            self.stack.append("script")
    def handle_endtag(self, tag):
        if tag == "script" and self.stack:
            self.stack.pop()
    def handle_data(self, data):
        if self.stack and "__pwned" in data:
            bad.append(f"{os.path.relpath(self.path, root)}:{self.getpos()[0]}: the payload runs as a script")
n = 0
for dp, _, fs in os.walk(root):
    for f in fs:
        if f.endswith(".html"):
            p = os.path.join(dp, f)
            P(p).feed(open(p, encoding="utf-8").read())
            n += 1
for b in bad:
    print(b)
if n == 0:
    print("no HTML pages")
PY
}

# html_text FILE: the page's text as a reader sees it (outside scripts).
html_text() {
	python3 - "$1" <<'PY'
import html.parser, sys
out, skip = [], [0]
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            skip[0] += 1
    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            skip[0] -= 1
    def handle_data(self, data):
        if not skip[0]:
            out.append(data)
P(convert_charrefs=True).feed(open(sys.argv[1], encoding="utf-8").read())
print("".join(out))
PY
}

# The hostile strings as written in tests/fixtures/hostile (YAML decoded).
TITLE="Hostile <script>window.__pwned=1</script> title \"quoted\" & 'single' </title> zqxtitle"
SUMMARY="Summary \"><img src=x onerror=\"window.__pwned=1\"> & </script> zqxsumm"
AREA='Area <svg onload="window.__pwned=1"> zqxarea'
QUESTION='Question </textarea><script>window.__pwned=1</script> zqxquestion?'
ACTION='Action <script>window.__pwned=1</script> zqxaction'
OWNER='Owner <img src=x onerror=window.__pwned=1>'
EVIDENCE='Evidence ]]></script><!-- <script>window.__pwned=1</script>'
REVIEW='<iframe src="javascript:window.__pwned=1"></iframe>'
AGENCY='<b onmouseover="window.__pwned=1">agency</b>'
THEME='Theme <script>window.__pwned=1</script> label'
SITE='Site <script>window.__pwned=1</script> title'

R=$TMP/repo
cp -R "$ROOT/tests/fixtures/hostile" "$R"
git init -q "$R"
commit "$R" "hostile content"
run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "the hostile site builds" "$RC" "0"
S=$TMP/site

assert_eq "no page runs, loads or links anything dangerous" "$(html_problems "$S")" ""
page=$(html_text "$S/documents/hostile.html")
for v in "$TITLE" "$SUMMARY" "$AREA" "$QUESTION" "$ACTION" "$OWNER" "$EVIDENCE" "$REVIEW" "$AGENCY" "$THEME" "$SITE"; do
	assert_contains "the document page shows as text: ${v:0:40}" "$page" "$v"
done
raw=$(cat "$S/documents/hostile.html")
assert_contains "the title is escaped in the page source" "$raw" \
	"Hostile &lt;script&gt;window.__pwned=1&lt;/script&gt; title &quot;quoted&quot; &amp; &#39;single&#39; &lt;/title&gt; zqxtitle"
assert_contains "raw HTML in Markdown is dropped" "$raw" "Raw HTML inline: <!-- raw HTML omitted -->"
assert_not_contains "block HTML is dropped" "$raw" "onclick"
assert_contains "the markdown heading keeps its words" "$(html_text "$S/documents/hostile.html")" "Heading window.__pwned=1 zqxheading"
assert_contains "a link title cannot break out of its attribute" "$raw" \
	'title="a&quot; onmouseover=&quot;window.__pwned=1"'
links=$(grep -o '<a href="[^"]*">[^<]*</a>' "$S/documents/hostile.html" | grep -E '>(plain|mixed case|entity|data|data svg|data png|vbscript|file|reference|second reference|link)<' | sort -u)
assert_eq "every dangerous link target is emptied" "$links" '<a href="">data png</a>
<a href="">data svg</a>
<a href="">data</a>
<a href="">entity</a>
<a href="">file</a>
<a href="">link</a>
<a href="">mixed case</a>
<a href="">plain</a>
<a href="">reference</a>
<a href="">second reference</a>
<a href="">vbscript</a>'
assert_contains "autolinks with a javascript: target are emptied" "$raw" '<a href="">javascript:window.__pwned=1</a>'
assert_contains "vbscript: autolinks too" "$raw" '<a href="">vbscript:msgbox</a>'
assert_contains "images with javascript: or data: sources are emptied" "$raw" '<img src="" alt="img" /> <img src="" alt="img2" />'
assert_contains "a spaced-out scheme stays a harmless relative address" "$raw" 'href="java%20script:window.__pwned=1"'
for f in index.html themes/xss-theme.html glossary.html; do
	[ -f "$S/$f" ] || continue
	t=$(html_text "$S/$f")
	assert_contains "$f shows the site title as text" "$t" "$SITE"
done
assert_contains "the theme page shows the hostile label as text" "$(html_text "$S/themes/xss-theme.html")" "$THEME"
assert_contains "the home page lists the hostile title as text" "$(html_text "$S/index.html")" "$TITLE"
if [ -f "$S/glossary.html" ]; then
	assert_contains "the glossary shows its hostile expansion as text" "$(html_text "$S/glossary.html")" \
		"Cross <script>window.__pwned=1</script> scripting"
fi

# Search shards are scripts: each must run, set nothing, and hand over the
# hostile strings exactly. Every data file is run with a recording CBS.
if ls "$S"/search/*.js >/dev/null 2>&1; then
	shards=$(node - "$S/search" <<'JS'
const fs = require('fs'), path = require('path'), vm = require('vm');
const dir = process.argv[2];
const calls = [];
const sandbox = { CBS: new Proxy({}, { get: (_, name) => (...args) => calls.push([String(name), args]) }) };
vm.createContext(sandbox);
let files = 0;
for (const f of fs.readdirSync(dir).sort()) {
	const src = fs.readFileSync(path.join(dir, f), 'utf8');
	if (!f.endsWith('.js') || !src.startsWith('CBS.'))
		continue;
	if (/<\/?script|<!--/i.test(src))
		console.log('raw markup in ' + f);
	try { vm.runInContext(src, sandbox, { filename: f }); } catch (e) { console.log(f + ': ' + e.message); }
	files++;
}
if (sandbox.__pwned !== undefined || sandbox.window !== undefined)
	console.log('a shard ran the payload');
console.log('files ' + files);
console.log(JSON.stringify(calls));
JS
)
	assert_eq "the shards run cleanly and hold no raw markup" "$(grep -v '^\[' <<<"$shards" | grep -v '^files ')" ""
	check "there are search data files" grep -q '^files [1-9]' <<<"$shards"
	data=$(grep '^\[' <<<"$shards")
	for v in "$TITLE" "$SUMMARY" "$THEME"; do
		json=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1])[1:-1])' "$v")
		assert_contains "the search data decodes to the exact text: ${v:0:30}" "$data" "$json"
	done
fi

# The database stores the text as written, and the command line's JSON
# is valid and exact.
run "$CASEBOOK" search --repo "$R" --json zqxtitle
assert_eq "casebook search --json finds the hostile document" "$RC" "0"
got=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["results"][0]["title"])' <<<"$OUT" 2>&1)
assert_eq "its JSON is valid and the title exact" "$got" "$TITLE"
for f in $(find "$S" -name '*.json'); do
	check "valid JSON: ${f#$S/}" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$f"
done
for f in $(find "$S" -name '*.xml' -o -name '*.atom'); do
	check "well-formed XML: ${f#$S/}" python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$f"
	assert_not_contains "no raw markup in ${f#$S/}" "$(cat "$f")" "<script"
done

# Odd file names: every page stays inside documents/, named by a slug.
O=$TMP/odd
git init -q "$O"
doc "$O/content/ok.md" "Fine"
doc "$O/content/..hidden.md" "Dots"
doc "$O/content/%2e%2e%2fescape.md" "Encoded dots"
doc "$O/content/$(printf '\u202eevil\u202c').md" "Right-to-left override"
doc "$O/content/子供.md" "Only CJK"
doc "$O/content/-.md" "Only a dash"
doc "$O/content/a b/c?d#e&f'g\".md" "Shell and URL characters"
doc "$O/content/CON.md" "A reserved Windows name"
long=$(printf 'a%.0s' $(seq 1 200))
doc "$O/content/$long/$long.md" "A very long path"
commit "$O" "odd names"
run "$CASEBOOK" build --repo "$O" --out "$TMP/odd-site"
assert_eq "odd file names build" "$RC" "0"
names=$(cd "$TMP/odd-site/documents" && ls | sed -E 's/^a{120}\.html$/a*120.html/' | LC_ALL=C sort)
assert_eq "each becomes a plain slug inside documents/" "$names" "2e-2e-2fescape.html
a*120.html
a-b-c-d-e-f-g.html
con.html
document-2ff4a4f9.html
document-443c80a7.html
evil.html
hidden.html
ok.html"
outside=$(find "$TMP" -mindepth 1 -maxdepth 1 -newer "$O/content/ok.md" ! -name odd-site ! -name odd ! -name site ! -name repo -print)
assert_eq "nothing was written beside the output folder" "$outside" ""
check "the build cache is in the repository's own .casebook/" test -s "$O/.casebook/cache.db"
check "no symlinks in the output" test -z "$(find "$TMP/odd-site" -type l)"
assert_eq "no broken links in the output" "$(broken_links "$TMP/odd-site")" ""

# Paths that would leave the repository or the output are refused.
B=$TMP/bad
git init -q "$B"
doc "$B/content/a.md" "Links out" "" "See [passwd](../../../../../etc/passwd.md) and [abs](/../../etc/x.md)."
doc "$B/content/b.md" "Theme escape" "themes: [\"../../etc/x\", \"$(printf 'b%.0s' $(seq 1 101))\"]"
printf 'content: ../outside\ntaxonomy: /etc/passwd\n' >"$B/casebook.yml"
commit "$B" "escapes"
run "$CASEBOOK" check --repo "$B"
assert_eq "escaping paths are errors" "$RC" "1"
assert_contains "content folder outside the repository" "$OUT" "casebook.yml:1:10: error: '../outside' must be a folder or file inside the repository"
assert_contains "an absolute taxonomy path" "$OUT" "casebook.yml:2:11: error: '/etc/passwd' must be a folder or file inside the repository"
printf 'title: Bad links\n' >"$B/casebook.yml"
commit "$B" "content back"
run "$CASEBOOK" check --repo "$B"
assert_contains "a link climbing out of the repository is a broken link" "$OUT" \
	"content/a.md:7:5: error: link to '../../../../../etc/passwd.md' does not match any document"
assert_contains "a theme id with a path in it is refused" "$OUT" "content/b.md:5:10: error: '../../etc/x' is not a theme id"
assert_contains "a theme id too long for a file name is refused" "$OUT" \
	"content/b.md:5:25: error: this theme id is 101 characters long; theme ids become file names, so keep them to 100 characters or fewer [invalid-theme-id]"

# Symlinks and submodules in the tree are not followed, committed or not.
L=$TMP/links
git init -q "$L"
mkdir -p "$L/secret"
doc "$L/secret/s.md" "Secret zqsecrettitle" "" "zqsecretbody"
doc "$L/content/ok.md" "Fine"
ln -s /etc/passwd "$L/content/passwd.md"
ln -s ../secret "$L/content/linkdir"
ln -s ../secret/s.md "$L/content/link.md"
SUB=$TMP/subrepo
git init -q "$SUB"
doc "$SUB/content/inside.md" "Submodule zqsubtitle"
commit "$SUB" "sub"
git -C "$L" -c protocol.file.allow=always submodule add -q "$SUB" content/sub 2>/dev/null
commit "$L" "links"
check "the submodule is a gitlink in the tree" bash -c "git -C '$L' ls-tree HEAD content/ | grep -q '^160000 commit'"
for mode in "" "--worktree"; do
	run "$CASEBOOK" build --repo "$L" $mode --out "$TMP/links-site"
	assert_eq "build ${mode:-(committed)} with links succeeds" "$RC" "0"
	assert_eq "warnings ${mode:-(committed)}" "$(grep 'warning' <<<"$OUT" | grep -v '\[no-learning\]' | sort)" "content/link.md: warning: symbolic link not followed [symlink]
content/linkdir: warning: symbolic link not followed [symlink]
content/passwd.md: warning: symbolic link not followed [symlink]
content/sub: warning: submodule not followed [submodule]"
	check "nothing behind a link or in the submodule is published ${mode}" \
		bash -c "! grep -rqaE 'zqsecret|zqsub|root:x:0' '$TMP/links-site'"
	assert_eq "only the real document has a page ${mode}" "$(ls "$TMP/links-site/documents")" "ok.html"
done

# A configuration file that is a symlink stops the build rather than being
# skipped, so a taxonomy or deny-list is never silently lost.
for f in content/taxonomy.yml content/pii-names.txt casebook.yml; do
	ln -s /etc/passwd "$L/$f"
	commit "$L" "link $f"
	run "$CASEBOOK" build --repo "$L" --out "$TMP/links-site2"
	assert_eq "a symlinked $f stops the build" "$RC" "2"
	assert_contains "and says why" "$OUT" "casebook: $f: symbolic link not followed"
	git -C "$L" rm -q "$f"
	commit "$L" "unlink $f"
done
assert_no_file "nothing was written" "$TMP/links-site2"

# Oversize, binary and invalid UTF-8 documents are rejected with positions.
X=$TMP/bytes
git init -q "$X"
doc "$X/content/ok.md" "Fine"
{ printf -- '---\ntitle: Big\ntype: briefing\ndate: 2024-01-10\n---\n'; head -c 1100000 /dev/zero | tr '\0' 'a'; } >"$X/content/big.md"
printf -- '---\ntitle: Binary\ntype: briefing\ndate: 2024-01-10\n---\n\nab\0cd\n' >"$X/content/binary.md"
printf -- '---\ntitle: Latin-1\ntype: briefing\ndate: 2024-01-10\n---\n\nCaf\xe9 au lait\n' >"$X/content/latin1.md"
printf -- '---\ntitle: "Over\xc0\xaflong"\ntype: briefing\ndate: 2024-01-10\n---\n' >"$X/content/overlong.md"
cp "$ROOT/tests/fixtures/hostile/content/hostile.md" "$ROOT/tests/fixtures/hostile/content/agencies.yml" "$X/content/"
printf 'agencies: content/agencies.yml\n' >"$X/casebook.yml"
printf '\x89PNG\r\n\x1a\n\0\0\0' >"$X/content/image.md"
commit "$X" "bytes"
run "$CASEBOOK" build --repo "$X" --out "$TMP/bytes-site"
assert_eq "bad bytes fail the build" "$RC" "1"
assert_eq "each bad file is named with its position" "$(grep 'error' <<<"$OUT" | grep -v '^casebook:' | sed -E 's/(error: .{30}).*(\[[a-z0-9-]+\])$/\1 … \2/')" \
	"content/big.md:1:1: error: the file is 1100051 bytes; doc … [too-large]
content/binary.md:7:3: error: the file contains a NUL byte h … [binary]
content/image.md:3:1: error: the file contains a NUL byte h … [binary]
content/latin1.md:7:4: error: the file is not valid UTF-8 he … [utf8]
content/overlong.md:2:13: error: the file is not valid UTF-8 he … [utf8]"
assert_no_file "nothing was written" "$TMP/bytes-site"
finish
