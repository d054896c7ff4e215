/*
 * draft: an imported document as a casebook draft (draft.h). The guesses
 * are deliberately plain — words in the title and section names for the
 * type, a labelled date before any other, themes its learning points are
 * on or named by their label or synonyms at least twice, agencies the
 * agencies table names — and every guess is written where the author
 * will see it and correct it: the document stays a draft.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import/draft.h"
#include "learning.h"

/* ---- dates ---- */

static int S_month(const char *s, size_t *len)
{
	static const char *const names[] = {"january",	 "february", "march",	 "april",
					    "may",	 "june",     "july",	 "august",
					    "september", "october",  "november", "december"};
	for (int m = 0; m < 12; m++) {
		size_t n = strlen(names[m]);
		if (strncasecmp(s, names[m], n) == 0 && !isalpha((unsigned char)s[n])) {
			*len = n;
			return m + 1;
		}
		/* Jan, Sept, Sep. */
		size_t k = 3;
		if (strncasecmp(s, names[m], 3) == 0) {
			if (m == 8 && strncasecmp(s, "sept", 4) == 0)
				k = 4;
			if (!isalpha((unsigned char)s[k])) {
				*len = k + (s[k] == '.');
				return m + 1;
			}
		}
	}
	return 0;
}

static size_t S_digits(const char *s, size_t max, int *v)
{
	size_t n = 0;
	*v = 0;
	while (n < max && isdigit((unsigned char)s[n]))
		*v = *v * 10 + (s[n++] - '0');
	return isdigit((unsigned char)s[n]) ? 0 : n;
}

static size_t S_date_ok(int y, int m, int d, size_t len, char out[11])
{
	if (y < 1990 || y > 2100 || m < 1 || m > 12)
		return 0;
	char buf[32];
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d > 0 && d < 32 ? d : 1);
	if (!cb_date_valid(buf))
		return 0;
	memcpy(out, buf, 11);
	return len;
}

size_t cb_draft_parse_date(const char *s, char out[11])
{
	int a, b, c;
	size_t n = S_digits(s, 4, &a), k, ml;
	if (n == 4 && s[4] == '-' && S_digits(s + 5, 2, &b) == 2 && s[7] == '-' &&
	    S_digits(s + 8, 2, &c) == 2)
		return S_date_ok(a, b, c, 10, out);
	if (n >= 1 && n <= 2 && (s[n] == '/' || s[n] == '.') && (k = S_digits(s + n + 1, 2, &b)) &&
	    s[n + 1 + k] == s[n] && S_digits(s + n + 2 + k, 4, &c) == 4)
		return S_date_ok(c, b, a, n + 2 + k + 4, out);
	if (n >= 1 && n <= 2) {
		/* 10 June 2014, 1st May 2023 */
		size_t i = n;
		if (isalpha((unsigned char)s[i]) && isalpha((unsigned char)s[i + 1]) &&
		    !isalpha((unsigned char)s[i + 2]))
			i += 2;
		while (s[i] == ' ')
			i++;
		int m = S_month(s + i, &ml);
		if (!m)
			return 0;
		i += ml;
		while (s[i] == ' ' || s[i] == ',')
			i++;
		if (S_digits(s + i, 4, &c) == 4)
			return S_date_ok(c, m, a, i + 4, out);
		return 0;
	}
	int m = S_month(s, &ml);
	if (!m)
		return 0;
	size_t i = ml;
	while (s[i] == ' ')
		i++;
	int day = 0;
	size_t dn = S_digits(s + i, 2, &day);
	if (dn && s[i + dn] == ',') {
		/* December 10, 2015 */
		i += dn + 1;
		while (s[i] == ' ')
			i++;
	} else {
		day = 0;
	}
	if (S_digits(s + i, 4, &c) == 4)
		return S_date_ok(c, m, day, i + 4, out);
	return 0;
}

/* The first date in s at a word's start; with labelled, only one that
 * follows a word such as "Published" or "Date". Its words go to *found. */
static bool S_find_date(const char *s, bool labelled, char out[11], char **found)
{
	static const char *const labels[] = {"published", "publication date", "date of publication",
					     "date",	  "updated",	      "last updated",
					     "issued",	  "produced",	      "reviewed",
					     NULL};
	for (size_t i = 0; s[i]; i++) {
		if (i && isalnum((unsigned char)s[i - 1]))
			continue;
		size_t at = i;
		if (labelled) {
			size_t ln = 0;
			for (size_t k = 0; labels[k]; k++)
				if (strncasecmp(s + i, labels[k], strlen(labels[k])) == 0)
					ln = strlen(labels[k]);
			if (!ln || isalpha((unsigned char)s[i + ln]))
				continue;
			at = i + ln;
			while (s[at] == ' ' || s[at] == ':' || s[at] == '-')
				at++;
			if (strncasecmp(s + at, "on ", 3) == 0 || strncasecmp(s + at, "in ", 3) == 0)
				at += 3;
		}
		size_t n = cb_draft_parse_date(s + at, out);
		if (n) {
			*found = cb_xstrndup(s + i, at - i + n);
			return true;
		}
	}
	return false;
}

static void S_date(const cb_import_doc *doc, cb_draft *d)
{
	for (size_t i = 0; i < doc->nblocks; i++)
		if (S_find_date(doc->blocks[i].text, true, d->date, &d->date_text))
			return;
	/* A line that is only a date, as on a cover. */
	for (size_t i = 0; i < doc->nblocks; i++) {
		const char *t = doc->blocks[i].text;
		if (strlen(t) < 40 && cb_draft_parse_date(t, d->date) == strlen(t)) {
			d->date_text = cb_xstrdup(t);
			return;
		}
	}
	for (size_t i = 0; i < doc->nblocks && i < 5; i++)
		if (S_find_date(doc->blocks[i].text, false, d->date, &d->date_text))
			return;
	d->date[0] = '\0';
}

/* ---- type, themes, agencies ---- */

/* Whether word (ASCII case ignored; exact case when it is an acronym in
 * capitals) occurs in s as whole words. */
static size_t S_count(const char *s, const char *word)
{
	size_t n = strlen(word), hits = 0;
	bool acronym = n <= 5;
	for (size_t i = 0; i < n && acronym; i++)
		acronym = !islower((unsigned char)word[i]);
	for (const char *p = s; (p = acronym ? strstr(p, word) : strcasestr(p, word)); p += n) {
		bool start = p == s || !isalnum((unsigned char)p[-1]);
		bool end = !isalnum((unsigned char)p[n]);
		hits += start && end;
	}
	return hits;
}

static const struct {
	const char *type;
	const char *words[8];
} S_types[] = {
    {"seven-minute-briefing",
     {"7 minute briefing", "7-minute briefing", "seven minute briefing", "7MB", "seven-minute briefing",
      NULL}},
    {"action-plan", {"action plan", NULL}},
    {"cdop-learning", {"child death", "CDOP", NULL}},
    {"inspection", {"inspection", "JTAI", "Ofsted", "inspectorate", "CQC", NULL}},
    {"audit", {"audit", NULL}},
    {"case-review",
     {"practice review", "serious case review", "CSPR", "LCSPR", "SCR", "rapid review", "case review",
      "learning review"}},
    {"guidance", {"guidance", "protocol", "procedure", "policy", NULL}},
    {"supervision-note", {"supervision note", NULL}},
    {"briefing", {"briefing", "learning summary", "learning brief", NULL}},
};

static void S_type(const cb_import_doc *doc, const char *title, cb_draft *d)
{
	/* The title decides; then the section names; then the first page. */
	cb_buf heads = CB_BUF_INIT, start = CB_BUF_INIT;
	for (size_t i = 0; i < doc->nblocks; i++) {
		if (doc->blocks[i].kind == CB_IMPORT_HEADING)
			cb_buf_printf(&heads, "%s\n", doc->blocks[i].text);
		if (i < 8)
			cb_buf_printf(&start, "%s\n", doc->blocks[i].text);
	}
	const char *const where[] = {title, heads.data ? heads.data : "", start.data ? start.data : ""};
	size_t ntypes = sizeof S_types / sizeof S_types[0];
	d->type = NULL;
	for (size_t w = 0; w < 3 && !d->type; w++)
		for (size_t t = 0; t < ntypes && !d->type; t++)
			for (size_t k = 0; k < 8 && S_types[t].words[k] && !d->type; k++) {
				/* In running text a single word ("guidance", "audit")
				 * is too common to go by; phrases and acronyms are not. */
				const char *wd = S_types[t].words[k];
				if (w == 2 && !strchr(wd, ' ') && islower((unsigned char)wd[0]))
					continue;
				if (S_count(where[w], wd))
					d->type = S_types[t].type;
			}
	cb_buf_free(&heads);
	cb_buf_free(&start);
	d->type_guessed = true;
	if (!d->type) {
		d->type = "briefing";
		d->type_unsure = true;
	}
}

typedef struct S_score {
	const char *id;
	size_t n;
} S_score;

static int S_by_score(const void *a, const void *b)
{
	const S_score *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* How many of the document's learning points (the top-level list items
 * under a learning heading of vocab) are on each theme of tax, as a build
 * files them (learning.h); per theme in tax's order. */
static size_t *S_point_counts(const cb_import_doc *doc, const cb_taxonomy *tax, const cb_lvocab *vocab,
			      const cb_agencies *ag)
{
	size_t *n = cb_xcalloc(tax->n + 1, sizeof *n);
	cb_lclass *c = cb_lclass_new(tax, ag);
	const char *heading = NULL;
	for (size_t i = 0; i < doc->nblocks; i++) {
		const cb_import_block *b = &doc->blocks[i];
		if (b->kind == CB_IMPORT_HEADING)
			heading = cb_lvocab_match(vocab, NULL, b->text) ? b->text : NULL;
		if (b->kind != CB_IMPORT_ITEM || b->level != 0 || !heading)
			continue;
		cb_strv hit = CB_STRV_INIT;
		cb_lclass_match(c, b->text, heading, (const char *const *)tax->ids.v, tax->ids.n, &hit);
		for (size_t t = 0; t < tax->n; t++)
			n[t] += cb_strv_contains(&hit, tax->themes[t].id);
		cb_strv_free(&hit);
	}
	cb_lclass_free(c);
	return n;
}

/* How often name, or its plural, occurs in text. */
static size_t S_count_name(const char *text, const char *name)
{
	size_t n = S_count(text, name);
	size_t len = strlen(name);
	if (len > 2 && name[len - 1] != 's' && !isupper((unsigned char)name[len - 1])) {
		char *plural = cb_xasprintf("%s%s", name, name[len - 1] == 'y' ? "ies" : "s");
		if (name[len - 1] == 'y')
			memcpy(plural + len - 1, "ies", 4);
		n += S_count(text, plural);
		free(plural);
	}
	return n;
}

/* Themes: those its learning points are on, and those its text names at
 * least twice (the title counting double); the five most, each point on
 * a theme counting as one more mention. Agencies: those of the agencies
 * table (agency.h) whose label or synonym the text names. */
static void S_suggest(const cb_import_doc *doc, const char *text, const char *title, const cb_draft_opts *o,
		      const cb_taxonomy *tax, cb_draft *d)
{
	size_t n = tax ? tax->n : 0;
	S_score *sc = cb_xcalloc(n + 1, sizeof *sc);
	size_t *points = n ? S_point_counts(doc, tax, o->vocab, o->agencies) : NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const cb_theme_def *t = &tax->themes[i];
		size_t hits = S_count(text, t->label) + 2 * S_count(title, t->label);
		for (size_t j = 0; j < t->synonyms.n; j++)
			hits += S_count(text, t->synonyms.v[j]) + 2 * S_count(title, t->synonyms.v[j]);
		if (hits >= 2 || points[i])
			sc[k++] = (S_score){t->id, hits + points[i]};
	}
	qsort(sc, k, sizeof *sc, S_by_score);
	for (size_t i = 0; i < k && i < 5; i++)
		cb_strv_push(&d->themes, sc[i].id);
	free(sc);
	free(points);
	const cb_agencies *ag = o->agencies ? o->agencies : cb_agencies_shipped();
	for (size_t a = 0; a < ag->n; a++) {
		const cb_theme_def *e = &ag->v[a];
		size_t hits = S_count_name(text, e->label);
		for (size_t j = 0; j < e->synonyms.n; j++)
			hits += S_count_name(text, e->synonyms.v[j]);
		if (hits)
			cb_strv_push(&d->agencies, e->id);
	}
}

/* ---- the Markdown body ---- */

/* Text as Markdown that renders as the same words: punctuation Markdown
 * gives meaning to is escaped, and so is a start that would make a list,
 * heading or quotation of a paragraph. */
static void S_escape(cb_buf *b, const char *s, size_t n, bool line_start)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (strchr("\\`*_[]<>|~", c) || (c == '&' && i + 1 < n && isalnum((unsigned char)s[i + 1])) ||
		    (line_start && i == 0 && strchr("#+-=>!", c)))
			cb_buf_putc(b, '\\');
		cb_buf_putc(b, c);
		if (line_start && i < 9 && isdigit((unsigned char)c) && i + 1 < n &&
		    (s[i + 1] == '.' || s[i + 1] == ')')) {
			bool all = true;
			for (size_t k = 0; k <= i; k++)
				all = all && isdigit((unsigned char)s[k]);
			if (all) {
				cb_buf_putc(b, '\\');
				cb_buf_putc(b, s[++i]);
			}
		}
	}
}

static bool S_href_ok(const char *h)
{
	return strncasecmp(h, "https://", 8) == 0 || strncasecmp(h, "http://", 7) == 0 ||
	       strncasecmp(h, "mailto:", 7) == 0;
}

/* A block's text with its links. Links to anything but a web page or an
 * e-mail address (a file on the author's computer, a script) keep their
 * words only. */
static void S_inline(cb_buf *b, const cb_import_block *bl)
{
	size_t at = 0;
	const char *t = bl->text;
	for (size_t i = 0; i < bl->nlinks; i++) {
		const cb_import_link *l = &bl->links[i];
		if (l->off < at || !S_href_ok(l->href))
			continue;
		S_escape(b, t + at, l->off - at, at == 0);
		cb_buf_putc(b, '[');
		S_escape(b, t + l->off, l->len, false);
		cb_buf_puts(b, "](<");
		for (const char *h = l->href; *h; h++)
			if (*h != '<' && *h != '>' && *h != '\n' && *h != ' ')
				cb_buf_putc(b, *h);
			else if (*h == ' ')
				cb_buf_puts(b, "%20");
		cb_buf_puts(b, ">)");
		at = l->off + l->len;
	}
	S_escape(b, t + at, strlen(t + at), at == 0);
}

static void S_table(cb_buf *b, const cb_import_doc *doc, size_t *i)
{
	size_t start = *i, end = start, cols = 0;
	while (end < doc->nblocks && doc->blocks[end].kind == CB_IMPORT_ROW &&
	       doc->blocks[end].table == doc->blocks[start].table) {
		if (doc->blocks[end].cells.n > cols)
			cols = doc->blocks[end].cells.n;
		end++;
	}
	for (size_t r = start; r < end; r++) {
		const cb_strv *cells = &doc->blocks[r].cells;
		cb_buf_putc(b, '|');
		for (size_t c = 0; c < cols; c++) {
			cb_buf_putc(b, ' ');
			if (c < cells->n)
				S_escape(b, cells->v[c], strlen(cells->v[c]), false);
			cb_buf_puts(b, " |");
		}
		cb_buf_putc(b, '\n');
		if (r == start) {
			cb_buf_putc(b, '|');
			for (size_t c = 0; c < cols; c++)
				cb_buf_puts(b, " --- |");
			cb_buf_putc(b, '\n');
		}
	}
	*i = end;
}

/* Heading levels as found (1 to 6, the title left out) onto 2, 3, …: a
 * document's top sections are always `##`. */
static int S_level_map(const cb_import_doc *doc, size_t title, int level)
{
	bool used[8] = {false};
	for (size_t i = 0; i < doc->nblocks; i++)
		if (i != title && doc->blocks[i].kind == CB_IMPORT_HEADING)
			used[doc->blocks[i].level < 1	? 1
			     : doc->blocks[i].level > 6 ? 6
							: doc->blocks[i].level] = true;
	int out = 1;
	for (int l = 1; l <= (level < 1 ? 1 : level > 6 ? 6 : level); l++)
		out += used[l];
	return out > 6 ? 6 : out < 2 ? 2 : out;
}

static void S_body(cb_buf *b, const cb_import_doc *doc, size_t title, cb_draft *d)
{
	cb_import_kind prev = CB_IMPORT_PARAGRAPH;
	bool first = true, prev_ordered = false;
	for (size_t i = 0; i < doc->nblocks;) {
		const cb_import_block *bl = &doc->blocks[i];
		if (i == title) {
			i++;
			continue;
		}
		/* Items of one list are tight; a bullet list next to a numbered
		 * one at the top level are two lists. */
		bool tight = bl->kind == CB_IMPORT_ITEM && prev == CB_IMPORT_ITEM &&
			     !(bl->level == 0 && bl->ordered != prev_ordered);
		prev_ordered = bl->kind == CB_IMPORT_ITEM && bl->level == 0 ? bl->ordered : prev_ordered;
		if (!first && !tight)
			cb_buf_putc(b, '\n');
		first = false;
		prev = bl->kind;
		switch (bl->kind) {
		case CB_IMPORT_HEADING: {
			int lv = S_level_map(doc, title, bl->level);
			for (int k = 0; k < lv; k++)
				cb_buf_putc(b, '#');
			cb_buf_putc(b, ' ');
			S_escape(b, bl->text, strlen(bl->text), false);
			cb_buf_putc(b, '\n');
			d->headings++;
			i++;
			break;
		}
		case CB_IMPORT_ITEM:
			for (int k = 0; k < bl->level && k < 8; k++)
				cb_buf_puts(b, "    ");
			cb_buf_puts(b, bl->ordered ? "1. " : "- ");
			S_inline(b, bl);
			cb_buf_putc(b, '\n');
			d->items++;
			i++;
			break;
		case CB_IMPORT_ROW: S_table(b, doc, &i); break;
		default:
			S_inline(b, bl);
			cb_buf_putc(b, '\n');
			i++;
			break;
		}
	}
}

/* ---- front matter ---- */

static void S_yaml_str(cb_buf *b, const char *s)
{
	cb_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			cb_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7F)
			cb_buf_printf(b, "\\x%02X", *p);
		else
			cb_buf_putc(b, (char)*p);
	}
	cb_buf_putc(b, '"');
}

static void S_list(cb_buf *b, const char *key, const cb_strv *v)
{
	cb_buf_printf(b, "%s: [", key);
	for (size_t i = 0; i < v->n; i++)
		cb_buf_printf(b, "%s%s", i ? ", " : "", v->v[i]);
	cb_buf_puts(b, "]\n");
}

/* The first paragraph's first sentences, up to about 300 characters. */
static char *S_summary(const cb_import_doc *doc, const char *date_text)
{
	for (size_t i = 0; i < doc->nblocks; i++) {
		const char *t = doc->blocks[i].text;
		if (doc->blocks[i].kind != CB_IMPORT_PARAGRAPH || strlen(t) < 60 ||
		    (date_text && strstr(t, date_text)))
			continue;
		size_t n = strlen(t), cut = 0;
		for (size_t k = 0; k < n && k < 300; k++)
			if ((t[k] == '.' || t[k] == '?' || t[k] == '!') && (t[k + 1] == ' ' || !t[k + 1]))
				cut = k + 1;
		return cut ? cb_xstrndup(t, cut) : NULL;
	}
	return NULL;
}

static char *S_title(const cb_import_doc *doc, const char *fallback, size_t *title_block)
{
	*title_block = (size_t)-1;
	for (size_t i = 0; i < doc->nblocks; i++)
		if (doc->blocks[i].kind == CB_IMPORT_HEADING && doc->blocks[i].level == 1) {
			*title_block = i;
			return cb_xstrdup(doc->blocks[i].text);
		}
	/* A heading at the start, the only one of the document's largest
	 * size: a title set as "Heading 1" above "Heading 2" sections. */
	int top = 7;
	size_t at_top = 0, first_top = (size_t)-1;
	for (size_t i = 0; i < doc->nblocks; i++)
		if (doc->blocks[i].kind == CB_IMPORT_HEADING && doc->blocks[i].level < top)
			top = doc->blocks[i].level;
	for (size_t i = 0; i < doc->nblocks; i++)
		if (doc->blocks[i].kind == CB_IMPORT_HEADING && doc->blocks[i].level == top && !at_top++)
			first_top = i;
	if (at_top == 1 && first_top < 3) {
		*title_block = first_top;
		return cb_xstrdup(doc->blocks[first_top].text);
	}
	if (doc->title) {
		/* Word's PDF export calls documents "Microsoft Word - file.docx". */
		const char *t = doc->title;
		if (strncmp(t, "Microsoft Word - ", 17) == 0)
			t += 17;
		if (t[0] && !strchr(t, '\\') && !cb_str_ends(t, ".docx") && !cb_str_ends(t, ".doc"))
			return cb_xstrdup(t);
	}
	for (size_t i = 0; i < doc->nblocks; i++)
		if (doc->blocks[i].kind == CB_IMPORT_HEADING) {
			*title_block = i;
			return cb_xstrdup(doc->blocks[i].text);
		}
	return cb_xstrdup(fallback ? fallback : "Imported document");
}

void cb_draft_make(const cb_import_doc *doc, const cb_draft_opts *o, cb_draft *d)
{
	memset(d, 0, sizeof *d);
	size_t title_block;
	d->title = S_title(doc, o->fallback_title, &title_block);
	if (o->type) {
		d->type = o->type;
	} else {
		S_type(doc, d->title, d);
	}
	if (o->date) {
		snprintf(d->date, sizeof d->date, "%s", o->date);
		d->date_from = CB_DRAFT_DATE_GIVEN;
	} else {
		S_date(doc, d);
		d->date_from = CB_DRAFT_DATE_FOUND;
		if (!d->date[0]) {
			snprintf(d->date, sizeof d->date, "%s", o->today);
			d->date_from = CB_DRAFT_DATE_TODAY;
		}
	}
	cb_import_doc text_only = *doc;
	text_only.comments = (cb_strv)CB_STRV_INIT; /* comments are not the document's words */
	text_only.title = text_only.author = text_only.last_modified_by = NULL;
	char *text = cb_import_text(&text_only);
	cb_strv sugg_themes = CB_STRV_INIT;
	if (o->themes && o->themes->n) {
		for (size_t i = 0; i < o->themes->n; i++)
			cb_strv_push(&d->themes, o->themes->v[i]);
		cb_draft tmp;
		memset(&tmp, 0, sizeof tmp);
		S_suggest(doc, text, d->title, o, NULL, &tmp);
		d->agencies = tmp.agencies;
		cb_strv_free(&tmp.themes);
	} else {
		S_suggest(doc, text, d->title, o, o->tax, d);
		d->themes_suggested = true;
	}
	cb_strv_free(&sugg_themes);

	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "---\ntitle: ");
	S_yaml_str(&b, d->title);
	cb_buf_printf(&b, "\ntype: %s\ndate: %s\nstatus: draft\n", d->type, d->date);
	char *summary = S_summary(doc, d->date_text);
	if (summary) {
		cb_buf_puts(&b, "summary: ");
		S_yaml_str(&b, summary);
		cb_buf_putc(&b, '\n');
		free(summary);
	}
	if (d->themes_suggested || d->agencies.n)
		cb_buf_puts(&b, "# casebook import suggested these from the text: keep those that fit\n");
	S_list(&b, "themes", &d->themes);
	if (d->agencies.n)
		S_list(&b, "audience", &d->agencies);
	cb_buf_puts(&b, "---\n\n");
	S_body(&b, doc, title_block, d);
	if (o->original_href) {
		cb_buf_puts(&b, "\n## Full report\n\n[The full report (");
		S_escape(&b, o->original_label ? o->original_label : "original",
			 strlen(o->original_label ? o->original_label : "original"), false);
		cb_buf_printf(&b, ")](%s)\n", o->original_href);
	}
	d->markdown = cb_buf_detach(&b);
	free(text);
}

void cb_draft_free(cb_draft *d)
{
	free(d->title);
	free(d->date_text);
	cb_strv_free(&d->themes);
	cb_strv_free(&d->agencies);
	free(d->markdown);
}
