/* build: see build.h. */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "util.h"
#include "writer.h"

cb_build_status cb_build_run(const cb_build_opts *opts, cb_build_result *res, cb_diags *d, cb_error *err)
{
	memset(res, 0, sizeof *res);
	cb_site site;
	cb_writer *w = NULL;
	char *theme_dir = NULL;
	cb_build_status st;

	/* 1. load */
	int rc = cb_site_load(&opts->site, &site, d, err);
	res->sources = site.nsources;
	res->documents = site.ndocs;
	if (rc == 2) {
		st = CB_BUILD_FAILED;
		goto out;
	}
	/* 2. report */
	if (rc == 1 || d->errors) {
		st = CB_BUILD_CONTENT;
		goto out;
	}
	if (opts->check_only) {
		st = CB_BUILD_OK;
		goto out;
	}

	/* 3. write */
	res->out = opts->out ? cb_xstrdup(opts->out)
		   : site.workdir ? cb_path_join(site.workdir, "public")
				  : cb_xstrdup("public");
	theme_dir = cb_xasprintf("%s/themes/%s", opts->datadir, site.cfg.theme);
	cb_render_opts ro = {theme_dir, opts->version};
	if (cb_writer_open(&w, res->out, err) != 0) {
		st = CB_BUILD_FAILED;
		goto out;
	}
	if (cb_render_site(&site, &ro, w, err) != 0) {
		cb_writer_abort(w);
		st = CB_BUILD_FAILED;
		goto out;
	}
	res->files = cb_writer_count(w);

	/* 4. swap */
	st = cb_writer_commit(w, err) == 0 ? CB_BUILD_OK : CB_BUILD_FAILED;
out:
	free(theme_dir);
	cb_site_free(&site);
	return st;
}

void cb_build_result_free(cb_build_result *res)
{
	free(res->out);
	memset(res, 0, sizeof *res);
}
