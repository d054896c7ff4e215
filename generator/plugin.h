/*
 * plugin: the Lua 5.4 plugin host. A plugin is a Lua file returning a table
 * of hooks: `document(doc)` runs once for every document and may change
 * that document's themes, its HTML and fields of its own; `site(site)` runs
 * once with every document and may cross-reference them and add pages.
 * Plugins run in the order casebook.yml gives (or the default set), each in
 * its own Lua state, with the host API `casebook.*` (see
 * doc/casebook-plugins.7 and plugins/README.md).
 *
 * The sandbox: no io, no os beyond clock/date/time, no package or require,
 * no debug, no dofile or loadfile, load of text chunks only; an instruction
 * budget for each hook call and a memory cap for each plugin (once refused,
 * the rest of the hook call fails), at most 1,000 messages per plugin. A
 * plugin can neither read nor write files, run programs or reach the
 * network. Every failure is a diagnostic naming the plugin file and line.
 * The build's plugin stage runs all this in a child process held to a
 * wall-clock limit per plugin (cb_plugins_run, plugin_proc.c).
 *
 * This module (plugin.c, plugin_data.c and their private plugin_host.h)
 * is the only one that includes Lua headers.
 */
#ifndef CB_PLUGIN_H
#define CB_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "site.h"
#include "theme.h"
#include "util.h"
#include "value.h"

/* Limits when casebook.yml sets none (plugin-limits:). A hook call of the
 * shipped plugins on 10,000 documents needs well under a tenth of the
 * budget; an endless loop uses it up in a few seconds. */
#define CB_PLUGIN_INSTRUCTIONS 1000000000LL
#define CB_PLUGIN_MEMORY_MB 256

/* The default plugins, in the order they run when casebook.yml has no
 * 'plugins:' list. */
extern const char *const cb_plugin_defaults[];
extern const size_t cb_plugin_ndefaults;

/* One hit of casebook.query. */
typedef struct cb_plugin_hit {
	int doc;      /* index in site->docs */
	double score; /* higher is better */
} cb_plugin_hit;

/* A full-text query over the site's documents, for casebook.query: fills
 * *hits (caller frees with free) with at most limit hits, best first.
 * Returns 0, or -1 with a message for the plugin's author in *msg (caller
 * frees) when the query is malformed or cannot run. */
typedef int (*cb_plugin_query_fn)(void *ctx, const char *query, size_t limit, cb_plugin_hit **hits, size_t *n,
				  char **msg);

typedef struct cb_plugin_limits {
	long long instructions; /* Lua VM instructions per hook call */
	size_t memory;		/* bytes per plugin state */
} cb_plugin_limits;

typedef struct cb_plugin_host cb_plugin_host;

/* A host for plugins working on site (borrowed, and changed by the
 * plugins: document themes, HTML and extra fields, added pages). theme,
 * when not NULL, is where add_page checks that a template exists (theme.h;
 * borrowed). */
cb_plugin_host *cb_plugin_host_new(cb_site *site, const cb_plugin_limits *limits, const cb_theme *theme);
/* Gives casebook.query something to ask; without it the function returns
 * nil and a message. */
void cb_plugin_set_query(cb_plugin_host *h, cb_plugin_query_fn fn, void *ctx);
/* Tells fn (with ctx) when each plugin starts running — loading, its
 * hooks, closing its state (finalizers) — and when it stops, so that the
 * plugin stage can hold each plugin to its time (see cb_plugins_run). */
typedef void (*cb_plugin_watch_fn)(void *ctx, const char *name, bool running);
void cb_plugin_set_watch(cb_plugin_host *h, cb_plugin_watch_fn fn, void *ctx);
/* What the plugins changed of document doc so far: CB_PLUGIN_* bits. */
enum { CB_PLUGIN_THEMES = 1, CB_PLUGIN_HTML = 2, CB_PLUGIN_FIELDS = 4 };
unsigned cb_plugin_host_touched(const cb_plugin_host *h, size_t doc);
/* Loads one plugin from src (len bytes of Lua text): runs the chunk, named
 * path in messages (e.g. "plugins/related.lua"), with casebook.options set
 * to the options of conf (casebook.yml's entry for it, config.h; copied;
 * NULL for none), then checks them against the options the plugin
 * declares (p.options), with warnings at their places in casebook.yml.
 * note, when not NULL, is added to the messages of Lua errors (e.g. where
 * a shipped plugin lives). Problems go to d; returns 0 or -1. */
struct cb_plugin_conf;
int cb_plugin_host_add(cb_plugin_host *h, const char *name, const char *path, const char *note,
		       const char *src, size_t len, const struct cb_plugin_conf *conf, cb_diags *d);
/* Runs every document hook (plugin by plugin, document by document), then
 * every site hook, regrouping the themes after each phase if any changed.
 * Returns -1 when a plugin failed (reported in d; the run stops there), 0
 * otherwise — casebook.error adds errors to d without stopping the run. */
int cb_plugin_host_run(cb_plugin_host *h, cb_diags *d);
/* Plugins loaded, and for each its name and the seconds it took (loading
 * and hooks). */
size_t cb_plugin_host_count(const cb_plugin_host *h);
const char *cb_plugin_host_name(const cb_plugin_host *h, size_t i);
double cb_plugin_host_seconds(const cb_plugin_host *h, size_t i);
/* Plugin i's document hook calls made, and answered by records
 * (cb_plugin_memo), both 0 when no records were given; whether its site
 * hook was answered by one. */
void cb_plugin_host_memo_counts(const cb_plugin_host *h, size_t i, size_t *ran, size_t *reused,
				bool *site_reused);
void cb_plugin_host_free(cb_plugin_host *h); /* NULL-safe */

/* How long each plugin took (loading and hooks), in the order they ran. */
typedef struct cb_plugin_timings {
	struct {
		char *name; /* owned */
		double seconds;
	} * v;
	size_t n;
} cb_plugin_timings;
void cb_plugin_timings_add(cb_plugin_timings *t, const char *name, double seconds);
void cb_plugin_timings_free(cb_plugin_timings *t); /* empties it; NULL-safe */

/*
 * Document hooks' results kept between builds (in the build cache,
 * cache.h). A document hook is taken to depend on nothing but what it
 * reads: the plugin's source and options, the taxonomy, glossary and
 * agencies, the site's language, the document's themes as the hook finds
 * them, and the fields of the document it reads (each field's value as
 * the hook saw it). A record keeps the names of those fields, a digest of
 * their values and what the hook did (themes, HTML, fields it set, its
 * messages); when every field it names reads the same again, the hook is
 * not called and its record is applied instead. A call that asks
 * casebook.query, fails, or stores a value a record cannot hold is not
 * kept. Site hooks likewise (plugin_memo_site.c): the fields of any
 * document they read, with the site table they are given (its fields,
 * every document's path in order, the themes) in the key; a record also
 * holds the pages the hook added.
 */
typedef struct cb_plugin_memo {
	cb_strmap *old;	 /* key -> cb_vpack* record, from earlier builds (owned) */
	cb_strv keep;	 /* keys this build used or made */
	cb_vpack **made; /* for each key of keep: its new record (owned), or NULL: the old one */
	size_t reused;	 /* document hook calls answered by a record */
	size_t ran;	 /* document hook calls made */
} cb_plugin_memo;
/* Notes that this build uses key: rec a new record (taken), or NULL for
 * the old one. */
void cb_plugin_memo_keep(cb_plugin_memo *m, const char *key, cb_vpack *rec);
void cb_plugin_memo_free(cb_plugin_memo *m); /* empties it; NULL-safe */
/* Gives the host the records to use and keep (borrowed; NULL: none). */
void cb_plugin_set_memo(cb_plugin_host *h, cb_plugin_memo *m);

typedef struct cb_plugins_opts {
	const char *datadir;	  /* the shipped plugins are <datadir>/plugins/NAME.lua */
	const cb_theme *theme;	  /* the theme (theme.h), for add_page; may be NULL */
	cb_plugin_query_fn query; /* may be NULL */
	void *query_ctx;
	cb_plugin_timings *timings; /* when not NULL, gets each plugin's time (caller frees) */
	cb_plugin_memo *memo;	    /* document hooks' results; may be NULL */
} cb_plugins_opts;

/* A plugin may run this long in a build (all its hooks, loading and
 * closing included) when casebook.yml sets no plugin-limits: seconds:
 * CB_PLUGIN_SECONDS, and a second more for every CB_PLUGIN_DOCS_PER_SECOND
 * documents, since the shipped site hooks' work grows with the site (at
 * 100,000 documents, backlinks alone takes several seconds). The limit is
 * there to stop a plugin that never ends, not to fail a large site. */
#define CB_PLUGIN_SECONDS 10
#define CB_PLUGIN_DOCS_PER_SECOND 2000
double cb_plugin_seconds(const cb_site *site);

/*
 * The plugin stage of a build. Picks the plugins casebook.yml lists (or
 * the default set, followed by the repository's own plugins by name), each
 * from the repository's plugins/NAME.lua when there is one, else from the
 * shipped ones, then loads and runs them. Returns CB_STAGE_OK when done
 * (content errors from casebook.error may be in d), CB_STAGE_CONTENT when
 * a plugin or its configuration failed (in d), CB_STAGE_FAILED when a
 * shipped plugin cannot be read or the stage cannot run (err). A default
 * plugin the data folder lacks is left out.
 *
 * The plugins run in a child process (plugin_proc.c) behind the walls of
 * contain.h, and the parent holds each plugin to site->cfg.plugin_seconds
 * of wall-clock time (CB_PLUGIN_SECONDS when 0) whatever it does — Lua,
 * C library code such as a pattern match, casebook.query, a finalizer —
 * by killing the child. A stopped plugin is an error at its file, rule
 * plugin-limit; nothing it did reaches site. What the plugins changed
 * (themes, HTML, fields, pages), their messages and timings come back
 * over a pipe and are applied to site.
 *
 * The process is forked, so call it while no other thread of this process
 * holds a lock the stage needs (a build starts it before its search
 * thread: cb_plugins_start, then cb_plugins_finish).
 */
cb_stage_result cb_plugins_run(cb_site *site, const cb_plugins_opts *opts, cb_diags *d, cb_error *err);
typedef struct cb_plugins_job cb_plugins_job;
/* Starts the stage's process: CB_STAGE_OK, or CB_STAGE_FAILED with err.
 * site must not change until cb_plugins_finish, which waits for it,
 * applies its results, frees job and returns as cb_plugins_run does. */
cb_stage_result cb_plugins_start(cb_plugins_job **job, cb_site *site, const cb_plugins_opts *opts,
				 cb_error *err);
cb_stage_result cb_plugins_finish(cb_plugins_job *job, cb_site *site, cb_diags *d, cb_error *err);

/* What the stage's child passes to the stage run in its own process
 * (plugin_stage.c), for plugin_proc.c only. */
typedef struct cb_plugins_hooks {
	cb_plugin_watch_fn watch; /* see cb_plugin_set_watch; may be NULL */
	void *ctx;
	void (*pause)(void *ctx, bool paused); /* around building casebook.query's index */
	const char *tmp_dir;		       /* an empty folder for that index (the caller removes it) */
	unsigned char *touched;		       /* site->ndocs bytes: cb_plugin_host_touched for each */
} cb_plugins_hooks;
cb_stage_result cb_plugins_run_here(cb_site *site, const cb_plugins_opts *opts, const cb_plugins_hooks *hk,
				    cb_diags *d, cb_error *err);

#endif
