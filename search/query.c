/* query: see query.h. */
#include "query.h"

#include <stdlib.h>
#include <string.h>

/* One lexical item before grouping. */
typedef struct S_item {
	bool is_or;
	bool excluded;
	int col; /* 1-based character column where it starts */
	cb_qterm term;
} S_item;

typedef struct S_items {
	S_item *v;
	size_t n, cap;
} S_items;

static void S_term_free(cb_qterm *t)
{
	free(t->text);
	cb_strv_free(&t->tokens);
	memset(t, 0, sizeof *t);
}

static void S_term_copy(cb_qterm *dst, const cb_qterm *src)
{
	*dst = *src;
	dst->text = cb_xstrdup(src->text);
	memset(&dst->tokens, 0, sizeof dst->tokens);
	for (size_t i = 0; i < src->tokens.n; i++)
		cb_strv_push(&dst->tokens, src->tokens.v[i]);
}

static void S_items_free(S_items *it)
{
	for (size_t i = 0; i < it->n; i++)
		S_term_free(&it->v[i].term);
	free(it->v);
	memset(it, 0, sizeof *it);
}

static S_item *S_items_push(S_items *it)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 8;
		it->v = cb_xrealloc(it->v, it->cap * sizeof *it->v);
	}
	S_item *x = &it->v[it->n++];
	memset(x, 0, sizeof *x);
	return x;
}

static bool S_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Character column of byte offset off (UTF-8 continuation bytes skipped). */
static int S_col(const char *s, size_t off)
{
	int col = 1;
	for (size_t i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static const char S_or_hint[] = "as in: bruising OR bruise";

/* Splits q into items; -1 with err on a quote, '-' or '*' out of place. */
static int S_lex(const char *q, S_items *it, cb_error *err)
{
	size_t n = strlen(q), i = 0;
	while (i < n) {
		if (S_space(q[i])) {
			i++;
			continue;
		}
		size_t start = i;
		bool excluded = false;
		if (q[i] == '-') {
			if (i + 1 == n || S_space(q[i + 1])) {
				cb_error_set(
				    err, NULL, 0, S_col(q, i),
				    "a '-' on its own at column %d: put it straight before a word to leave "
				    "out results containing that word, as in: neglect -audit",
				    S_col(q, i));
				return -1;
			}
			excluded = true;
			i++;
		}
		cb_qterm t = {0};
		if (q[i] == '"') {
			const char *close = strchr(q + i + 1, '"');
			if (!close) {
				cb_error_set(
				    err, NULL, 0, S_col(q, i),
				    "the quote at column %d is never closed: add a closing \" after the "
				    "phrase, or remove the quote",
				    S_col(q, i));
				return -1;
			}
			t.text = cb_xstrndup(q + i + 1, (size_t)(close - (q + i + 1)));
			t.quoted = true;
			i = (size_t)(close - q) + 1;
			if (i < n && q[i] == '*') {
				t.prefix = true;
				while (i < n && q[i] == '*')
					i++;
			}
		} else {
			size_t j = i;
			while (j < n && !S_space(q[j]) && q[j] != '"')
				j++;
			size_t end = j;
			while (end > i && q[end - 1] == '*')
				end--;
			if (end < j)
				t.prefix = true;
			const char *star = memchr(q + i, '*', end - i);
			if (star || end == i) {
				int c = S_col(q, star ? (size_t)(star - q) : i);
				cb_error_set(
				    err, NULL, 0, c,
				    "the '*' at column %d is not at the end of a word: '*' finds words that "
				    "start with what comes before it, as in: safeguard*",
				    c);
				return -1;
			}
			if (!excluded && !t.prefix && end - i == 2 && q[i] == 'O' && q[i + 1] == 'R') {
				S_item *x = S_items_push(it);
				x->is_or = true;
				x->col = S_col(q, start);
				i = j;
				continue;
			}
			t.text = cb_xstrndup(q + i, end - i);
			i = j;
		}
		S_item *x = S_items_push(it);
		x->excluded = excluded;
		x->col = S_col(q, start);
		x->term = t;
	}
	return 0;
}

/* ---- building the tree ---- */

static cb_qalt *S_group_add_alt(cb_qgroup *g)
{
	g->alts = cb_xrealloc(g->alts, (g->n + 1) * sizeof *g->alts);
	cb_qalt *a = &g->alts[g->n++];
	memset(a, 0, sizeof *a);
	return a;
}

static cb_qterm *S_alt_add_term(cb_qalt *a)
{
	a->terms = cb_xrealloc(a->terms, (a->n + 1) * sizeof *a->terms);
	cb_qterm *t = &a->terms[a->n++];
	memset(t, 0, sizeof *t);
	return t;
}

static cb_qgroup *S_query_add_group(cb_query *q)
{
	q->groups = cb_xrealloc(q->groups, (q->ngroups + 1) * sizeof *q->groups);
	cb_qgroup *g = &q->groups[q->ngroups++];
	memset(g, 0, sizeof *g);
	return g;
}

static void S_group_free(cb_qgroup *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->alts[i].n; k++)
			S_term_free(&g->alts[i].terms[k]);
		free(g->alts[i].terms);
	}
	free(g->alts);
	memset(g, 0, sizeof *g);
}

void cb_query_free(cb_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->ngroups; i++)
		S_group_free(&q->groups[i]);
	free(q->groups);
	for (size_t i = 0; i < q->nexcluded; i++)
		S_term_free(&q->excluded[i]);
	free(q->excluded);
	for (size_t i = 0; i < q->nexp; i++) {
		free(q->exp[i].typed);
		free(q->exp[i].theme);
		free(q->exp[i].label);
	}
	free(q->exp);
	memset(q, 0, sizeof *q);
}

/* ---- synonyms ---- */

typedef struct S_syn {
	cb_strv tokens;
	const cb_synonym *s;
} S_syn;

/* True when a's tokens are exactly toks[0..n). */
static bool S_tokens_eq(const cb_strv *a, char *const *toks, size_t n)
{
	if (a->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->v[i], toks[i]) != 0)
			return false;
	return true;
}

static bool S_group_has_theme(const cb_qgroup *g, const char *label)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->alts[i].n == 1 && g->alts[i].terms[0].themes &&
		    strcmp(g->alts[i].terms[0].text, label) == 0)
			return true;
	return false;
}

static void S_add_expansion(cb_query *q, cb_qgroup *g, const char *typed, const cb_synonym *s,
			    cb_query_tokenize_fn tok, void *tctx)
{
	bool seen = false;
	for (size_t i = 0; i < q->nexp; i++)
		if (strcmp(q->exp[i].theme, s->theme) == 0 && strcmp(q->exp[i].typed, typed) == 0)
			seen = true;
	if (!seen) {
		q->exp = cb_xrealloc(q->exp, (q->nexp + 1) * sizeof *q->exp);
		q->exp[q->nexp++] =
		    (cb_qexpansion){cb_xstrdup(typed), cb_xstrdup(s->theme), cb_xstrdup(s->label)};
	}
	if (S_group_has_theme(g, s->label))
		return;
	cb_qterm *t = S_alt_add_term(S_group_add_alt(g));
	t->text = cb_xstrdup(s->label);
	t->quoted = true;
	t->themes = true;
	tok(tctx, s->label, strlen(s->label), &t->tokens);
}

/* A plain word: not quoted, not a prefix, the only term of its group. */
static bool S_plain(const cb_qgroup *g)
{
	return g->n == 1 && g->alts[0].n == 1 && !g->alts[0].terms[0].quoted && !g->alts[0].terms[0].prefix;
}

/* Expands synonyms: runs of plain words (longest first) and single
 * alternatives (quoted phrases, OR operands) equal to a synonym. Each
 * matched run becomes one group: the words themselves, or the theme. */
static void S_expand(cb_query *q, const S_syn *syn, size_t nsyn, cb_query_tokenize_fn tok, void *tctx)
{
	cb_qgroup *old = q->groups;
	size_t nold = q->ngroups;
	q->groups = NULL;
	q->ngroups = 0;
	size_t g = 0;
	while (g < nold) {
		/* The longest run of plain words starting at g equal to a synonym. */
		size_t best = 0;
		if (S_plain(&old[g])) {
			cb_strv run = CB_STRV_INIT;
			for (size_t k = g; k < nold && S_plain(&old[k]); k++) {
				const cb_strv *tk = &old[k].alts[0].terms[0].tokens;
				for (size_t m = 0; m < tk->n; m++)
					cb_strv_push(&run, tk->v[m]);
				for (size_t s = 0; s < nsyn; s++)
					if (S_tokens_eq(&syn[s].tokens, run.v, run.n))
						best = k - g + 1;
			}
			cb_strv_free(&run);
		}
		if (best) {
			cb_qgroup *ng = S_query_add_group(q);
			cb_qalt *words = S_group_add_alt(ng);
			cb_strv run = CB_STRV_INIT;
			cb_buf typed = CB_BUF_INIT;
			for (size_t k = g; k < g + best; k++) {
				const cb_qterm *src = &old[k].alts[0].terms[0];
				S_term_copy(S_alt_add_term(words), src);
				for (size_t m = 0; m < src->tokens.n; m++)
					cb_strv_push(&run, src->tokens.v[m]);
				if (typed.len)
					cb_buf_putc(&typed, ' ');
				cb_buf_puts(&typed, src->text);
			}
			for (size_t s = 0; s < nsyn; s++)
				if (S_tokens_eq(&syn[s].tokens, run.v, run.n))
					S_add_expansion(q, ng, typed.data, syn[s].s, tok, tctx);
			cb_strv_free(&run);
			cb_buf_free(&typed);
			for (size_t k = g; k < g + best; k++)
				S_group_free(&old[k]);
			g += best;
			continue;
		}
		/* Move the group over, expanding alternatives that are synonyms. */
		cb_qgroup *ng = S_query_add_group(q);
		*ng = old[g];
		memset(&old[g], 0, sizeof old[g]);
		size_t nalts = ng->n;
		for (size_t a = 0; a < nalts; a++) {
			if (ng->alts[a].n != 1 || ng->alts[a].terms[0].prefix || ng->alts[a].terms[0].themes)
				continue;
			/* Copies: adding alternatives moves the terms in memory. */
			cb_qterm t;
			S_term_copy(&t, &ng->alts[a].terms[0]);
			for (size_t s = 0; s < nsyn; s++)
				if (S_tokens_eq(&syn[s].tokens, t.tokens.v, t.tokens.n))
					S_add_expansion(q, ng, t.text, syn[s].s, tok, tctx);
			S_term_free(&t);
		}
		g++;
	}
	free(old);
}

/* ---- prefixes ---- */

/* Endings that a word cut inside its suffix may have had. The index holds
 * Porter stems ("escalation" and "escalate" are both "escal"), so the stem
 * of a cut word ("escalat") may not start any of them; the stems of the
 * cut word completed with these endings do. */
static const char *const S_endings[] = {"", "e", "ion", "ing", "ed", "s", "le", "ity"};
#define S_NENDINGS (sizeof S_endings / sizeof *S_endings)

static bool S_starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* The forms of prefix term t (into out, at most S_NENDINGS; caller frees
 * them): t itself and t completed with each ending, kept when the
 * completion changes only the last token and that token's stem does not
 * start with the stem of a form kept before it or after it. Each form
 * is matched as a prefix. Returns their number (at least one). */
static size_t S_prefix_forms(const cb_qterm *t, cb_query_tokenize_fn tok, void *tctx, cb_qterm *out)
{
	cb_qterm c[S_NENDINGS];
	size_t nc = 0, last = t->tokens.n - 1;
	for (size_t e = 0; e < S_NENDINGS; e++) {
		cb_qterm f = *t;
		f.text = cb_xasprintf("%s%s", t->text, S_endings[e]);
		memset(&f.tokens, 0, sizeof f.tokens);
		bool ok = tok(tctx, f.text, strlen(f.text), &f.tokens) == 0 && f.tokens.n == t->tokens.n;
		for (size_t k = 0; ok && k < last; k++)
			ok = strcmp(f.tokens.v[k], t->tokens.v[k]) == 0;
		if (ok || e == 0) /* the typed form is always a candidate */
			c[nc++] = f;
		else
			S_term_free(&f);
	}
	bool covered[S_NENDINGS] = {false};
	for (size_t i = 0; i < nc; i++)
		for (size_t j = 0; j < nc && c[i].tokens.n == t->tokens.n; j++) {
			const char *si = c[i].tokens.v[last], *sj = c[j].tokens.v[last];
			if (j != i && c[j].tokens.n == t->tokens.n && S_starts(si, sj) &&
			    (strcmp(si, sj) != 0 || j < i))
				covered[i] = true;
		}
	size_t n = 0;
	for (size_t i = 0; i < nc; i++) {
		if (covered[i])
			S_term_free(&c[i]);
		else
			out[n++] = c[i];
	}
	return n;
}

/* ---- parsing ---- */

int cb_query_parse(const char *qs, const cb_synonym *syn, size_t nsyn, cb_query_tokenize_fn tok, void *tctx,
		   cb_query *out, cb_error *err)
{
	memset(out, 0, sizeof *out);
	S_items it = {0};
	int rc = -1;
	if (S_lex(qs, &it, err) != 0)
		goto out;
	/* Tokenize; items with nothing searchable (punctuation) are dropped. */
	size_t kept = 0, words_seen = 0, ntokens = 0;
	for (size_t i = 0; i < it.n; i++) {
		S_item *x = &it.v[i];
		if (!x->is_or) {
			words_seen++;
			if (tok(tctx, x->term.text, strlen(x->term.text), &x->term.tokens) != 0) {
				cb_error_set(err, NULL, 0, 0,
					     "the search words could not be split into tokens");
				goto out;
			}
			ntokens += x->term.tokens.n;
			if (ntokens > CB_QUERY_MAX_WORDS) {
				cb_error_set(
				    err, NULL, 0, 0,
				    "the search has more than %d words; a search may have at most %d, "
				    "so keep the words that matter most",
				    CB_QUERY_MAX_WORDS, CB_QUERY_MAX_WORDS);
				/* Items from i on are freed by S_items_free; those
				 * before were kept or freed above. */
				for (size_t k = kept; k < i; k++)
					memset(&it.v[k], 0, sizeof it.v[k]);
				goto out;
			}
			if (x->term.tokens.n == 0) {
				S_term_free(&x->term);
				continue;
			}
		}
		it.v[kept++] = *x;
	}
	it.n = kept;
	if (words_seen == 0 && it.n == 0) {
		cb_error_set(err, NULL, 0, 0, "the search is empty: type one or more words to look for");
		goto out;
	}
	for (size_t i = 0; i < it.n; i++) {
		S_item *x = &it.v[i];
		if (!x->is_or)
			continue;
		if (i == 0 || i + 1 == it.n || it.v[i + 1].is_or || it.v[i - 1].is_or) {
			cb_error_set(err, NULL, 0, x->col,
				     "OR at column %d needs a word to search for on each side, %s", x->col,
				     S_or_hint);
			goto out;
		}
		if (it.v[i - 1].excluded || it.v[i + 1].excluded) {
			cb_error_set(err, NULL, 0, x->col,
				     "OR at column %d is next to a word left out with '-': a left-out word "
				     "cannot be one of the choices of OR",
				     x->col);
			goto out;
		}
	}
	for (size_t i = 0; i < it.n; i++) {
		S_item *x = &it.v[i];
		if (x->is_or)
			continue;
		/* A prefix term becomes its forms: alternatives, or exclusions. */
		cb_qterm forms[S_NENDINGS];
		size_t nf = 1;
		if (x->term.prefix) {
			nf = S_prefix_forms(&x->term, tok, tctx, forms);
			S_term_free(&x->term);
		} else {
			forms[0] = x->term;
			memset(&x->term, 0, sizeof x->term);
		}
		if (x->excluded) {
			out->excluded =
			    cb_xrealloc(out->excluded, (out->nexcluded + nf) * sizeof *out->excluded);
			for (size_t f = 0; f < nf; f++)
				out->excluded[out->nexcluded++] = forms[f];
			continue;
		}
		cb_qgroup *g;
		if (i > 0 && it.v[i - 1].is_or)
			g = &out->groups[out->ngroups - 1];
		else
			g = S_query_add_group(out);
		for (size_t f = 0; f < nf; f++)
			*S_alt_add_term(S_group_add_alt(g)) = forms[f];
	}
	if (out->ngroups == 0) {
		if (out->nexcluded)
			cb_error_set(
			    err, NULL, 0, 0,
			    "the search only leaves words out: add at least one word to look for, as "
			    "in: neglect -audit");
		else
			cb_error_set(err, NULL, 0, 0,
				     "there is nothing to search for: use words made of letters or numbers");
		goto out;
	}
	if (nsyn) {
		S_syn *ss = cb_xcalloc(nsyn, sizeof *ss);
		for (size_t s = 0; s < nsyn; s++) {
			ss[s].s = &syn[s];
			tok(tctx, syn[s].phrase, strlen(syn[s].phrase), &ss[s].tokens);
		}
		S_expand(out, ss, nsyn, tok, tctx);
		for (size_t s = 0; s < nsyn; s++)
			cb_strv_free(&ss[s].tokens);
		free(ss);
	}
	rc = 0;
out:
	S_items_free(&it);
	if (rc != 0)
		cb_query_free(out);
	return rc;
}

/* ---- FTS5 expression ---- */

static void S_fts_term(cb_buf *b, const cb_qterm *t, const char *themes_column)
{
	if (t->themes)
		cb_buf_printf(b, "{%s} : ", themes_column);
	cb_buf_putc(b, '"');
	for (const char *p = t->text; *p; p++) {
		if (*p == '"')
			cb_buf_putc(b, '"');
		cb_buf_putc(b, *p);
	}
	cb_buf_putc(b, '"');
	if (t->prefix)
		cb_buf_puts(b, " *");
}

static void S_fts_group(cb_buf *b, const cb_qgroup *g, const char *themes_column)
{
	if (g->n > 1)
		cb_buf_putc(b, '(');
	for (size_t a = 0; a < g->n; a++) {
		if (a)
			cb_buf_puts(b, " OR ");
		const cb_qalt *alt = &g->alts[a];
		if (alt->n > 1)
			cb_buf_putc(b, '(');
		for (size_t k = 0; k < alt->n; k++) {
			if (k)
				cb_buf_puts(b, " AND ");
			S_fts_term(b, &alt->terms[k], themes_column);
		}
		if (alt->n > 1)
			cb_buf_putc(b, ')');
	}
	if (g->n > 1)
		cb_buf_putc(b, ')');
}

char *cb_query_fts(const cb_query *q, const char *themes_column)
{
	cb_buf b = CB_BUF_INIT;
	if (q->nexcluded)
		cb_buf_putc(&b, '(');
	for (size_t g = 0; g < q->ngroups; g++) {
		if (g)
			cb_buf_puts(&b, " AND ");
		S_fts_group(&b, &q->groups[g], themes_column);
	}
	if (q->nexcluded) {
		cb_buf_puts(&b, ") NOT (");
		for (size_t i = 0; i < q->nexcluded; i++) {
			if (i)
				cb_buf_puts(&b, " OR ");
			S_fts_term(&b, &q->excluded[i], themes_column);
		}
		cb_buf_putc(&b, ')');
	}
	return cb_buf_detach(&b);
}

char *cb_query_fts_words(const cb_query *q)
{
	cb_buf b = CB_BUF_INIT;
	for (size_t g = 0; g < q->ngroups; g++)
		for (size_t a = 0; a < q->groups[g].n; a++) {
			const cb_qalt *alt = &q->groups[g].alts[a];
			if (alt->n && alt->terms[0].themes)
				continue; /* a synonym's theme: alone in its alternative */
			cb_buf_puts(&b, b.len ? " OR (" : "(");
			for (size_t k = 0; k < alt->n; k++) {
				if (k)
					cb_buf_puts(&b, " AND ");
				S_fts_term(&b, &alt->terms[k], "");
			}
			cb_buf_putc(&b, ')');
		}
	return cb_buf_detach(&b);
}
