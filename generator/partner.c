/* partner: see partner.h. */
#include "partner.h"

#include <stdlib.h>
#include <string.h>

#include "ytree.h"

static const char *const S_keys[] = {"name",	       "url",	"ref", "label", "area", "content",
				     "max-visibility", "themes"};
#define S_NKEYS (sizeof S_keys / sizeof S_keys[0])

/* A source's pages go to documents/<name>/, and its name prefixes paths
 * everywhere; names of the output's own folders would read as those. */
static const char *const S_reserved[] = {"analysis", "areas",	 "assets", "audiences", "documents", "e",
					 "files",    "learning", "search", "themes",	"types"};
#define S_NRESERVED (sizeof S_reserved / sizeof S_reserved[0])

static bool S_blank(const cb_ynode *n)
{
	return n->type == CB_Y_SCALAR &&
	       (strspn(n->str, " \t\r\n") == n->len ||
		(!n->quoted && (strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0)));
}

static bool S_name_ok(const char *s)
{
	if (!s[0] || strlen(s) > 60)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* The kind of url, or -1 when casebook cannot fetch it. */
static int S_url_kind(const char *u)
{
	if (strncmp(u, "https://", 8) == 0)
		return u[8] ? CB_URL_HTTPS : -1;
	if (strncmp(u, "ssh://", 6) == 0)
		return u[6] ? CB_URL_SSH : -1;
	if (strncmp(u, "file://", 7) == 0)
		return u[7] == '/' ? CB_URL_FILE : -1;
	if (u[0] == '/')
		return CB_URL_ABSOLUTE;
	const char *colon = strchr(u, ':');
	if (colon) {
		/* user@host:path, as git writes ssh addresses; any other
		 * "scheme:" is one casebook does not fetch (http:, git:). */
		const char *at = strchr(u, '@');
		return at && at < colon && colon[1] && strncmp(colon, "://", 3) != 0 ? CB_URL_SSH : -1;
	}
	return u[0] ? CB_URL_RELATIVE : -1;
}

static const char *S_text(const cb_ynode *k, const cb_ynode *v, const char *file, cb_diags *d)
{
	if (v->type != CB_Y_SCALAR || S_blank(v)) {
		cb_diags_add(d, CB_ERROR, file, v->line, v->col, "not-text",
			     "'%s' of a source should be text on the same line as '%s:'%s", k->str, k->str,
			     v->type == CB_Y_SCALAR ? ", but it is empty" : "");
		return NULL;
	}
	return v->str;
}

static void S_themes(const cb_ynode *v, const char *file, cb_partner *p, cb_diags *d)
{
	if (S_blank(v))
		return;
	if (v->type != CB_Y_MAP) {
		cb_diags_add(
		    d, CB_ERROR, file, v->line, v->col, "yaml",
		    "a source's 'themes' maps its theme ids to the hub's, one 'their-id: our-id' line "
		    "each indented under 'themes:'; here it is %s",
		    cb_ynode_kind(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const cb_ynode *to = v->items[i];
		if (to->type != CB_Y_SCALAR || S_blank(to)) {
			cb_diags_add(
			    d, CB_ERROR, file, to->line, to->col, "not-text",
			    "'%s' should map to one of the hub's theme ids, written on the same line",
			    v->keys[i]->str);
			continue;
		}
		cb_strv_push(&p->theme_from, v->keys[i]->str);
		cb_strv_push(&p->theme_to, to->str);
	}
}

static void S_free_one(cb_partner *p)
{
	free(p->name);
	free(p->url);
	free(p->ref);
	free(p->label);
	free(p->area);
	free(p->content);
	cb_strv_free(&p->theme_from);
	cb_strv_free(&p->theme_to);
}

/* The content folder of a source: inside its repository, like the hub's. */
static bool S_folder_ok(const char *s)
{
	if (s[0] == '/' || strchr(s, ':') || strchr(s, '\\'))
		return false;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n + (p[n] ? 1 : 0);
	}
	return true;
}

static void S_field(const cb_ynode *k, const cb_ynode *v, const char *file, cb_partner *p, cb_diags *d)
{
	const char *key = k->str, *s;
	if (strcmp(key, "themes") == 0) {
		S_themes(v, file, p, d);
		return;
	}
	char **dst = strcmp(key, "name") == 0	   ? &p->name
		     : strcmp(key, "url") == 0	   ? &p->url
		     : strcmp(key, "ref") == 0	   ? &p->ref
		     : strcmp(key, "label") == 0   ? &p->label
		     : strcmp(key, "area") == 0	   ? &p->area
		     : strcmp(key, "content") == 0 ? &p->content
						   : NULL;
	if (!dst && strcmp(key, "max-visibility") != 0) {
		const char *sug = cb_did_you_mean(key, S_keys, S_NKEYS);
		cb_diags_add(
		    d, CB_ERROR, file, k->line, k->col, "unknown-field",
		    "'%s' is not a setting of a source%s%s%s", key, sug ? "; did you mean '" : "",
		    sug ? sug
			: "; a source has name, url, ref, label, area, content, max-visibility and themes",
		    sug ? "'?" : "");
		return;
	}
	if (!(s = S_text(k, v, file, d)))
		return;
	if (!dst) {
		if (cb_visibility_parse(s, &p->max_visibility) != 0) {
			const char *sug = cb_did_you_mean(s, cb_visibility_names, 3);
			cb_diags_add(
			    d, CB_ERROR, file, v->line, v->col, "invalid-visibility",
			    "max-visibility should be public, internal or restricted, not '%s'%s%s%s", s,
			    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			return;
		}
		return;
	}
	if (dst == &p->content) {
		if (!S_folder_ok(s)) {
			cb_diags_add(
			    d, CB_ERROR, file, v->line, v->col, "unsafe-path",
			    "a source's 'content' is a folder inside its repository, written relative to "
			    "it (no leading '/' and no '..'), such as 'content'");
			return;
		}
		size_t n = strlen(s);
		while (n > 1 && s[n - 1] == '/')
			n--;
		free(*dst);
		*dst = cb_xstrndup(s, n);
		return;
	}
	free(*dst);
	*dst = cb_xstrdup(s);
}

/* Checks one entry's name and url; false when it cannot be used. */
static bool S_valid(const cb_partner *p, const cb_ynode *it, const cb_ynode *name_node,
		    const cb_ynode *url_node, const char *file, const cb_partner *done, size_t ndone,
		    cb_diags *d)
{
	if (!p->name || !p->url) {
		cb_diags_add(d, CB_ERROR, file, it->line, it->col, "required-field",
			     "this source has no '%s'; each source needs 'name:' (such as walsby) and 'url:' "
			     "(where its git repository is)",
			     !p->name ? "name" : "url");
		return false;
	}
	if (!S_name_ok(p->name)) {
		char *slug = cb_slugify(p->name);
		cb_diags_add(
		    d, CB_ERROR, file, name_node->line, name_node->col, "invalid-source-name",
		    "'%s' is not a source name: names are lower-case letters, digits and '-' (at most "
		    "60), like '%s'",
		    p->name, slug[0] ? slug : "walsby");
		free(slug);
		return false;
	}
	for (size_t i = 0; i < S_NRESERVED; i++)
		if (strcmp(p->name, S_reserved[i]) == 0) {
			cb_diags_add(d, CB_ERROR, file, name_node->line, name_node->col,
				     "invalid-source-name",
				     "'%s' is the name of one of the site's own folders, so it cannot name a "
				     "source; use the partnership's name, such as '%s-partnership'",
				     p->name, p->name);
			return false;
		}
	for (size_t i = 0; i < ndone; i++)
		if (strcmp(done[i].name, p->name) == 0) {
			cb_diags_add(
			    d, CB_ERROR, file, name_node->line, name_node->col, "duplicate-source",
			    "there is already a source named '%s' (line %d); give each source its own "
			    "name",
			    p->name, done[i].line);
			return false;
		}
	if (S_url_kind(p->url) < 0) {
		cb_diags_add(d, CB_ERROR, file, url_node->line, url_node->col, "invalid-url",
			     "casebook cannot fetch '%s': write a path (relative to this repository's root, "
			     "or absolute), a file:// address, an https:// address or an ssh address "
			     "(ssh://host/path or user@host:path)",
			     p->url);
		return false;
	}
	return true;
}

static void S_entry(const cb_ynode *it, const char *file, cb_partner **out, size_t *n, cb_diags *d)
{
	if (it->type != CB_Y_MAP) {
		cb_diags_add(d, CB_ERROR, file, it->line, it->col, "yaml",
			     "each source should be 'name:' and 'url:' lines (and optionally ref, area, "
			     "content, max-visibility, themes) after a '- ', but this one is %s",
			     cb_ynode_kind(it));
		return;
	}
	cb_partner p;
	memset(&p, 0, sizeof p);
	p.line = it->line;
	p.col = it->col;
	const cb_ynode *name_node = it, *url_node = it;
	size_t errors0 = d->errors;
	for (size_t i = 0; i < it->n; i++) {
		if (strcmp(it->keys[i]->str, "name") == 0)
			name_node = it->items[i];
		else if (strcmp(it->keys[i]->str, "url") == 0)
			url_node = it->items[i];
		S_field(it->keys[i], it->items[i], file, &p, d);
	}
	if (d->errors > errors0 || !S_valid(&p, it, name_node, url_node, file, *out, *n, d)) {
		S_free_one(&p);
		return;
	}
	p.kind = (cb_url_kind)S_url_kind(p.url);
	if (!p.content)
		p.content = cb_xstrdup("content");
	*out = cb_xrealloc(*out, (*n + 1) * sizeof **out);
	(*out)[(*n)++] = p;
}

void cb_partners_parse(const cb_ynode *v, const char *file, cb_partner **out, size_t *n, cb_diags *d)
{
	if (S_blank(v))
		return;
	if (v->type != CB_Y_SEQ) {
		cb_diags_add(d, CB_ERROR, file, v->line, v->col, "not-a-list",
			     "'sources' should be a list: each source starts with '- name: ...' on its own "
			     "line, with its 'url:' under it; here it is %s",
			     cb_ynode_kind(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		S_entry(v->items[i], file, out, n, d);
}

void cb_partners_free(cb_partner *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		S_free_one(&v[i]);
	free(v);
}

const char *cb_partner_label(const cb_partner *p)
{
	return p->label ? p->label : p->area ? p->area : p->name;
}

const cb_partner *cb_partner_find(const cb_partner *v, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

const char *cb_partner_theme(const cb_partner *p, const char *id)
{
	for (size_t i = 0; i < p->theme_from.n; i++)
		if (strcmp(p->theme_from.v[i], id) == 0)
			return p->theme_to.v[i];
	return id;
}

char *cb_partner_location(const cb_partner *p, const char *hub_root)
{
	if (p->kind == CB_URL_RELATIVE)
		return cb_path_join(hub_root, p->url);
	return cb_xstrdup(p->url);
}

char *cb_partner_mirror(const char *priv, const char *name)
{
	return cb_xasprintf("%s/sources/%s.git", priv, name);
}

static bool S_hex40(const char *s, size_t n)
{
	if (n != 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int S_lock_line(const char *line, size_t len, const char *file, int lno, cb_pin *pin, cb_diags *d)
{
	size_t a = strcspn(line, " \t");
	if (a >= len) {
		cb_diags_add(d, CB_ERROR, file, lno, 1, "lock",
			     "each line of casebook.lock is 'NAME COMMIT URL'; run 'casebook fetch' to "
			     "write it again");
		return -1;
	}
	const char *c = line + a + strspn(line + a, " \t");
	size_t clen = strcspn(c, " \t");
	const char *u = c + clen + strspn(c + clen, " \t");
	size_t ulen = len - (size_t)(u - line);
	if (!S_hex40(c, clen) || ulen == 0) {
		cb_diags_add(d, CB_ERROR, file, lno, (int)(c - line) + 1, "lock",
			     "'%.*s' is not a commit id (40 hex digits) followed by a url; run 'casebook "
			     "update %.*s' to pin it again",
			     (int)clen, c, (int)a, line);
		return -1;
	}
	pin->name = cb_xstrndup(line, a);
	memcpy(pin->commit, c, 40);
	pin->commit[40] = '\0';
	while (ulen > 0 && (u[ulen - 1] == ' ' || u[ulen - 1] == '\t' || u[ulen - 1] == '\r'))
		ulen--;
	pin->url = cb_xstrndup(u, ulen);
	pin->line = lno;
	return 0;
}

int cb_lock_parse(const char *text, size_t len, const char *file, cb_pin **out, size_t *n, cb_diags *d)
{
	*out = NULL;
	*n = 0;
	int rc = 0, lno = 0;
	for (size_t off = 0; text && off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - text) - off : len - off;
		const char *line = text + off;
		off += l + (nl ? 1 : 0);
		lno++;
		size_t trimmed = l;
		while (trimmed > 0 && (line[trimmed - 1] == '\r' || line[trimmed - 1] == ' '))
			trimmed--;
		if (trimmed == 0 || line[0] == '#')
			continue;
		char *copy = cb_xstrndup(line, trimmed);
		cb_pin pin;
		if (S_lock_line(copy, trimmed, file, lno, &pin, d) != 0) {
			rc = -1;
		} else if (cb_lock_find(*out, *n, pin.name)) {
			cb_diags_add(
			    d, CB_ERROR, file, lno, 1, "lock",
			    "'%s' is pinned twice; keep one line for it (or run 'casebook update %s')",
			    pin.name, pin.name);
			free(pin.name);
			free(pin.url);
			rc = -1;
		} else {
			*out = cb_xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = pin;
		}
		free(copy);
	}
	return rc;
}

const cb_pin *cb_lock_find(const cb_pin *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static int S_pin_cmp(const void *a, const void *b)
{
	return strcmp(((const cb_pin *)a)->name, ((const cb_pin *)b)->name);
}

char *cb_lock_format(cb_pin *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, S_pin_cmp);
	cb_buf b = CB_BUF_INIT;
	cb_buf_puts(&b, "# casebook.lock: the commit each source is built from (casebook fetch, casebook "
			"update). Commit this file.\n");
	for (size_t i = 0; i < n; i++)
		cb_buf_printf(&b, "%s %s %s\n", v[i].name, v[i].commit, v[i].url);
	return cb_buf_detach(&b);
}

void cb_lock_free(cb_pin *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].url);
	}
	free(v);
}
