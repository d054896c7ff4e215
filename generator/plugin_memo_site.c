/*
 * plugin_memo_site: site hooks' records (see cb_plugin_memo in plugin.h
 * and plugin_memo.c, which does the same for document hooks).
 *
 * A site hook may read any field of any document. While it runs, each
 * (document, field) it reads gets a digest of its value as the hook saw
 * it, once (cb_plugin_field_digest; a document reference counts by its
 * index, the fields read of that document being followed on their own).
 * The record keeps, for each field name read, which documents it was read
 * of (a bit per document), and one digest of all those reads in the order
 * of documents, then of names. On a later build with the same key, the
 * same fields of the same documents get their digests again in that
 * order, from the site model, building no Lua table; the same digest
 * means the hook would read what it read before and do what it did: the
 * record's changes to documents, pages and messages are applied instead.
 *
 * The key adds to the plugin's own (plugin_memo.c) the site table the hook
 * is given whole: the site's fields (its build date only once the plugin
 * has read it, as for a document hook), every document's path in site
 * order (so a document reference {"$doc": n} in a record names the same
 * document) and every theme with its documents.
 */
#include "plugin_host.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The record's keys: without the build date (undated) and with it
 * (dated; either may be NULL), from one pass over the site table. */
static void S_site_keys(const cb_plugin *p, char *undated, char *dated)
{
	const cb_site *s = p->h->site;
	cb_hash h;
	cb_hash_init(&h);
	cb_hash_str(&h, "site hook 2");
	cb_hash_str(&h, p->memo_key);
	cb_hash_str(&h, s->cfg.title);
	cb_hash_str(&h, s->cfg.description);
	cb_hash_str(&h, s->cfg.language);
	cb_hash_str(&h, cb_visibility_name(s->audience));
	cb_hash_u64(&h, (uint64_t)s->ndocs);
	for (size_t i = 0; i < s->ndocs; i++)
		cb_hash_str(&h, s->docs[i].path);
	cb_hash_u64(&h, (uint64_t)s->nthemes);
	for (size_t i = 0; i < s->nthemes; i++) {
		const cb_theme_group *tg = &s->themes[i];
		cb_hash_str(&h, tg->id);
		cb_hash_str(&h, tg->label);
		cb_hash_str(&h, tg->description);
		cb_hash_u64(&h, tg->synonyms ? (uint64_t)tg->synonyms->n + 1 : 0);
		for (size_t k = 0; tg->synonyms && k < tg->synonyms->n; k++)
			cb_hash_str(&h, tg->synonyms->v[k]);
		cb_hash_u64(&h, (uint64_t)tg->ndocs);
		for (size_t k = 0; k < tg->ndocs; k++)
			cb_hash_u64(&h, (uint64_t)tg->docs[k]);
	}
	/* The site table's last part, so both keys share the rest. */
	cb_hash with = h;
	cb_hash_u64(&h, 0);
	cb_hash_u64(&with, 1);
	cb_hash_str(&with, s->build_date);
	if (undated)
		cb_hash_hex(&h, undated);
	if (dated)
		cb_hash_hex(&with, dated);
}

/* Feeds the digest of all reads one read, in their order. */
static void S_feed_read(cb_hash *h, int idx, const char *k, const uint64_t dg[2])
{
	cb_hash_u64(h, (uint64_t)idx);
	cb_hash_str(h, k);
	cb_hash_u64(h, dg[0]);
	cb_hash_u64(h, dg[1]);
}

void cb_plugin_memo_site_read(cb_plugin *p, int idx, const char *k, const uint64_t dg[2])
{
	char *key = cb_xasprintf("%d\x1f%s", idx, k);
	if (cb_strmap_has(p->site_reads, key)) {
		free(key); /* read before (as nil: a value is kept in the table) */
		return;
	}
	uint64_t *v = cb_xmalloc(2 * sizeof *v);
	v[0] = dg[0];
	v[1] = dg[1];
	cb_strmap_put(p->site_reads, key, v);
	free(key);
}

void cb_plugin_memo_site_note(cb_plugin *p, int idx)
{
	unsigned t = p->h->call_touched;
	if (!t || p->memo_bad)
		return;
	cb_vpack_list(&p->site_w, 2);
	cb_vpack_num(&p->site_w, idx);
	cb_vpack_list(&p->site_w, 3);
	if (!cb_plugin_memo_put_changes(p, idx, t, &p->site_w, true))
		p->memo_bad = true;
	p->site_nchanged++;
}

void cb_plugin_memo_site_begin(cb_plugin *p)
{
	cb_plugin_memo_start(p);
	if (!p->memo_key[0])
		return;
	cb_plugin_memo_close(p);
	p->site_reads = cb_strmap_new();
	cb_vpack_writer_reset(&p->site_w, NULL);
	p->site_nchanged = 0;
	p->memo_bad = false;
	p->memo_doc = CB_MEMO_SITE;
	p->following = true;
}

typedef struct S_read {
	int idx;
	const char *name;
	const uint64_t *dg;
} S_read;

static int S_cmp_read(const void *a, const void *b)
{
	const S_read *x = a, *y = b;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Writes a pack's bytes as text: its key area's length (8 bytes), then
 * them. */
static void S_put_pack(cb_vpack_writer *w, const cb_vpack_writer *from)
{
	cb_vpack *pk = cb_vpack_finish(from, 0);
	char *buf = cb_xmalloc(8 + pk->len);
	uint64_t keys = pk->keys_len;
	memcpy(buf, &keys, 8);
	memcpy(buf + 8, pk->data, pk->len);
	cb_vpack_str(w, buf, 8 + pk->len);
	free(buf);
	free(pk);
}

static cb_vpack *S_get_pack(cb_vpack_reader *r)
{
	cb_vpack_item it;
	uint64_t keys;
	if (!cb_vpack_read(r, &it) || it.type != CB_V_STR || it.len < 8)
		return NULL;
	memcpy(&keys, it.s, 8);
	if (keys > it.len - 8)
		return NULL;
	cb_vpack *pk = cb_xmalloc(sizeof *pk + (it.len - 8));
	pk->keys_len = (size_t)keys;
	pk->len = it.len - 8;
	memcpy(pk->data, it.s + 8, it.len - 8);
	return pk;
}

/*
 * A site hook's record: [digest of the reads, [field names read, sorted],
 *   [for each name, the documents it was read of: a bit each],
 *   [number of documents changed, pack of [[index, [themes | null,
 *   html | null, {fields} | null]], …] written one after another],
 *   [[path, template, title, nav | null, pack of data], …] (pages added),
 *   [[severity, file, line, column, message], …]].
 */
static bool S_site_record(cb_plugin *p, size_t n0, size_t npages0, cb_vpack_writer *w)
{
	const cb_site *s = p->h->site;
	size_t n = cb_strmap_count(p->site_reads), it = 0, k = 0;
	S_read *v = cb_xcalloc(n ? n : 1, sizeof *v);
	const char *key;
	void *dg;
	while (cb_strmap_next(p->site_reads, &it, &key, &dg)) {
		const char *sep = strchr(key, '\x1f');
		v[k++] = (S_read){atoi(key), sep + 1, dg};
	}
	qsort(v, n, sizeof *v, S_cmp_read);
	cb_hash h;
	cb_hash_init(&h);
	cb_strv names = CB_STRV_INIT;
	for (size_t i = 0; i < n; i++) {
		S_feed_read(&h, v[i].idx, v[i].name, v[i].dg);
		cb_strv_push(&names, v[i].name);
	}
	cb_strv_sort(&names);
	cb_strv_uniq(&names);
	size_t nbytes = (s->ndocs + 7) / 8;
	unsigned char *bits = cb_xcalloc(names.n * nbytes + 1, 1);
	for (size_t i = 0; i < n; i++) {
		size_t at = 0;
		while (strcmp(names.v[at], v[i].name) != 0)
			at++;
		bits[at * nbytes + (size_t)v[i].idx / 8] |= (unsigned char)(1u << (v[i].idx % 8));
	}
	char digest[33];
	cb_hash_hex(&h, digest);
	cb_vpack_writer_reset(w, NULL);
	cb_vpack_list(w, 6);
	cb_vpack_str(w, digest, 32);
	cb_vpack_list(w, names.n);
	for (size_t i = 0; i < names.n; i++)
		cb_vpack_str(w, names.v[i], strlen(names.v[i]));
	cb_vpack_list(w, names.n);
	for (size_t i = 0; i < names.n; i++)
		cb_vpack_str(w, (const char *)bits + i * nbytes, nbytes);
	cb_vpack_list(w, 2);
	cb_vpack_num(w, (double)p->site_nchanged);
	S_put_pack(w, &p->site_w);
	cb_vpack_list(w, s->npages - npages0);
	cb_vpack_writer pw = CB_VPACK_WRITER_INIT;
	for (size_t i = npages0; i < s->npages; i++) {
		const cb_page *pg = &s->pages[i];
		cb_vpack_list(w, 5);
		cb_vpack_str(w, pg->path, strlen(pg->path));
		cb_vpack_str(w, pg->tpl, strlen(pg->tpl));
		cb_vpack_str(w, pg->title, strlen(pg->title));
		if (pg->nav)
			cb_vpack_str(w, pg->nav, strlen(pg->nav));
		else
			cb_vpack_null(w);
		cb_vpack_reader r;
		cb_vpack_reader_init(&r, pg->data);
		cb_vpack_writer_reset(&pw, NULL);
		if (!cb_plugin_memo_copy(&r, &pw, true, 0)) {
			p->memo_bad = true;
			break;
		}
		S_put_pack(w, &pw);
	}
	cb_vpack_writer_free(&pw);
	bool ok = !p->memo_bad && cb_plugin_memo_put_diags(p, n0, w);
	free(bits);
	cb_strv_free(&names);
	free(v);
	return ok;
}

void cb_plugin_memo_site_end(cb_plugin *p, int rc, size_t n0, size_t npages0)
{
	bool keep = p->following && rc == 0 && !p->memo_bad;
	p->following = false;
	p->memo_doc = CB_MEMO_NONE;
	if (!p->memo_key[0])
		return;
	if (keep && S_site_record(p, n0, npages0, &p->memo_w)) {
		char key[33];
		S_site_keys(p, p->read_date ? NULL : key, p->read_date ? key : NULL);
		cb_plugin_memo_keep(p->h->memo, key, cb_vpack_finish(&p->memo_w, 0));
	}
	cb_plugin_memo_close(p);
}

/* What a verification reads: the record's names and bits. */
typedef struct S_verify {
	cb_strv names;
	const char **bits; /* for each name, (ndocs + 7) / 8 bytes */
} S_verify;

/* Feeds h the record's fields of the documents as a site hook would read
 * them now, in order: document by document, names in the record's order. */
static void S_reread(cb_plugin *p, const S_verify *vf, cb_hash *h)
{
	size_t n = p->h->site->ndocs;
	for (size_t i = 0; i < n; i++) {
		unsigned bit = 1u << (i % 8);
		for (size_t k = 0; k < vf->names.n; k++) {
			if (!((unsigned char)vf->bits[k][i / 8] & bit))
				continue;
			uint64_t dg[2];
			cb_plugin_field_digest(p, (int)i, vf->names.v[k], dg);
			S_feed_read(h, (int)i, vf->names.v[k], dg);
		}
	}
}

/* Whether the record's reads (r after its digest) read the same now. */
static bool S_same_reads(cb_plugin *p, const char *digest, cb_vpack_reader *r)
{
	size_t nbytes = (p->h->site->ndocs + 7) / 8;
	S_verify vf = {CB_STRV_INIT, NULL};
	cb_vpack_item it;
	bool ok = cb_vpack_read(r, &it) && it.type == CB_V_LIST;
	for (size_t i = 0, n = ok ? it.n : 0; ok && i < n; i++) {
		char *name = cb_plugin_memo_str(r);
		if ((ok = name != NULL))
			cb_strv_push_own(&vf.names, name);
	}
	ok = ok && cb_vpack_read(r, &it) && it.type == CB_V_LIST && it.n == vf.names.n;
	vf.bits = cb_xcalloc(vf.names.n + 1, sizeof *vf.bits);
	for (size_t i = 0; ok && i < vf.names.n; i++) {
		ok = cb_vpack_read(r, &it) && it.type == CB_V_STR && it.len == nbytes;
		vf.bits[i] = it.s;
	}
	if (ok) {
		/* Without running the hook, and without building a Lua table
		 * (cb_plugin_field_digest). */
		int phase = p->phase;
		p->phase = CB_PLUGIN_SITE;
		cb_hash h;
		cb_hash_init(&h);
		S_reread(p, &vf, &h);
		p->phase = phase;
		char now[33];
		cb_hash_hex(&h, now);
		ok = strcmp(now, digest) == 0;
	}
	free(vf.bits);
	cb_strv_free(&vf.names);
	return ok;
}

/* The record's changes to documents: checked, or applied. */
static bool S_changes(cb_plugin *p, cb_vpack_reader *r, bool apply)
{
	cb_vpack_item it, two;
	cb_vpack *pk = NULL;
	bool ok = cb_vpack_read(r, &it) && it.type == CB_V_LIST && it.n == 2 && cb_vpack_read(r, &it) &&
		  it.type == CB_V_NUM && (pk = S_get_pack(r)) != NULL;
	size_t n = ok ? (size_t)it.num : 0;
	cb_vpack_reader pr;
	cb_vpack_reader_init(&pr, pk);
	for (size_t i = 0; ok && i < n; i++) {
		ok = cb_vpack_read(&pr, &two) && two.type == CB_V_LIST && two.n == 2 &&
		     cb_vpack_read(&pr, &it) && it.type == CB_V_NUM && it.num >= 0 &&
		     it.num < (double)p->h->site->ndocs && cb_vpack_read(&pr, &two) &&
		     two.type == CB_V_LIST && two.n == 3 &&
		     cb_plugin_memo_take_changes(p, (int)it.num, &pr, apply);
	}
	free(pk);
	return ok;
}

/* The record's pages: checked, or added. */
static bool S_pages(cb_plugin *p, cb_vpack_reader *r, bool apply)
{
	cb_site *s = p->h->site;
	cb_vpack_item it;
	if (!cb_vpack_read(r, &it) || it.type != CB_V_LIST)
		return false;
	bool ok = true;
	for (size_t i = 0, n = it.n; ok && i < n; i++) {
		cb_vpack_item five, nav;
		char *f[3] = {NULL, NULL, NULL}, *navs = NULL;
		ok = cb_vpack_read(r, &five) && five.type == CB_V_LIST && five.n == 5;
		for (int k = 0; ok && k < 3; k++)
			ok = (f[k] = cb_plugin_memo_str(r)) != NULL;
		ok = ok && cb_vpack_read(r, &nav) && (nav.type == CB_V_NULL || nav.type == CB_V_STR);
		if (ok && nav.type == CB_V_STR)
			navs = cb_xstrndup(nav.s, nav.len);
		cb_vpack *data = ok ? S_get_pack(r) : NULL;
		ok = ok && data && (apply || cb_plugin_page_ok(p, f[0], f[1]));
		if (ok && apply) {
			s->pages = cb_xrealloc(s->pages, (s->npages + 1) * sizeof *s->pages);
			s->pages[s->npages++] = (cb_page){f[0], f[1], f[2], navs, data};
			continue;
		}
		for (int k = 0; k < 3; k++)
			free(f[k]);
		free(navs);
		free(data);
	}
	return ok;
}

bool cb_plugin_memo_site_replay(cb_plugin *p)
{
	cb_plugin_memo *m = p->h->memo;
	cb_plugin_memo_start(p);
	if (!m || !m->old || !p->memo_key[0])
		return false;
	char undated[33], dated[33], key[33];
	S_site_keys(p, undated, dated);
	cb_vpack_reader r;
	char *digest = cb_plugin_memo_find(m, undated, dated, &r, key);
	bool ok = digest && S_same_reads(p, digest, &r);
	free(digest);
	if (!ok)
		return false;
	/* Checked whole before any of it is applied. */
	cb_vpack_reader check = r;
	ok = S_changes(p, &check, false) && S_pages(p, &check, false) &&
	     cb_plugin_memo_diags(p, &check, false) && S_changes(p, &r, true) && S_pages(p, &r, true) &&
	     cb_plugin_memo_diags(p, &r, true);
	if (!ok)
		return false;
	cb_plugin_memo_keep(m, key, NULL);
	p->site_reused = true;
	return true;
}
