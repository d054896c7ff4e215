#!/usr/bin/env bash
# Safe defaults (issue 15): the private folder .casebook/ and what is left
# on the disk (staging folders, killed previews, permissions), the build
# cache's checksums, and `init --force` beside a symbolic link.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
mkdir -p "$R"
git init -q "$R"
doc "$R/content/pub.md" "Public briefing" "themes: [neglect]"
doc "$R/content/int.md" "Internal briefing" "visibility: internal"
doc "$R/content/res.md" "Restricted note" "visibility: restricted"
commit "$R" "content"

# --- the private folder ignores itself ---
run "$CASEBOOK" build --repo "$R" -q
assert_eq "build succeeds" "$RC" 0
assert_eq ".casebook/.gitignore holds '*'" "$(cat "$R/.casebook/.gitignore" 2>/dev/null)" "*"
assert_eq ".casebook is owner-only" "$(stat -c %a "$R/.casebook")" 700
# The repository's own .gitignore does not list it (not made by init),
# yet git offers nothing in it for a commit.
st=$(git -C "$R" status --porcelain --untracked-files=all)
assert_not_contains "git status shows nothing of .casebook/" "$st" ".casebook/"
git -C "$R" add -A
assert_eq "git add -A stages nothing of .casebook" "$(git -C "$R" diff --cached --name-only | grep -c "^\.casebook/")" 0
git -C "$R" reset -q

# A bare repository keeps it in casebook/ inside, ignoring itself too.
git clone -q --bare "$R" "$TMP/bare.git"
run "$CASEBOOK" build --repo "$TMP/bare.git" --out "$TMP/bare-out" -q
assert_eq "bare build succeeds" "$RC" 0
assert_eq "bare: casebook/.gitignore holds '*'" "$(cat "$TMP/bare.git/casebook/.gitignore" 2>/dev/null)" "*"

# --- permissions of the output ---
"$CASEBOOK" build --repo "$R" --out "$TMP/res" --audience restricted -q
assert_eq "restricted output folder 0700" "$(stat -c %a "$TMP/res")" 700
assert_eq "restricted output: every folder 0700" "$(find "$TMP/res" -type d ! -perm 0700 | wc -l)" 0
assert_eq "restricted output: every file 0600" "$(find "$TMP/res" -type f ! -perm 0600 | wc -l)" 0
"$CASEBOOK" build --repo "$R" --out "$TMP/res" --audience public -q
assert_eq "public build into the same folder: 0755" "$(stat -c %a "$TMP/res")" 755
assert_eq "public output: every file 0644" "$(find "$TMP/res" -type f ! -perm 0644 | wc -l)" 0
"$CASEBOOK" build --repo "$R" --out "$TMP/int" --audience internal -q
assert_eq "internal output stays readable" "$(find "$TMP/int" -type f ! -perm 0644 | wc -l)" 0

# --- what killed builds and previews left ---
sleep 0 &
dead=$!
wait $dead
mkdir -p "$TMP/res.staging-Ab12Cd/documents"
echo "$dead" >"$TMP/res.staging-Ab12Cd/.casebook-staging"
echo "Restricted note" >"$TMP/res.staging-Ab12Cd/documents/res.html"
chmod -R go-rwx "$TMP/res.staging-Ab12Cd"
mkdir -p "$R/.casebook/serve/$dead/site"
echo "restricted preview" >"$R/.casebook/serve/$dead/site/index.html"
mkdir -p "$R/.casebook/serve/$$"
run "$CASEBOOK" build --repo "$R" --out "$TMP/res" -q
assert_eq "build after a killed one succeeds" "$RC" 0
assert_no_file "a killed build's staging folder is removed" "$TMP/res.staging-Ab12Cd"
assert_no_file "a killed preview's folder is removed" "$R/.casebook/serve/$dead"
check "a running process's preview folder stays" test -d "$R/.casebook/serve/$$"
assert_eq "nothing but the output beside it" "$(ls -A "$TMP" | grep -c '^res')" 1

# A build killed while it writes: its staging folder is owner-only, and the
# next build removes it. A plugin of the repository's keeps the build busy
# (the staging folder is made before the plugins run) long enough to be
# seen and killed.
big=$TMP/big
mkdir -p "$big/plugins"
git init -q "$big"
doc "$big/content/secret.md" "Secret note" "visibility: restricted"
cat >"$big/plugins/slow.lua" <<'LUA'
local p = {}
function p.site(site)
  local x = 0
  for i = 1, 100000000 do x = x + i end
end
return p
LUA
commit "$big" "slow"
"$CASEBOOK" build --repo "$big" --out "$TMP/bigout" --audience restricted --no-cache -q >/dev/null 2>&1 &
pid=$!
staged=""
for _ in $(seq 1 1000); do
	staged=$(ls -d "$TMP"/bigout.staging-* 2>/dev/null | head -1)
	[ -n "$staged" ] && break
	sleep 0.01
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -n "$staged" ]; then
	assert_eq "a staging folder is 0700 while written" "$(stat -c %a "$staged" 2>/dev/null || echo gone)" 700
	rm "$big/plugins/slow.lua"
	commit "$big" "fast"
	"$CASEBOOK" build --repo "$big" --out "$TMP/bigout" --audience restricted --no-cache -q
	assert_eq "the next build removes the killed build's staging folder" \
		"$(ls -d "$TMP"/bigout.staging-* 2>/dev/null | wc -l)" 0
else
	not_ok "saw the staging folder of a running build" "$(ls -a "$TMP")"
fi

# --- a damaged cache is rebuilt, never published ---
C=$TMP/cache-repo
mkdir -p "$C"
cp -R "$ROOT/content" "$C/"
cp "$ROOT/casebook.yml" "$C/"
git init -q "$C"
commit "$C" "demo"
"$CASEBOOK" build --repo "$C" --out "$TMP/clean" --no-cache -q
"$CASEBOOK" build --repo "$C" --out "$TMP/warm" -q
# Flip 200 bits at fixed places in the records' part of the file.
python3 - "$C/.casebook/cache.db" <<'PY'
import sys, random
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
rnd = random.Random(15)
for _ in range(200):
    i = rnd.randrange(4096, len(b))
    b[i] ^= 1 << rnd.randrange(8)
open(p, "wb").write(b)
PY
run "$CASEBOOK" build --repo "$C" --out "$TMP/warm" -q
assert_eq "a build over a damaged cache succeeds" "$RC" 0
d=$(diff <(tree_sum "$TMP/clean") <(tree_sum "$TMP/warm"))
if [ -z "$d" ]; then ok "output over a damaged cache is byte-identical to a clean build"; else not_ok "output over a damaged cache is byte-identical to a clean build" "$d"; fi

# --- init --force does not write through a symbolic link ---
mkdir -p "$TMP/init/repo" "$TMP/init/elsewhere"
ln -s ../elsewhere "$TMP/init/repo/content"
run "$CASEBOOK" init "$TMP/init/repo" --force
assert_eq "init --force over a linked folder: exit 2" "$RC" 2
assert_contains "init names the link" "$OUT" "repo/content' is a symbolic link"
assert_eq "nothing written where the link points" "$(ls -A "$TMP/init/elsewhere" | wc -l)" 0
assert_no_file "no repository made" "$TMP/init/repo/.git"

# --- names and visibility ---
N=$TMP/names
mkdir -p "$N"
git init -q "$N"
doc "$N/content/care-plan.md" "Public care plan"
doc "$N/content/care plan.md" "Restricted care plan" "visibility: restricted"
commit "$N" "clash"
run "$CASEBOOK" check --repo "$N"
assert_eq "a slug clash across audiences: check exits 1" "$RC" 1
assert_contains "a slug clash is reported with its rule" "$OUT" "content/care-plan.md:1:1: error: this document's page would be documents/care-plan.html, the same as content/care plan.md's"
assert_contains "the rule is slug-clash" "$OUT" "[slug-clash]"
run "$CASEBOOK" build --repo "$N" --out "$TMP/names-out"
assert_eq "a slug clash: the public build fails too" "$RC" 1
assert_no_file "no public page named after a restricted document's existence" "$TMP/names-out/documents/care-plan-2.html"

git -C "$N" rm -q "content/care plan.md"
doc "$N/content/a.md" "Empty visibility" "visibility:"
doc "$N/content/b.md" "Null visibility" "visibility: null"
doc "$N/content/c.md" "Tilde visibility" "visibility: ~"
commit "$N" "visibility"
run "$CASEBOOK" check --repo "$N"
assert_eq "an empty visibility: check exits 1" "$RC" 1
assert_contains "visibility: (empty) is invalid-visibility" "$OUT" "content/a.md:5:1: error: 'visibility' is empty"
assert_contains "visibility: null is invalid-visibility" "$OUT" "content/b.md:5:1: error: 'visibility' is empty"
assert_contains "visibility: ~ is invalid-visibility" "$OUT" "content/c.md:5:1: error: 'visibility' is empty"
assert_eq "three invalid-visibility errors" "$(grep -c '\[invalid-visibility\]' <<<"$OUT")" 3
git -C "$N" rm -q content/a.md content/b.md content/c.md
commit "$N" "no visibility problems"

# .MD and .markdown files are documents like .md ones.
doc "$N/content/upper.MD" "Upper case extension"
doc "$N/content/long.markdown" "Long extension" "" "See [the care plan](care-plan.md) and [upper](upper.MD)."
commit "$N" "extensions"
run "$CASEBOOK" build --repo "$N" --out "$TMP/ext-out"
assert_eq "a build with .MD and .markdown files succeeds" "$RC" 0
assert_contains "all three documents are built" "$OUT" "3 of 3 documents"
assert_file ".MD becomes documents/upper.html" "$TMP/ext-out/documents/upper.html"
assert_file ".markdown becomes documents/long.html" "$TMP/ext-out/documents/long.html"
assert_contains "a link to a .MD file is rewritten to its page" "$(cat "$TMP/ext-out/documents/long.html")" 'href="../documents/upper.html"'

# help for a command that does not exist is a usage error.
run "$CASEBOOK" help nosuch
assert_eq "help nosuch: exit 2" "$RC" 2
assert_contains "help nosuch: says so" "$OUT" "casebook: no command 'nosuch'"
run "$CASEBOOK" help build
assert_eq "help build: exit 0" "$RC" 0

finish
