#!/usr/bin/env bash
# casebook serve: a preview on a free loopback port that rebuilds when a
# file changes, shows build errors in the page while the last good site
# stays served, refuses paths outside the output, and stops cleanly.
# Every wait is bounded and the server is always killed.
. "$(dirname "$0")/lib.sh"

SERVERS=()
cleanup() {
	for p in "${SERVERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# until SECONDS CMD...: runs CMD every 0.2 s until it succeeds or time is up.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

R=$TMP/repo
git init -q "$R"
doc "$R/content/first.md" "First briefing" "themes: [neglect]" "## Key learning

- Look at the whole record."
doc "$R/content/second.md" "Second briefing" "status: draft"
commit "$R" "content"

LOG=$TMP/serve.log
"$CASEBOOK" serve --repo "$R" --port 0 >"$LOG" 2>&1 &
PID=$!
SERVERS+=("$PID")
if until_ok 30 grep -q 'serving .* at http://127.0.0.1:[0-9]*/' "$LOG"; then
	ok "serve starts and prints its address"
else
	not_ok "serve starts and prints its address" "$(cat "$LOG")"
	finish
fi
PORT=$(sed -n 's|.* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$LOG" | head -1)
U=http://127.0.0.1:$PORT
assert_contains "the first build is reported" "$(cat "$LOG")" "casebook: built 2 of 2 documents"
assert_contains "serve shows drafts" "$(curl -s "$U/documents/second.html")" "<title>Second briefing —"

# Listening on the loopback address only (IPv4 127.0.0.1, nothing on IPv6).
listen=$(python3 - "$PORT" <<'PY'
import sys
port = int(sys.argv[1])
found = []
for name in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(name).read().splitlines()[1:]
    except OSError:
        continue
    for l in lines:
        f = l.split()
        addr, p = f[1].split(":")
        if int(p, 16) == port and f[3] == "0A":
            found.append(addr)
print(" ".join(found))
PY
)
assert_eq "listens on 127.0.0.1 only" "$listen" "0100007F"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "home page: 200" "$(code "$U/")" "200"
home=$(curl -s "$U/")
assert_contains "home page lists a document" "$home" "First briefing"
assert_contains "pages get the reload script" "$home" "/__casebook/version"
assert_eq "a document page: 200" "$(code "$U/documents/first.html")" "200"
assert_eq "CSS with its type" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$U/assets/style.css")" \
	"200 text/css; charset=utf-8"
assert_eq "a folder redirects to its slash" "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U/themes")" \
	"301 $U/themes/"
assert_eq "a folder serves its index" "$(code "$U/themes/")" "200"
assert_eq "a missing page: 404" "$(code "$U/documents/nothing.html")" "404"
assert_eq ".. is refused" "$(code --path-as-is "$U/../casebook.yml")" "403"
assert_eq "encoded .. is refused" "$(code --path-as-is "$U/%2e%2e/%2e%2e/etc/passwd")" "403"
assert_eq "hidden files are refused" "$(code "$U/.casebook-output")" "403"
assert_eq "POST is refused" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$U/")" "405"
assert_contains "405 says what is allowed" "$(curl -s -i -X DELETE "$U/")" "Allow: GET, HEAD"
assert_eq "HEAD works, without a body" "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$U/index.html")" "200 0"
assert_eq "nothing is cached" "$(curl -s -I "$U/" | tr -d '\r' | grep -i '^cache-control:')" "Cache-Control: no-store"
# Only requests addressed to this server by a loopback name are answered:
# a page elsewhere could point a name of its own at 127.0.0.1 (DNS
# rebinding) and read the preview.
assert_eq "Host localhost:PORT: 200" "$(code -H "Host: localhost:$PORT" "$U/")" "200"
assert_eq "Host [::1]:PORT: 200" "$(code -H "Host: [::1]:$PORT" "$U/")" "200"
assert_eq "another Host name: 421" "$(code -H "Host: attacker.example:$PORT" "$U/")" "421"
assert_eq "a loopback name with another port: 421" "$(code -H "Host: 127.0.0.1:1" "$U/")" "421"
assert_eq "a Host ending in a loopback name: 421" "$(code -H "Host: evil127.0.0.1:$PORT" "$U/")" "421"
assert_eq "no Host: 400" "$(curl -s -o /dev/null -w '%{http_code}' --http1.0 -H 'Host:' "$U/")" "400"
assert_eq "%00 in a path: 400, not the file before it" "$(code --path-as-is "$U/index.html%00.png")" "400"
assert_eq "%00 alone: 400" "$(code --path-as-is "$U/%00")" "400"
built=$(find "$R/.casebook/serve" -name index.html -path '*/site/index.html' | head -1)
check "the site is built in a private folder" test -f "$built"
assert_eq "a preview leaves no search database for casebook search (nor a temporary one)" \
	"$(cd "$R/.casebook" && ls | grep '^search-' || true)" ""
assert_eq "the built files never hold the script" "$(grep -l '__casebook' "$built" || true)" ""
assert_eq "the working tree stays clean apart from .casebook" "$(git -C "$R" status --porcelain | grep -v '^?? .casebook/$' || true)" ""

# An edit is rebuilt and the version changes, so open pages reload.
v1=$(curl -s "$U/__casebook/version")
doc "$R/content/first.md" "First briefing, revised" "themes: [neglect]" "## Key learning

- Look at the whole record."
if until_ok 20 bash -c '[ "$(curl -s "$1/__casebook/version")" != "$2" ]' _ "$U" "$v1"; then
	ok "an edit changes the version"
else
	not_ok "an edit changes the version" "$(cat "$LOG")"
fi
assert_contains "the page shows the edit" "$(curl -s "$U/documents/first.html")" "<title>First briefing, revised —"
# The edited page first, rendered alone from the site already loaded (the
# open page reloads), then the full rebuild; what that leaves is a clean
# build's output, byte for byte.
shown() { grep -c "casebook: showed the edit to $1 in " "$LOG" || true; }
assert_eq "the edited page is shown before the full rebuild" "$(shown content/first.md)" "1"
if until_ok 20 bash -c 'sed -n "/showed the edit to content\/first.md/,\$p" "$1" | grep -q "casebook: rebuilt 2 of 2"' _ "$LOG"; then
	ok "the full rebuild follows the page shown first"
else
	not_ok "the full rebuild follows the page shown first" "$(cat "$LOG")"
fi
assert_contains "the terminal reports the rebuild" "$(cat "$LOG")" "casebook: rebuilt 2 of 2 documents"
SITE=$(dirname "$built")
run "$CASEBOOK" build -q --repo "$R" --worktree --drafts --audience internal --out "$TMP/clean"
assert_eq "after the rebuild the served site is a clean build's output" "$(tree_sum "$SITE")" "$(tree_sum "$TMP/clean")"
# A second edit to the same page: shown first again.
v1=$(curl -s "$U/__casebook/version")
doc "$R/content/first.md" "First briefing, revised" "themes: [neglect]" "## Key learning

- Look at the whole record, twice."
until_ok 20 bash -c '[ "$(curl -s "$1/__casebook/version")" != "$2" ]' _ "$U" "$v1"
assert_contains "a second edit is shown" "$(curl -s "$U/documents/first.html")" "the whole record, twice."
assert_eq "and shown first" "$(shown content/first.md)" "2"
assert_not_contains "serve builds the working files: no note about uncommitted changes" "$(cat "$LOG")" "not committed"
doc "$R/content/third.md" "A third, uncommitted briefing"
until_ok 20 bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" "$1")" = 200 ]' _ "$U/documents/third.html" && ok "a new uncommitted file is served" ||
	not_ok "a new uncommitted file is served"
assert_eq "a new file is left to the full build" "$(shown content/third.md)" "0"

# A broken file: the error is in the page and the terminal, and the last
# good page is still served.
v2=$(curl -s "$U/__casebook/version")
sed -i 's/^date: .*/date: 2024-13-40/' "$R/content/first.md"
until_ok 20 bash -c '[ "$(curl -s "$1/__casebook/version")" != "$2" ]' _ "$U" "$v2" && ok "a broken file is noticed" ||
	not_ok "a broken file is noticed"
page=$(curl -s "$U/documents/first.html")
assert_eq "the last good page is still served (200)" "$(code "$U/documents/first.html")" "200"
assert_contains "the last good page's content" "$page" "<title>First briefing, revised —"
assert_contains "the page shows the problem" "$page" "casebook could not build the site"
assert_contains "the page names file, line and column" "$page" \
	"content/first.md:4:7: error: &#39;2024-13-40&#39; is not a real calendar date"
assert_contains "the terminal names it too" "$(cat "$LOG")" \
	"content/first.md:4:7: error: '2024-13-40' is not a real calendar date"
assert_contains "the terminal says the last good site stays" "$(cat "$LOG")" "still serving the last good site"
assert_eq "a broken file is left to the full build, which shows its problem" "$(shown content/first.md)" "2"
v3=$(curl -s "$U/__casebook/version")
sed -i 's/^date: .*/date: 2024-03-01/' "$R/content/first.md"
until_ok 20 bash -c '[ "$(curl -s "$1/__casebook/version")" != "$2" ]' _ "$U" "$v3" && ok "the fix is noticed" ||
	not_ok "the fix is noticed"
assert_not_contains "the problem is gone once fixed" "$(curl -s "$U/documents/first.html")" "could not build"

# Another server on the same port is refused; SIGTERM stops a server too.
run timeout 20 "$CASEBOOK" serve --repo "$R" --port "$PORT"
assert_eq "a port in use: exit 2" "$RC" "2"
assert_contains "a port in use: casebook's own message" "$OUT" "casebook: port $PORT on 127.0.0.1 is already in use by another program; choose another with --port"
assert_eq "a port in use: nothing but that message" "$(grep -c . <<<"$OUT")" "1"
"$CASEBOOK" serve --repo "$R" --port 0 >"$TMP/serve2.log" 2>&1 &
PID2=$!
SERVERS+=("$PID2")
until_ok 30 grep -q 'serving' "$TMP/serve2.log"
kill -TERM "$PID2"
until_ok 10 bash -c '! kill -0 "$1"' _ "$PID2" && ok "SIGTERM stops it" || not_ok "SIGTERM stops it"
wait "$PID2"
assert_eq "SIGTERM: exit 0" "$?" "0"

# A public preview: an edit is shown first; an edit that makes the
# document restricted is never shown first, and the full rebuild leaves
# no page of it.
"$CASEBOOK" serve --repo "$R" --port 0 --audience public >"$TMP/public.log" 2>&1 &
PID3=$!
SERVERS+=("$PID3")
until_ok 30 grep -q 'serving' "$TMP/public.log"
P=http://127.0.0.1:$(sed -n 's|.* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/public.log" | head -1)
assert_eq "public preview: the public document is there" "$(code "$P/documents/first.html")" "200"
v4=$(curl -s "$P/__casebook/version")
doc "$R/content/first.md" "First briefing, public edit" "themes: [neglect]"
until_ok 20 bash -c '[ "$(curl -s "$1/__casebook/version")" != "$2" ]' _ "$P" "$v4"
assert_contains "public preview: the edit is shown" "$(curl -s "$P/documents/first.html")" "<title>First briefing, public edit —"
assert_eq "public preview: shown first" "$(grep -c 'showed the edit to content/first.md' "$TMP/public.log")" "1"
until_ok 20 bash -c '[ "$(grep -c "casebook: rebuilt" "$1")" -ge 1 ]' _ "$TMP/public.log"
doc "$R/content/first.md" "First briefing, now restricted" "visibility: restricted"
until_ok 20 bash -c '[ "$(grep -c "casebook: rebuilt" "$1")" -ge 2 ]' _ "$TMP/public.log" &&
	ok "public preview: the restricting edit is rebuilt" || not_ok "public preview: the restricting edit is rebuilt" "$(cat "$TMP/public.log")"
assert_eq "public preview: a restricted document is never shown first" \
	"$(grep -c 'showed the edit to content/first.md' "$TMP/public.log")" "1"
assert_eq "public preview: its page is gone" "$(code "$P/documents/first.html")" "404"
assert_not_contains "public preview: nothing of it is served" "$(grep -rl 'now restricted' "$TMP/public.log" "$R/.casebook/serve/$PID3" || true)" "site"
kill -INT "$PID3"
wait "$PID3"

# Ctrl-C stops it cleanly and removes its private folder.
kill -INT "$PID"
until_ok 10 bash -c '! kill -0 "$1"' _ "$PID" && ok "Ctrl-C stops it" || not_ok "Ctrl-C stops it"
wait "$PID"
assert_eq "Ctrl-C: exit 0" "$?" "0"
assert_contains "says it stopped" "$(tail -1 "$LOG")" "casebook: stopped"
assert_eq "the private folder is removed" "$(ls "$R/.casebook/serve" 2>/dev/null || true)" ""
assert_eq "no longer listening" "$(code --max-time 2 "$U/")" "000"

run "$CASEBOOK" serve --repo "$R" --port 70000
assert_eq "a bad port: exit 2" "$RC" "2"
run env -C "$TMP" "$CASEBOOK" serve --port 0
assert_eq "no repository: exit 2" "$RC" "2"
finish
