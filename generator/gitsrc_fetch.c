/* gitsrc_fetch: partner repositories mirrored for builds (see gitsrc.h,
 * cb_gitsrc_mirror). */
#include <string.h>

#include "gitsrc_int.h"

/* Credentials for a fetch that needs them: the ssh agent for ssh
 * addresses; for https, whatever libgit2's transport does by default
 * (an address needing a password is refused with libgit2's message). */
static int S_credentials(git_credential **out, const char *url, const char *user, unsigned int allowed,
			 void *payload)
{
	(void)url, (void)payload;
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user ? user : "git");
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
	if (cb_git_load(err) != 0)
		return -1;
	git_libgit2_init();
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
	fo.callbacks.credentials = S_credentials;
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
	if (cb_git_load(&err) != 0)
		return 0; /* then fetching it says why */
	git_libgit2_init();
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
