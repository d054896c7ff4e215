/* config: see config.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partner.h"
#include "ytree.h"

static const char *const S_config_keys[] = {
    "title",	     "description",	  "content",	   "theme",
    "taxonomy",	     "glossary",	  "base-url",	   "language",
    "plugins",	     "pii-names",	  "plugin-limits", "accessibility-contact",
    "allow-shallow", "attachment-max-mb", "encrypt",	   "learning-headings",
    "agencies",	     "sources",		  "search-db",
};
#define S_NCONFIG_KEYS (sizeof S_config_keys / sizeof S_config_keys[0])

static const char *const S_theme_keys[] = {"label", "description", "synonyms"};
static const char *const S_term_keys[] = {"expansion", "description"};

static void S_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? cb_xstrdup(s) : NULL;
}

static bool S_blank(const cb_ynode *n)
{
	if (n->type != CB_Y_SCALAR)
		return false;
	if (strspn(n->str, " \t\r\n") == n->len)
		return true;
	return !n->quoted && (strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0);
}

static void S_unknown(const cb_ynode *k, const char *file, const char *what, const char *const *known,
		      size_t n, cb_diags *d)
{
	const char *sug = NULL;
	for (size_t i = 0; i < n && !sug; i++)
		if (cb_str_ieq(k->str, known[i]))
			sug = known[i];
	if (!sug)
		sug = cb_did_you_mean(k->str, known, n);
	if (sug)
		cb_diags_add(d, CB_WARNING, file, k->line, k->col, "unknown-field",
			     "'%s' is not %s casebook knows, so it is ignored; did you mean '%s'?", k->str,
			     what, sug);
	else
		cb_diags_add(d, CB_WARNING, file, k->line, k->col, "unknown-field",
			     "'%s' is not %s casebook knows, so it is ignored; check the spelling", k->str,
			     what);
}

/* Text value of key k; NULL (and reported unless blank) otherwise. A blank
 * value is reported as empty-field when required. */
static const char *S_text(const cb_ynode *k, const cb_ynode *v, const char *file, bool required, cb_diags *d)
{
	if (v->type != CB_Y_SCALAR) {
		cb_diags_add(
		    d, CB_ERROR, file, v->line, v->col, "not-text",
		    "'%s' should be text, but here it is %s; write the value on the same line as '%s:'",
		    k->str, cb_ynode_kind(v), k->str);
		return NULL;
	}
	if (S_blank(v)) {
		if (required)
			cb_diags_add(d, CB_ERROR, file, k->line, k->col, "empty-field",
				     "'%s' is empty; give it a value or remove the line", k->str);
		return NULL;
	}
	return v->str;
}

/* A list of text items into out; a blank value is an empty list. */
static void S_text_list(const cb_ynode *k, const cb_ynode *v, const char *file, cb_strv *out, cb_diags *d)
{
	if (S_blank(v))
		return;
	if (v->type != CB_Y_SEQ) {
		if (v->type == CB_Y_SCALAR)
			cb_diags_add(d, CB_ERROR, file, v->line, v->col, "not-a-list",
				     "'%s' should be a list; write it as a list: %s: [%s]", k->str, k->str,
				     v->str);
		else
			cb_diags_add(
			    d, CB_ERROR, file, v->line, v->col, "not-a-list",
			    "'%s' should be a list, but here it is %s; write each item on its own line "
			    "starting with '- '",
			    k->str, cb_ynode_kind(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const cb_ynode *it = v->items[i];
		if (it->type != CB_Y_SCALAR)
			cb_diags_add(d, CB_ERROR, file, it->line, it->col, "not-text",
				     "each item of '%s' should be text, but this one is %s", k->str,
				     cb_ynode_kind(it));
		else if (!S_blank(it))
			cb_strv_push(out, it->str);
	}
}

/* Folders named in casebook.yml are read from the repository and written
 * into the site; a path that climbs out of the repository (or starts at
 * the root of the disk) could read or overwrite anything. */
static bool S_path_safe(const char *p)
{
	if (p[0] == '/' || p[0] == '\\' || p[0] == '~')
		return false;
	if (strchr(p, ':'))
		return false; /* "C:\..." and URLs */
	const char *s = p;
	while (*s) {
		size_t n = strcspn(s, "/\\");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s += n;
		if (*s)
			s++;
	}
	return true;
}

static char *S_path(const cb_ynode *k, const cb_ynode *v, const char *file, cb_diags *d)
{
	const char *s = S_text(k, v, file, true, d);
	if (!s)
		return NULL;
	if (!S_path_safe(s)) {
		cb_diags_add(d, CB_ERROR, file, v->line, v->col, "unsafe-path",
			     "'%s' must be a folder or file inside the repository, written relative to it "
			     "(no leading '/' and no '..'), such as 'content'",
			     s);
		return NULL;
	}
	/* "content/" and "content" name the same folder; joins add the '/'. */
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	return cb_xstrndup(s, n);
}

/* Parses text (when any) as a YAML mapping; NULL when empty or on error,
 * with *rc set to -1 on error. */
static cb_ynode *S_parse_root(const char *text, size_t len, const char *file, const char *what, cb_diags *d,
			      int *rc)
{
	*rc = 0;
	if (!text)
		return NULL;
	cb_ynode *root;
	if (cb_yaml_parse_named(text, len, file, 0, what, &root, d) != 0) {
		*rc = -1;
		return NULL;
	}
	if (root->type != CB_Y_MAP) {
		cb_diags_add(d, CB_ERROR, file, root->line, root->col, "yaml",
			     "%s must be written as 'name: value' lines, but here it is %s", what,
			     cb_ynode_kind(root));
		cb_ynode_free(root);
		*rc = -1;
		return NULL;
	}
	return root;
}

/* True for a YAML number such as 12, -3 or 0.5e3 (not 0x10, inf or nan). */
static bool S_is_number(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* A plugin's options as data: unquoted true, false, numbers and null
 * become booleans, numbers and nothing, as a YAML reader would; anything
 * written in quotes stays text. */
static cb_value *S_to_value(const cb_ynode *n)
{
	if (n->type == CB_Y_SEQ) {
		cb_value *l = cb_value_list();
		for (size_t i = 0; i < n->n; i++)
			cb_list_push(l, S_to_value(n->items[i]));
		return l;
	}
	if (n->type == CB_Y_MAP) {
		cb_value *m = cb_value_map();
		for (size_t i = 0; i < n->n; i++)
			cb_map_set(m, n->keys[i]->str, S_to_value(n->items[i]));
		return m;
	}
	if (!n->quoted) {
		if (S_blank(n))
			return cb_value_null();
		if (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0)
			return cb_value_bool(n->str[0] == 't');
		if (S_is_number(n->str))
			return cb_value_num(strtod(n->str, NULL));
	}
	return cb_value_strn(n->str, n->len);
}

/* Plugin names become file names (plugins/NAME.lua), so they are kept to
 * letters, digits, '-' and '_'. */
static bool S_plugin_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 40 || s[0] == '-' || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

static void S_plugin_entry(const cb_ynode *it, const char *file, cb_config *cfg, cb_diags *d)
{
	static const char *const keys[] = {"name", "options"};
	const cb_ynode *name = NULL, *opts = NULL;
	if (it->type == CB_Y_SCALAR) {
		name = it;
	} else if (it->type == CB_Y_MAP) {
		for (size_t i = 0; i < it->n; i++) {
			if (strcmp(it->keys[i]->str, "name") == 0)
				name = it->items[i];
			else if (strcmp(it->keys[i]->str, "options") == 0)
				opts = it->items[i];
			else
				S_unknown(it->keys[i], file, "a plugin setting", keys, 2, d);
		}
		if (!name) {
			cb_diags_add(
			    d, CB_ERROR, file, it->line, it->col, "required-field",
			    "this plugin has no 'name'; write it as '- name: related' with 'options:' "
			    "indented under the name");
			return;
		}
	} else {
		cb_diags_add(d, CB_ERROR, file, it->line, it->col, "not-text",
			     "each plugin should be a name such as 'related', or 'name:' and 'options:' "
			     "lines, but this one is %s",
			     cb_ynode_kind(it));
		return;
	}
	if (name->type != CB_Y_SCALAR || S_blank(name)) {
		cb_diags_add(d, CB_ERROR, file, name->line, name->col, "empty-field",
			     "the plugin's name is missing; write the name of a file in plugins/ without "
			     "'.lua', such as 'related'");
		return;
	}
	if (!S_plugin_name_ok(name->str)) {
		char *slug = cb_slugify(name->str);
		cb_diags_add(d, CB_ERROR, file, name->line, name->col, "invalid-plugin",
			     "'%s' is not a plugin name: names are written in lower-case letters, digits, "
			     "'-' and '_', like '%s'",
			     name->str, slug[0] ? slug : "related");
		free(slug);
		return;
	}
	if (cb_strv_contains(&cfg->plugins, name->str)) {
		cb_diags_add(d, CB_ERROR, file, name->line, name->col, "duplicate-plugin",
			     "'%s' is listed more than once in 'plugins'; list it once, with all its options",
			     name->str);
		return;
	}
	if (opts && !S_blank(opts) && opts->type != CB_Y_MAP) {
		cb_diags_add(d, CB_ERROR, file, opts->line, opts->col, "yaml",
			     "the options of plugin '%s' should be 'name: value' lines indented under "
			     "'options:', but here they are %s",
			     name->str, cb_ynode_kind(opts));
		return;
	}
	cfg->plugin_confs = cb_xrealloc(cfg->plugin_confs, (cfg->plugins.n + 1) * sizeof *cfg->plugin_confs);
	cb_plugin_conf *pc = &cfg->plugin_confs[cfg->plugins.n];
	cb_strv_push(&cfg->plugins, name->str);
	pc->name = cb_xstrdup(name->str);
	pc->options = opts && opts->type == CB_Y_MAP ? S_to_value(opts) : cb_value_map();
	pc->line = name->line;
	pc->col = name->col;
	pc->option_names = (cb_strv)CB_STRV_INIT;
	pc->option_lines = pc->option_cols = NULL;
	if (opts && opts->type == CB_Y_MAP && opts->n) {
		pc->option_lines = cb_xcalloc(opts->n, sizeof *pc->option_lines);
		pc->option_cols = cb_xcalloc(opts->n, sizeof *pc->option_cols);
		for (size_t i = 0; i < opts->n; i++) {
			pc->option_lines[i] = opts->keys[i]->line;
			pc->option_cols[i] = opts->keys[i]->col;
			cb_strv_push(&pc->option_names, opts->keys[i]->str);
		}
	}
}

/* 'plugins:' present means exactly these plugins, in this order (an empty
 * list turns them all off); absent means the default set. */
static void S_plugins(const cb_ynode *k, const cb_ynode *v, const char *file, cb_config *cfg, cb_diags *d)
{
	cfg->plugins_set = true;
	if (S_blank(v))
		return;
	if (v->type != CB_Y_SEQ) {
		cb_strv none = CB_STRV_INIT;
		S_text_list(k, v, file, &none, d); /* reports what a list looks like */
		cb_strv_free(&none);
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		S_plugin_entry(v->items[i], file, cfg, d);
}

static void S_limit(const cb_ynode *k, const cb_ynode *v, const char *file, long long max, long long *out,
		    cb_diags *d)
{
	const char *s = S_text(k, v, file, true, d);
	if (!s)
		return;
	long long x = 0;
	bool ok = s[0] != '\0';
	for (const char *p = s; *p && ok; p++) {
		if (*p < '0' || *p > '9' || x > max)
			ok = false;
		else
			x = x * 10 + (*p - '0');
	}
	if (!ok || x < 1 || x > max) {
		cb_diags_add(d, CB_ERROR, file, v->line, v->col, "invalid-number",
			     "'%s' should be a whole number from 1 to %lld, not '%s'", k->str, max, s);
		return;
	}
	*out = x;
}

/* learning-headings: [names] adds to the default vocabulary;
 * {only: [names]} replaces it. */
static void S_learning_headings(const cb_ynode *v, const char *file, cb_config *cfg, cb_diags *d)
{
	static const char *const keys[] = {"only"};
	if (S_blank(v))
		return;
	const cb_ynode *list = v;
	if (v->type == CB_Y_MAP) {
		list = NULL;
		for (size_t i = 0; i < v->n; i++) {
			if (strcmp(v->keys[i]->str, "only") == 0) {
				list = v->items[i];
				cfg->learning_headings_only = true;
			} else {
				S_unknown(v->keys[i], file, "a learning-headings setting", keys, 1, d);
			}
		}
		if (!list)
			return;
	}
	if (list->type != CB_Y_SEQ) {
		cb_diags_add(d, CB_ERROR, file, list->line, list->col, "yaml",
			     "'learning-headings' should be a list of heading names, such as [Key learning, "
			     "What we learned], or {only: [...]} to replace the defaults; here it is %s",
			     cb_ynode_kind(list));
		cfg->learning_headings_only = false;
		return;
	}
	for (size_t i = 0; i < list->n; i++) {
		const cb_ynode *it = list->items[i];
		if (it->type != CB_Y_SCALAR || S_blank(it))
			cb_diags_add(
			    d, CB_ERROR, file, it->line, it->col, "not-text",
			    "each learning heading should be a heading's name, such as 'Key learning'");
		else
			cb_strv_push(&cfg->learning_headings, it->str);
	}
	if (cfg->learning_headings_only && cfg->learning_headings.n == 0) {
		cb_diags_add(d, CB_ERROR, file, list->line, list->col, "empty-field",
			     "'only' leaves no learning headings at all; list at least one");
		cfg->learning_headings_only = false;
	}
}

static void S_plugin_limits(const cb_ynode *v, const char *file, cb_config *cfg, cb_diags *d)
{
	static const char *const keys[] = {"instructions", "memory-mb", "seconds"};
	if (S_blank(v))
		return;
	if (v->type != CB_Y_MAP) {
		cb_diags_add(
		    d, CB_ERROR, file, v->line, v->col, "yaml",
		    "'plugin-limits' should hold 'seconds:', 'instructions:' or 'memory-mb:' lines indented "
		    "under it, but here it is %s",
		    cb_ynode_kind(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const cb_ynode *lk = v->keys[i], *lv = v->items[i];
		if (strcmp(lk->str, "instructions") == 0)
			S_limit(lk, lv, file, 1000000000000LL, &cfg->plugin_instructions, d);
		else if (strcmp(lk->str, "memory-mb") == 0)
			S_limit(lk, lv, file, 65536, &cfg->plugin_memory_mb, d);
		else if (strcmp(lk->str, "seconds") == 0) {
			long long secs = 0;
			S_limit(lk, lv, file, 86400, &secs, d);
			cfg->plugin_seconds = (double)secs;
		} else
			S_unknown(lk, file, "a plugin limit", keys, 3, d);
	}
}

/* true or false (YAML's yes/no spellings too); anything else is an error
 * and leaves *out as it was. */
static void S_bool(const cb_ynode *k, const cb_ynode *v, const char *file, bool *out, cb_diags *d)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	for (size_t i = 0; v->type == CB_Y_SCALAR && !v->quoted && i < 3; i++) {
		if (cb_str_ieq(v->str, yes[i]) || cb_str_ieq(v->str, no[i])) {
			*out = cb_str_ieq(v->str, yes[i]);
			return;
		}
	}
	cb_diags_add(d, CB_ERROR, file, v->line, v->col, "not-true-or-false",
		     "'%s' should be true or false, not '%s'", k->str,
		     v->type == CB_Y_SCALAR ? v->str : cb_ynode_kind(v));
}

int cb_config_load(const char *text, size_t len, const char *file, cb_config *cfg, cb_diags *d)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->title = cb_xstrdup("Learning from case reviews");
	cfg->content_dir = cb_xstrdup("content");
	cfg->theme = cb_xstrdup("default");
	cfg->language = cb_xstrdup("en-GB");
	cfg->attachment_max_mb = 20;

	size_t errors0 = d->errors;
	int rc;
	cb_ynode *root = S_parse_root(text, len, file, "the configuration", d, &rc);
	for (size_t i = 0; root && i < root->n; i++) {
		const cb_ynode *k = root->keys[i], *v = root->items[i];
		const char *key = k->str, *s;
		char *p, **dst;
		if (strcmp(key, "title") == 0) {
			if ((s = S_text(k, v, file, true, d)))
				S_set(&cfg->title, s);
		} else if (strcmp(key, "description") == 0) {
			S_set(&cfg->description, S_text(k, v, file, false, d));
		} else if (strcmp(key, "accessibility-contact") == 0) {
			S_set(&cfg->a11y_contact, S_text(k, v, file, false, d));
		} else if (strcmp(key, "language") == 0) {
			if ((s = S_text(k, v, file, true, d)))
				S_set(&cfg->language, s);
		} else if (strcmp(key, "pii-names") == 0 && v->type == CB_Y_SCALAR && v->str &&
			   (v->str[0] == '/' || v->str[0] == '~')) {
			/* The names deny-list may live outside the repository (so real
			 * names never enter git): an absolute or home-relative path. */
			if ((s = S_text(k, v, file, true, d)))
				S_set(&cfg->pii_names_file, s);
		} else if ((dst = strcmp(key, "content") == 0	  ? &cfg->content_dir
				  : strcmp(key, "theme") == 0	  ? &cfg->theme
				  : strcmp(key, "taxonomy") == 0  ? &cfg->taxonomy_file
				  : strcmp(key, "glossary") == 0  ? &cfg->glossary_file
				  : strcmp(key, "agencies") == 0  ? &cfg->agencies_file
				  : strcmp(key, "pii-names") == 0 ? &cfg->pii_names_file
								  : NULL)) {
			if ((p = S_path(k, v, file, d))) {
				free(*dst);
				*dst = p;
			}
		} else if (strcmp(key, "base-url") == 0) {
			s = S_text(k, v, file, false, d);
			if (s && !cb_web_url_ok(s)) {
				cb_diags_add(
				    d, CB_ERROR, file, v->line, v->col, "invalid-url",
				    "'%s' is not a web address; write the site's full address, starting "
				    "with https://",
				    s);
			} else if (s) {
				size_t n = strlen(s);
				while (n > 0 && s[n - 1] == '/')
					n--;
				free(cfg->base_url);
				cfg->base_url = cb_xstrndup(s, n);
			}
		} else if (strcmp(key, "plugins") == 0) {
			S_plugins(k, v, file, cfg, d);
		} else if (strcmp(key, "plugin-limits") == 0) {
			S_plugin_limits(v, file, cfg, d);
		} else if (strcmp(key, "learning-headings") == 0) {
			S_learning_headings(v, file, cfg, d);
		} else if (strcmp(key, "allow-shallow") == 0) {
			S_bool(k, v, file, &cfg->allow_shallow, d);
		} else if (strcmp(key, "attachment-max-mb") == 0) {
			S_limit(k, v, file, 4096, &cfg->attachment_max_mb, d);
		} else if (strcmp(key, "encrypt") == 0) {
			S_bool(k, v, file, &cfg->encrypt, d);
		} else if (strcmp(key, "sources") == 0) {
			cb_partners_parse(v, file, &cfg->sources, &cfg->nsources, d);
		} else if (strcmp(key, "search-db") == 0) {
			S_bool(k, v, file, &cfg->search_db, d);
		} else {
			S_unknown(k, file, "a configuration setting", S_config_keys, S_NCONFIG_KEYS, d);
		}
	}
	cb_ynode_free(root);
	if (!cfg->taxonomy_file)
		cfg->taxonomy_file = cb_path_join(cfg->content_dir, "taxonomy.yml");
	if (!cfg->glossary_file)
		cfg->glossary_file = cb_path_join(cfg->content_dir, "glossary.yml");
	return rc != 0 || d->errors > errors0 ? -1 : 0;
}

void cb_config_free(cb_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->title);
	free(cfg->description);
	free(cfg->content_dir);
	free(cfg->theme);
	free(cfg->taxonomy_file);
	free(cfg->glossary_file);
	free(cfg->agencies_file);
	free(cfg->pii_names_file);
	free(cfg->base_url);
	free(cfg->language);
	free(cfg->a11y_contact);
	for (size_t i = 0; i < cfg->plugins.n; i++) {
		free(cfg->plugin_confs[i].name);
		cb_value_free(cfg->plugin_confs[i].options);
		cb_strv_free(&cfg->plugin_confs[i].option_names);
		free(cfg->plugin_confs[i].option_lines);
		free(cfg->plugin_confs[i].option_cols);
	}
	free(cfg->plugin_confs);
	cb_strv_free(&cfg->plugins);
	cb_strv_free(&cfg->learning_headings);
	cb_partners_free(cfg->sources, cfg->nsources);
	memset(cfg, 0, sizeof *cfg);
}

char *cb_label_from_id(const char *id)
{
	char *s = cb_xstrdup(id);
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = ' ';
	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
	return s;
}

/* The "themes:" or "terms:" mapping at the top of a file; reports what is
 * missing or misspelt around it. */
static const cb_ynode *S_section(const cb_ynode *root, const char *file, const char *name, const char *what,
				 cb_diags *d)
{
	const char *const known[] = {name};
	const cb_ynode *sec = NULL;
	for (size_t i = 0; i < root->n; i++) {
		if (strcmp(root->keys[i]->str, name) == 0)
			sec = root->items[i];
		else
			S_unknown(root->keys[i], file, what, known, 1, d);
	}
	if (!sec) {
		cb_diags_add(
		    d, CB_ERROR, file, root->line, root->col, "required-field",
		    "there is no '%s:' section; start the file with a line '%s:' and list the entries "
		    "under it, indented",
		    name, name);
		return NULL;
	}
	if (S_blank(sec))
		return NULL;
	if (sec->type != CB_Y_MAP) {
		cb_diags_add(
		    d, CB_ERROR, file, sec->line, sec->col, "yaml",
		    "'%s' should hold entries written as 'name: ...', indented under it, but here it "
		    "is %s",
		    name, cb_ynode_kind(sec));
		return NULL;
	}
	return sec;
}

/* What a definitions file holds: the taxonomy's themes or the agencies. */
typedef struct S_defs_kind {
	const char *section;   /* "themes" */
	const char *noun;      /* "theme" */
	const char *a_noun;    /* "a theme" */
	const char *what;      /* "the taxonomy", for messages about the whole file */
	const char *a_section; /* "a taxonomy section" */
	const char *example;   /* an id as an example */
	const char *rule;      /* for an invalid id */
} S_defs_kind;

static const S_defs_kind S_themes_kind = {
    "themes",	       "theme",		  "a theme", "the taxonomy", "a taxonomy section",
    "was-not-brought", "invalid-theme-id"};
static const S_defs_kind S_agencies_kind = {
    "agencies",	     "agency",		 "an agency", "the agencies file", "an agencies file section",
    "youth-justice", "invalid-agency-id"};

/* One entry of a definitions file, key k and value v, into t; false when
 * its id is not one. */
static bool S_def(const S_defs_kind *kind, const cb_ynode *k, const cb_ynode *v, const char *file,
		  cb_theme_def *t, cb_diags *d)
{
	if (!cb_id_ok(k->str)) {
		char *slug = cb_slugify(k->str);
		cb_diags_add(d, CB_ERROR, file, k->line, k->col, kind->rule,
			     "'%s' is not %s id: ids are written in lower-case letters, digits and "
			     "dashes, like '%s'",
			     k->str, kind->a_noun, slug[0] ? slug : kind->example);
		free(slug);
		return false;
	}
	t->id = cb_xstrdup(k->str);
	t->line = k->line;
	if (v->type == CB_Y_SCALAR && !S_blank(v)) {
		/* "neglect: Neglect" is a natural shorthand for a label. */
		t->label = cb_xstrdup(v->str);
	} else if (v->type == CB_Y_SEQ) {
		cb_diags_add(d, CB_ERROR, file, v->line, v->col, "yaml",
			     "%s '%s' should have fields such as 'label:' and 'synonyms:' indented "
			     "under it, but here it is a list",
			     kind->noun, k->str);
	}
	char *field = cb_xasprintf("%s field", kind->a_noun);
	for (size_t j = 0; v->type == CB_Y_MAP && j < v->n; j++) {
		const cb_ynode *fk = v->keys[j], *fv = v->items[j];
		if (strcmp(fk->str, "label") == 0)
			S_set(&t->label, S_text(fk, fv, file, true, d));
		else if (strcmp(fk->str, "description") == 0)
			S_set(&t->description, S_text(fk, fv, file, false, d));
		else if (strcmp(fk->str, "synonyms") == 0)
			S_text_list(fk, fv, file, &t->synonyms, d);
		else
			S_unknown(fk, file, field, S_theme_keys, 3, d);
	}
	free(field);
	if (!t->label)
		t->label = cb_label_from_id(t->id);
	return true;
}

/* A taxonomy or an agencies file into tax. */
static int S_defs_load(const S_defs_kind *kind, const char *text, size_t len, const char *file,
		       cb_taxonomy *tax, cb_diags *d)
{
	memset(tax, 0, sizeof *tax);
	size_t errors0 = d->errors;
	int rc;
	cb_ynode *root = S_parse_root(text, len, file, kind->what, d, &rc);
	const cb_ynode *defs = root ? S_section(root, file, kind->section, kind->a_section, d) : NULL;
	if (defs)
		tax->themes = cb_xcalloc(defs->n, sizeof *tax->themes);
	for (size_t i = 0; defs && i < defs->n; i++) {
		cb_theme_def *t = &tax->themes[tax->n];
		if (!S_def(kind, defs->keys[i], defs->items[i], file, t, d))
			continue;
		tax->n++;
		cb_strv_push(&tax->ids, t->id);
	}
	cb_strv_sort(&tax->ids);
	cb_ynode_free(root);
	return rc != 0 || d->errors > errors0 ? -1 : 0;
}

int cb_taxonomy_load(const char *text, size_t len, const char *file, cb_taxonomy *tax, cb_diags *d)
{
	return S_defs_load(&S_themes_kind, text, len, file, tax, d);
}

int cb_agencies_file_load(const char *text, size_t len, const char *file, cb_taxonomy *defs, cb_diags *d)
{
	return S_defs_load(&S_agencies_kind, text, len, file, defs, d);
}

const cb_theme_def *cb_taxonomy_find(const cb_taxonomy *tax, const char *id)
{
	for (size_t i = 0; tax && i < tax->n; i++)
		if (strcmp(tax->themes[i].id, id) == 0)
			return &tax->themes[i];
	return NULL;
}

void cb_taxonomy_free(cb_taxonomy *tax)
{
	if (!tax)
		return;
	for (size_t i = 0; i < tax->n; i++) {
		free(tax->themes[i].id);
		free(tax->themes[i].label);
		free(tax->themes[i].description);
		cb_strv_free(&tax->themes[i].synonyms);
	}
	free(tax->themes);
	cb_strv_free(&tax->ids);
	memset(tax, 0, sizeof *tax);
}

static int S_term_cmp(const void *a, const void *b)
{
	const cb_glossary_term *x = a, *y = b;
	int c = strcasecmp(x->term, y->term);
	return c ? c : strcmp(x->term, y->term);
}

int cb_glossary_load(const char *text, size_t len, const char *file, cb_glossary *g, cb_diags *d)
{
	memset(g, 0, sizeof *g);
	size_t errors0 = d->errors;
	int rc;
	cb_ynode *root = S_parse_root(text, len, file, "the glossary", d, &rc);
	const cb_ynode *terms = root ? S_section(root, file, "terms", "a glossary section", d) : NULL;
	if (terms)
		g->terms = cb_xcalloc(terms->n, sizeof *g->terms);
	for (size_t i = 0; terms && i < terms->n; i++) {
		const cb_ynode *k = terms->keys[i], *v = terms->items[i];
		if (S_blank(k)) {
			cb_diags_add(d, CB_ERROR, file, k->line, k->col, "empty-field",
				     "a glossary term is empty; write the term before the ':'");
			continue;
		}
		char *expansion = NULL, *description = NULL;
		bool have_expansion = false;
		if (v->type == CB_Y_SCALAR) {
			have_expansion = true;
			S_set(&expansion, S_text(k, v, file, true, d));
		} else if (v->type == CB_Y_MAP) {
			for (size_t j = 0; j < v->n; j++) {
				const cb_ynode *fk = v->keys[j], *fv = v->items[j];
				if (strcmp(fk->str, "expansion") == 0) {
					have_expansion = true;
					S_set(&expansion, S_text(fk, fv, file, true, d));
				} else if (strcmp(fk->str, "description") == 0) {
					S_set(&description, S_text(fk, fv, file, false, d));
				} else {
					S_unknown(fk, file, "a glossary field", S_term_keys, 2, d);
				}
			}
			if (!have_expansion)
				cb_diags_add(
				    d, CB_ERROR, file, k->line, k->col, "required-field",
				    "'%s' has no 'expansion'; add a line such as 'expansion: what %s "
				    "stands for', indented under it",
				    k->str, k->str);
		} else {
			cb_diags_add(d, CB_ERROR, file, v->line, v->col, "not-text",
				     "'%s' should be followed by what it stands for, but here it is a list",
				     k->str);
		}
		if (!expansion) {
			free(description);
			continue;
		}
		cb_glossary_term *t = &g->terms[g->n++];
		t->term = cb_xstrdup(k->str);
		t->expansion = expansion;
		t->description = description;
	}
	if (g->n > 1)
		qsort(g->terms, g->n, sizeof *g->terms, S_term_cmp);
	cb_ynode_free(root);
	return rc != 0 || d->errors > errors0 ? -1 : 0;
}

void cb_glossary_free(cb_glossary *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->terms[i].term);
		free(g->terms[i].expansion);
		free(g->terms[i].description);
	}
	free(g->terms);
	memset(g, 0, sizeof *g);
}
