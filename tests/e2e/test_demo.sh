#!/usr/bin/env bash
# The demo learning repository in content/ builds into a complete site.
. "$(dirname "$0")/lib.sh"

run "$CASEBOOK" build --repo "$ROOT" --out "$TMP/public"
assert_eq "demo builds (exit 0)" "$RC" "0"
assert_contains "build reports what it wrote" "$OUT" "built "
P=$TMP/public
for f in index.html 404.html themes/index.html assets/style.css; do
	assert_file "demo has $f" "$P/$f"
done

# Which committed documents a public build must contain: not internal,
# restricted, supervision notes or drafts.
public=0
hidden_titles=()
while IFS= read -r f; do
	fm=$(git -C "$ROOT" show "HEAD:$f" | awk 'NR==1 && /^---/ {on=1; next} on && /^(---|\.\.\.)$/ {exit} on')
	if grep -Eq '^visibility: *(internal|restricted)' <<<"$fm" || grep -Eq '^type: *supervision-note' <<<"$fm" ||
		grep -Eq '^status: *draft' <<<"$fm"; then
		hidden_titles+=("$(sed -n 's/^title: *//p' <<<"$fm" | sed 's/^"\(.*\)"$/\1/')")
	else
		public=$((public + 1))
	fi
done < <(git -C "$ROOT" ls-files 'content/*.md' 'content/**/*.md' | sort -u)
pages=$(find "$P/documents" -name '*.html' | wc -l)
assert_eq "one page per public document" "$pages" "$public"
check "the demo has at least 15 documents" test "$(git -C "$ROOT" ls-files 'content/**/*.md' | wc -l)" -ge 15
check "the demo has hidden documents to test" test "${#hidden_titles[@]}" -ge 3
for t in "${hidden_titles[@]}"; do
	esc=$(python3 -c 'import html,sys; print(html.escape(sys.argv[1]))' "$t")
	if grep -rqF -- "$esc" "$P" || grep -rqF -- "$t" "$P"; then
		not_ok "hidden document's title absent: $t"
	else
		ok "hidden document's title absent: $t"
	fi
done

out=$(broken_links "$P")
assert_eq "every relative link and asset resolves" "$out" ""
missing_lang=$(grep -L '<html lang="en-GB"' $(find "$P" -name '*.html'))
assert_eq "every page declares its language" "$missing_lang" ""

# The 7-minute briefing on children not brought to appointments.
wnb=""
for f in $(git -C "$ROOT" grep -l -e 'type: seven-minute-briefing' HEAD -- content | sed 's/^HEAD://'); do
	git -C "$ROOT" show "HEAD:$f" | grep -q 'was-not-brought' && wnb=$f
done
check "a 7-minute briefing on was-not-brought exists" test -n "$wnb"
page=$(grep -l 'seven-minute-briefing' "$P"/documents/*.html | head -1)
check "7-minute briefings get their own page class" test -n "$page"
check "theme page for was-not-brought" test -f "$P/themes/was-not-brought.html"
learn=$(grep -c 'class="learning' "$P/themes/was-not-brought.html" || true)
check "the was-not-brought theme page lists learning points" test "$learn" -ge 1
finish
