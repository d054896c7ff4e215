#!/usr/bin/env bash
# Authoring from nothing: `casebook init`, `casebook new` for every type,
# then check, build and search with no other step; plus the help texts,
# the manual and the bash completion.
. "$(dirname "$0")/lib.sh"

TYPES="case-review briefing seven-minute-briefing audit inspection action-plan cdop-learning guidance supervision-note"

# ---- init -------------------------------------------------------------------
run "$CASEBOOK" init
assert_eq "init without a folder exits 2" "$RC" "2"
assert_contains "init without a folder explains" "$OUT" "say which folder"

mkdir -p "$TMP/busy" && echo "mine" >"$TMP/busy/notes.txt" && echo "my title" >"$TMP/busy/casebook.yml"
run "$CASEBOOK" init "$TMP/busy"
assert_eq "init refuses a non-empty folder (exit 2)" "$RC" "2"
assert_contains "init names the non-empty folder" "$OUT" "'$TMP/busy' is not empty"
assert_no_file "nothing written into the refused folder" "$TMP/busy/content"
run "$CASEBOOK" init --force "$TMP/busy"
assert_eq "init --force uses a non-empty folder" "$RC" "0"
assert_eq "init --force never overwrites a file" "$(cat "$TMP/busy/casebook.yml")" "my title"
assert_contains "init --force says what it kept" "$OUT" "kept the existing casebook.yml"
assert_file "init --force adds the missing files" "$TMP/busy/content/taxonomy.yml"

L=$TMP/lib
run "$CASEBOOK" init --commit "$L"
assert_eq "init --commit exits 0" "$RC" "0"
assert_contains "init reports the examples" "$OUT" "9 example documents"
assert_eq "one commit" "$(git -C "$L" rev-list --count HEAD)" "1"
assert_eq "nothing left uncommitted" "$(git -C "$L" status --porcelain)" ""
for f in casebook.yml .gitignore README.md content/taxonomy.yml content/glossary.yml; do
	assert_file "init writes $f" "$L/$f"
done
assert_eq ".gitignore lists the output and the cache" \
	"$(grep -cxE 'public/|\.casebook/|\*\.staging-\*' "$L/.gitignore")" "3"
check "casebook.yml is commented" grep -q '^# ' "$L/casebook.yml"
types=$(grep -h '^type:' "$L"/content/*/*.md | sed 's/type: *//' | sort | tr '\n' ' ')
assert_eq "one example of each of the 9 types" "$types" \
	"$(tr ' ' '\n' <<<"$TYPES" | sort | tr '\n' ' ')"
assert_eq "every example says it is fictional" \
	"$(grep -L 'fictional example' "$L"/content/*/*.md)" ""
assert_eq "examples hold no e-mail addresses or phone numbers" \
	"$(grep -EhIr '[A-Za-z0-9._-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|\b0[0-9]{3,4} ?[0-9]{3} ?[0-9]{3,4}\b' "$L/content" || true)" ""

run "$CASEBOOK" init "$TMP/lib2"
assert_eq "init without --commit exits 0" "$RC" "0"
assert_eq "init without --commit makes no commit" "$(git -C "$TMP/lib2" rev-list --all --count)" "0"
check "init without --commit makes a git repository" test -d "$TMP/lib2/.git"

# The new repository checks and builds with no other step.
run env -C "$L" "$CASEBOOK" check
assert_eq "check in the new repository exits 0" "$RC" "0"
assert_contains "check read 9 documents" "$OUT" "9 documents checked, no errors"
run env -C "$L" "$CASEBOOK" build
assert_eq "build in the new repository exits 0" "$RC" "0"
P=$L/public
assert_eq "8 public pages (the supervision note stays out)" "$(find "$P/documents" -name '*.html' | wc -l)" "8"
note_title="Group supervision: a mark on a baby and a worried practitioner"
assert_eq "the restricted note leaves no trace" "$(grep -rlF "$note_title" "$P" || true)" ""
assert_eq "every relative link resolves" "$(broken_links "$P")" ""
assert_eq "every page declares its language" "$(grep -L '<html lang="en-GB"' $(find "$P" -name '*.html'))" ""
check "theme page with learning points" grep -q 'class="learning' "$P/themes/non-mobile-bruising.html"
assert_eq "the build leaves the working tree clean" "$(git -C "$L" status --porcelain)" ""

# ---- new --------------------------------------------------------------------
export SOURCE_DATE_EPOCH=1717243200 # 2024-06-01
for t in $TYPES; do
	run env -C "$L" "$CASEBOOK" new "$t" "Learning about $t" --theme neglect --theme supervision
	assert_eq "new $t exits 0" "$RC" "0"
	case $t in
	case-review) folder=reviews ;; briefing | seven-minute-briefing) folder=briefings ;;
	audit) folder=audits ;; inspection) folder=inspections ;; action-plan) folder=action-plans ;;
	cdop-learning) folder=cdop ;; guidance) folder=guidance ;; supervision-note) folder=supervision ;;
	esac
	assert_eq "new $t prints its path" "$OUT" "content/$folder/2024-06-01-learning-about-$t.md"
	f=$L/content/$folder/2024-06-01-learning-about-$t.md
	assert_file "new $t writes the file" "$f"
	fm=$(awk 'NR==1 && /^---$/ {on=1; next} on && /^---$/ {exit} on' "$f")
	assert_contains "new $t: title" "$fm" "title: \"Learning about $t\""
	assert_contains "new $t: type" "$fm" "type: $t"
	assert_contains "new $t: date" "$fm" "date: 2024-06-01"
	assert_contains "new $t: themes" "$fm" "themes: [neglect, supervision]"
	assert_contains "new $t: a draft" "$fm" "status: draft"
done
B=$L/content/briefings/2024-06-01-learning-about-seven-minute-briefing.md
assert_eq "7-minute briefing: its seven sections in order" "$(grep '^## ' "$B" | tr '\n' '|')" \
	"## Background|## Why it matters|## Information|## Think|## Questions|## What to do|## Links|"
assert_eq "7-minute briefing: a questions list" \
	"$(awk '/^questions:/ {on=1; next} on && /^  - / {n++} on && !/^  - / {on=0} END {print n}' "$B")" "3"
R=$L/content/reviews/2024-06-01-learning-about-case-review.md
assert_eq "case review: its sections" "$(grep '^## ' "$R" | head -5 | tr '\n' '|')" \
	"## Summary|## Good practice|## Key learning|## Recommendations|## What it means for practice|"
A=$L/content/action-plans/2024-06-01-learning-about-action-plan.md
check "action plan: actions in the front matter" grep -q '^  - action: ' "$A"
check "action plan: an actions table" grep -q '^| Action | Owner | Due | RAG |' "$A"
N=$L/content/supervision/2024-06-01-learning-about-supervision-note.md
check "supervision note: restricted" grep -q '^visibility: restricted' "$N"
assert_eq "supervision note: the Kolb stages" "$(grep -c '^## \(Experience\|Reflection\|Analysis\|Action planning\)' "$N")" "4"

# Titles are quoted safely in YAML.
run env -C "$L" "$CASEBOOK" new briefing 'Quotes "and" back\slashes: a test'
assert_eq "new with quotes exits 0" "$RC" "0"
check "quotes and backslashes escaped" grep -qF 'title: "Quotes \"and\" back\\slashes: a test"' "$L/$OUT"

# Errors: exact messages, exit 2, nothing overwritten.
run env -C "$L" "$CASEBOOK" new breifing "A title"
assert_eq "unknown type exits 2" "$RC" "2"
assert_eq "unknown type: did you mean" "$OUT" "casebook: 'breifing' is not a document type; did you mean 'briefing'?"
run env -C "$L" "$CASEBOOK" new briefing "A title" --theme neglet
assert_eq "unknown theme exits 2" "$RC" "2"
assert_eq "unknown theme: did you mean" "$OUT" \
	"casebook: 'neglet' is not a theme in content/taxonomy.yml; did you mean 'neglect'?"
sum=$(sha256sum "$B")
run env -C "$L" "$CASEBOOK" new seven-minute-briefing "Learning about seven-minute-briefing"
assert_eq "an existing file: exit 2" "$RC" "2"
assert_contains "an existing file is named" "$OUT" \
	"'content/briefings/2024-06-01-learning-about-seven-minute-briefing.md' already exists"
assert_eq "the existing file is unchanged" "$(sha256sum "$B")" "$sum"
run env -C "$L" "$CASEBOOK" new briefing "!!!"
assert_eq "a title with no letters: exit 2" "$RC" "2"
run env -C "$TMP" "$CASEBOOK" new briefing "Outside"
assert_eq "new outside a repository: exit 2" "$RC" "2"
run "$CASEBOOK" new --repo "$L" guidance "From elsewhere"
assert_eq "new --repo prints the full path from elsewhere" "$OUT" "$L/content/guidance/2024-06-01-from-elsewhere.md"
unset SOURCE_DATE_EPOCH

# The new drafts pass the checks in every audience, and build.
run "$CASEBOOK" check --repo "$L" --worktree
assert_eq "check with the new drafts exits 0" "$RC" "0"
assert_contains "check read them all" "$OUT" "20 documents checked, no errors"
run "$CASEBOOK" check --repo "$L" --worktree --audience restricted
assert_eq "check --audience restricted exits 0" "$RC" "0"
commit "$L" "New drafts" "2024-06-02T10:00:00Z"
run "$CASEBOOK" build --repo "$L" --out "$TMP/pub"
assert_eq "public build with drafts exits 0" "$RC" "0"
assert_eq "drafts stay out of the public site" "$(grep -rl 'Learning about' "$TMP/pub" || true)" ""
run "$CASEBOOK" build --repo "$L" --audience internal --out "$TMP/int-nodrafts"
assert_eq "internal build without --drafts exits 0" "$RC" "0"
assert_eq "drafts are in no build without --drafts" "$(grep -rl 'Learning about' "$TMP/int-nodrafts" || true)" ""
run "$CASEBOOK" build --repo "$L" --audience internal --drafts --out "$TMP/int"
assert_eq "internal build exits 0" "$RC" "0"
check "drafts appear in the internal site" test -f "$TMP/int/documents/briefings-2024-06-01-learning-about-seven-minute-briefing.html"
assert_eq "internal site: every relative link resolves" "$(broken_links "$TMP/int")" ""

# Search works on the new repository's build.
run "$CASEBOOK" search --repo "$L" bruising
assert_eq "search in the new repository exits 0" "$RC" "0"
assert_contains "search finds the example briefing" "$OUT" "bruising in babies who are not yet mobile"
run env -C "$L" "$CASEBOOK" search "safer sleep"
assert_eq "search with the default index exits 0" "$RC" "0"
assert_contains "search finds the child death review learning" "$OUT" "sudden unexpected deaths of infants"

# ---- help, manual, completion -----------------------------------------------
MAN=$ROOT/doc/casebook.1
for cmd in build check search hook init new pack serve; do
	run "$CASEBOOK" "$cmd" --help
	assert_eq "$cmd --help exits 0" "$RC" "0"
	assert_contains "$cmd --help starts with its usage" "$(head -1 <<<"$OUT")" "usage: casebook $cmd"
	run "$CASEBOOK" help "$cmd"
	assert_contains "help $cmd prints the same usage" "$(head -1 <<<"$OUT")" "usage: casebook $cmd"
	opts=$("$CASEBOOK" "$cmd" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	missing=""
	for o in $opts; do
		# roff writes every hyphen of an option as \-.
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$MAN" || missing="$missing $o"
	done
	assert_eq "the manual covers every option of $cmd" "$missing" ""
	assert_contains "the manual has a section for $cmd" "$(grep -E '^\.SS ' "$MAN")" "$cmd"
done
warn=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
assert_eq "the manual formats without warnings" "$warn" ""
text=$(groff -man -Tutf8 "$MAN" 2>/dev/null | sed 's/.\x08//g')
for s in "EXIT STATUS" "CONFIGURATION" "FRONT MATTER" "ENVIRONMENT"; do
	assert_contains "the manual has $s" "$text" "$s"
done
for f in title type date summary themes audience area review age-band visibility status questions \
	source review-by actions pii-allow; do
	assert_contains "the manual describes the field $f" "$text" "$f"
done

COMP=$ROOT/doc/casebook.bash-completion
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _casebook; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$COMP" "$@" | sort | tr '\n' ' '
}
assert_eq "completes commands" "$(complete_words casebook "")" "analyse build check fetch help hook import init learning new pack search serve update version "
assert_eq "completes options" "$(complete_words casebook pack --i)" "--include-restricted "
assert_eq "completes models" "$(complete_words casebook pack --model "")" "4x4x4 kolb signs-of-safety "
assert_eq "completes types" "$(complete_words casebook new s)" "seven-minute-briefing supervision-note "
assert_eq "completes import's options" "$(complete_words casebook import --no)" "--no-original "
assert_eq "completes audiences" "$(complete_words casebook build --audience "")" "internal public restricted "
assert_eq "completes build's --with-db" "$(complete_words casebook build --wi)" "--with-db "
assert_eq "completes search's --audience" "$(complete_words casebook search --au)" "--audience "
assert_eq "completes themes from the taxonomy" \
	"$(cd "$L" && complete_words casebook pack --theme was-)" "was-not-brought "
finish
