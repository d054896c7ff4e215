/* learning: see learning.h. */
#include "learning.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partner.h"

const char *const cb_learning_default_headings[] = {"key learning",
						    "learning",
						    "learning points",
						    "key learning points",
						    "learning for improved practice",
						    "lessons learnt",
						    "lessons learned",
						    "what we learned",
						    "what we would do differently",
						    "key findings",
						    "findings",
						    "areas for improvement",
						    "improving practice",
						    "good practice",
						    "recommendations",
						    "what to do",
						    "think",
						    "things to remember",
						    "key messages",
						    "what this means for practice",
						    NULL};

static const char *const S_learning_types[] = {"case-review", "briefing",   "seven-minute-briefing",
					       "audit",	      "inspection", "cdop-learning"};

/* Words that may join a vocabulary entry of one or two words to the rest
 * of a heading: "Key learning from this review", "Recommendations for
 * agencies" (but not "Learning disability services"). */
static const char *const S_joiners[] = {"from", "for", "of", "about", "on", "in", "to", "and", "by", "with"};

struct cb_lvocab {
	cb_strv names; /* normalised */
	cb_strv shown; /* as written, for messages */
};

static bool S_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Appends word w[0..n) to b, folded to lower case, a plural's "s" and
 * "learnt"'s "t" made regular, so that "Lessons Learnt" and "lesson
 * learned" read the same. */
static void S_norm_word(cb_buf *b, const char *w, size_t n)
{
	char tmp[64];
	if (n >= sizeof tmp)
		n = sizeof tmp - 1;
	for (size_t i = 0; i < n; i++)
		tmp[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] - 'A' + 'a') : w[i];
	tmp[n] = '\0';
	if (strcmp(tmp, "learnt") == 0)
		strcpy(tmp, "learned");
	else if (n > 3 && tmp[n - 1] == 's' && tmp[n - 2] != 's')
		tmp[--n] = '\0';
	if (b->len)
		cb_buf_putc(b, ' ');
	cb_buf_puts(b, tmp);
}

/* A heading as the vocabulary compares it: the words before a colon,
 * without a parenthetical, numbering or punctuation. Caller frees. */
static char *S_norm(const char *heading)
{
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "");
	int depth = 0;
	bool words = false;
	for (const char *p = heading; *p;) {
		unsigned char c = (unsigned char)*p;
		if (c == '(' || c == '[') {
			depth++;
			p++;
		} else if ((c == ')' || c == ']') && depth) {
			depth--;
			p++;
		} else if ((c == ':' || (c == '-' && p[1] == ' ') || !strncmp(p, "\xe2\x80\x93", 3) ||
			    !strncmp(p, "\xe2\x80\x94", 3)) &&
			   !depth && words) {
			break; /* "Key learning: information sharing", "Findings – CAMHS" */
		} else if (S_alnum(c) && strncmp(p, "\xe2\x80", 2) != 0) {
			const char *s = p;
			while (*p && (S_alnum((unsigned char)*p) || *p == '\'') &&
			       strncmp(p, "\xe2\x80", 2) != 0)
				p++;
			/* Numbering ("1.", "3)", "iv") says nothing. */
			bool digits = strspn(s, "0123456789") == (size_t)(p - s);
			if (!depth && !(digits && !words)) {
				S_norm_word(&b, s, (size_t)(p - s));
				words = true;
			}
		} else {
			p += (c >= 0xe2 && c < 0xf0 && p[1] && p[2]) ? 3 : 1;
		}
	}
	return cb_buf_detach(&b);
}

cb_lvocab *cb_lvocab_new(const cb_strv *add, bool only)
{
	cb_lvocab *v = cb_xcalloc(1, sizeof *v);
	for (size_t i = 0; !only && cb_learning_default_headings[i]; i++) {
		cb_strv_push_own(&v->names, S_norm(cb_learning_default_headings[i]));
		cb_strv_push(&v->shown, cb_learning_default_headings[i]);
	}
	for (size_t i = 0; add && i < add->n; i++) {
		cb_strv_push_own(&v->names, S_norm(add->v[i]));
		cb_strv_push(&v->shown, add->v[i]);
	}
	return v;
}

void cb_lvocab_free(cb_lvocab *v)
{
	if (!v)
		return;
	cb_strv_free(&v->names);
	cb_strv_free(&v->shown);
	free(v);
}

/* Whether normalised heading h is entry e, or e followed by a joining
 * word ("recommendation for agencie"). */
static bool S_entry_match(const char *h, const char *e)
{
	size_t n = strlen(e);
	if (!n || strncmp(h, e, n) != 0)
		return false;
	if (h[n] == '\0')
		return true;
	if (h[n] != ' ')
		return false;
	/* A name of three words or more says enough on its own: "What we
	 * would do differently next time". */
	size_t words = 1;
	for (const char *p = e; *p; p++)
		words += *p == ' ';
	if (words >= 3)
		return true;
	const char *w = h + n + 1, *end = strchr(w, ' ');
	size_t wl = end ? (size_t)(end - w) : strlen(w);
	for (size_t i = 0; i < sizeof S_joiners / sizeof S_joiners[0]; i++)
		if (strlen(S_joiners[i]) == wl && strncmp(w, S_joiners[i], wl) == 0)
			return end != NULL; /* "learning for" alone is not a heading */
	return false;
}

bool cb_lvocab_match(const cb_lvocab *v, const cb_strv *extra, const char *heading)
{
	static cb_lvocab *defaults; /* made once, on the first call without a vocabulary */
	if (!v) {
		if (!__atomic_load_n(&defaults, __ATOMIC_ACQUIRE)) {
			cb_lvocab *n = cb_lvocab_new(NULL, false), *expect = NULL;
			if (!__atomic_compare_exchange_n(&defaults, &expect, n, false, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				cb_lvocab_free(n);
		}
		v = defaults;
	}
	char *h = S_norm(heading);
	bool hit = false;
	for (size_t i = 0; !hit && i < v->names.n; i++)
		hit = S_entry_match(h, v->names.v[i]);
	for (size_t i = 0; !hit && extra && i < extra->n; i++) {
		char *e = S_norm(extra->v[i]);
		hit = S_entry_match(h, e);
		free(e);
	}
	free(h);
	return hit;
}

bool cb_learning_type(const char *type)
{
	for (size_t i = 0; type && i < sizeof S_learning_types / sizeof S_learning_types[0]; i++)
		if (strcmp(type, S_learning_types[i]) == 0)
			return true;
	return false;
}

static void S_check_tags(const cb_mdoc *md, const cb_strv *theme_ids, const char *file, cb_diags *d)
{
	for (size_t i = 0; i < md->nlearning; i++) {
		const cb_lpoint *lp = &md->learning[i];
		if (!lp->tags)
			continue;
		int col = lp->tag_col;
		for (const char *p = lp->tags; *p;) {
			const char *e = strchr(p, ' ');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			char *id = cb_xstrndup(p, n);
			if (theme_ids && !cb_strv_contains(theme_ids, id)) {
				const char *sug =
				    cb_did_you_mean(id, (const char *const *)theme_ids->v, theme_ids->n);
				if (sug)
					cb_diags_add(
					    d, CB_ERROR, file, lp->tag_line, col, "unknown-theme",
					    "'#%s' is not a theme in the taxonomy; did you mean '#%s'?", id,
					    sug);
				else
					cb_diags_add(
					    d, CB_ERROR, file, lp->tag_line, col, "unknown-theme",
					    "'#%s' is not a theme in the taxonomy; add it there first, or "
					    "write a theme id after the '#'",
					    id);
			}
			free(id);
			col += (int)n + 2;
			p += n;
			while (*p == ' ')
				p++;
		}
	}
}

void cb_learning_check(const cb_lvocab *v, const cb_meta *m, const cb_mdoc *md, const cb_strv *theme_ids,
		       const char *file, int line, cb_diags *d)
{
	S_check_tags(md, theme_ids, file, d);
	if (md->nlearning || !cb_learning_type(m->type))
		return;
	const cb_lvocab *voc = v;
	cb_lvocab *own = NULL;
	if (!voc)
		voc = own = cb_lvocab_new(NULL, false);
	cb_buf heads = CB_BUF_INIT;
	const char *near = NULL;
	int best = 1 << 20;
	bool matched = false;
	for (size_t i = 0; i < md->nheadings; i++) {
		const char *t = md->headings[i].text;
		cb_buf_puts(&heads, heads.len ? ", '" : "'");
		cb_buf_puts(&heads, t);
		cb_buf_putc(&heads, '\'');
		matched = matched || cb_lvocab_match(voc, &m->learning_headings, t);
		char *h = S_norm(t);
		for (size_t k = 0; k < voc->names.n; k++) {
			int dist = cb_edit_distance(h, voc->names.v[k], 64);
			if (dist < best) {
				best = dist;
				near = voc->shown.v[k];
			}
		}
		free(h);
	}
	if (matched)
		cb_diags_add(d, CB_WARNING, file, line, 1, "no-learning",
			     "no learning points: a learning heading has no list under it (headings: %s); "
			     "write each lesson as a list item ('- ') under it",
			     heads.data);
	else if (near)
		cb_diags_add(d, CB_WARNING, file, line, 1, "no-learning",
			     "no learning points: none of the headings (%s) is a learning heading; the "
			     "nearest learning heading is '%s' — rename the section, or add its name to "
			     "learning-headings in casebook.yml or the front matter",
			     heads.data, near);
	else
		cb_diags_add(d, CB_WARNING, file, line, 1, "no-learning",
			     "no learning points: the document has no headings; put its lessons in a list "
			     "under a learning heading such as '## Key learning'");
	cb_buf_free(&heads);
	cb_lvocab_free(own);
}

void cb_lpoint_tags(const cb_lpoint *lp, cb_strv *out)
{
	for (const char *p = lp->tags; p && *p;) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		cb_strv_push_own(out, cb_xstrndup(p, n));
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* ---- a site's points ---- */

bool cb_doc_point_on(const cb_doc *d, size_t k, const char *id)
{
	return d->pthemes && k < d->md.nlearning && cb_strv_contains(&d->pthemes[k], id);
}

size_t cb_doc_points_on(const cb_doc *d, const char *id)
{
	size_t n = 0;
	for (size_t k = 0; k < d->md.nlearning; k++)
		n += cb_doc_point_on(d, k, id);
	return n;
}

/* The hub's theme ids of point lp's hashtags (appended to out): a
 * source's documents (p: its settings) tag with its own ids, mapped
 * through 'themes:' in its entry in casebook.yml as its front matter's
 * are. */
static void S_point_tags(const cb_partner *p, const cb_lpoint *lp, cb_strv *out)
{
	size_t from = out->n;
	cb_lpoint_tags(lp, out);
	for (size_t i = from; p && i < out->n; i++) {
		const char *id = cb_partner_theme(p, out->v[i]);
		if (id != out->v[i]) {
			free(out->v[i]);
			out->v[i] = cb_xstrdup(id);
		}
	}
}

static void S_tags_join(const cb_taxonomy *tax, const cb_partner *p, cb_doc *d)
{
	cb_meta *m = &d->meta;
	for (size_t k = 0; k < d->md.nlearning; k++) {
		cb_strv tags = CB_STRV_INIT;
		S_point_tags(p, &d->md.learning[k], &tags);
		for (size_t i = 0; i < tags.n; i++) {
			if (cb_strv_contains(&m->themes, tags.v[i]) ||
			    (tax && !cb_taxonomy_find(tax, tags.v[i])))
				continue;
			size_t n = m->themes.n;
			cb_strv_push(&m->themes, tags.v[i]);
			m->theme_lines = cb_xrealloc(m->theme_lines, (n + 1) * sizeof(int));
			m->theme_cols = cb_xrealloc(m->theme_cols, (n + 1) * sizeof(int));
			m->theme_lines[n] = d->md.learning[k].tag_line;
			m->theme_cols[n] = d->md.learning[k].tag_col;
		}
		cb_strv_free(&tags);
	}
}

void cb_doc_classify(cb_lclass *c, const cb_taxonomy *tax, const cb_partner *p, cb_doc *d)
{
	if (!d->md.nlearning)
		return;
	S_tags_join(tax, p, d);
	d->pthemes = cb_xcalloc(d->md.nlearning, sizeof *d->pthemes);
	const cb_strv *th = &d->meta.themes;
	for (size_t k = 0; k < d->md.nlearning; k++) {
		const cb_lpoint *lp = &d->md.learning[k];
		cb_strv hit = CB_STRV_INIT, tags = CB_STRV_INIT;
		cb_lclass_match(c, lp->text, lp->heading, (const char *const *)th->v, th->n, &hit);
		S_point_tags(p, lp, &tags);
		for (size_t t = 0; t < th->n; t++)
			if ((cb_strv_contains(&hit, th->v[t]) || cb_strv_contains(&tags, th->v[t])) &&
			    !cb_strv_contains(&d->pthemes[k], th->v[t]))
				cb_strv_push(&d->pthemes[k], th->v[t]);
		cb_strv_free(&hit);
		cb_strv_free(&tags);
	}
}

void cb_site_classify_points(cb_site *site)
{
	const cb_taxonomy *tax = site->has_taxonomy ? &site->tax : NULL;
	cb_lclass *c = cb_lclass_new(tax, &site->agencies);
	for (size_t i = 0; i < site->ndocs; i++) {
		cb_doc *d = &site->docs[i];
		if (d->pthemes) {
			site->retired =
			    cb_xrealloc(site->retired, (site->nretired + 1) * sizeof *site->retired);
			site->nretired_points = cb_xrealloc(
			    site->nretired_points, (site->nretired + 1) * sizeof *site->nretired_points);
			site->retired[site->nretired] = d->pthemes;
			site->nretired_points[site->nretired++] = d->md.nlearning;
			d->pthemes = NULL;
		}
		cb_doc_classify(c, tax, cb_partner_find(site->cfg.sources, site->cfg.nsources, d->source), d);
	}
	cb_lclass_free(c);
	cb_site_group_themes(site);
}
