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
finish
