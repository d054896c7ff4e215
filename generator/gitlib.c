/* gitlib: see gitlib.h. */
#define _GNU_SOURCE
#define CB_GITLIB_IMPL
#include "gitlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

cb_git_fns cb_git;

static pthread_once_t S_once = PTHREAD_ONCE_INIT;
static bool S_ok;
static char S_why[400];

/* The functions by name, in cb_git's order, and where each goes. */
#define CB_GIT_FN(name) {#name, (void *)&cb_git.name},
static const struct {
	const char *name;
	void *slot;
} S_fns[] = {
    CB_GIT_FN(git_blob_free) CB_GIT_FN(git_blob_lookup) CB_GIT_FN(git_blob_rawcontent) CB_GIT_FN(
	git_blob_rawsize) CB_GIT_FN(git_buf_dispose) CB_GIT_FN(git_commit_author) CB_GIT_FN(git_commit_create)
	CB_GIT_FN(git_commit_dup) CB_GIT_FN(git_commit_free) CB_GIT_FN(git_commit_id) CB_GIT_FN(
	    git_commit_lookup) CB_GIT_FN(git_commit_parent) CB_GIT_FN(git_commit_parent_id)
	    CB_GIT_FN(git_commit_parentcount) CB_GIT_FN(git_commit_time) CB_GIT_FN(git_commit_tree) CB_GIT_FN(
		git_config_free) CB_GIT_FN(git_config_get_string_buf) CB_GIT_FN(git_credential_default_new)
		CB_GIT_FN(git_credential_ssh_key_from_agent) CB_GIT_FN(
		    git_credential_userpass_plaintext_new) CB_GIT_FN(git_error_last)
		    CB_GIT_FN(git_fetch_options_init) CB_GIT_FN(git_index_add_bypath) CB_GIT_FN(
			git_index_free) CB_GIT_FN(git_index_has_conflicts) CB_GIT_FN(git_index_read)
			CB_GIT_FN(git_index_write) CB_GIT_FN(git_index_write_tree) CB_GIT_FN(
			    git_libgit2_init) CB_GIT_FN(git_libgit2_opts) CB_GIT_FN(git_libgit2_shutdown)
			    CB_GIT_FN(git_object_free) CB_GIT_FN(git_object_peel) CB_GIT_FN(
				git_odb_free) CB_GIT_FN(git_odb_hash) CB_GIT_FN(git_odb_hashfile)
				CB_GIT_FN(git_odb_object_data) CB_GIT_FN(git_odb_object_free) CB_GIT_FN(
				    git_odb_object_size) CB_GIT_FN(git_odb_open) CB_GIT_FN(git_odb_read)
				    CB_GIT_FN(git_odb_read_header) CB_GIT_FN(git_oid_cmp) CB_GIT_FN(git_oid_cpy) CB_GIT_FN(git_oid_equal) CB_GIT_FN(
					git_oid_fromstr) CB_GIT_FN(git_oid_fromstrn) CB_GIT_FN(git_oid_tostr) CB_GIT_FN(git_reference_name_to_id)
					CB_GIT_FN(git_remote_create_anonymous) CB_GIT_FN(git_remote_default_branch) CB_GIT_FN(git_remote_fetch) CB_GIT_FN(
					    git_remote_free) CB_GIT_FN(git_repository_commondir) CB_GIT_FN(git_repository_config)
					    CB_GIT_FN(git_repository_free) CB_GIT_FN(git_repository_head_unborn) CB_GIT_FN(
						git_repository_index) CB_GIT_FN(git_repository_init)
						CB_GIT_FN(git_repository_is_bare) CB_GIT_FN(git_repository_odb) CB_GIT_FN(
						    git_repository_open_bare) CB_GIT_FN(git_repository_open_ext)
						    CB_GIT_FN(git_repository_path) CB_GIT_FN(
							git_repository_set_head) CB_GIT_FN(git_repository_workdir)
							CB_GIT_FN(git_revparse_single) CB_GIT_FN(git_revwalk_free) CB_GIT_FN(
							    git_revwalk_new) CB_GIT_FN(git_revwalk_next) CB_GIT_FN(git_revwalk_push)
							    CB_GIT_FN(git_revwalk_sorting) CB_GIT_FN(
								git_signature_default)
								CB_GIT_FN(git_signature_free) CB_GIT_FN(git_signature_new) CB_GIT_FN(
								    git_signature_now) CB_GIT_FN(git_tree_dup)
								    CB_GIT_FN(git_tree_entry_byindex) CB_GIT_FN(
									git_tree_entry_bypath) CB_GIT_FN(git_tree_entry_filemode)
									CB_GIT_FN(git_tree_entry_free) CB_GIT_FN(
									    git_tree_entry_id) CB_GIT_FN(git_tree_entry_name)
									    CB_GIT_FN(git_tree_entry_type) CB_GIT_FN(
										git_tree_entrycount) CB_GIT_FN(git_tree_free)
										CB_GIT_FN(git_tree_id) CB_GIT_FN(
										    git_tree_lookup) CB_GIT_FN(git_tree_walk)
										    CB_GIT_FN(git_diff_free) CB_GIT_FN(
											git_diff_get_delta)
											CB_GIT_FN(git_diff_num_deltas) CB_GIT_FN(
											    git_diff_tree_to_tree)
											    CB_GIT_FN(git_status_byindex) CB_GIT_FN(
												git_status_list_entrycount)
												CB_GIT_FN(
												    git_status_list_free)
												    CB_GIT_FN(
													git_status_list_new)
													CB_GIT_FN(
													    git_status_options_init)};
#undef CB_GIT_FN

static void S_load(void)
{
	void *lib = dlopen(CB_GIT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(S_why, sizeof S_why,
			 "reading the repository needs the library %s, which is not installed (%s); "
			 "install it (Debian: apt-get install libgit2-1.5)",
			 CB_GIT_SONAME, dlerror());
		return;
	}
	for (size_t i = 0; i < sizeof S_fns / sizeof S_fns[0]; i++) {
		void *p = dlsym(lib, S_fns[i].name);
		if (!p) {
			snprintf(S_why, sizeof S_why, "%s has no function %s; install libgit2 1.5",
				 CB_GIT_SONAME, S_fns[i].name);
			return;
		}
		memcpy(S_fns[i].slot, &p, sizeof p);
	}
	S_ok = true;
}

static int S_git_load(cb_error *err)
{
	pthread_once(&S_once, S_load);
	if (S_ok)
		return 0;
	cb_error_set(err, NULL, 0, 0, "%s", S_why);
	return -1;
}

int cb_git_ready(cb_error *err)
{
	if (S_git_load(err) != 0)
		return -1;
	cb_git.git_libgit2_init();
	return 0;
}
