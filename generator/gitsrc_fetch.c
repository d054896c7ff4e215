/* gitsrc_fetch: partner repositories mirrored for builds (see gitsrc.h,
 * cb_gitsrc_mirror). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gitsrc_int.h"

/* Runs `git credential fill` with request on its standard input; its
 * answer in *answer (caller frees). Its standard error stays the user's,
 * so a helper (or git itself) can ask on the terminal. */
static int S_git_credential(const char *request, char **answer)
{
	int in[2], outp[2];
	if (pipe(in) != 0)
		return -1;
	if (pipe(outp) != 0) {
		close(in[0]), close(in[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		close(in[0]), close(in[1]), close(outp[0]), close(outp[1]);
		execlp("git", "git", "credential", "fill", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int ok = pid > 0 && write(in[1], request, strlen(request)) == (ssize_t)strlen(request);
	close(in[1]);
	cb_buf b = CB_BUF_INIT;
	char chunk[512];
	ssize_t n;
	while (pid > 0 && (n = read(outp[0], chunk, sizeof chunk)) > 0)
		cb_buf_put(&b, chunk, (size_t)n);
	close(outp[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	signal(SIGPIPE, old);
	*answer = cb_buf_detach(&b);
	return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The value of "key=" in a credential answer; NULL when absent. Caller frees. */
static char *S_credential_field(const char *answer, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = answer; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == '=')
			return cb_xstrndup(p + k + 1, strcspn(p + k + 1, "\n"));
	return NULL;
}

int cb_gitsrc_credential_fill(const char *url, char **user, char **pass)
{
	*user = *pass = NULL;
	if (strchr(url, '\n'))
		return -1; /* the protocol is one value a line */
	char *request = cb_xasprintf("url=%s\n\n", url), *answer = NULL;
	int rc = S_git_credential(request, &answer);
	free(request);
	if (rc == 0) {
		*user = S_credential_field(answer, "username");
		*pass = S_credential_field(answer, "password");
	}
	if (answer)
		explicit_bzero(answer, strlen(answer));
	free(answer);
	if (rc == 0 && *user && *pass)
		return 0;
	free(*user);
	if (*pass)
		explicit_bzero(*pass, strlen(*pass));
	free(*pass);
	*user = *pass = NULL;
	return -1;
}

/* Credentials for a fetch that needs them: the ssh agent for ssh
 * addresses; for https, git's credential helpers (as `git fetch` would
 * use them), asked once — a second request means they were refused. */
static int S_credentials(git_credential **out, const char *url, const char *user, unsigned int allowed,
			 void *payload)
{
	int *asked = payload;
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user ? user : "git");
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && (*asked)++ == 0) {
		char *u, *p;
		if (cb_gitsrc_credential_fill(url, &u, &p) != 0)
			return GIT_PASSTHROUGH;
		int rc = git_credential_userpass_plaintext_new(out, u, p);
		explicit_bzero(p, strlen(p));
		free(u);
		free(p);
		return rc;
	}
	if (allowed & GIT_CREDENTIAL_DEFAULT)
		return git_credential_default_new(out);
	return GIT_PASSTHROUGH;
}

static int S_open_mirror(git_repository **repo, const char *dir, cb_error *err)
{
	if (git_repository_open_bare(repo, dir) == 0)
		return 0;
	if (git_repository_init(repo, dir, 1) == 0)
		return 0;
	cb_error_set(err, NULL, 0, 0, "cannot make the mirror '%s': %s", dir, cb_gitsrc_detail());
	return -1;
}

/* Points the mirror's HEAD where the remote's points, so that a source
 * with no ref follows the partner's default branch. */
static int S_follow_head(git_repository *repo, git_remote *remote)
{
	git_buf head = {0};
	int rc = git_remote_default_branch(&head, remote);
	if (rc == 0)
		rc = git_repository_set_head(repo, head.ptr);
	git_buf_dispose(&head);
	return rc;
}

int cb_gitsrc_mirror(const char *mirror_dir, const char *url, const char *ref, char *commit, cb_error *err)
{
	if (cb_git_ready(err) != 0)
		return -1;
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_object *obj = NULL;
	git_commit *c = NULL;
	int rc = -1;
	if (S_open_mirror(&repo, mirror_dir, err) != 0)
		goto out;
	if (git_remote_create_anonymous(&remote, repo, url) < 0) {
		cb_error_set(err, NULL, 0, 0, "'%s' is not an address git can fetch: %s", url,
			     cb_gitsrc_detail());
		goto out;
	}
	char *specs[] = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
	git_strarray refspecs = {specs, 2};
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	int asked = 0;
	fo.callbacks.credentials = S_credentials;
	fo.callbacks.payload = &asked;
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
		cb_error_set(err, NULL, 0, 0, "cannot fetch '%s': %s", url, cb_gitsrc_detail());
		goto out;
	}
	if (S_follow_head(repo, remote) < 0 && !ref) {
		cb_error_set(err, NULL, 0, 0,
			     "'%s' has no default branch to follow; name one with 'ref:' in casebook.yml",
			     url);
		goto out;
	}
	const char *name = ref ? ref : "HEAD";
	if (git_revparse_single(&obj, repo, name) < 0 ||
	    git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		cb_error_set(err, NULL, 0, 0,
			     "'%s' has no branch, tag or commit '%s'; correct 'ref:' in casebook.yml", url,
			     name);
		goto out;
	}
	git_oid_tostr(commit, 41, git_commit_id(c));
	rc = 0;
out:
	git_commit_free(c);
	git_object_free(obj);
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

int cb_gitsrc_has_commit(const char *mirror_dir, const char *commit)
{
	cb_error err;
	if (cb_git_ready(&err) != 0)
		return 0; /* then fetching it says why */
	git_repository *repo = NULL;
	git_oid id;
	git_commit *c = NULL;
	int found = git_repository_open_bare(&repo, mirror_dir) == 0 && git_oid_fromstr(&id, commit) == 0 &&
		    git_commit_lookup(&c, repo, &id) == 0;
	git_commit_free(c);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return found;
}
