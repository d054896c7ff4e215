# Shared helpers for the end-to-end tests. Each test script sources this,
# makes its assertions, and ends with `finish`, which prints
# "e2e NAME: N passed, M failed" and sets the exit status.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CASEBOOK="$ROOT/casebook"
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASS=0
FAIL=0
export NO_COLOR=1
unset SOURCE_DATE_EPOCH

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    /' | head -40; return 0; }

# check DESC COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi; }
assert_eq() { if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "expected: $3
got:      $2"; fi; }
assert_contains() { if grep -qF -- "$3" <<<"$2"; then ok "$1"; else not_ok "$1" "missing: $3
in: $2"; fi; }
assert_not_contains() { if grep -qF -- "$3" <<<"$2"; then not_ok "$1" "unexpected: $3"; else ok "$1"; fi; }
assert_file() { if [ -f "$2" ]; then ok "$1"; else not_ok "$1" "no file $2"; fi; }
assert_no_file() { if [ -e "$2" ]; then not_ok "$1" "unexpected $2"; else ok "$1"; fi; }

# run CMD...: runs a command, leaving its output in OUT and status in RC.
run() { OUT=$("$@" 2>&1); RC=$?; }

# Git with fixed identities and dates, so history-derived output is stable.
export GIT_AUTHOR_NAME="A. Lead" GIT_AUTHOR_EMAIL="lead@example.org"
export GIT_COMMITTER_NAME="A. Lead" GIT_COMMITTER_EMAIL="lead@example.org"
export GIT_AUTHOR_DATE="2024-01-15T10:00:00Z" GIT_COMMITTER_DATE="2024-01-15T10:00:00Z"
export GIT_CONFIG_NOSYSTEM=1 HOME="$TMP"
git config --global init.defaultBranch main
git config --global user.name "A. Lead"
git config --global user.email "lead@example.org"

# commit REPO MESSAGE [DATE]: commits everything in REPO. Fixtures commit
# content with errors on purpose, so a pre-commit hook (casebook init
# installs one; test_hook.sh tests it) is not run.
commit() {
	local d=${3:-2024-01-15T10:00:00Z}
	git -C "$1" add -A && GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -C "$1" commit -q --no-verify -m "$2"
}

# doc PATH TITLE [EXTRA_FRONT_MATTER] [BODY]: writes a minimal valid document.
doc() {
	mkdir -p "$(dirname "$1")"
	{
		echo "---"
		echo "title: \"$2\""
		echo "type: briefing"
		echo "date: 2024-01-10"
		[ -n "${3:-}" ] && printf '%s\n' "$3"
		echo "---"
		echo
		printf '%s\n' "${4:-Some text about practice.}"
	} >"$1"
}

# tree_sum DIR: one checksum line per file, for comparing output trees.
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# broken_links DIR: prints every relative href/src in DIR's HTML that does
# not resolve to a file.
broken_links() {
	python3 - "$1" <<'PY'
import os, re, sys, html
root = sys.argv[1]
bad = 0
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith(".html"):
            continue
        p = os.path.join(dp, f)
        for m in re.finditer(r'(?:href|src)="([^"]*)"', open(p, encoding="utf-8").read()):
            u = html.unescape(m.group(1))
            if not u or u.startswith(("#", "http://", "https://", "mailto:")):
                continue
            path = u.split("#")[0].split("?")[0]
            if not path:
                continue
            t = os.path.normpath(os.path.join(dp, path))
            if not t.startswith(os.path.abspath(root)) and not t.startswith(root):
                print(f"{p}: {u} leaves the site"); bad += 1
            elif not os.path.isfile(t):
                print(f"{p}: {u} is missing"); bad += 1
sys.exit(1 if bad else 0)
PY
}

finish() {
	echo "e2e $TEST_NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}
