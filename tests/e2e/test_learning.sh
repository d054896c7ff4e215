#!/usr/bin/env bash
# Learning points: the heading vocabulary (defaults, casebook.yml, front
# matter), [no-learning], hashtags, each point's own themes on the theme
# pages and in `casebook learning`, scored against the themes a reader
# gave every point of tests/fixtures/learning (expected.tsv).
. "$(dirname "$0")/lib.sh"

FIX=$ROOT/tests/fixtures/learning
R=$TMP/repo
cp -r "$FIX/repo" "$R"
git init -q "$R"
commit "$R" "fixtures"

# Precision and recall of every theme page against expected.tsv.
run "$CASEBOOK" learning --repo "$R" --json
assert_eq "learning --json exits 0" "$RC" "0"
printf '%s\n' "$OUT" >"$TMP/points.json"
SCORE=$(python3 "$FIX/score.py" <"$TMP/points.json")
echo "$SCORE" | sed 's/^/    /'
# Every theme page meets the targets (precision >= 0.9, recall >= 0.8).
while read -r theme _ p _ _ r _; do
	[ -z "$theme" ] && continue
	python3 -c "import sys; sys.exit(0 if $p >= 0.9 and $r >= 0.8 else 1)" &&
		ok "theme page $theme: precision $p, recall $r" ||
		not_ok "theme page $theme: precision $p, recall $r below the targets"
done < <(grep -v '^points differ' <<<"$SCORE")
assert_not_contains "every expected point is found" "$SCORE" "points differ"

# JSON shape: version 1, newest document first, document order, anchors.
python3 - "$TMP/points.json" <<'PY' && ok "learning --json: schema, order and anchors" || not_ok "learning --json: schema, order and anchors"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1
pts = d["points"]
assert set(pts[0]) == {"document", "title", "heading", "anchor", "text", "themes"}, pts[0].keys()
docs = []
for p in pts:
    if not docs or docs[-1] != p["document"]:
        docs.append(p["document"])
assert docs == ["content/inspections/lac-health-inspection.md", "content/briefings/national-health-briefing.md",
                "content/audits/cpma-audit.md", "content/cdop/cdop-sleeping-infant.md"], docs
cd = [p for p in pts if p["document"].endswith("cdop-sleeping-infant.md")]
assert cd[0]["heading"].startswith("Lessons learnt (particularly")
assert cd[0]["anchor"] == "lessons-learnt-particularly-those-relevant-to-a-wider-audience"
assert cd[-1]["heading"] == "What we would do differently next time"
audit = [p["heading"] for p in pts if p["document"].endswith("cpma-audit.md")]
assert "Next steps" not in audit and "Good practice" in audit and "Improving practice" in audit
PY

run "$CASEBOOK" learning --repo "$R" --theme non-mobile-bruising
assert_eq "learning --theme exits 0" "$RC" "0"
assert_contains "a bruising point is listed" "$OUT" "Bruising in non-mobile babies should never"
assert_not_contains "a point about male carers is not" "$OUT" "Fathers and male carers"
run "$CASEBOOK" learning --repo "$R" --theme cse
assert_eq "a theme with no points exits 1" "$RC" "1"
run "$CASEBOOK" learning --repo "$R" --theme non-mobile-bruisng
assert_eq "an unknown theme exits 2" "$RC" "2"
assert_contains "with a suggestion" "$OUT" "did you mean 'non-mobile-bruising'"
run "$CASEBOOK" learning --repo "$R" --nonsense
assert_eq "an unknown option exits 2" "$RC" "2"
run "$CASEBOOK" help learning
assert_contains "help learning" "$OUT" "usage: casebook learning"

# Theme pages list only the points on their theme.
check "the fixtures build" "$CASEBOOK" build --repo "$R" -q
page=$(cat "$R/public/themes/non-mobile-bruising.html")
assert_contains "theme page: bruising point" "$page" "Bruising in non-mobile babies should never"
assert_not_contains "theme page: no point about partners" "$page" "mother&#39;s new partner"
assert_not_contains "theme page: no point about partners (raw)" "$page" "mother's new partner"
doc=$(cat "$R/public/documents/briefings-national-health-briefing.html")
assert_contains "document page keeps every point" "$doc" "Keep learning from reviews on the agenda"

# Vocabulary: casebook.yml adds or replaces; front matter adds; a learning
# document without points is warned about, naming the nearest heading.
R2=$TMP/vocab
mkdir -p "$R2/content" && git init -q "$R2"
doc "$R2/content/a.md" "Audit A" "" "## Learnings and reflections

- A lesson about plans."
sed -i 's/^type: briefing$/type: audit/' "$R2/content/a.md"
doc "$R2/content/b.md" "Briefing B" "" "## Lesons lernt

- A misspelt lesson."
doc "$R2/content/c.md" "Briefing C" "learning-headings: [Practice points]" "## Practice points

- A lesson under the document's own heading."
doc "$R2/content/d.md" "Briefing D" "" "## Practice points

- Not a lesson without the setting."
commit "$R2" "vocab"
run "$CASEBOOK" check --repo "$R2"
assert_contains "no-learning names the headings and the nearest entry" "$OUT" \
	"content/b.md:6:1: warning: no learning points: none of the headings ('Lesons lernt') is a learning heading; the nearest learning heading is 'lessons learnt'"
assert_not_contains "front matter learning-headings adds" "$OUT" "content/c.md:6:1: warning: no learning"
assert_contains "without it, no points" "$OUT" "content/d.md:6:1: warning: no learning points"
run "$CASEBOOK" learning --repo "$R2" --json
assert_contains "'Learnings and reflections' is a learning heading" "$OUT" "A lesson about plans."
printf 'learning-headings: [Practice points]\n' >"$R2/casebook.yml"
commit "$R2" "add"
run "$CASEBOOK" learning --repo "$R2"
assert_contains "casebook.yml learning-headings adds" "$OUT" "Not a lesson without the setting."
assert_contains "and keeps the defaults" "$OUT" "A lesson about plans."
printf 'learning-headings: {only: [Practice points]}\n' >"$R2/casebook.yml"
commit "$R2" "only"
run "$CASEBOOK" learning --repo "$R2"
assert_contains "only: the listed headings" "$OUT" "Not a lesson without the setting."
assert_not_contains "only: not the defaults" "$OUT" "A lesson about plans."

# Hashtags file a point under a theme and are not published; an unknown
# id is an error at its place.
R3=$TMP/tags
mkdir -p "$R3/content" && git init -q "$R3"
printf 'themes:\n  neglect: Neglect\n  was-not-brought: Was not brought\n' >"$R3/content/taxonomy.yml"
doc "$R3/content/a.md" "Tagged" "themes: [neglect]" "## Key learning

- Check who brings the child to clinic. #was-not-brought
- Another point."
commit "$R3" "tags"
check "a tagged document builds" "$CASEBOOK" build --repo "$R3" -q
assert_contains "tagged point on its theme page" "$(cat "$R3/public/themes/was-not-brought.html")" "Check who brings the child"
assert_not_contains "the tag is not published" "$(cat "$R3/public/documents/a.html")" "#was-not-brought"
assert_not_contains "untagged point not on that page" "$(cat "$R3/public/themes/was-not-brought.html")" "Another point."
sed -i 's/#was-not-brought/#was-not-brougt/' "$R3/content/a.md"
commit "$R3" "typo"
run "$CASEBOOK" check --repo "$R3"
assert_eq "an unknown hashtag fails the check" "$RC" "1"
assert_contains "at its line and column, with a suggestion" "$OUT" \
	"content/a.md:10:41: error: '#was-not-brougt' is not a theme in the taxonomy; did you mean '#was-not-brought'? [unknown-theme]"

# Drafts: learning lists what a build of the same audience and options
# publishes, so a draft's points only with --drafts (never for public).
doc "$R3/content/d.md" "Draft note" "themes: [neglect]
status: draft" "## Key learning

- A lesson still being written."
sed -i 's/#was-not-brougt/#was-not-brought/' "$R3/content/a.md"
commit "$R3" "a draft"
run "$CASEBOOK" learning --repo "$R3"
assert_not_contains "public: no draft's points" "$OUT" "still being written"
run "$CASEBOOK" learning --repo "$R3" --audience internal
assert_not_contains "internal without --drafts: no draft's points" "$OUT" "still being written"
run "$CASEBOOK" learning --repo "$R3" --audience internal --drafts
assert_contains "internal with --drafts: the draft's points" "$OUT" "A lesson still being written."
run "$CASEBOOK" learning --repo "$R3" --drafts
assert_eq "--drafts for the public audience: exit 2" "$RC" "2"
assert_contains "  ... as build says it" "$OUT" "casebook: drafts never go in a public build: --drafts needs --audience internal or restricted"

# A document in error stops the listing (exit 2: 1 means no points).
printf -- '---\ntitle: Broken\n---\n' >"$R3/content/broken.md"
run "$CASEBOOK" learning --repo "$R3" --worktree
assert_eq "content errors: exit 2" "$RC" "2"
assert_contains "  ... listed at their place" "$OUT" "content/broken.md:1:1: error:"
assert_contains "  ... and counted" "$OUT" "fix them before listing their learning ('casebook check' lists them)"

finish
