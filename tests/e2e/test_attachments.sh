#!/usr/bin/env bash
# Attachments and images: files under the content folder that a published
# document links to are copied to files/<path> and the links rewritten;
# missing files, files outside the content folder and files over
# attachment-max-mb are errors at the link; a file only a left-out
# document links to leaves no trace; an image without alt text is a
# warning; attachment bytes come from the ref (or the working files).
. "$(dirname "$0")/lib.sh"

R=$TMP/lib
mkdir -p "$R/content/reviews/img" "$R/content/files" "$R/content/supervision"
git init -q "$R"
# A small PNG (a 1x1 picture), a spreadsheet and a text file.
python3 - "$R/content/reviews/img/chart.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
printf 'month,referrals\nJan,3\n' >"$R/content/files/referrals.csv"
printf 'CANARYSECRETFILE\n' >"$R/content/supervision/canary-notes.txt"
printf 'outside\n' >"$R/README.txt"
doc "$R/content/reviews/child-a.md" "Child A" "" \
	"![Referrals by month](img/chart.png)

The [figures](../files/referrals.csv#sheet) and [again](../files/referrals.csv)."
printf -- '---\ntitle: Supervision note\ntype: supervision-note\ndate: 2024-01-10\n---\n\nSee [the notes](canary-notes.txt).\n' \
	>"$R/content/supervision/note.md"
commit "$R" "library"

run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
assert_eq "the library builds" "$RC" "0"; [ "$RC" = 0 ] || echo "$OUT"
O=$TMP/out
page=$(cat "$O/documents/reviews-child-a.html")
assert_contains "image rewritten to its copy" "$page" '<img src="../files/reviews/img/chart.png" alt="Referrals by month" />'
assert_contains "link rewritten, fragment kept" "$page" 'href="../files/files/referrals.csv#sheet"'
check "the image is copied byte for byte" cmp "$R/content/reviews/img/chart.png" "$O/files/reviews/img/chart.png"
check "the spreadsheet is copied" cmp "$R/content/files/referrals.csv" "$O/files/files/referrals.csv"
assert_eq "no broken links in the output" "$(broken_links "$O")" ""

# Canary: the restricted note's attachment is in no public output at all.
assert_no_file "a left-out document's attachment is not copied" "$O/files/supervision/canary-notes.txt"
assert_eq "no trace of it anywhere" "$(grep -rl 'CANARYSECRETFILE\|canary-notes' "$O" | head -3)" ""
run "$CASEBOOK" build --repo "$R" --out "$TMP/res" --audience restricted
assert_eq "the restricted build carries it" "$(cat "$TMP/res/files/supervision/canary-notes.txt")" "CANARYSECRETFILE"

# From the ref: an uncommitted change to an attachment is not built, but
# is with --worktree.
printf 'month,referrals\nJan,4\n' >"$R/content/files/referrals.csv"
run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
assert_contains "the committed bytes are built" "$(cat "$O/files/files/referrals.csv")" "Jan,3"
run "$CASEBOOK" build --repo "$R" --out "$TMP/wt" --worktree
assert_contains "--worktree builds the working file" "$(cat "$TMP/wt/files/files/referrals.csv")" "Jan,4"
git -C "$R" checkout -q -- content/files/referrals.csv

# Problems, each at its link's line and column, in check and build alike.
doc "$R/content/reviews/bad.md" "Bad" "" \
	"[gone](missing.pdf) and [out](../../README.txt)

![](img/chart.png)"
run "$CASEBOOK" check --repo "$R" --worktree
assert_eq "check: exit 1" "$RC" "1"
assert_contains "a missing file" "$OUT" \
	"content/reviews/bad.md:7:1: error: there is no file 'missing.pdf'; the path is relative to this document"
assert_contains "a file outside the content folder" "$OUT" \
	"content/reviews/bad.md:7:25: error: '../../README.txt' is outside the content folder"
assert_contains "an image without alt text" "$OUT" \
	"content/reviews/bad.md:9:1: warning: the image 'img/chart.png' has no alt text"
commit "$R" "bad"
run "$CASEBOOK" build --repo "$R" --out "$TMP/out"
assert_eq "build: exit 1" "$RC" "1"
assert_contains "build reports it too" "$OUT" "[missing-file]"
assert_file "the last good output is untouched" "$O/files/reviews/img/chart.png"
git -C "$R" rm -q content/reviews/bad.md
commit "$R" "fixed"

# attachment-max-mb: a file over the limit is an error at the link.
head -c 1100000 /dev/zero >"$R/content/files/big.bin"
doc "$R/content/reviews/big.md" "Big" "" "The [data](../files/big.bin)."
printf 'attachment-max-mb: 1\n' >"$R/casebook.yml"
run "$CASEBOOK" check --repo "$R" --worktree
assert_contains "over attachment-max-mb" "$OUT" \
	"content/reviews/big.md:7:5: error: '../files/big.bin' is larger than attachment-max-mb allows"
printf 'attachment-max-mb: 2\n' >"$R/casebook.yml"
run "$CASEBOOK" check --repo "$R" --worktree
assert_not_contains "under a raised limit it is fine" "$OUT" "attachment-max-mb"
rm -f "$R/content/files/big.bin" "$R/content/reviews/big.md" "$R/casebook.yml"
# Personal data in attachments: the text of a PDF and the author of a Word
# file, reported at the link's line and column, in check and build alike.
P=$TMP/pii
mkdir -p "$P/content/files"
git init -q "$P"
python3 - "$P/content/files" <<'PY'
import sys, zipfile
d = sys.argv[1]
text = b"BT /F1 12 Tf 72 720 Td (The child's NHS number was 943 476 5919.) Tj ET"
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
out, offs = b"%PDF-1.4\n", []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(d + "/scan.pdf", "wb").write(out)
z = zipfile.ZipFile(d + "/minutes.docx", "w")
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>')
z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>')
z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Minutes of the panel.</w:t></w:r></w:p></w:body></w:document>')
z.writestr("docProps/core.xml", '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Zebedee Quarrington</dc:creator></cp:coreProperties>')
z.close()
PY
printf 'Zebedee Quarrington\n' >"$P/content/pii-names.txt"
doc "$P/content/review.md" "Review" "" "The [scan](files/scan.pdf) and the
[minutes](files/minutes.docx)."
commit "$P" "attachments with personal data"
run "$CASEBOOK" check --repo "$P"
assert_eq "personal data in attachments: exit 1" "$RC" "1"
assert_contains "an NHS number in a PDF's text, at the link" "$OUT" \
	"content/review.md:7:5: error: possible NHS number '943 476 5919' in the attached file 'scan.pdf'"
assert_contains "a Word file's author, at the link" "$OUT" \
	"content/review.md:8:1: error: 'Zebedee Quarrington' in the attached file 'minutes.docx' is on the list of names"
run "$CASEBOOK" build --repo "$P" --out "$TMP/pii-out"
assert_eq "the build fails too" "$RC" "1"
assert_no_file "nothing written" "$TMP/pii-out"
# Allowed on purpose: the document's pii-allow covers its attachments.
doc "$P/content/review.md" "Review" "pii-allow: ['943 476 5919', Zebedee Quarrington]" "The [scan](files/scan.pdf) and the
[minutes](files/minutes.docx)."
commit "$P" "allowed"
run "$CASEBOOK" build --repo "$P" --out "$TMP/pii-out"
assert_eq "pii-allow covers attachments" "$RC" "0"
# Image metadata: a photograph's EXIF (with GPS tags and its owner's
# name), XMP and comment are removed from the published copy, which is
# still the same picture (decoded by Java's ImageIO); a damaged image and
# a HEIC photograph are errors at the link.
I=$TMP/img
mkdir -p "$I/content/img"
git init -q "$I"
python3 - "$I/content/img/visit.jpg" "$TMP/visit-expected.jpg" <<'PY'
import struct, sys
def seg(m, body): return b"\xff" + bytes([m]) + struct.pack(">H", len(body) + 2) + body
# EXIF: IFD0 with the camera's owner and a pointer to a GPS IFD placing
# the picture at 51 deg 30' N, 0 deg 7' W (fictional: central London).
artist = b"Jo Bloggs\0"
tiff = b"MM\0\x2a" + struct.pack(">I", 8)
ifd0_off, nent0 = 8, 2
gps_off = ifd0_off + 2 + nent0 * 12 + 4
nentg = 4
data_off = gps_off + 2 + nentg * 12 + 4
lat = struct.pack(">6I", 51, 1, 30, 1, 0, 1)
lon = struct.pack(">6I", 0, 1, 7, 1, 0, 1)
artist_off = data_off + len(lat) + len(lon)
ifd0 = struct.pack(">H", nent0) + struct.pack(">HHII", 0x013B, 2, len(artist), artist_off) + struct.pack(">HHII", 0x8825, 4, 1, gps_off) + struct.pack(">I", 0)
gps = struct.pack(">H", nentg) + struct.pack(">HHI4s", 1, 2, 2, b"N\0\0\0") + struct.pack(">HHII", 2, 5, 3, data_off) + struct.pack(">HHI4s", 3, 2, 2, b"W\0\0\0") + struct.pack(">HHII", 4, 5, 3, data_off + len(lat)) + struct.pack(">I", 0)
exif = b"Exif\0\0" + tiff + ifd0 + gps + lat + lon + artist
xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'><dc:creator>Jo Bloggs</dc:creator></x:xmpmeta>"
# An 8x8 grey picture: one block, DC difference 0 and end-of-block, each
# a one-bit Huffman code.
jfif = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
dqt = b"\0" + bytes([1] * 64)
sof = b"\x08\0\x08\0\x08\x01\x01\x11\0"
dht_dc = b"\x00" + bytes([1] + [0] * 15) + b"\x00"
dht_ac = b"\x10" + bytes([1] + [0] * 15) + b"\x00"
sos = b"\x01\x01\x00\x00\x3f\x00"
picture = [seg(0xDB, dqt), seg(0xC0, sof), seg(0xC4, dht_dc), seg(0xC4, dht_ac), seg(0xDA, sos) + b"\x3f"]
jpeg = b"\xff\xd8" + seg(0xE0, jfif) + seg(0xE1, exif) + seg(0xE1, xmp) + seg(0xFE, b"Taken by Jo Bloggs") + b"".join(picture) + b"\xff\xd9"
open(sys.argv[1], "wb").write(jpeg)
# What the published copy must be: the same picture without the metadata.
open(sys.argv[2], "wb").write(b"\xff\xd8" + seg(0xE0, jfif) + b"".join(picture) + b"\xff\xd9")
PY
doc "$I/content/review.md" "Review" "" "![The front room](img/visit.jpg)"
commit "$I" "a photograph"
run "$CASEBOOK" build --repo "$I" --out "$TMP/img-out"
assert_eq "a photograph with GPS tags builds" "$RC" "0"
J=$TMP/img-out/files/img/visit.jpg
# The GPS latitude's rationals (51/1 30/1), the owner's name, Exif, XMP.
python3 - "$I/content/img/visit.jpg" "$J" <<'PY' && ok "the copy has no Exif, GPS tags, XMP or name; the original had them" || not_ok "metadata left in the copy"
import struct, sys
marks = [b"Exif", struct.pack(">4I", 51, 1, 30, 1), b"xmpmeta", b"Jo Bloggs"]
orig, copy = (open(f, "rb").read() for f in sys.argv[1:3])
assert all(m in orig for m in marks) and not any(m in copy for m in marks)
PY
check "  ... exactly the picture's segments" cmp "$J" "$TMP/visit-expected.jpg"
cat >"$TMP/Decode.java" <<'JAVA'
public class Decode {
	public static void main(String[] a) throws Exception {
		for (String f : a) {
			var i = javax.imageio.ImageIO.read(new java.io.File(f));
			System.out.println(i == null ? "none" : i.getWidth() + "x" + i.getHeight() + " " + Integer.toHexString(i.getRGB(3, 3)));
		}
	}
}
JAVA
DEC=$(java "$TMP/Decode.java" "$I/content/img/visit.jpg" "$J" 2>&1)
assert_eq "the copy decodes to the same picture" "$(sed -n 2p <<<"$DEC")" "$(sed -n 1p <<<"$DEC")"
assert_contains "  ... an 8x8 picture" "$DEC" "8x8 "
head -c 200 "$I/content/img/visit.jpg" >"$I/content/img/cut.jpg"
printf '\0\0\0\030ftypheic\0\0\0\0mif1heic' >"$I/content/img/IMG_0001.HEIC"
doc "$I/content/review.md" "Review" "" "![The front room](img/visit.jpg)

![Cut short](img/cut.jpg) and ![A phone's photo](img/IMG_0001.HEIC)"
run "$CASEBOOK" check --repo "$I" --worktree
assert_eq "images whose metadata cannot be removed: exit 1" "$RC" "1"
assert_contains "a damaged JPEG, at the link" "$OUT" \
	"content/review.md:9:1: error: 'cut.jpg' is a damaged JPEG image (a segment runs past the end of the file, at byte 182), so its metadata cannot be removed; open it in an image editor and save it again [image-metadata]"
assert_contains "a HEIC photograph, at the link" "$OUT" \
	"content/review.md:9:31: error: 'IMG_0001.HEIC' is a HEIF image, whose metadata (such as where and when a photograph was taken) casebook cannot remove; save it as JPEG or PNG and link to that [image-metadata]"
run "$CASEBOOK" build --repo "$I" --out "$TMP/img-out" --worktree
assert_eq "the build fails too" "$RC" "1"
check "the last good copy is untouched" cmp "$J" "$TMP/visit-expected.jpg"
finish
