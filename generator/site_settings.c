/* site_settings: the hub's settings files for the site's load (see
 * site_int.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frontmatter.h"
#include "pii.h"
#include "site_int.h"
#include "util.h"

int cb_site_read_optional(cb_gitsrc *g, const char *path, char **data, size_t *len, cb_error *err)
{
	int rc = cb_gitsrc_read(g, path, data, len, err);
	if (rc == 1) {
		*data = NULL;
		*len = 0;
		return 0;
	}
	return rc;
}

/* Reads the names deny-list from a file outside the repository: a path
 * starting with "~/" is in $HOME. A list configured but unreadable is an
 * environment error, never a check silently skipped. */
static int S_read_outside(const char *path, char **data, size_t *len, cb_error *err)
{
	char *full = NULL;
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		const char *home = getenv("HOME");
		if (!home || !home[0]) {
			cb_error_set(err, NULL, 0, 0,
				     "the names deny-list '%s' is in the home folder, but HOME is not set",
				     path);
			return -1;
		}
		full = cb_xasprintf("%s%s", home, path + 1);
	} else {
		full = cb_xstrdup(path);
	}
	int rc = cb_file_read(full, data, len);
	if (rc != 0)
		cb_error_set(err, NULL, 0, 0,
			     "cannot read the names deny-list '%s' (set by %s): %s; the personal-data "
			     "check needs it, so nothing was checked",
			     full,
			     getenv("CASEBOOK_PII_NAMES") && getenv("CASEBOOK_PII_NAMES")[0]
				 ? "CASEBOOK_PII_NAMES"
				 : "pii-names in casebook.yml",
			     strerror(errno));
	free(full);
	return rc == 0 ? 0 : -1;
}

/* Reads a settings file of the hub's tree, hashing it into env (what
 * every document's cached results depend on besides the blob, cache.h). */
static int S_read_setting(cb_gitsrc *g, const char *path, cb_hash *env, char **text, size_t *len,
			  cb_error *err)
{
	if (cb_site_read_optional(g, path, text, len, err) != 0)
		return -1;
	cb_hash_str(env, *text);
	return 0;
}

/* The shipped agencies, and those of the file casebook.yml names with
 * 'agencies:' (which must then exist), hashed into env. -1 (err), else
 * whether content errors were reported. A partner's documents are checked
 * against the hub's agencies: its own settings are never read. */
static int S_agencies(cb_site *site, cb_gitsrc *g, cb_hash *env, cb_diags *d, cb_error *err)
{
	cb_agencies_init(&site->agencies);
	const char *file = site->cfg.agencies_file;
	char *text = NULL;
	size_t len = 0;
	if (!file)
		cb_hash_str(env, NULL);
	else if (S_read_setting(g, file, env, &text, &len, err) != 0)
		return -1;
	int content_errors = 0;
	if (file && !text) {
		cb_diags_add(d, CB_ERROR, "casebook.yml", 0, 0, "agencies",
			     "agencies: there is no file '%s' in the repository; commit it, or correct "
			     "the path",
			     file);
		content_errors = 1;
	} else if (text) {
		cb_taxonomy defs;
		if (cb_agencies_file_load(text, len, file, &defs, d) != 0)
			content_errors = 1;
		cb_agencies_add(&site->agencies, &defs);
		cb_taxonomy_free(&defs);
	}
	free(text);
	return content_errors;
}

/* 1. The hub's settings, from the tree being built (so a build of an old
 * ref uses that ref's settings): casebook.yml, taxonomy, glossary, its
 * plugins and theme files. Returns -1 (err), else whether content errors
 * were reported. */
int cb_site_load_settings(cb_site *site, cb_gitsrc *g, cb_hash *env, cb_diags *d, cb_error *err)
{
	char *text = NULL;
	size_t len = 0;
	if (S_read_setting(g, "casebook.yml", env, &text, &len, err) != 0)
		return -1;
	int content_errors = cb_config_load(text, len, "casebook.yml", &site->cfg, d) != 0;
	/* What casebook.yml says (an accessibility contact, a service's
	 * address) is published on purpose: the output's last scan lets it
	 * through. */
	if (text) {
		cb_pii_hit *hits;
		size_t nh = cb_pii_scan(text, len, NULL, &hits);
		for (size_t k = 0; k < nh; k++)
			cb_strv_push_own(&site->pii_allow, cb_xstrndup(text + hits[k].off, hits[k].len));
		free(hits);
	}
	free(text);
	if (S_read_setting(g, site->cfg.taxonomy_file, env, &text, &len, err) != 0)
		return -1;
	if (text) {
		site->has_taxonomy = true;
		if (cb_taxonomy_load(text, len, site->cfg.taxonomy_file, &site->tax, d) != 0)
			content_errors = 1;
	}
	free(text);
	int arc = S_agencies(site, g, env, d, err);
	if (arc < 0)
		return -1;
	content_errors |= arc;
	if (cb_site_read_optional(g, site->cfg.glossary_file, &text, &len, err) != 0)
		return -1;
	if (text && cb_glossary_load(text, len, site->cfg.glossary_file, &site->glossary, d) != 0)
		content_errors = 1;
	free(text);
	/* The repository's own plugins (plugins/NAME.lua), from the same tree. */
	if (cb_gitsrc_has_dir(g, "plugins") &&
	    cb_gitsrc_list(g, "plugins", ".lua", CB_MAX_DOC_SIZE, &site->plugin_srcs, &site->nplugin_srcs, d,
			   err) != 0)
		return -1;
	/* The repository's own theme files (themes/<theme>/…), which replace
	 * the built-in theme's files of the same name; from the same tree. */
	char *theme_dir = cb_xasprintf("themes/%s", site->cfg.theme);
	int trc = cb_gitsrc_has_dir(g, theme_dir)
		      ? cb_gitsrc_list(g, theme_dir, NULL, CB_MAX_DOC_SIZE, &site->theme_srcs,
				       &site->ntheme_srcs, d, err)
		      : 0;
	free(theme_dir);
	return trc != 0 ? -1 : content_errors;
}

/* 2. The personal-data check's deny-list of names: $CASEBOOK_PII_NAMES,
 * else the file casebook.yml names (which must then exist; outside the
 * repository when it starts with '/' or '~'), else
 * <content>/pii-names.txt if any. -1 (err), else whether it reported a
 * content error. */
int cb_site_load_pii_names(cb_site *site, cb_gitsrc *g, cb_hash *env, cb_pii_names **out, cb_diags *d,
			   cb_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int content_errors = 0;
	char *names_file = site->cfg.pii_names_file ? cb_xstrdup(site->cfg.pii_names_file)
						    : cb_path_join(site->cfg.content_dir, "pii-names.txt");
	const char *env_names = getenv("CASEBOOK_PII_NAMES");
	int nrc;
	if ((env_names && env_names[0]) || names_file[0] == '/' || names_file[0] == '~') {
		nrc = S_read_outside(env_names && env_names[0] ? env_names : names_file, &text, &len, err);
	} else {
		nrc = cb_site_read_optional(g, names_file, &text, &len, err);
	}
	if (nrc == 0 && !text && site->cfg.pii_names_file) {
		cb_diags_add(
		    d, CB_ERROR, "casebook.yml", 0, 0, "pii-names",
		    "pii-names: there is no file '%s' in the repository; commit the list of names, or "
		    "correct the path",
		    names_file);
		content_errors = 1;
	}
	free(names_file);
	if (nrc != 0)
		return -1;
	*out = cb_pii_names_parse(text, len);
	cb_hash_str(env, text);
	free(text);
	return content_errors;
}
