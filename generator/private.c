/* private: see private.h. */
#include "private.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
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

void cb_private_sweep(const char *dir)
{
	char *base = cb_path_join(dir, "serve");
	DIR *d = opendir(base);
	if (!d) {
		free(base);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (e->d_name[0] == '.' || *end || pid <= 0 || pid == (long)getpid())
			continue;
		/* Alive, or someone else's process: leave it. */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *p = cb_path_join(base, e->d_name);
		cb_rm_rf(p);
		free(p);
	}
	closedir(d);
	free(base);
}
