#!/usr/bin/env bash
# The personal-data check on what is published (pubcheck.h): each way of
# writing personal data that the Markdown source hides but the page shows
# is found, at its source line and column; file names; control characters
# are neither printed raw nor published; the false alarms stay away.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
git init -q "$R"
# Body text starts at line 7 of each document (lib.sh's doc).
doc "$R/content/bold.md" "Emphasis" "" 'NHS **943** 476 5919 was on the form.'
doc "$R/content/refs.md" "References" "" 'Number 943&#32;476&#32;5919 here.'
doc "$R/content/nbsp.md" "No-break spaces" "" 'Number 943&nbsp;476&nbsp;5919 here.'
doc "$R/content/at.md" "At sign" "" 'Write to jane.doe&#64;harrowdene.example.org today.'
doc "$R/content/html.md" "Inline HTML" "" 'Number 94347<span>6</span>5919 joined.'
doc "$R/content/zwsp.md" "Zero width" "" "Number 943$(printf '\u200b')476$(printf '\u200b')5919 hidden."
doc "$R/content/wide.md" "Full width" "" "Number $(printf '\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19') wide."
doc "$R/content/dots.md" "Separators" "" 'Numbers 943.476.5919 and 401/023/2137.'
doc "$R/content/link.md" "Attributes" "" '[the GP](tel:07700900123 "call 020 7946 0958") and ![Kayden Marsh at home](a.png).'
# The image exists and is a whole PNG (1x1): only its alt text is at issue.
python3 - "$R/content/a.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
open(sys.argv[1], "wb").write(png + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
PY
doc "$R/content/surname.md" "Surname first" "" 'Marsh, Kayden and K. Marsh and Marsh’s mother.'
doc "$R/content/child-9434765919.md" "File name"
printf 'Kayden Marsh\n' >"$R/content/pii-names.txt"
commit "$R" "evasions"

run "$CASEBOOK" check --repo "$R"
assert_eq "check fails" "$RC" "1"
findings=$(grep 'error:' <<<"$OUT" | sed -E "s/: error: [a-zA-Z -]*('[^']*').*\[([a-z-]*)\]$/ \1 \2/")
assert_eq "every evasion is found at its source position" "$findings" \
	"content/at.md:7:10 'jane.doe@harrowdene.example.org' pii-email
content/bold.md:7:7 '943 476 5919' pii-nhs-number
content/child-9434765919.md '9434765919' pii-nhs-number
content/dots.md:7:9 '943.476.5919' pii-nhs-number
content/dots.md:7:26 '401/023/2137' pii-nhs-number
content/html.md:7:8 '9434765919' pii-nhs-number
content/link.md:7:14 '07700900123' pii-phone
content/link.md:7:32 '020 7946 0958' pii-phone
content/link.md:7:54 'Kayden Marsh' pii-name
content/nbsp.md:7:8 '943 476 5919' pii-nhs-number
content/refs.md:7:8 '943 476 5919' pii-nhs-number
content/surname.md:7:1 'Marsh, Kayden' pii-name
content/surname.md:7:19 'K. Marsh' pii-name
content/wide.md:7:8 '9434765919' pii-nhs-number
content/zwsp.md:7:8 '9434765919' pii-nhs-number"
assert_contains "a finding the source hides says it is as the page shows it" "$OUT" \
	"content/bold.md:7:7: error: possible NHS number '943 476 5919' as the page shows it;"

run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "the build fails too" "$RC" "1"
assert_no_file "and writes nothing" "$TMP/site/index.html"

# Control characters from file names and front matter: an error, printed
# escaped, never raw; nothing is published.
C=$TMP/ctl
git init -q "$C"
doc "$C/content/bell$(printf '\a').md" "Bell"
doc "$C/content/esc.md" 'Title \e[2J cleared' "summary: \"ring \\a\""
doc "$C/content/body.md" "Body" "" "Body $(printf 'ring \a') and $(printf '\033')[2J."
commit "$C" "control characters"
run "$CASEBOOK" check --repo "$C"
assert_eq "control characters fail the check" "$RC" "1"
check "no ESC or BEL reaches the terminal" bash -c "! grep -q \$'[\a\033]' <<<\"\$1\"" _ "$OUT"
assert_contains "the file name is shown escaped" "$OUT" \
	'content/bell\x07.md: error: the file name holds a control character (BEL)'
assert_contains "a control character written as a YAML escape is refused" "$OUT" \
	"content/esc.md:2:8: error: this text contains a control character (such as an escape '\e' or bell '\a'), which would reach terminals and pages unseen; remove it [yaml]"
assert_contains "in every field" "$OUT" "content/esc.md:5:10: error: this text contains a control character"
assert_contains "each control character in the text is named at its position" "$OUT" \
	"content/body.md:7:11: error: control character U+0007 (BEL), which would reach terminals and pages unseen; remove it [control-character]"
assert_contains "ESC too" "$OUT" "content/body.md:7:17: error: control character U+001B (ESC)"
run "$CASEBOOK" build --repo "$C" --out "$TMP/ctl-site"
assert_eq "the build fails" "$RC" "1"
assert_no_file "and publishes nothing" "$TMP/ctl-site"

# The last scan: what a plugin writes into a page, a field or a page of
# its own is checked in the staged output, reported by output path.
P=$TMP/plug
git init -q "$P"
doc "$P/content/a.md" "A" "" "Plain text."
mkdir -p "$P/plugins"
cat >"$P/plugins/leak.lua" <<'LUA'
local p = {}
function p.document(doc)
  doc.html = doc.html .. "<p>Ref 943<b>476</b>&#8203;5919</p>"
end
return p
LUA
printf 'plugins:\n  - leak\n' >"$P/casebook.yml"
commit "$P" "a leaking plugin"
run "$CASEBOOK" build --repo "$P" --out "$TMP/plug-site"
assert_eq "personal data a plugin adds to a page fails the build" "$RC" "1"
assert_contains "it is reported by output path" "$OUT" \
	"$TMP/plug-site/documents/a.html: error: possible NHS number '9434765919' in the published file; remove it"
assert_no_file "nothing is written" "$TMP/plug-site/index.html"
cat >"$P/plugins/leak.lua" <<'LUA'
local p = {}
function p.site(site)
  casebook.add_page{path = "contacts.html", template = "contacts", title = "Contacts",
    data = {phone = "07700\u{A0}900123"}}
end
return p
LUA
mkdir -p "$P/themes/default/templates"
cat >"$P/themes/default/templates/contacts.mustache" <<'TPL'
{{<layout}}{{$content}}<p>Call {{page.data.phone}}</p>{{/content}}{{/layout}}
TPL
commit "$P" "a plugin page"
run "$CASEBOOK" build --repo "$P" --out "$TMP/plug-site"
assert_eq "a plugin's own page fails the build" "$RC" "1"
assert_contains "reported by its output path" "$OUT" "$TMP/plug-site/contacts.html: error: possible phone number '07700 900123' in the published file"
doc "$P/content/a.md" "A" "pii-allow: [07700 900123]" "Plain text."
commit "$P" "allowed"
run "$CASEBOOK" build --repo "$P" --out "$TMP/plug-site"
assert_eq "a value a published document allows passes the last scan" "$RC" "0"
# A rebuild's last scan reads only what changed, but only while the
# allowances are the same: withdrawn, the unchanged plugin page (linked
# from the previous output) is read again and fails.
doc "$P/content/a.md" "A" "" "Plain text, edited."
commit "$P" "allowance withdrawn"
run env CASEBOOK_TIMINGS=1 "$CASEBOOK" build --repo "$P" --out "$TMP/plug-site"
assert_eq "a withdrawn allowance fails the rebuild, though the page is unchanged" "$RC" "1"
assert_contains "the unchanged page is reported" "$OUT" "$TMP/plug-site/contacts.html: error: possible phone number '07700 900123' in the published file"

# No false alarms: dates, years, page numbers, service numbers, districts.
F=$TMP/fine
git init -q "$F"
doc "$F/content/fine.md" "Fine" "" 'On 03/08/2019 and 14.03.2024, in 2019/2020 (pages 112/113), call **0808** 800 5000
or 0300&nbsp;123&nbsp;4567; the **M1** district; version 1.2.3; [report](https://example.org/2019/03/08/report).'
commit "$F" "fine"
run "$CASEBOOK" build --repo "$F" --out "$TMP/fine-site"
assert_eq "dates, years, pages, service numbers and districts pass" "$RC" "0"
finish
