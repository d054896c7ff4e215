/*
 * commands: the authoring and supervision commands — import, init, new,
 * pack, serve and learning — and fetch and update (partner repositories), each in its own file
 * (cmd_<name>.c). main.c only dispatches to them: each takes the command's arguments (argv[0] is the command
 * name) and the data folder (holding themes/ and skeleton/), prints its own messages and returns the exit
 * status: 0 done, 1 content errors, 2 usage or environment errors.
 *
 * Each command's usage text is exported so that `casebook help COMMAND`
 * prints the same text as `casebook COMMAND --help`.
 */
#ifndef CB_COMMANDS_H
#define CB_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "site.h"
#include "util.h"

int cb_cmd_analyse(int argc, char **argv, const char *datadir);
int cb_cmd_fetch(int argc, char **argv, const char *datadir);
int cb_cmd_update(int argc, char **argv, const char *datadir);
int cb_cmd_hook(int argc, char **argv, const char *datadir);
int cb_cmd_import(int argc, char **argv, const char *datadir);
int cb_cmd_init(int argc, char **argv, const char *datadir);
int cb_cmd_new(int argc, char **argv, const char *datadir);
int cb_cmd_pack(int argc, char **argv, const char *datadir);
int cb_cmd_serve(int argc, char **argv, const char *datadir);
int cb_cmd_learning(int argc, char **argv, const char *datadir);

extern const char cb_analyse_usage[];
extern const char cb_fetch_usage[];
extern const char cb_update_usage[];
extern const char cb_hook_usage[];
extern const char cb_import_usage[];

/* Installs casebook's pre-commit hook in repo (NULL: the one containing
 * the current folder); another hook is left alone (1) unless force.
 * Prints what it did unless quiet. Returns the exit status (cmd_hook.c). */
int cb_hook_install(const char *repo, bool force, bool quiet);

/* build's encryption keys (seal.h) from the passphrase: ctx is the
 * --passphrase-file path or NULL; see cb_build_opts.seal_keys. */
struct cb_seal *cb_cli_seal_keys(void *ctx, cb_error *err);

extern const char cb_init_usage[];
extern const char cb_new_usage[];
extern const char cb_pack_usage[];
extern const char cb_serve_usage[];
extern const char cb_learning_usage[];

/* Shared by the commands. */

/* Prints "casebook: MESSAGE", a blank line and the command's usage text
 * to stderr; returns 2, the exit status of a usage error (usage.c). */
int cb_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the site as a build for so's audience would (cb_site_load) and
 * prints to stderr what stops it: an environment error as one line, or
 * the documents' errors followed by a count asking the user to fix them
 * before `doing` (e.g. "making a pack"). Returns 0, 1 (content errors) or
 * 2 (environment error); the caller calls cb_site_free(site) in every
 * case (usage.c). */
int cb_cli_site_load(const cb_site_opts *so, cb_site *site, const char *doing);

/* Also shared (cmd_new.c). */

/* The folder under the content folder where documents of a type live, e.g.
 * "reviews" for "case-review"; NULL for an unknown type. */
const char *cb_type_folder(const char *type);

/* The skeleton folder inside datadir (skeleton/ when installed,
 * generator/skeleton/ in a source tree); NULL when neither exists.
 * Caller frees. */
char *cb_skeleton_dir(const char *datadir);

/* Creates the file at path (and its parent folders) with data, failing
 * with errno EEXIST when it exists: the check and the creation are one
 * step, so nothing is ever overwritten. 0 or -1 (errno). */
int cb_file_create(const char *path, const char *data, size_t len);

/* Today's date as YYYY-MM-DD (UTC), or the date of SOURCE_DATE_EPOCH when
 * set, so scripted runs are reproducible. -1 with err when
 * SOURCE_DATE_EPOCH is not a number. buf >= 11. */
int cb_today(char *buf, cb_error *err);

#endif
