/*
 * contain: the walls around a child process that runs code casebook does
 * not trust (the plugin stage, see plugin_proc.c), behind the Lua sandbox:
 *
 *   - it dies with its parent (PR_SET_PDEATHSIG), writes no core file (its
 *     memory holds the documents of the build, restricted ones included),
 *     and has no terminal (stdin, stdout and stderr are /dev/null: it
 *     reports to its parent only);
 *   - resource limits: CPU seconds and address space, so a runaway the
 *     parent's clock has not yet caught cannot take the machine;
 *   - a seccomp filter (libseccomp): no programs (execve), no new
 *     processes (fork; threads only), no network (socket), no ptrace or
 *     signals to other processes, no terminal input injection (TIOCSTI),
 *     no kernel interfaces (mount, bpf, modules, io_uring, keys …).
 *     Files stay reachable, because casebook.query's search database is
 *     written in a temporary folder while the stage runs; the Lua sandbox
 *     gives a plugin no file functions.
 *
 * This is the only module that includes the seccomp header.
 */
#ifndef CB_CONTAIN_H
#define CB_CONTAIN_H

#include <stddef.h>

typedef struct cb_contain_limits {
	double cpu_seconds; /* CPU time the process may use from now on; 0: no limit */
	size_t more_memory; /* address space it may map beyond what it has now; 0: no limit */
} cb_contain_limits;

/* Called in the child, before it runs anything untrusted: applies every
 * wall above. Returns 0, or -1 with the reason in why (the child must then
 * not go on: a wall that did not go up is a failure, not a warning). */
int cb_contain_enter(const cb_contain_limits *lim, char *why, size_t whysize);

#endif
