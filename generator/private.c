/* private: see private.h. */
#include "private.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int cb_private_make(const char *dir)
{
	if (cb_mkdir_p(dir) != 0)
		return -1;
	/* A folder made by an older casebook was readable by everyone. */
	chmod(dir, 0700);
	char *ignore = cb_path_join(dir, ".gitignore");
	int rc = 0;
	char *data = NULL;
	size_t len = 0;
	/* Written again when missing or changed (but never through a link:
	 * cb_file_write refuses one). */
	if (cb_file_read(ignore, &data, &len) != 0 || len != 2 || memcmp(data, "*\n", 2) != 0)
		rc = cb_file_write(ignore, "*\n", 2);
	free(data);
	free(ignore);
	return rc;
}

/* Whether pid names a process that has ended (one alive, or someone
 * else's, is left alone). */
static bool S_dead(long pid)
{
	return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* The pid of a name made of digits only, else 0. */
static long S_pid(const char *s)
{
	char *end;
	long pid = strtol(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !*end ? pid : 0;
}

/* serve/<pid>/ of previews that were killed. */
static void S_sweep_serve(const char *dir)
{
	char *base = cb_path_join(dir, "serve");
	DIR *d = opendir(base);
	if (!d) {
		free(base);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!S_dead(S_pid(e->d_name)))
			continue;
		char *p = cb_path_join(base, e->d_name);
		cb_rm_rf(p);
		free(p);
	}
	closedir(d);
	free(base);
}

void cb_private_sweep(const char *dir)
{
	S_sweep_serve(dir);
	/* search-<audience>.db.tmp-<pid> of builds that were killed. */
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *tmp = strstr(e->d_name, ".db.tmp-");
		if (!cb_str_starts(e->d_name, "search-") || !tmp || !S_dead(S_pid(tmp + 8)))
			continue;
		char *p = cb_path_join(dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}

char *cb_private_search_db(const char *dir, cb_visibility audience)
{
	char name[64];
	snprintf(name, sizeof name, "search-%s.db", cb_visibility_name(audience));
	return cb_path_join(dir, name);
}
