/* shards: see shards.h. */
#include "shards.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "partner.h"
#include "postings.h"

/* Appends a non-negative integer and a comma; room for it is reserved.
 * Most numbers here (columns, counts, gaps between positions) have one or
 * two digits, so those are written directly. */
/* ---- writing ---- */

/* Bytes that S_str copies as they are: everything but control
 * characters, '"', '\\', '<', '>', '&' and 0xE2 (which may start U+2028 or
 * U+2029); below 64 as a bit mask. */
#define S_PLAIN_LOW                                                                                          \
	(0xFFFFFFFF00000000ULL & ~(1ULL << '"') & ~(1ULL << '&') & ~(1ULL << '<') & ~(1ULL << '>'))

static inline bool S_plain(unsigned char c)
{
	return c < 64 ? (S_PLAIN_LOW >> c) & 1 : c != '\\' && c != 0xE2;
}

#ifdef __SSE2__
#include <emmintrin.h>
#define S_WORD 16

/* Whether any of the sixteen bytes at p is not plain (see S_plain). */
static inline bool S_special(const unsigned char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	/* Below 0x20: unchanged by the unsigned minimum with 0x1F. */
	__m128i m = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('&')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('<')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('>')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE2)));
	return _mm_movemask_epi8(m) != 0;
}
#else
#define S_WORD 8
#define S_ONES 0x0101010101010101ULL
#define S_HIGHS 0x8080808080808080ULL

/* Whether any of the eight bytes at p is not plain (see S_plain): a byte
 * below 0x20, or one equal to one of the six others, found with the usual
 * word-at-a-time tests for a zero byte and a byte less than n. */
static inline bool S_special(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
#define S_ZERO(v) (((v)-S_ONES) & ~(v)&S_HIGHS)
#define S_HAS(c) S_ZERO(x ^ (S_ONES * (c)))
	uint64_t m = ((x - S_ONES * 0x20) & ~x & S_HIGHS) | S_HAS('"') | S_HAS('&') | S_HAS('<') |
		     S_HAS('>') | S_HAS('\\') | S_HAS(0xE2);
#undef S_HAS
#undef S_ZERO
	return m != 0;
}
#endif

/* A JSON string safe inside a script: runs of plain bytes are copied at
 * once (documents' text is most of the browser index; it is scanned a
 * word at a time), the rest escaped by cb_buf_json. */
static void S_str(cb_buf *b, const char *s)
{
	cb_buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	const unsigned char *end = p + strlen((const char *)p);
	while (p < end) {
		const unsigned char *run = p;
		while (end - p >= S_WORD && !S_special(p))
			p += S_WORD;
		while (p < end && S_plain(*p))
			p++;
		if (p > run)
			cb_buf_put(b, (const char *)run, (size_t)(p - run));
		if (p == end)
			break;
		size_t n = *p == 0xE2 && end - p >= 3 ? 3 : 1;
		cb_buf_json(b, (const char *)p, n);
		p += n;
	}
	cb_buf_putc(b, '"');
}

static int S_put(cb_writer *w, const char *path, cb_buf *b, cb_shard_stats *st, cb_error *err)
{
	st->bytes += b->len;
	int rc = cb_writer_put(w, path, b->data ? b->data : "", b->len, err);
	cb_buf_clear(b);
	return rc;
}

static int S_theme_index(const cb_site *s, const char *id)
{
	for (size_t i = 0; i < s->nthemes; i++)
		if (strcmp(s->themes[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Appends ",v" (or "v" for the first of a list), v non-negative: one
 * for each document, so without printf. */
static void S_list_int(cb_buf *b, bool first, long v)
{
	cb_buf_grow(b, 24);
	if (!first)
		b->data[b->len++] = ',';
	b->len = (size_t)(cb_dec(b->data + b->len, (uint64_t)v) - b->data);
	b->data[b->len] = '\0';
}

/* The learning points, for scoring them from the body's postings: for
 * each document, the number of its points in the index, then for each
 * point its first token in the body column (as a difference from the end
 * of the previous point's span, mostly 0), its number of tokens, then
 * twice the number of its own themes, plus one when its number in the
 * document is not the one after the previous point's (followed then by
 * the difference), then its themes' indices. Most points take three small
 * numbers. */
static void S_write_points(const cb_site *s, const cb_postings *p, cb_buf *b)
{
	size_t n, at = 0;
	const cb_postings_point *pt = cb_postings_points(p, &n);
	for (size_t i = 0; i < s->ndocs; i++) {
		size_t from = at;
		while (at < n && pt[at].doc == (int)i)
			at++;
		S_list_int(b, i == 0, (long)(at - from));
		long next_k = 0, end = 0;
		for (size_t j = from; j < at; j++) {
			const cb_strv *th = &s->docs[i].pthemes[pt[j].k];
			S_list_int(b, false, pt[j].start - end);
			S_list_int(b, false, pt[j].n);
			long nth = 0;
			for (size_t t = 0; t < th->n; t++)
				nth += S_theme_index(s, th->v[t]) >= 0;
			S_list_int(b, false, 2 * nth + (pt[j].k != next_k));
			if (pt[j].k != next_k)
				S_list_int(b, false, pt[j].k - next_k);
			for (size_t t = 0; t < th->n; t++)
				if (S_theme_index(s, th->v[t]) >= 0)
					S_list_int(b, false, S_theme_index(s, th->v[t]));
			next_k = pt[j].k + 1;
			end = pt[j].start + pt[j].n;
		}
	}
}

static int S_write_meta(const cb_site *s, const cb_postings *p, const cb_strv *bounds, cb_writer *w,
			cb_shard_stats *st, cb_error *err)
{
	cb_buf b = CB_BUF_INIT;
	long total = 0;
	for (size_t i = 0; i < s->ndocs; i++)
		total += cb_postings_doc_len(p, (int)i);
	cb_buf_printf(&b, "CBS.meta({\"v\":2,\"n\":%zu,\"total\":%ld,\"k1\":1.2,\"b\":0.75,", s->ndocs,
		      total);
	cb_buf_printf(&b, "\"cols\":[\"title\",\"summary\",\"themes\",\"body\"],\"weights\":[%g,%g,%g,%g],",
		      CB_W_TITLE, CB_W_SUMMARY, CB_W_THEMES, CB_W_BODY);
	cb_buf_printf(&b, "\"block\":%d,\n\"shards\":[", CB_DOC_BLOCK);
	for (size_t i = 0; i < bounds->n; i++) {
		if (i)
			cb_buf_putc(&b, ',');
		S_str(&b, bounds->v[i]);
	}
	cb_buf_puts(&b, "],\n\"len\":[");
	for (size_t i = 0; i < s->ndocs; i++)
		S_list_int(&b, i == 0, cb_postings_doc_len(p, (int)i));
	/* Types present in this build, in the schema's order. */
	cb_buf_puts(&b, "],\n\"types\":[");
	int *type_of = cb_xcalloc(s->ndocs ? s->ndocs : 1, sizeof *type_of);
	size_t ntypes = 0;
	for (size_t t = 0; t < cb_doc_ntypes; t++) {
		bool used = false;
		for (size_t i = 0; i < s->ndocs; i++)
			if (strcmp(s->docs[i].meta.type, cb_doc_types[t]) == 0) {
				type_of[i] = (int)ntypes;
				used = true;
			}
		if (!used)
			continue;
		cb_buf_puts(&b, ntypes ? ",[" : "[");
		S_str(&b, cb_doc_types[t]);
		cb_buf_putc(&b, ',');
		S_str(&b, cb_type_label(cb_doc_types[t]));
		cb_buf_putc(&b, ']');
		ntypes++;
	}
	cb_buf_puts(&b, "],\n\"type\":[");
	for (size_t i = 0; i < s->ndocs; i++)
		S_list_int(&b, i == 0, type_of[i]);
	free(type_of);
	cb_buf_puts(&b, "],\n\"themes\":[");
	for (size_t i = 0; i < s->nthemes; i++) {
		cb_buf_puts(&b, i ? ",[" : "[");
		S_str(&b, s->themes[i].id);
		cb_buf_putc(&b, ',');
		S_str(&b, s->themes[i].label);
		cb_buf_putc(&b, ']');
	}
	cb_buf_puts(&b, "],\n\"dthemes\":[");
	for (size_t i = 0; i < s->ndocs; i++) {
		cb_buf_puts(&b, i ? ",[" : "[");
		const cb_strv *th = &s->docs[i].meta.themes;
		bool first = true;
		for (size_t k = 0; k < th->n; k++) {
			int ti = S_theme_index(s, th->v[k]);
			if (ti < 0)
				continue;
			S_list_int(&b, first, ti);
			first = false;
		}
		cb_buf_putc(&b, ']');
	}
	cb_buf_puts(&b, "],\n\"syn\":[");
	bool first = true;
	for (size_t i = 0; i < s->nthemes; i++) {
		const cb_strv *syn = s->themes[i].synonyms;
		for (size_t k = 0; syn && k < syn->n; k++) {
			cb_buf_puts(&b, first ? "[" : ",[");
			S_str(&b, syn->v[k]);
			cb_buf_printf(&b, ",%zu]", i);
			first = false;
		}
	}
	cb_buf_printf(&b, "],\n\"pw\":[%g,%g],\n\"lp\":[", CB_WP_TEXT, CB_WP_THEMES);
	S_write_points(s, p, &b);
	cb_buf_puts(&b, "]});\n");
	int rc = S_put(w, "search/meta.js", &b, st, err);
	cb_buf_free(&b);
	return rc;
}

/* A document's learning headings, [[heading, anchor]…], and for each of
 * its points the index of its heading there, for showing points. */
static void S_doc_points(cb_buf *b, const cb_doc *d)
{
	cb_buf_puts(b, ",[");
	long nh = 0;
	const char *last = NULL;
	for (size_t k = 0; k < d->md.nlearning; k++) {
		const cb_lpoint *lp = &d->md.learning[k];
		if (last && strcmp(last, lp->heading_id) == 0)
			continue;
		cb_buf_puts(b, nh++ ? ",[" : "[");
		S_str(b, lp->heading);
		cb_buf_putc(b, ',');
		S_str(b, lp->heading_id);
		cb_buf_putc(b, ']');
		last = lp->heading_id;
	}
	cb_buf_puts(b, "],[");
	nh = -1;
	last = NULL;
	for (size_t k = 0; k < d->md.nlearning; k++) {
		const cb_lpoint *lp = &d->md.learning[k];
		if (!last || strcmp(last, lp->heading_id) != 0)
			nh++;
		last = lp->heading_id;
		S_list_int(b, k == 0, nh);
	}
	cb_buf_putc(b, ']');
}

/* What text block k (documents start .. end) is made of, when every one
 * of its documents' keys is known (cb_postings_doc_key): their keys, and
 * what of each the keys do not cover (all its learning headings, its
 * partnership). Returns false when one is not known. */
static bool S_block_key(const cb_site *s, const cb_postings *p, size_t start, size_t end, char hex[33])
{
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_str(&h, "search/d");
	for (size_t i = start; i < end; i++) {
		const char *key = cb_postings_doc_key(p, (int)i);
		if (!key)
			return false;
		const cb_doc *d = &s->docs[i];
		cb_hash_str(&h, key);
		for (size_t k = 0; k < d->md.nlearning; k++) {
			cb_hash_str(&h, d->md.learning[k].heading);
			cb_hash_str(&h, d->md.learning[k].heading_id);
		}
		const cb_partner *pt = cb_partner_find(s->cfg.sources, s->cfg.nsources, d->source);
		cb_hash_str(&h, pt ? cb_partner_label(pt) : "");
	}
	cb_hash_hex(&h, hex);
	return true;
}

/* One text block, documents start .. end, into b. */
static void S_doc_block(const cb_site *s, size_t k, size_t start, size_t end, cb_buf *b)
{
	cb_buf_printf(b, "CBS.docs(%zu,[", k);
	for (size_t i = start; i < end; i++) {
		const cb_doc *d = &s->docs[i];
		cb_buf_puts(b, i > start ? ",\n[" : "\n[");
		S_str(b, d->meta.title);
		cb_buf_printf(b, ",\"documents/");
		cb_buf_json(b, d->slug, strlen(d->slug));
		cb_buf_puts(b, ".html\",");
		S_str(b, d->meta.date);
		cb_buf_putc(b, ',');
		S_str(b, d->meta.area ? d->meta.area : "");
		cb_buf_putc(b, ',');
		S_str(b, d->meta.summary ? d->meta.summary : "");
		cb_buf_putc(b, ',');
		S_str(b, d->path);
		cb_buf_putc(b, ',');
		char *text = cb_doc_search_text(s, d);
		S_str(b, text);
		free(text);
		S_doc_points(b, d);
		/* A partner's document: the partnership it comes from. */
		const cb_partner *p = cb_partner_find(s->cfg.sources, s->cfg.nsources, d->source);
		cb_buf_putc(b, ',');
		S_str(b, p ? cb_partner_label(p) : "");
		cb_buf_putc(b, ']');
	}
	cb_buf_puts(b, "]);\n");
}

/* The text blocks. A block whose documents are as the last output's
 * (S_block_key) is linked from there instead of made again: most of a
 * rebuild's blocks, which would otherwise read every document's text. */
static int S_write_docs(const cb_site *s, const cb_postings *p, cb_writer *w, cb_shard_stats *st,
			cb_error *err)
{
	cb_buf b = CB_BUF_INIT;
	int rc = 0;
	for (size_t start = 0; rc == 0 && start < s->ndocs; start += CB_DOC_BLOCK) {
		size_t k = start / CB_DOC_BLOCK;
		size_t end = start + CB_DOC_BLOCK < s->ndocs ? start + CB_DOC_BLOCK : s->ndocs;
		char *path = cb_xasprintf("search/d-%zu.js", k);
		char key[33];
		bool keyed = S_block_key(s, p, start, end, key);
		if (!keyed || cb_writer_reuse(w, path, key) != 1) {
			S_doc_block(s, k, start, end, &b);
			st->bytes += b.len;
			rc = keyed ? cb_writer_put_keyed(w, path, key, b.data, b.len, err)
				   : cb_writer_put(w, path, b.data, b.len, err);
			cb_buf_clear(&b);
		}
		free(path);
	}
	cb_buf_free(&b);
	return rc;
}

/* The index of key among the strings interned in m so far, adding it
 * (and writing its JSON, json, to list) when it is new. */
static long S_intern(cb_strmap *m, cb_buf *list, const char *key, const char *json)
{
	void *v = cb_strmap_get(m, key);
	if (v)
		return (long)(intptr_t)v - 1;
	long i = (long)cb_strmap_count(m);
	cb_strmap_put(m, key, (void *)(intptr_t)(i + 1));
	if (i)
		cb_buf_putc(list, ',');
	cb_buf_puts(list, json);
	return i;
}

/* A string as S_str writes it, in a buffer of its own. */
static const char *S_json(cb_buf *tmp, const char *s)
{
	cb_buf_clear(tmp);
	S_str(tmp, s);
	return tmp->data;
}

/* A document's learning headings, for heads.js: the number of runs of its
 * points under one heading, then for each run the heading's index in
 * hd (interned through m) and the number of points in it. */
static void S_head_runs(const cb_doc *d, cb_strmap *m, cb_buf *hd, cb_buf *hs)
{
	size_t runs = 0;
	for (size_t k = 0; k < d->md.nlearning; k++)
		runs += k == 0 || strcmp(d->md.learning[k].heading_id, d->md.learning[k - 1].heading_id) != 0;
	S_list_int(hs, hs->len == 0, (long)runs);
	for (size_t k = 0; k < d->md.nlearning;) {
		const cb_lpoint *lp = &d->md.learning[k];
		size_t n = 1;
		while (k + n < d->md.nlearning &&
		       strcmp(d->md.learning[k + n].heading_id, lp->heading_id) == 0)
			n++;
		char *key = cb_xasprintf("%s\x1f%s", lp->heading, lp->heading_id);
		cb_buf json = CB_BUF_INIT;
		cb_buf_putc(&json, '[');
		S_str(&json, lp->heading);
		cb_buf_putc(&json, ',');
		S_str(&json, lp->heading_id);
		cb_buf_putc(&json, ']');
		S_list_int(hs, false, S_intern(m, hd, key, json.data));
		S_list_int(hs, false, (long)n);
		cb_buf_free(&json);
		free(key);
		k += n;
	}
}

/* search/heads.js: what a result shows before its text is loaded, for
 * every document, loaded with the page (see search/README.md). */
static int S_write_heads(const cb_site *s, cb_writer *w, cb_shard_stats *st, cb_error *err)
{
	cb_buf b = CB_BUF_INIT, areas = CB_BUF_INIT, parts = CB_BUF_INIT, hd = CB_BUF_INIT;
	cb_buf ai = CB_BUF_INIT, pi = CB_BUF_INIT, hs = CB_BUF_INIT, tmp = CB_BUF_INIT;
	cb_strmap *am = cb_strmap_new(), *pm = cb_strmap_new(), *hm = cb_strmap_new();
	cb_buf_puts(&b, "CBS.heads({\"title\":[");
	for (size_t i = 0; i < s->ndocs; i++) {
		if (i)
			cb_buf_puts(&b, ",\n");
		S_str(&b, s->docs[i].meta.title);
	}
	cb_buf_puts(&b, "],\n\"slug\":[");
	for (size_t i = 0; i < s->ndocs; i++) {
		if (i)
			cb_buf_putc(&b, ',');
		S_str(&b, s->docs[i].slug);
	}
	cb_buf_puts(&b, "],\n\"date\":[");
	for (size_t i = 0; i < s->ndocs; i++) {
		const cb_doc *d = &s->docs[i];
		if (i)
			cb_buf_putc(&b, ',');
		S_str(&b, d->meta.date);
		const char *area = d->meta.area ? d->meta.area : "";
		S_list_int(&ai, i == 0, S_intern(am, &areas, area, S_json(&tmp, area)));
		const cb_partner *p = cb_partner_find(s->cfg.sources, s->cfg.nsources, d->source);
		const char *part = p ? cb_partner_label(p) : "";
		S_list_int(&pi, i == 0, S_intern(pm, &parts, part, S_json(&tmp, part)));
		S_head_runs(d, hm, &hd, &hs);
	}
	cb_buf_printf(&b, "],\n\"areas\":[%s],\n\"area\":[%s],\n\"parts\":[%s],\n\"part\":[%s],\n",
		      areas.data ? areas.data : "", ai.data ? ai.data : "", parts.data ? parts.data : "",
		      pi.data ? pi.data : "");
	cb_buf_printf(&b, "\"hd\":[%s],\n\"hs\":[%s]});\n", hd.data ? hd.data : "", hs.data ? hs.data : "");
	int rc = S_put(w, "search/heads.js", &b, st, err);
	cb_strmap_free(am);
	cb_strmap_free(pm);
	cb_strmap_free(hm);
	cb_buf *bufs[] = {&b, &areas, &parts, &hd, &ai, &pi, &hs, &tmp};
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		cb_buf_free(bufs[i]);
	return rc;
}

/* The characters of a term's postings in a shard: 32 that end a number
 * and 16 that go on with it. No digits and no capitals, so that no run
 * of them can look like a postcode, a phone number or a name to the
 * output's personal-data check, and nothing a JSON string must escape. */
static const char S_END[] = "abcdefghijklmnopqrstuvwxyz!#$%'*";
static const char S_MORE[] = ",-./:;=?[]^_`{|}";

/* Appends v: its last five bits as one of S_END, after the bits above
 * them in groups of four, the most significant first, each one of S_MORE
 * (so a number under 32 is one character, under 512 two). */
static void S_varint(cb_buf *b, uint64_t v)
{
	char tmp[20];
	int n = 0;
	tmp[n++] = S_END[v & 31];
	for (v >>= 5; v; v >>= 4)
		tmp[n++] = S_MORE[v & 15];
	cb_buf_grow(b, (size_t)n + 1);
	while (n)
		b->data[b->len++] = tmp[--n];
	b->data[b->len] = '\0';
}

/* A term's postings, as cb_postings_next gives them (decimal numbers and
 * commas), as one string of numbers (S_varint): about half the bytes,
 * and a string is much cheaper for the browser to parse than an array
 * of numbers; it decodes only the terms a query needs. */
static void S_put_list(cb_buf *b, const char *s, size_t len)
{
	const char *end = s + len;
	cb_buf_putc(b, '"');
	while (s < end) {
		uint64_t v = 0;
		while (s < end && *s >= '0' && *s <= '9')
			v = v * 10 + (uint64_t)(*s++ - '0');
		S_varint(b, v);
		while (s < end && (*s < '0' || *s > '9'))
			s++;
	}
	cb_buf_putc(b, '"');
}

/* Ends a term shard and writes it. */
static int S_put_shard(cb_writer *w, cb_buf *b, size_t k, cb_shard_stats *st, cb_error *err)
{
	cb_buf_puts(b, "});\n");
	char *path = cb_xasprintf("search/t-%zu.js", k);
	int rc = S_put(w, path, b, st, err);
	free(path);
	return rc;
}

int cb_shards_write(const cb_site *site, cb_postings *p, cb_writer *w, cb_shard_stats *st, cb_error *err)
{
	memset(st, 0, sizeof *st);
	st->terms = cb_postings_nterms(p);
	cb_strv bounds = CB_STRV_INIT;
	cb_buf b = CB_BUF_INIT, list = CB_BUF_INIT;
	const char *term;
	int rc, more;
	while ((more = cb_postings_next(p, &term, &list, err)) == 1) {
		if (b.len == 0) {
			cb_strv_push(&bounds, term);
			cb_buf_printf(&b, "CBS.shard(%zu,{", bounds.n - 1);
		} else {
			cb_buf_puts(&b, ",\n");
		}
		S_str(&b, term);
		cb_buf_putc(&b, ':');
		S_put_list(&b, list.data, list.len);
		if (b.len >= CB_SHARD_TARGET && S_put_shard(w, &b, bounds.n - 1, st, err) != 0)
			break;
	}
	rc = more == 0 ? 0 : -1;
	if (rc == 0 && b.len)
		rc = S_put_shard(w, &b, bounds.n - 1, st, err);
	st->shards = bounds.n;
	cb_buf_free(&b);
	cb_buf_free(&list);
	if (rc == 0)
		rc = S_write_meta(site, p, &bounds, w, st, err);
	if (rc == 0)
		rc = S_write_heads(site, w, st, err);
	if (rc == 0)
		rc = S_write_docs(site, p, w, st, err);
	cb_strv_free(&bounds);
	return rc;
}
