#!/usr/bin/env bash
# Command-line behaviour: help, usage errors, exit codes, repositories.
. "$(dirname "$0")/lib.sh"

run "$CASEBOOK" --help
assert_eq "--help exits 0" "$RC" "0"
assert_contains "--help lists build" "$OUT" "build"
run "$CASEBOOK" build --help
assert_eq "build --help exits 0" "$RC" "0"
assert_contains "build --help lists --audience" "$OUT" "--audience"
run "$CASEBOOK" version
assert_contains "version" "$OUT" "casebook "
# Libraries not every command needs are loaded when first needed
# (dlopen), so the program itself does not ask for them and the other
# commands start without them: libgit2 (and the TLS, SSH and Kerberos
# libraries it pulls in), serve's HTTP library, encryption's and import's.
needed=$(LC_ALL=C readelf -d "$CASEBOOK" | grep NEEDED)
assert_contains "casebook is linked with libraries (readelf works)" "$needed" "libsqlite3"
for lib in libgit2 libmicrohttpd libcrypto libxml2 libzip; do
	assert_not_contains "$lib is loaded only by the command that needs it" "$needed" "$lib"
done
run env LD_DEBUG=libs "$CASEBOOK" version
assert_not_contains "casebook version does not load libmicrohttpd" "$OUT" "libmicrohttpd"
assert_not_contains "nor libgit2" "$OUT" "libgit2"
assert_not_contains "nor libcrypto" "$OUT" "libcrypto"
run "$CASEBOOK"
assert_eq "no command exits 2" "$RC" "2"
run "$CASEBOOK" frobnicate
assert_eq "unknown command exits 2" "$RC" "2"
assert_contains "unknown command named" "$OUT" "unknown command 'frobnicate'"
run "$CASEBOOK" build --bogus
assert_eq "unknown option exits 2" "$RC" "2"
assert_contains "unknown option named" "$OUT" "unknown option '--bogus'"
run "$CASEBOOK" build --audience everyone
assert_eq "bad audience exits 2" "$RC" "2"
assert_contains "bad audience explained" "$OUT" "use public, internal or restricted"
run "$CASEBOOK" build --ref main --worktree
assert_eq "--ref with --worktree exits 2" "$RC" "2"

mkdir -p "$TMP/norepo"
run env -C "$TMP/norepo" "$CASEBOOK" build
assert_eq "no repository exits 2" "$RC" "2"
assert_eq "no repository: one line" "$(wc -l <<<"$OUT")" "1"
assert_contains "no repository explained" "$OUT" "no git repository"

R=$TMP/repo
git init -q "$R"
run "$CASEBOOK" build --repo "$R" --out "$TMP/o"
assert_eq "empty repository exits 2" "$RC" "2"
assert_contains "empty repository explained" "$OUT" "no commits"
doc "$R/notes.md" "Outside content"
commit "$R" "first"
run "$CASEBOOK" build --repo "$R" --out "$TMP/o"
assert_eq "no content folder exits 2" "$RC" "2"
assert_contains "no content folder explained" "$OUT" "content"
run "$CASEBOOK" build --repo "$R" --ref no-such-branch --out "$TMP/o"
assert_eq "unknown ref exits 2" "$RC" "2"
assert_contains "unknown ref named" "$OUT" "no-such-branch"

doc "$R/content/first.md" "First briefing" "themes: [neglect]"
commit "$R" "add first"
run env -C "$R/content" "$CASEBOOK" build
assert_eq "builds from inside the repository with defaults" "$RC" "0"
assert_file "default output is public/ in the repository" "$R/public/index.html"
assert_file "document page" "$R/public/documents/first.html"
assert_file "theme page" "$R/public/themes/neglect.html"

# --worktree sees uncommitted edits; the default build does not.
doc "$R/content/second.md" "Uncommitted second"
run "$CASEBOOK" build --repo "$R" --out "$TMP/committed"
assert_no_file "committed build ignores uncommitted files" "$TMP/committed/documents/second.html"
run "$CASEBOOK" build --repo "$R" --worktree --out "$TMP/wt"
assert_eq "worktree build exits 0" "$RC" "0"
assert_file "worktree build includes uncommitted files" "$TMP/wt/documents/second.html"

# A bare repository builds from its committed tree.
git clone -q --bare "$R" "$TMP/bare.git"
run "$CASEBOOK" build --repo "$TMP/bare.git" --out "$TMP/frombare"
assert_eq "bare repository builds" "$RC" "0"
assert_file "bare repository page" "$TMP/frombare/documents/first.html"
run "$CASEBOOK" build --repo "$TMP/bare.git" --worktree --out "$TMP/x"
assert_eq "--worktree on a bare repository exits 2" "$RC" "2"

# An older ref builds the older tree.
git -C "$R" tag v1
doc "$R/content/first.md" "First briefing, revised" "themes: [neglect]"
commit "$R" "revise" "2024-02-01T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --ref v1 --out "$TMP/v1"
check "--ref builds that ref's content" grep -q "<title>First briefing —" "$TMP/v1/documents/first.html"

# The output guard: a non-empty folder casebook did not make is refused.
mkdir -p "$TMP/precious" && echo keep >"$TMP/precious/notes.txt"
run "$CASEBOOK" build --repo "$R" --out "$TMP/precious"
assert_eq "refuses a foreign non-empty output folder" "$RC" "2"
assert_eq "the foreign folder is untouched" "$(cat "$TMP/precious/notes.txt")" "keep"

# A misspelled theme is an error, not a silent fallback.
echo 'theme: defualt' >"$R/casebook.yml"
commit "$R" "typo theme" "2024-02-02T10:00:00Z"
run "$CASEBOOK" build --repo "$R" --out "$TMP/typo"
assert_eq "an unknown theme exits 2" "$RC" "2"
assert_contains "an unknown theme is named" "$OUT" "no theme 'defualt'"
git -C "$R" rm -q casebook.yml && commit "$R" "no config" "2024-02-03T10:00:00Z"

# check writes nothing and reports success.
run "$CASEBOOK" check --repo "$R"
assert_eq "check exits 0 on clean content" "$RC" "0"
run "$CASEBOOK" check --repo "$R" --out x
assert_eq "check refuses --out" "$RC" "2"

# casebook's own files missing is said as such, not blamed on the repository.
run env CASEBOOK_DATADIR="$TMP/nowhere" "$CASEBOOK" build -q --repo "$R" --out "$TMP/nodata"
assert_eq "missing data folder: exit 2" "$RC" "2"
assert_contains "missing data folder: named, with the way out" "$OUT" "cannot find casebook's own files (themes and plugins) in '$TMP/nowhere'; reinstall casebook, or set CASEBOOK_DATADIR"
assert_not_contains "missing data folder: not blamed on the theme setting" "$OUT" "no theme"
finish
