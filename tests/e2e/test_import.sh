#!/usr/bin/env bash
# casebook import: one fictional briefing made into Word and OpenDocument
# (pandoc), HTML (pandoc), PDF (Chromium's print to PDF, with and without
# its running headers and page numbers) and plain text, each imported into
# a fresh repository, then checked and built: the title, date, headings,
# list items and learning points must come through. Then what is refused:
# a password-protected PDF (qpdf), a PDF with no text layer, damaged,
# oversized and unknown files, a zip bomb, XML with entities, a URL.
. "$(dirname "$0")/lib.sh"

F=$TMP/fixtures
mkdir -p "$F"
# The briefing, fictional. 5 sections, 6 list items, of which the 5 under
# "Key learning" and "What to do" are learning points.
cat >"$F/brief.md" <<'EOF'
---
title: Learning from Baby K, bruising in a baby who was not yet mobile
author: Fiona Fictional
---

Published: March 2023

# Background

Baby K was five months old when a health visitor saw a small bruise on the baby's ear during a routine contact at home. The family had recently moved into the area and their records had not yet arrived from the previous GP practice.

# Why it matters

Bruising in babies who are not independently mobile is rare and must always be taken seriously, because those who don't cruise rarely bruise.

# Key learning

- Any bruise on a baby who is not yet mobile needs a referral to children's social care the same day.
- Ask how the bruise happened, and record the explanation in the carer's own words.
- Share what you saw with the GP and the health visitor, even when another agency has made the referral.

# What to do

1. Follow the partnership's bruising protocol for every baby under six months.
2. Seek advice from the named nurse for safeguarding whenever you are unsure.

# Questions

- How would you raise a concern about a bruise with a parent who is already anxious?

More is on [the partnership website](https://example.org/bruising).
EOF
HEADINGS="Background|Why it matters|Key learning|What to do|Questions"
ITEMS="Any bruise on a baby who is not yet mobile needs a referral to children's social care the same day.
Ask how the bruise happened, and record the explanation in the carer's own words.
Share what you saw with the GP and the health visitor, even when another agency has made the referral.
Follow the partnership's bruising protocol for every baby under six months.
Seek advice from the named nurse for safeguarding whenever you are unsure.
How would you raise a concern about a bruise with a parent who is already anxious?"
TITLE="Learning from Baby K, bruising in a baby who was not yet mobile"

pandoc "$F/brief.md" -o "$F/brief.docx"
pandoc "$F/brief.md" -o "$F/brief.odt"
pandoc -s "$F/brief.md" -o "$F/brief.html" --metadata pagetitle="Baby K"
# Plain text as people type it: bullets, numbers, a blank line between parts.
cat >"$F/brief.txt" <<'EOF'
Learning from Baby K, bruising in a baby who was not yet mobile

Published: March 2023

Background

Baby K was five months old when a health visitor saw a small bruise on the baby's ear during a routine contact at home. The family had recently moved into the area and their records had not yet arrived from the previous GP practice.

Why it matters

Bruising in babies who are not independently mobile is rare and must always be taken seriously, because those who don't cruise rarely bruise.

Key learning

• Any bruise on a baby who is not yet mobile needs a referral to children's social care the same day.
• Ask how the bruise happened, and record the explanation in the carer's own words.
• Share what you saw with the GP and the health visitor, even when another agency has made the referral.

What to do

1. Follow the partnership's bruising protocol for every baby under six months.
2. Seek advice from the named nurse for safeguarding whenever you are unsure.

Questions

- How would you raise a concern about a bruise with a parent who is already anxious?

More is on the partnership website: https://example.org/bruising
EOF
# Chromium draws the bullets, so the PDF has only indented lines for them;
# the second copy has Chromium's running header (date, title) and footer
# (address, page number) on each of its pages.
pdf() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/chromium" "$@" \
		>/dev/null 2>&1
}
pdf --no-pdf-header-footer --print-to-pdf="$F/brief.pdf" "file://$F/brief.html"
sed 's/<\/body>/<p style="page-break-before: always">The second page.<\/p><\/body>/' "$F/brief.html" >"$F/paged.html"
pdf --print-to-pdf="$F/paged.pdf" "file://$F/paged.html"
check "the fixtures were made" test -s "$F/brief.docx" -a -s "$F/brief.odt" -a -s "$F/brief.pdf" -a -s "$F/paged.pdf"

new_repo() {
	rm -rf "$1"
	mkdir -p "$1/content"
	git init -q "$1"
	cp "$ROOT/content/taxonomy.yml" "$1/content/"
	doc "$1/content/briefings/existing.md" "An existing briefing"
	commit "$1" "start"
}

# import_clean NAME: the import wrote its draft and the checks found nothing
# but the taxonomy plugin's suggestions of themes its learning points are on
# (exit 1 then: they are advice the author should act on before publishing).
import_clean() {
	local rc=$RC other
	other=$(grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error): ' <<<"$OUT" | grep -v '\[taxonomy\]$' || true)
	if [ "$rc" = 1 ] && [ -z "$other" ] && grep -q '\[taxonomy\]$' <<<"$OUT"; then rc=0; fi
	assert_eq "$1" "$rc" "0"
}

# import_strict NAME: the import wrote its draft and the checks found
# nothing at all: the themes it suggested include every theme its learning
# points are on, so the taxonomy plugin has none to suggest.
import_strict() {
	assert_eq "$1" "$RC" "0"
	assert_not_contains "$1: no theme left for the taxonomy to suggest" "$OUT" "[taxonomy]"
}

# count WHAT FILE EXPECTED-LINES: how many of the expected lines FILE has.
count_lines() {
	local n=0
	while IFS= read -r want; do
		[ -n "$want" ] && grep -qxF -- "$want" "$2" && n=$((n + 1))
	done <<<"$1"
	echo "$n"
}

for f in docx odt html pdf txt paged.pdf; do
	case $f in paged.pdf) src=$F/paged.pdf ;; *) src=$F/brief.$f ;; esac
	R=$TMP/repo-${f%%.*}
	new_repo "$R"
	run "$CASEBOOK" import --repo "$R" "$src"
	import_strict "$f: import written, checks clean"
	md=$(ls "$R"/content/briefings/2023-03-01-*.md 2>/dev/null | head -1)
	if [ -z "$md" ]; then
		not_ok "$f: the draft is content/briefings/2023-03-01-<slug>.md" "$OUT"
		continue
	fi
	assert_eq "$f: title" "$(sed -n 's/^title: "\(.*\)"$/\1/p' "$md")" "$TITLE"
	assert_eq "$f: date from 'Published: March 2023'" "$(sed -n 's/^date: //p' "$md")" "2023-03-01"
	assert_eq "$f: a draft" "$(sed -n 's/^status: //p' "$md")" "draft"
	# Information sharing is named only by a learning point ("Share what
	# you saw with the GP"), once: it is suggested as the point's theme.
	assert_contains "$f: themes suggested, with its points' themes" "$(cat "$md")" \
		"themes: [non-mobile-bruising, information-sharing]"
	assert_eq "$f: agencies suggested from the agencies table" "$(grep '^audience:' "$md")" \
		"audience: [gp, health-visiting, childrens-social-care]"
	assert_contains "$f: suggestions marked" "$(cat "$md")" "# casebook import suggested these"
	heads=$(grep -E '^## ' "$md" | sed 's/^## //' | grep -xE "$HEADINGS" | wc -l)
	# pandoc writes typographic apostrophes; the words are what count.
	items=$(sed -n "s/^\(- \|1\. \)//p" "$md" | sed "s/’/'/g" >"$TMP/items" && count_lines "$ITEMS" "$TMP/items")
	assert_eq "$f: all 5 headings are ## headings" "$heads" "5"
	assert_eq "$f: all 6 list items are list items" "$items" "6"
	case $f in txt | *pdf) ;; *) assert_contains "$f: the link" "$(cat "$md")" "[the partnership website](<https://example.org/bruising>)" ;; esac
	ext=${f##*.}
	assert_file "$f: the original is kept" "$R/content/files/$(basename "$md" .md).$ext"
	assert_contains "$f: linked as the full report" "$(cat "$md")" "(../files/$(basename "$md" .md).$ext)"
	assert_not_contains "$f: no running header in the text" "$(cat "$md")" "file://"
	run "$CASEBOOK" check --repo "$R" --worktree
	assert_eq "$f: the draft passes casebook check" "$RC" "0"
	commit "$R" "import"
	run "$CASEBOOK" build --repo "$R" --audience internal --drafts --out "$TMP/site-${f%%.*}"
	assert_eq "$f: builds (internal, with drafts)" "$RC" "0"
	page=$(grep -l "Learning from Baby K" "$TMP/site-${f%%.*}"/documents/*.html 2>/dev/null | head -1)
	points=$(sed -n '/learning-summary__points/,/<\/details>/p' "$page" 2>/dev/null | grep -c '<li>')
	assert_eq "$f: 5 learning points on the built page" "$points" "5"
	echo "# $f: headings $heads/5, list items $items/6, learning points $points/5"
done

# A designed 7-minute briefing as partnerships make them in Word: headings
# made bold by hand, not styled; the sections laid out in a table's boxes;
# bullets typed as "•".
python3 - "$F/designed.docx" <<'PY'
import sys, zipfile
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
def para(text, bold=False, size=None):
    rpr = ("<w:b/>" if bold else "") + ("<w:sz w:val='%d'/>" % size if size else "")
    return "<w:p><w:r><w:rPr>%s</w:rPr><w:t xml:space='preserve'>%s</w:t></w:r></w:p>" % (rpr, text)
def cell(*paras):
    return "<w:tc>%s</w:tc>" % "".join(paras)
body = (para("7 Minute Briefing: Safer sleep for twins", bold=True, size=36)
        + para("Published: June 2021")
        + "<w:tbl><w:tr>"
        + cell(para("Background", bold=True), para("Two babies were found unresponsive after sharing a sofa with a parent."),
               para("The family had one cot for two babies."))
        + cell(para("Why it matters", bold=True), para("Sofa sharing is the most dangerous sleep setting for a baby."),
               para("Twins are often born early and small."))
        + "</w:tr><w:tr>"
        + cell(para("Key learning", bold=True), para("\u2022 Ask where each baby sleeps, day and night."),
               para("\u2022 Check the family has a safe sleep space for every baby."))
        + cell(para("Questions", bold=True), para("\u2022 How do you talk about sofa sharing with tired parents?"))
        + "</w:tr></w:tbl>")
doc = "<w:document xmlns:w='%s'><w:body>%s</w:body></w:document>" % (W, body)
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
    z.writestr("word/document.xml", doc)
PY
R=$TMP/repo-designed
new_repo "$R"
run "$CASEBOOK" import --repo "$R" "$F/designed.docx"
import_strict "designed briefing: written, checks clean"
md=$(ls "$R"/content/briefings/2021-06-01-*.md 2>/dev/null | head -1)
assert_file "designed briefing: dated from the text, in briefings/" "$md"
text=$(cat "$md" 2>/dev/null)
assert_contains "designed briefing: its type from its title" "$text" "type: seven-minute-briefing"
assert_contains "designed briefing: the large bold line is the title" "$text" 'title: "7 Minute Briefing: Safer sleep for twins"'
assert_eq "designed briefing: bold lines in the boxes are ## headings" \
	"$(grep '^## ' <<<"$text" | head -4 | tr '\n' '/')" "## Background/## Why it matters/## Key learning/## Questions/"
assert_contains "designed briefing: typed bullets are list items" "$text" "- Ask where each baby sleeps, day and night."
assert_contains "designed briefing: paragraphs of a box stay paragraphs" "$text" "
The family had one cot for two babies."
assert_not_contains "designed briefing: no layout table in the text" "$text" "| Background"
assert_contains "designed briefing: safer sleep suggested" "$text" "safer-sleep"

# ---- metadata, options, never overwriting ----------------------------------
R=$TMP/repo-opts
new_repo "$R"
run "$CASEBOOK" import --repo "$R" "$F/brief.docx"
assert_contains "the author is reported" "$OUT" "author: Fiona Fictional"
# A review comment, a last editor and a tracked deletion, as Word keeps them.
python3 - "$F/brief.docx" "$F/reviewed.docx" <<'PY'
import sys, zipfile
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    for item in src.infolist():
        if item.filename == "word/comments.xml":
            continue
        data = src.read(item.filename)
        if item.filename == "docProps/core.xml":
            data = data.replace(b"</cp:coreProperties>", b"<cp:lastModifiedBy>Ed Itor</cp:lastModifiedBy></cp:coreProperties>")
        if item.filename == "word/document.xml":
            data = data.replace(b"<w:body>", b"<w:body><w:p><w:del w:id='9' w:author='Ed Itor'><w:r><w:delText>DELETED-WORDS</w:delText></w:r></w:del><w:r><w:t>Kept words.</w:t></w:r></w:p>", 1)
        out.writestr(item, data)
    out.writestr("word/comments.xml", ('<w:comments xmlns:w="%s"><w:comment w:id="0" w:author="Rev Iewer">'
                 '<w:p><w:r><w:t>Check the date with the panel.</w:t></w:r></w:p></w:comment></w:comments>') % W)
PY
run "$CASEBOOK" import --repo "$R" --date 2023-04-01 "$F/reviewed.docx"
import_clean "a reviewed Word file: written, clean but for theme suggestions"
assert_contains "the last editor is reported" "$OUT" "last modified by: Ed Itor"
assert_contains "the comment is reported" "$OUT" "Rev Iewer: Check the date with the panel."
reviewed=$(cat "$R"/content/briefings/2023-04-01-*.md)
assert_not_contains "the comment is not in the document" "$reviewed" "Check the date"
assert_not_contains "tracked deletions are not in the document" "$reviewed" "DELETED-WORDS"
assert_contains "tracked insertions and plain text are" "$reviewed" "Kept words."
run "$CASEBOOK" import --repo "$R" "$F/brief.docx"
assert_eq "importing again: exit 1" "$RC" "1"
assert_contains "importing again: never overwrites" "$OUT" "never overwrites"
run "$CASEBOOK" import --repo "$R" --no-original --type audit --date 2020-02-03 --theme neglect "$F/brief.odt"
import_clean "options: written, clean but for theme suggestions"
md=$R/content/audits/2020-02-03-learning-from-baby-k-bruising-in-a-baby-who-was-not-yet.md
assert_file "--type and --date choose the folder and name" "$md"
assert_contains "--theme is written" "$(cat "$md")" "themes: [neglect]"
assert_no_file "--no-original keeps no copy" "$R/content/files/2020-02-03-learning-from-baby-k-bruising-in-a-baby-who-was-not-yet.odt"
assert_not_contains "--no-original: no link" "$(cat "$md")" "Full report"
printf 'Some notes without a date or a type\n\nA line.\n' >"$F/plain.txt"
run "$CASEBOOK" import --repo "$R" "$F/plain.txt"
assert_contains "no type: briefing with a warning" "$OUT" "the type could not be told"
assert_contains "no date: today with a warning" "$OUT" "no date was found"

# Personal data in the file: the checks print it with line and column.
printf 'Referral for Baby Q\n\nDate: 4 May 2022\n\nThe NHS number 943 476 5919 was on the form.\n' >"$F/leak.txt"
run "$CASEBOOK" import --repo "$R" "$F/leak.txt"
assert_eq "a finding: exit 1" "$RC" "1"
assert_contains "the finding with line and column" "$OUT" "content/briefings/2022-05-04-referral-for-baby-q.md:12:16: error: possible NHS number"
assert_eq "the line it names holds the number" \
	"$(sed -n 12p "$R/content/briefings/2022-05-04-referral-for-baby-q.md" | cut -c16-27)" "943 476 5919"

# ---- refused ----------------------------------------------------------------
R=$TMP/repo-bad
new_repo "$R"
refused() { # DESC FILE EXPECTED-MESSAGE
	run "$CASEBOOK" import --repo "$R" "$2"
	assert_eq "$1: exit 1" "$RC" "1"
	assert_contains "$1: says why" "$OUT" "$3"
}
qpdf --encrypt secret secret 256 -- "$F/brief.pdf" "$F/locked.pdf"
refused "password-protected PDF" "$F/locked.pdf" "password-protected"
# A page with a drawn square and no text, as a scanner's PDF has.
python3 - "$F/scan.pdf" <<'PY'
import sys
objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"]
stream = b"0 0 0 rg 100 100 300 300 re f"
out = bytearray(b"%PDF-1.4\n")
offs = []
for i, o in enumerate(objs):
    offs.append(len(out)); out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o.encode())
offs.append(len(out))
out += b"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(stream), stream)
x = len(out)
out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
open(sys.argv[1], "wb").write(out)
PY
refused "scanned PDF" "$F/scan.pdf" "needs OCR"
refused "scanned PDF" "$F/scan.pdf" "no text layer"
head -c 3000 "$F/brief.docx" >"$F/cut.docx"
refused "damaged Word file" "$F/cut.docx" "damaged"
head -c 2000 "$F/brief.pdf" >"$F/cut.pdf"
refused "damaged PDF" "$F/cut.pdf" "damaged"
echo "{\\rtf1 hello}" >"$F/notes.rtf"
refused "unknown format" "$F/notes.rtf" "cannot tell what kind of file"
truncate -s 51M "$F/huge.pdf"
refused "over the size limit" "$F/huge.pdf" "over import's limit of 50 MB"
python3 - "$F" <<'PY'
import sys, zipfile
d = sys.argv[1]
# A zip bomb: 300 MB of one byte compresses to a few hundred kilobytes.
with zipfile.ZipFile(d + "/bomb.docx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    with z.open("word/document.xml", "w", force_zip64=True) as w:
        w.write(b"<w:document xmlns:w='x'><w:body><w:p><w:r><w:t>")
        block = b"a" * (1 << 20)
        for _ in range(300):
            w.write(block)
        w.write(b"</w:t></w:r></w:p></w:body></w:document>")
xxe = ("<?xml version='1.0'?><!DOCTYPE w [<!ENTITY x SYSTEM 'file:///etc/passwd'>"
       "<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
       "<w:document xmlns:w='x'><w:body><w:p><w:r><w:t>&x;&b;</w:t></w:r></w:p></w:body></w:document>")
with zipfile.ZipFile(d + "/entities.docx", "w") as z:
    z.writestr("word/document.xml", xxe)
with zipfile.ZipFile(d + "/entities.odt", "w") as z:
    z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    z.writestr("content.xml", xxe)
PY
refused "zip bomb" "$F/bomb.docx" "zip bomb"
refused "XML with entities (Word)" "$F/entities.docx" "DTD"
refused "XML with entities (OpenDocument)" "$F/entities.odt" "DTD"
assert_eq "nothing was written for refused files" "$(git -C "$R" status --porcelain)" ""

# One bad file among good ones: the others go on.
run "$CASEBOOK" import --repo "$R" "$F/cut.docx" "$F/brief.txt"
assert_eq "a refused file among others: exit 1" "$RC" "1"
assert_contains "the good file is still imported" "$OUT" "1 of 2 files imported"

run "$CASEBOOK" import --repo "$R" https://example.org/report.pdf
assert_eq "a URL is a usage error" "$RC" "2"
assert_contains "a URL: says to download it" "$OUT" "download it first"
run "$CASEBOOK" import --repo "$R" --type memo "$F/brief.txt"
assert_eq "an unknown --type: exit 2" "$RC" "2"
run "$CASEBOOK" import --repo "$R" --theme nosuch "$F/brief.txt"
assert_eq "an unknown --theme: exit 2" "$RC" "2"
run "$CASEBOOK" import --repo "$R" --date 2023-02-30 "$F/brief.txt"
assert_eq "a bad --date: exit 2" "$RC" "2"
run "$CASEBOOK" import --repo "$R"
assert_eq "no files: exit 2" "$RC" "2"

finish
