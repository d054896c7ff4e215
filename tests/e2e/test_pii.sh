#!/usr/bin/env bash
# The personal-data check through the command line: check and build fail on
# a finding, with its position and rule; check covers every document
# whatever its audience, a build only the documents it publishes; pii-allow; the names deny-list (default file and casebook.yml's
# pii-names); the demo content passes.
. "$(dirname "$0")/lib.sh"

R=$TMP/repo
git init -q "$R"
doc "$R/content/clean.md" "A clean briefing" "" "Children not brought to appointments."
doc "$R/content/leaky.md" "Call 020 7946 0958 for the family" "summary: Baby B was born on 4 May 2021." \
	"## Background

Her NHS number 943 476 5919 was in the referral.
The NHS number 943 476 5918 fails the check, so it is not personal data.
Write to jane.doe@harrowdene.example.org or visit SW1A 1AA; NI number AB 12 34 56 C."
doc "$R/content/restricted.md" "Restricted case note" "visibility: restricted" "NHS number 401 023 2137."
commit "$R" "documents"

expected="content/leaky.md:2:14: error: possible phone number '020 7946 0958'; remove it, or if it must be published add it to pii-allow in the front matter [pii-phone]
content/leaky.md:5:29: error: possible date of birth '4 May 2021'; remove it, or if it must be published add it to pii-allow in the front matter [pii-date-of-birth]
content/leaky.md:10:16: error: possible NHS number '943 476 5919'; remove it, or if it must be published add it to pii-allow in the front matter [pii-nhs-number]
content/leaky.md:12:10: error: possible e-mail address 'jane.doe@harrowdene.example.org'; remove it, or if it must be published add it to pii-allow in the front matter [pii-email]
content/leaky.md:12:51: error: possible full postcode 'SW1A 1AA'; remove it, or if it must be published add it to pii-allow in the front matter [pii-postcode]
content/leaky.md:12:71: error: possible National Insurance number 'AB 12 34 56 C'; remove it, or if it must be published add it to pii-allow in the front matter [pii-ni-number]"

restricted="content/restricted.md:8:12: error: possible NHS number '401 023 2137'; remove it, or if it must be published add it to pii-allow in the front matter [pii-nhs-number]"
run "$CASEBOOK" check --repo "$R"
assert_eq "check exits 1 on personal data" "$RC" "1"
assert_eq "check reports each finding with its position and rule, the restricted note's too" \
	"$(grep 'error:' <<<"$OUT")" "$expected
$restricted"
run "$CASEBOOK" check --repo "$R" --audience public
assert_contains "check --audience public still checks the restricted note's personal data" "$OUT" "$restricted"

run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "build exits 1 on personal data" "$RC" "1"
assert_eq "build reports the same findings, not the restricted note it leaves out" \
	"$(grep 'error:' <<<"$OUT")" "$expected"
assert_no_file "build writes nothing" "$TMP/site/index.html"

run "$CASEBOOK" check --repo "$R" --audience restricted
assert_contains "a restricted check also checks the restricted document" "$OUT" \
	"content/restricted.md:8:12: error: possible NHS number '401 023 2137'"

# pii-allow: values published on purpose, compared ignoring case and spacing.
doc "$R/content/leaky.md" "Call 020 7946 0958 for the family" "summary: Baby B was born on 4 May 2021.
pii-allow:
  - 02079460958
  - 4 MAY 2021
  - 943-476-5919
  - Jane.Doe@harrowdene.example.org
  - sw1a1aa
  - AB123456C" "## Background

Her NHS number 943 476 5919 was in the referral.
Write to jane.doe@harrowdene.example.org or visit SW1A 1AA; NI number AB 12 34 56 C."
commit "$R" "allow"
run "$CASEBOOK" build --repo "$R" --out "$TMP/allowed"
assert_eq "values in pii-allow pass" "$RC" "0"
run "$CASEBOOK" check --repo "$R"
assert_eq "the restricted document still fails the check" "$RC" "1"
assert_eq "and is the only finding" "$(grep -c 'error:' <<<"$OUT")" "1"
git -C "$R" rm -q content/restricted.md
commit "$R" "remove the restricted note"

# The deny-list: content/pii-names.txt by default.
printf '# family names\nKayden Marsh\nRosalind\n' >"$R/content/pii-names.txt"
doc "$R/content/names.md" "Names" "" "Kayden Marsh's mother and KAYDEN MARSH's sister; rosalind is a word here,
Rosalind is not."
commit "$R" "names"
run "$CASEBOOK" check --repo "$R"
assert_eq "deny-listed names fail the check" "$RC" "1"
assert_eq "each name is reported" "$(grep 'error:' <<<"$OUT" | sed -E "s/ error: ('[^']*').*/ \1/")" \
	"content/names.md:7:1: 'Kayden Marsh'
content/names.md:7:27: 'KAYDEN MARSH'
content/names.md:8:1: 'Rosalind'"
run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "and the build" "$RC" "1"

# pii-names in casebook.yml points somewhere else; the default is then unused.
git -C "$R" mv content/pii-names.txt private-names.txt
printf 'pii-names: private-names.txt\n' >"$R/casebook.yml"
commit "$R" "move the list"
run "$CASEBOOK" check --repo "$R"
assert_contains "the configured deny-list is used" "$OUT" "content/names.md:8:1: error: 'Rosalind' is on the list"
printf 'pii-names: missing.txt\n' >"$R/casebook.yml"
commit "$R" "wrong path"
run "$CASEBOOK" check --repo "$R"
assert_eq "a configured deny-list that does not exist is an error" "$RC" "1"
assert_contains "it says which file is missing" "$OUT" \
	"casebook.yml: error: pii-names: there is no file 'missing.txt' in the repository; commit the list of names, or correct the path [pii-names]"
# The list may live outside the repository, so real names never enter git:
# an absolute or ~ path in pii-names, or CASEBOOK_PII_NAMES over either.
mkdir -p "$TMP/home/private"
git -C "$R" mv private-names.txt "$TMP/home/private/names.txt" 2>/dev/null ||
	{ git -C "$R" rm -q --cached private-names.txt && mv "$R/private-names.txt" "$TMP/home/private/names.txt"; }
printf 'pii-names: %s\n' "$TMP/home/private/names.txt" >"$R/casebook.yml"
commit "$R" "the list outside the repository"
check "the list is no longer in git" bash -c "! git -C '$R' ls-files | grep -q names.txt"
run "$CASEBOOK" check --repo "$R"
assert_contains "an absolute pii-names path is read" "$OUT" "content/names.md:8:1: error: 'Rosalind' is on the list"
printf 'pii-names: ~/private/names.txt\n' >"$R/casebook.yml"
commit "$R" "home"
HOME="$TMP/home" run "$CASEBOOK" check --repo "$R"
assert_contains "a ~ path is read from HOME" "$OUT" "content/names.md:8:1: error: 'Rosalind' is on the list"
printf 'Kayden Marsh\n' >"$TMP/other-names.txt"
CASEBOOK_PII_NAMES="$TMP/other-names.txt" HOME="$TMP/home" run "$CASEBOOK" check --repo "$R"
assert_contains "CASEBOOK_PII_NAMES overrides pii-names" "$OUT" "content/names.md:7:1: error: 'Kayden Marsh'"
assert_not_contains "and only its names are used" "$OUT" "Rosalind"
CASEBOOK_PII_NAMES="$TMP/nowhere.txt" run "$CASEBOOK" check --repo "$R"
assert_eq "a CASEBOOK_PII_NAMES list that cannot be read is an error (exit 2)" "$RC" "2"
assert_contains "which says so" "$OUT" \
	"casebook: cannot read the names deny-list '$TMP/nowhere.txt' (set by CASEBOOK_PII_NAMES): No such file or directory; the personal-data check needs it, so nothing was checked"
HOME="$TMP/nohome" run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "so is a pii-names list outside the repository that cannot be read" "$RC" "2"
assert_contains "naming where it was looked for" "$OUT" "'$TMP/nohome/private/names.txt' (set by pii-names in casebook.yml)"
git -C "$R" rm -q content/names.md casebook.yml
commit "$R" "no names"
run "$CASEBOOK" build --repo "$R" --out "$TMP/site"
assert_eq "a clean repository builds" "$RC" "0"
check "the deny-list is not published" bash -c "! grep -rqi 'Kayden' '$TMP/site'"

# No false alarm on the demo content, whatever the audience.
for aud in public internal restricted; do
	run "$CASEBOOK" check --repo "$ROOT" --audience $aud
	assert_eq "the demo content passes the $aud check" "$RC" "0"
	assert_not_contains "no personal-data finding in the demo ($aud)" "$OUT" "[pii-"
done
finish
