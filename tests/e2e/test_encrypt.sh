#!/usr/bin/env bash
# Encrypted builds (--encrypt): where the passphrase comes from and what is
# refused; a canary test (no byte of the output holds any document's
# title, text, file name, theme or author); an independent reader (Python's
# cryptography package, following the format in generator/seal.h) opens
# every file; moved and changed files fail; builds before and after an
# encrypted one are byte-identical to clean builds.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's, with python3-cryptography
PASS_FILE="$TMP/pass"
printf 'lantern quarry violet harbour\n' >"$PASS_FILE"
PASSPHRASE='lantern quarry violet harbour'

R="$TMP/repo"
mkdir -p "$R/content/notes"
cat >"$R/casebook.yml" <<'EOF'
title: Testshire learning library
EOF
cat >"$R/content/taxonomy.yml" <<'EOF'
themes:
  neglect:
    label: Neglect
  canary-theme-qz7:
    label: Zebracanary theme label
EOF
doc "$R/content/briefings/open-note.md" "Publicwombat briefing" "themes: [neglect]" \
	"Publicwombat body text about practice."
doc "$R/content/briefings/inner-quokka-file.md" "Internalquokka briefing" \
	"visibility: internal
themes: [canary-theme-qz7]" "Internalquokka body text, seen by staff only."
cat >"$R/content/notes/restricted-narwhal-file.md" <<'EOF'
---
title: "Restrictednarwhal supervision note"
type: supervision-note
date: 2024-01-11
visibility: restricted
themes: [canary-theme-qz7]
---

## Reflection

Restrictednarwhal body text about the session.

![The room](img/room.jpg)
EOF
# A photograph whose EXIF holds a name: sealed without it.
mkdir -p "$R/content/notes/img"
python3 - "$R/content/notes/img/room.jpg" "$TMP/room-expected.jpg" <<'PY'
import struct, sys
def seg(m, body): return b"\xff" + bytes([m]) + struct.pack(">H", len(body) + 2) + body
picture = seg(0xDB, b"\0" + bytes([1] * 64)) + seg(0xC0, b"\x08\0\x08\0\x08\x01\x01\x11\0")
picture += seg(0xC4, b"\x00\x01" + bytes(15) + b"\x00") + seg(0xC4, b"\x10\x01" + bytes(15) + b"\x00")
picture += seg(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f\xff\xd9"
exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x3b\0\x02\0\0\0\x0d\0\0\0\x1aExifowlcanary\0"
open(sys.argv[1], "wb").write(b"\xff\xd8" + seg(0xE1, exif) + picture)
open(sys.argv[2], "wb").write(b"\xff\xd8" + picture)
PY
git init -q "$R"
GIT_AUTHOR_NAME="Authorpelican Canary" commit "$R" "first"

# ---- passphrases ----
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/none" --encrypt </dev/null
assert_eq "no passphrase: exit 2" "$RC" "2"
assert_contains "no passphrase: says where one comes from" "$OUT" "--passphrase-file"
assert_no_file "no passphrase: nothing written" "$TMP/none"

printf 'short one\n' >"$TMP/short"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/none" --encrypt --passphrase-file "$TMP/short"
assert_eq "a short passphrase: exit 2" "$RC" "2"
assert_contains "a short passphrase: the reason" "$OUT" "at least 12 characters"
assert_no_file "a short passphrase: nothing written" "$TMP/none"

run "$CASEBOOK" build -q --repo "$R" --out "$TMP/none" --encrypt --passphrase-file "$TMP/missing"
assert_eq "an unreadable passphrase file: exit 2" "$RC" "2"
run "$CASEBOOK" build -q --repo "$R" --out "$TMP/none" --encrypt --no-encrypt
assert_eq "--encrypt with --no-encrypt: usage error" "$RC" "2"
run "$CASEBOOK" check --repo "$R" --encrypt
assert_eq "check takes no --encrypt" "$RC" "2"

# ---- the canary build ----
OUT_R="$TMP/restricted"
run "$CASEBOOK" build --repo "$R" --out "$OUT_R" --audience restricted --encrypt --passphrase-file "$PASS_FILE" --with-db
assert_eq "an encrypted restricted build: exit 0" "$RC" "0"
assert_contains "the summary says it is encrypted" "$OUT" "(restricted, encrypted)"
assert_file "the unlock page" "$OUT_R/index.html"
assert_file "the unlock script" "$OUT_R/search/lock.js"
assert_no_file "no feed" "$OUT_R/feed.atom"
assert_no_file "no database, even with --with-db" "$OUT_R/casebook.db"
assert_eq "casebook search reads the private database, not the encrypted copy" \
	"$(stat -c %a "$R/.casebook/search-restricted.db")" "600"
assert_no_file "no documents folder" "$OUT_R/documents"
assert_no_file "no themes folder" "$OUT_R/themes"
plain=$(cd "$OUT_R" && find . -type f ! -path './e/*' | sort | tr '\n' ' ')
assert_eq "only the unlock page, scripts and styles are plain" "$plain" \
	"./.casebook-output ./assets/pack.css ./assets/style.css ./index.html ./search/lock.js ./search/query.js ./search/search.css ./search/search.js ./search/tokenizer.js ./search/ui.js "
names=$(cd "$OUT_R/e" && ls | grep -cvE '^[0-9a-f]{32}\.js$')
assert_eq "sealed files have opaque names" "$names" "0"
sizes=$("$PY" - "$OUT_R" <<'PY'
import base64, os, re, sys
bad = []
for n in os.listdir(os.path.join(sys.argv[1], "e")):
    t = open(os.path.join(sys.argv[1], "e", n)).read()
    m = re.fullmatch(r'cbx\("([0-9a-f]{32})","([A-Za-z0-9+/=]+)"\);\n', t)
    size = len(base64.b64decode(m.group(2))) - 28 if m else -1
    if size < 1024 or (size <= 1 << 20 and size & (size - 1)) or (size > 1 << 20 and size % (1 << 20)):
        bad.append(f"{n}: {size}")
print(" ".join(bad))
PY
)
assert_eq "every sealed file is padded to a power of two of at least 1 KiB" "$sizes" ""

canaries="Publicwombat Internalquokka Restrictednarwhal Zebracanary canary-theme-qz7 inner-quokka-file restricted-narwhal-file open-note Authorpelican"
found=$(for c in $canaries; do grep -rlaiF -- "$c" "$OUT_R" | sed "s|^$OUT_R/||;s|\$|: $c|"; done)
assert_eq "no output byte holds a title, text, file name, theme or author" "$found" ""

# ---- an independent reader (the format of generator/seal.h) ----
cat >"$TMP/reader.py" <<'PY'
import base64, hashlib, hmac, json, os, re, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
out, passphrase, path = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
page = open(os.path.join(out, "index.html")).read()
p = json.loads(re.search(r"var CB_LOCK = (\{.*?\});", page).group(1))
assert p["kdf"] == "PBKDF2-HMAC-SHA256" and p["v"] == 1
dk = hashlib.pbkdf2_hmac("sha256", passphrase, base64.b64decode(p["salt"]), p["iterations"], 64)
aes, namekey = AESGCM(dk[:32]), dk[32:]
def name(path):
    return hmac.new(namekey, b"casebook-name\0" + path.encode(), hashlib.sha256).hexdigest()[:32]
def open_sealed(sealed, path):
    frame = aes.decrypt(sealed[:12], sealed[12:], b"casebook/1\0" + path.encode())
    n = int.from_bytes(frame[:4], "big")
    return frame[4:4 + n]
open_sealed(base64.b64decode(p["check"]), "")  # the key check opens
where = sys.argv[4] if len(sys.argv) > 4 else path
text = open(os.path.join(out, "e", name(where) + ".js")).read()
m = re.fullmatch(r'cbx\("([0-9a-f]{32})","([A-Za-z0-9+/=]+)"\);\n', text)
sys.stdout.buffer.write(open_sealed(base64.b64decode(m.group(2)), path))
PY
rpage=$("$PY" "$TMP/reader.py" "$OUT_R" "$PASSPHRASE" "documents/notes-restricted-narwhal-file.html" 2>&1)
assert_contains "the reader opens a restricted page" "$rpage" "Restrictednarwhal body text about the session."
assert_contains "the page is the rendered page" "$rpage" "Restricted — do not share"
home=$("$PY" "$TMP/reader.py" "$OUT_R" "$PASSPHRASE" "index.html" 2>&1)
assert_contains "the reader opens the home page" "$home" "Internalquokka briefing"
shard=$("$PY" "$TMP/reader.py" "$OUT_R" "$PASSPHRASE" "search/meta.js" 2>&1)
assert_contains "the reader opens the search index" "$shard" "CBS.meta("
"$PY" "$TMP/reader.py" "$OUT_R" "$PASSPHRASE" "files/notes/img/room.jpg" >"$TMP/room.jpg" 2>&1
check "a sealed photograph opens without its EXIF" cmp "$TMP/room.jpg" "$TMP/room-expected.jpg"
check "  ... the original had it" grep -qa Exifowlcanary "$R/content/notes/img/room.jpg"
run "$PY" "$TMP/reader.py" "$OUT_R" "wrong passphrase entirely" "index.html"
assert_eq "a wrong passphrase opens nothing" "$RC" "1"
run "$PY" "$TMP/reader.py" "$OUT_R" "$PASSPHRASE" "index.html" "whatsnew.html"
assert_eq "a file moved to another page's name fails to open" "$RC" "1"
assert_contains "  ... by its authentication tag" "$OUT" "InvalidTag"

# A changed byte fails too.
victim=$(grep -l . "$OUT_R"/e/*.js | head -1)
cp -a "$OUT_R" "$TMP/tampered"
tv="$TMP/tampered/e/$(basename "$victim")"
"$PY" - "$tv" <<'PY'
import sys
p = sys.argv[1]
t = bytearray(open(p, "rb").read())
i = len(t) // 2
t[i] = ord("A") if t[i] != ord("A") else ord("B")
open(p, "wb").write(t)
PY
# Find which path the victim is by trying every page the reader can name.
bad=$("$PY" - "$TMP/tampered" "$PASSPHRASE" "$(basename "$victim" .js)" <<'PY'
import base64, hashlib, hmac, json, os, re, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.exceptions import InvalidTag
out, pw, victim = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
p = json.loads(re.search(r"var CB_LOCK = (\{.*?\});", open(os.path.join(out, "index.html")).read()).group(1))
dk = hashlib.pbkdf2_hmac("sha256", pw, base64.b64decode(p["salt"]), p["iterations"], 64)
aes = AESGCM(dk[:32])
m = re.fullmatch(r'cbx\("([0-9a-f]{32})","([A-Za-z0-9+/=]+)"\);\n', open(os.path.join(out, "e", victim + ".js")).read())
sealed = base64.b64decode(m.group(2))
# Whatever its path, a changed byte must fail authentication for every path.
ok = 0
for path in ["index.html", "404.html", "search.html", "whatsnew.html", "search/meta.js"]:
    try:
        aes.decrypt(sealed[:12], sealed[12:], b"casebook/1\0" + path.encode()); ok += 1
    except InvalidTag:
        pass
print(ok)
PY
)
assert_eq "a changed byte opens under no name" "$bad" "0"

# ---- the last personal-data scan reads an encrypted build's plain text ----
L="$TMP/leaky"
cp -a "$R" "$L"
mkdir -p "$L/plugins"
cat >"$L/plugins/leak.lua" <<'LUA'
local p = {}
function p.document(doc)
  doc.html = doc.html .. "<p>Ref 943<b>476</b>5919</p>"
end
return p
LUA
printf 'plugins:\n  - leak\n' >>"$L/casebook.yml"
commit "$L" "a leaking plugin"
run "$CASEBOOK" build --repo "$L" --out "$TMP/leaky-site" --encrypt --passphrase-file "$PASS_FILE"
assert_eq "personal data a plugin adds stops an encrypted build too" "$RC" "1"
assert_contains "  ... found in the page before it was sealed" "$OUT" "documents/briefings-open-note.html: error: possible NHS number"
assert_no_file "  ... and nothing is written" "$TMP/leaky-site"

# ---- configuration and defaults ----
R2="$TMP/repo2"
cp -a "$R" "$R2"
printf 'encrypt: true\n' >>"$R2/casebook.yml"
commit "$R2" "encrypt by default"
run env CASEBOOK_PASSPHRASE="$PASSPHRASE" "$CASEBOOK" build -q --repo "$R2" --out "$TMP/c-int" --audience internal
assert_eq "encrypt: true: an internal build is encrypted (passphrase from the environment)" \
	"$RC:$([ -d "$TMP/c-int/e" ] && echo sealed)" "0:sealed"
run "$CASEBOOK" build -q --repo "$R2" --out "$TMP/c-pub"
assert_eq "encrypt: true: a public build is plain and needs no passphrase" \
	"$RC:$([ -f "$TMP/c-pub/documents/briefings-open-note.html" ] && echo plain)" "0:plain"
run "$CASEBOOK" build -q --repo "$R2" --out "$TMP/c-no" --audience internal --no-encrypt
assert_eq "--no-encrypt overrides encrypt: true" "$RC:$([ -d "$TMP/c-no/e" ] || echo plain)" "0:plain"
sed -i 's/^encrypt: true$/encrypt: "yes"/' "$R2/casebook.yml"
run "$CASEBOOK" check --repo "$R2" --worktree
assert_contains "encrypt must be true or false" "$OUT" "'encrypt' should be true or false"
git -C "$R2" checkout -q casebook.yml

# ---- fresh keys every build; plain builds around encrypted ones are clean ----
OUT_P="$TMP/plain"
"$CASEBOOK" build -q --repo "$R" --out "$OUT_P" --audience restricted
"$CASEBOOK" build -q --repo "$R" --out "$OUT_P" --audience restricted --encrypt --passphrase-file "$PASS_FILE"
salt1=$(grep -o '"salt": "[^"]*"' "$OUT_P/index.html")
left=$(cd "$OUT_P" && find . -type f ! -path './e/*' -name '*.html' ! -name index.html | head -3)
assert_eq "encrypting over a plain build leaves no plain page" "$left" ""
"$CASEBOOK" build -q --repo "$R" --out "$OUT_P" --audience restricted --encrypt --passphrase-file "$PASS_FILE"
salt2=$(grep -o '"salt": "[^"]*"' "$OUT_P/index.html")
check "every encrypted build draws a fresh salt" test "$salt1" != "$salt2"
"$CASEBOOK" build -q --repo "$R" --out "$OUT_P" --audience restricted
"$CASEBOOK" build -q --repo "$R" --out "$TMP/clean" --audience restricted --no-cache
assert_eq "a plain build after an encrypted one equals a clean build" \
	"$(tree_sum "$OUT_P")" "$(tree_sum "$TMP/clean")"

# A failed encrypted build leaves the last good output as it was.
before=$(tree_sum "$OUT_P")
run "$CASEBOOK" build -q --repo "$R" --out "$OUT_P" --audience restricted --encrypt --passphrase-file "$TMP/short"
assert_eq "a refused passphrase leaves the output untouched" "$RC:$(tree_sum "$OUT_P")" "2:$before"

finish
