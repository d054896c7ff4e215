/* contain: see contain.h. */
#define _GNU_SOURCE /* CLONE_THREAD */
#include "contain.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sched.h>
#include <seccomp.h>

/* The address space the process has mapped now, in bytes; 0 if unknown. */
static size_t S_mapped(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static int S_limit(int what, rlim_t soft, rlim_t hard, const char *name, char *why, size_t n)
{
	struct rlimit rl, cur;
	/* Never above a limit the user set already (ulimit). */
	if (getrlimit(what, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
		hard = cur.rlim_max;
	rl.rlim_cur = soft < hard ? soft : hard;
	rl.rlim_max = hard;
	if (setrlimit(what, &rl) == 0)
		return 0;
	snprintf(why, n, "cannot set the %s limit: %s", name, strerror(errno));
	return -1;
}

/* System calls the child never needs, refused with EPERM. A plugin that
 * got out of Lua could otherwise start programs, reach the network or
 * act on other processes. */
static const char *const S_denied[] = {
    "execve",
    "execveat",
    "fork",
    "vfork",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kill",
    "tkill",
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "bpf",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "name_to_handle_at",
    "open_by_handle_at",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setgroups",
    "personality",
    "quotactl",
    "mknod",
    "mknodat",
};

static int S_seccomp(char *why, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = ctx ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < sizeof S_denied / sizeof S_denied[0]; i++) {
		int nr = seccomp_syscall_resolve_name(S_denied[i]);
		if (nr != __NR_SCMP_ERROR) /* not every machine has every call */
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* Threads are new processes sharing this one (CLONE_THREAD) and are
	 * allowed; any other clone is refused. clone3 passes its flags in
	 * memory a filter cannot read: ENOSYS makes the C library fall back
	 * to clone. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	if (rc == 0 && seccomp_syscall_resolve_name("clone3") != __NR_SCMP_ERROR)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* Signals to itself only (abort() uses tgkill). */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
				      SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)getpid()));
	/* Typing into the terminal casebook runs in. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCSTI));
	if (rc == 0)
		rc = seccomp_load(ctx); /* also sets no_new_privs */
	if (rc != 0)
		snprintf(why, n, "cannot install the seccomp filter: %s", strerror(-rc));
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}

int cb_contain_enter(const cb_contain_limits *lim, char *why, size_t whysize)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
		snprintf(why, whysize, "cannot tie the process to its parent: %s", strerror(errno));
		return -1;
	}
	/* The terminal is the parent's: the child reports over its pipe
	 * only, so nothing it prints (escape sequences included) reaches it. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0) {
		snprintf(why, whysize, "cannot open /dev/null: %s", strerror(errno));
		return -1;
	}
	close(null);
	if (S_limit(RLIMIT_CORE, 0, 0, "core file", why, whysize) != 0)
		return -1;
	if (lim->cpu_seconds > 0) {
		rlim_t s = (rlim_t)ceil(lim->cpu_seconds);
		/* SIGXCPU at the soft limit, SIGKILL a second later. */
		if (S_limit(RLIMIT_CPU, s, s + 1, "CPU time", why, whysize) != 0)
			return -1;
	}
	size_t now = S_mapped();
	if (lim->more_memory > 0 && now > 0) {
		rlim_t as = (rlim_t)now + (rlim_t)lim->more_memory;
		if (S_limit(RLIMIT_AS, as, as, "memory", why, whysize) != 0)
			return -1;
	}
	return S_seccomp(why, whysize);
}
