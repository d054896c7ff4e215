/*
 * passes: the clean-ups every reader's blocks get — typed bullets ("•
 * text", "1. text") turned into real list items, and lines standing on
 * their own that name a usual section of a briefing or review turned into
 * headings. Formats that mark these themselves (Word styles, HTML tags)
 * still need them: people type bullets, and make headings with bold.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"

/* Bullets as they appear in text: the usual glyphs, and the dash, star and
 * letter o that lists turn into when a bullet font is lost. */
static const char *const S_bullets[] = {"\xE2\x80\xA2", /* • */
					"\xE2\x97\x8F", /* ● */
					"\xE2\x96\xAA", /* ▪ */
					"\xE2\x96\xA0", /* ■ */
					"\xE2\x97\xA6", /* ◦ */
					"\xE2\x97\x8B", /* ○ */
					"\xE2\x80\xA3", /* ‣ */
					"\xE2\x81\x83", /* ⁃ */
					"\xE2\x9E\xA2", /* ➢ */
					"\xE2\x9C\x93", /* ✓ */
					"\xE2\x80\x93", /* – */
					"\xC2\xB7",	/* · */
					"-",
					"*",
					"o",
					NULL};

size_t cb_imp_list_mark(const char *s, size_t n, bool *ordered)
{
	size_t k = 0;
	for (size_t i = 0; S_bullets[i]; i++) {
		size_t m = strlen(S_bullets[i]);
		if (n > m && memcmp(s, S_bullets[i], m) == 0) {
			k = m;
			break;
		}
	}
	if (k) {
		/* A one-byte mark ("-", "*", "o") needs a space after it; a
		 * glyph may touch its text. */
		if (k < n && (s[k] == ' ' || s[k] == '\t')) {
			while (k < n && (s[k] == ' ' || s[k] == '\t'))
				k++;
		} else if (k == 1) {
			return 0;
		}
		if (k >= n)
			return 0;
		*ordered = false;
		return k;
	}
	/* 1. 1) (1) a) (a) i) — with a space after. */
	size_t i = 0;
	bool paren = n > 0 && s[0] == '(';
	if (paren)
		i++;
	size_t d = i;
	while (i < n && i - d < 3 && isdigit((unsigned char)s[i]))
		i++;
	bool digits = i > d;
	if (!digits && i < n && s[i] >= 'a' && s[i] <= 'z' && i + 1 < n && s[i + 1] == ')')
		i++;
	if (i == d || i >= n)
		return 0;
	if (paren ? s[i] != ')' : (s[i] != ')' && !(digits && s[i] == '.')))
		return 0;
	i++;
	if (i >= n || s[i] != ' ')
		return 0;
	while (i < n && s[i] == ' ')
		i++;
	if (i >= n)
		return 0;
	*ordered = true;
	return i;
}

void cb_imp_lists(cb_import_doc *doc)
{
	for (size_t i = 0; i < doc->nblocks; i++) {
		cb_import_block *b = &doc->blocks[i];
		if (b->kind != CB_IMPORT_PARAGRAPH && b->kind != CB_IMPORT_ITEM)
			continue;
		bool ordered = false;
		size_t m = cb_imp_list_mark(b->text, strlen(b->text), &ordered);
		/* "o" starts many sentences' first word only in lower case
		 * ("on", "or"), which the space rule excludes; a number
		 * starting a paragraph such as "2019 was…" has no '.' after. */
		if (!m)
			continue;
		if (b->kind == CB_IMPORT_PARAGRAPH) {
			b->kind = CB_IMPORT_ITEM;
			b->level = 0;
			b->ordered = ordered;
		}
		memmove(b->text, b->text + m, strlen(b->text + m) + 1);
		size_t keep = 0;
		for (size_t k = 0; k < b->nlinks; k++) {
			cb_import_link *l = &b->links[k];
			if (l->off < m) {
				free(l->href);
				continue;
			}
			l->off -= m;
			b->links[keep++] = *l;
		}
		b->nlinks = keep;
	}
}

/* Section names of briefings and reviews (DOMAIN.md), compared with the
 * start of a line in lower case. */
static const char *const S_sections[] = {"background",
					 "introduction",
					 "summary",
					 "case summary",
					 "the case",
					 "about the review",
					 "about this review",
					 "why it matters",
					 "why this matters",
					 "information",
					 "key information",
					 "what happened",
					 "key learning",
					 "learning",
					 "lessons learnt",
					 "lessons learned",
					 "key findings",
					 "findings",
					 "improving practice",
					 "good practice",
					 "areas for improvement",
					 "what we would do differently",
					 "recommendations",
					 "next steps",
					 "things to remember",
					 "think",
					 "questions",
					 "reflective questions",
					 "questions to consider",
					 "questions for reflection",
					 "what to do",
					 "actions",
					 "what you should do",
					 "what should you do",
					 "links",
					 "useful links",
					 "further information",
					 "resources",
					 "references",
					 "contact",
					 "contacts",
					 "conclusion",
					 "conclusions",
					 "purpose",
					 "context",
					 "family background",
					 "methodology",
					 "key themes",
					 "themes",
					 "practice points",
					 "messages for practice",
					 "key messages",
					 "what does this mean for practice",
					 "what this means for practice",
					 "impact",
					 "terms of reference",
					 "glossary",
					 "the review",
					 "review process",
					 "agency involvement",
					 "analysis",
					 "good practice identified",
					 "what went well",
					 "what worked well",
					 NULL};

bool cb_imp_section_name(const char *text)
{
	size_t n = strlen(text);
	if (n == 0 || n > 80)
		return false;
	const char *p = text;
	/* A numbered heading: "3. Key learning", "3 Key learning". */
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	while (*p == ' ')
		p++;
	size_t words = 1;
	for (const char *q = p; *q; q++)
		words += *q == ' ';
	if (words > 8 || text[n - 1] == '.' || text[n - 1] == ',' || text[n - 1] == ';')
		return false;
	for (size_t i = 0; S_sections[i]; i++) {
		size_t m = strlen(S_sections[i]);
		if (strncasecmp(p, S_sections[i], m) == 0 &&
		    (p[m] == '\0' || p[m] == ' ' || p[m] == ':' || p[m] == '?' || p[m] == '('))
			return true;
	}
	return false;
}

void cb_imp_headings(cb_import_doc *doc)
{
	bool have_title = false;
	for (size_t i = 0; i < doc->nblocks; i++)
		have_title =
		    have_title || (doc->blocks[i].kind == CB_IMPORT_HEADING && doc->blocks[i].level == 1);
	for (size_t i = 0; i < doc->nblocks; i++) {
		cb_import_block *b = &doc->blocks[i];
		/* "3. Key learning" on its own is a numbered section, not a
		 * list of one. */
		bool lone = b->kind == CB_IMPORT_ITEM && b->ordered && b->level == 0 &&
			    (i == 0 || doc->blocks[i - 1].kind != CB_IMPORT_ITEM) &&
			    (i + 1 == doc->nblocks || doc->blocks[i + 1].kind != CB_IMPORT_ITEM);
		if (lone && cb_imp_section_name(b->text)) {
			b->kind = CB_IMPORT_HEADING;
			b->level = 2;
			b->ordered = false;
			size_t n = strlen(b->text);
			if (n && b->text[n - 1] == ':')
				b->text[n - 1] = '\0';
			continue;
		}
		if (b->kind != CB_IMPORT_PARAGRAPH) {
			if (b->kind == CB_IMPORT_HEADING)
				have_title = true;
			continue;
		}
		bool alone = b->level == -1;
		b->level = 0;
		if (!alone)
			continue;
		size_t n = strlen(b->text);
		if (!have_title && n <= 160 && b->text[n - 1] != '.') {
			/* The first line on its own, before any heading: the title. */
			b->kind = CB_IMPORT_HEADING;
			b->level = 1;
			have_title = true;
		} else if (cb_imp_section_name(b->text)) {
			b->kind = CB_IMPORT_HEADING;
			b->level = 2;
			if (b->text[n - 1] == ':')
				b->text[n - 1] = '\0';
		}
		have_title = true;
	}
}
