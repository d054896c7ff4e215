/*
 * plugin_host: the inside of the plugin host, shared by its files and by
 * nothing else. plugin.c runs plugins (the sandbox, the budget, the
 * casebook.* API, loading and the hooks); plugin_data.c converts between
 * Lua values and casebook's data (packed fields, reading back what a hook
 * changed); plugin_field.c builds the lazy document tables' fields, and
 * their digests for the plugin cache;
 * plugin_options.c holds a plugin's declared options against casebook.yml.
 *
 * With the host's .c files, the only file that includes Lua headers.
 */
#ifndef CB_PLUGIN_HOST_H
#define CB_PLUGIN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "plugin.h"
#include "pool.h"
#include "value.h"

/* Plugin data nests at most this deep (a table inside itself would
 * otherwise never end). */
#define CB_PLUGIN_MAX_DEPTH 32

/* What a plugin is doing: which hooks may call what, and how a stored
 * document reference reads back. */
enum { CB_PLUGIN_LOADING, CB_PLUGIN_DOCUMENT, CB_PLUGIN_SITE };

/* A unique address: the key under which document tables keep their index,
 * which Lua code cannot forge (defined in plugin_data.c). */
extern const char cb_plugin_doc_key;

typedef struct cb_plugin cb_plugin;

struct cb_plugin_host {
	cb_site *site;
	cb_plugin_limits lim;
	const cb_theme *theme; /* for add_page's check; may be NULL */
	cb_plugin_query_fn query;
	void *query_ctx;
	cb_plugin **v;
	size_t n;
	cb_diags *d; /* where casebook.log and friends report, while running */
	bool themes_changed;
	cb_vpack_writer w;	  /* packs what plugins store (reused) */
	cb_plugin_watch_fn watch; /* told when each plugin starts and stops running */
	void *watch_ctx;
	cb_plugin *running;	  /* the plugin the watcher was told is running */
	unsigned char *touched;	  /* per document: CB_PLUGIN_THEMES and the like */
	struct cb_lclass *lclass; /* casebook.themes_of's classifier (learning.h), made on first use */
	cb_plugin_memo *memo;	  /* document hooks' results (plugin.h); may be NULL */
	unsigned call_touched;	  /* CB_PLUGIN_* bits the hook call running changed */
};

/* One loaded plugin: its Lua state and what the host keeps about it. */
struct cb_plugin {
	cb_plugin_host *h;
	char *name;
	char *path; /* the chunk name, e.g. "plugins/related.lua" */
	char *note; /* added to Lua error messages; may be NULL */
	lua_State *L;
	size_t mem, mem_max;
	cb_pool *pool; /* the state's memory (pool.h) */
	long long used, budget;
	bool mem_refused;
	bool mem_out;	 /* memory was refused: out of memory until the call ends */
	bool mem_failed; /* the count hook raised the error for it */
	void *retry_ptr; /* the request refused, which Lua tries again after collecting */
	size_t retry_size;
	int mem_line;	 /* the plugin's line when memory first ran out */
	size_t nmsgs;	 /* messages (log, warn, error, print) so far */
	bool told_error; /* the notice of suppressed messages was an error */
	int ref_document, ref_site;
	int ref_docs; /* site phase: every document table, in site order */
	int phase;
	void *pending;	   /* C memory to free should Lua unwind past it */
	const void *chunk; /* what S_init_step loads */
	char what[1200];   /* what the plugin was doing, for messages */
	double seconds;
	/* Its document hook's records (cb_plugin_memo; plugin_memo.c). */
	char src_key[33];	/* a digest of its source */
	char memo_key[33];	/* of its source, options, taxonomy…; "" when its calls are not kept */
	int memo_doc;		/* the document whose reads are followed, or -1 */
	bool following;		/* the reads of memo_doc are being followed */
	cb_hash reads;		/* the digest of those reads */
	cb_strv read_names;	/* the fields read, in the order first read */
	cb_strv memo_set;	/* the fields the call set */
	bool memo_bad;		/* the call cannot be kept (it asked casebook.query, …) */
	cb_vpack_writer memo_w; /* packs what is read and kept */
	size_t memo_ran, memo_reused;
	bool memo_keyed;	/* memo_key was worked out */
	bool read_date;		/* it read the build date (from then on, its records hold it) */
	cb_strmap *site_reads;	/* site hook: "index\x1fname" -> digest (uint64_t[2]) of each field read */
	cb_vpack_writer site_w; /* its changes to documents, as they are read back */
	size_t site_nchanged;
	bool site_reused; /* its site hook's record was applied */
};

/* What memo_doc holds besides a document's index. */
enum { CB_MEMO_NONE = -1, CB_MEMO_SITE = -2 };

/* The plugin whose state L is (its allocator's user data). */
static inline cb_plugin *cb_plugin_of(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return ud;
}

/* Notes that the plugins changed doc (CB_PLUGIN_THEMES and the like; see
 * cb_plugin_host_touched). In plugin.c. */
void cb_plugin_touch(cb_plugin_host *h, const cb_doc *doc, unsigned what);

/* Adds one of the plugin's messages to the build's diagnostics, within the
 * limits on messages (plugin.c). */
void cb_plugin_say(cb_plugin *p, cb_severity sev, const char *file, int line, int col, const char *msg);

/* ---- plugin_memo.c: document hooks' records (cb_plugin_memo) ---- */

/* Frees what the plugin kept for its records. */
void cb_plugin_memo_close(cb_plugin *p);
/* Notes the plugin's source (when it is added). */
void cb_plugin_memo_source(cb_plugin *p, const char *src, size_t len);
/* Works out the plugin's key before its document hooks run. */
void cb_plugin_memo_start(cb_plugin *p);
/* Gives the table on top build_date, looked up when read so that the
 * plugin's records hold the build date only once it has read it
 * (casebook.build_date, site.build_date). */
void cb_plugin_memo_dated(lua_State *L);
/* The record stored under the key a replay works out without the build
 * date (undated) or with it (dated), whichever there is: its reads'
 * digest as cb_plugin_memo_record gives it, with the key found in used. */
char *cb_plugin_memo_find(const cb_plugin_memo *m, const char *undated, const char *dated, cb_vpack_reader *r,
			  char used[33]);
/* Applies the record of document idx when what it read reads the same:
 * true when done (the hook need not run). */
bool cb_plugin_memo_replay(cb_plugin *p, int idx);
/* Around a call of the document hook on document idx: follows what it
 * reads; then, when it succeeded (rc 0), keeps what it did and the
 * messages it gave (d's from n0 on). */
void cb_plugin_memo_begin(cb_plugin *p, int idx);
void cb_plugin_memo_end(cb_plugin *p, int idx, int rc, size_t n0);
/* Whether a read of document idx's fields is followed now. */
bool cb_plugin_memo_wants(const cb_plugin *p, int idx);
/* Called by the document tables' __index with the field k of document idx
 * just read, and its digest (cb_plugin_field_digest's). */
void cb_plugin_memo_read(cb_plugin *p, int idx, const char *k, const uint64_t dg[2]);
/* Copies the value at r to w, with its keys (w may have another key area):
 * false when it is malformed, or holds a document reference and refs is
 * false. */
bool cb_plugin_memo_copy(cb_vpack_reader *r, cb_vpack_writer *w, bool refs, int depth);
/* Helpers shared with plugin_memo_site.c: feeds h the Lua value at i as
 * packed (false when it cannot be); the next text of r (caller frees;
 * NULL when not text); a record's messages, checked or told again; what
 * a hook did to document idx (t: its CB_PLUGIN_* bits), written and read
 * back (applied when apply); the messages from n0 on, written. */
bool cb_plugin_memo_feed(lua_State *L, cb_plugin *p, int i, cb_hash *h);
char *cb_plugin_memo_str(cb_vpack_reader *r);
char *cb_plugin_memo_record(const cb_plugin_memo *m, const char *key, cb_vpack_reader *r);
bool cb_plugin_memo_diags(cb_plugin *p, cb_vpack_reader *r, bool tell);
bool cb_plugin_memo_put_changes(cb_plugin *p, int idx, unsigned t, cb_vpack_writer *w, bool refs);
bool cb_plugin_memo_take_changes(cb_plugin *p, int idx, cb_vpack_reader *r, bool apply);
bool cb_plugin_memo_put_diags(cb_plugin *p, size_t n0, cb_vpack_writer *w);

/* ---- plugin_memo_site.c: site hooks' records ----
 * As for a document hook, but the fields read are of any document (each
 * document and field once), and the key holds the site table: every
 * document's path in order, the site's fields and its themes. */
/* Whether add_page would take a page at path with template tpl now (a
 * replayed record's pages are checked again: the theme or the site's
 * pages may have changed since it was made). */
bool cb_plugin_page_ok(const cb_plugin *p, const char *path, const char *tpl);
bool cb_plugin_memo_site_replay(cb_plugin *p);
void cb_plugin_memo_site_begin(cb_plugin *p);
void cb_plugin_memo_site_end(cb_plugin *p, int rc, size_t n0, size_t npages0);
/* From the document tables' __index and cb_plugin_readback. */
void cb_plugin_memo_site_read(cb_plugin *p, int idx, const char *k, const uint64_t dg[2]);
void cb_plugin_memo_site_note(cb_plugin *p, int idx);
/* Applies a record's changes to document idx (plugin_data.c): its themes
 * (NULL: none), HTML (NULL: none) and fields (NULL, or a reader at the
 * map of them). false when the fields are malformed. */
bool cb_plugin_apply(cb_plugin *p, int idx, cb_strv *themes, const char *html, cb_vpack_reader *fields);

/* ---- plugin_options.c ---- */

struct cb_plugin_conf;
/* Checks casebook.options against the declarations p.options of the
 * plugin table at pt (none declared: nothing is checked): warnings for
 * options conf (casebook.yml's entry; may be NULL) gives that are not
 * declared or not of their type, then every declared option not given, or
 * mistyped, set to its default. Raises a Lua error for a malformed
 * declaration. */
void cb_plugin_options_check(lua_State *L, cb_plugin *p, int pt, const struct cb_plugin_conf *conf);

/* ---- plugin_data.c and plugin_field.c ---- */

/* The index of the document whose table is at i, or -1 when it is not a
 * document table. Raises no Lua error. */
int cb_plugin_doc_index(lua_State *L, int i);
/* Packs the Lua value at i into w, never raising a Lua error once the
 * stack has room: on a value that cannot be stored it returns false with
 * the reason in err (w then holds part of it; the caller cuts it). A
 * document table becomes the reference {"$doc": index}; map keys are
 * sorted. */
bool cb_plugin_pack(lua_State *L, int i, cb_vpack_writer *w, char *err, size_t errsize);
/* Pushes a value tree (NULL pushes nil); a {"$doc": n} reference becomes
 * the document as cb_plugin_push_ref pushes it. */
void cb_plugin_push_value(lua_State *L, cb_plugin *p, const cb_value *v);
/* Pushes a reference to document idx: in a site hook the document's own
 * table; in a document hook a small table naming it. */
void cb_plugin_push_ref(lua_State *L, cb_plugin *p, int idx);
/* Pushes a new table for document idx, whose fields are built when first
 * read (see cb_plugin_doc_field). */
void cb_plugin_push_doc(lua_State *L, cb_plugin *p, int idx);
/* The __index function of the document tables' shadows; registered once
 * per state. */
int cb_plugin_doc_field(lua_State *L);
/* The digest of field k of document idx as a hook would read it now: its
 * name, whether it has a value, and every step that builds the value (a
 * document reference by its index in the site phase, by its path, slug
 * and title in the document phase, as p->phase says). Builds no Lua
 * value, so it may be called with no hook running. */
void cb_plugin_field_digest(cb_plugin *p, int idx, const char *k, uint64_t dg[2]);
/* Takes the changes a hook made to the document table at t into the site
 * model; raises a Lua error on a change the site cannot take. */
void cb_plugin_readback(lua_State *L, cb_plugin *p, int t);
/* Small builders: a list of strings; t[key] = s (nothing when s is NULL);
 * t[key] = n, for the table on top of the stack. */
void cb_plugin_push_strv(lua_State *L, const cb_strv *sv);
void cb_plugin_set_str(lua_State *L, const char *key, const char *s);
void cb_plugin_set_int(lua_State *L, const char *key, lua_Integer n);

#endif
