/*
 * early_init.c: a library preloaded after gcc's AddressSanitizer runtime
 * (libasan) into Debian's PostgreSQL server by the bin/postgres wrapper of
 * the sanitized build (test/lib.sh's build_install_sanitized).
 *
 * Without it, Debian 12's server hangs at start, even for "postgres -V".  A
 * preloaded runtime's own constructor runs last: the dynamic loader calls
 * constructors dependencies first, and libasan depends on none of the
 * server's libraries.  Until then the runtime initializes at its first
 * intercepted call, which is a malloc() inside libgpg-error's constructor
 * (a dependency of libgcrypt, of libsystemd, of postgres) while glibc's
 * bindtextdomain() holds its gettext lock _nl_state_lock for writing.  The
 * runtime's initialization ends with dlsym("swift_demangle"), which fails,
 * and dlerror(), whose message glibc translates under the same lock taken
 * for reading: the thread already holds it, the read lock fails (EDEADLK,
 * not checked), the unlock after it corrupts the lock, and the server's own
 * bindtextdomain() in main() then waits on it forever (a futex wait).
 * clang's runtime does the same.
 *
 * This library is linked with -z initfirst (DF_1_INITFIRST): the loader
 * calls its constructor before every other one, where libasan's
 * preinit_array entry runs in an instrumented executable, and the
 * constructor initializes the runtime there, with no lock held.
 *
 * It then removes LD_PRELOAD from the process's environment (libc takes its
 * environ from the same array later), so that the programs the server runs
 * (COPY FROM PROGRAM) start without the runtimes; the server's own processes
 * are forked and keep them.
 */
#include <stddef.h>

extern void __asan_init(void);

__attribute__((constructor))
static void
hubspot_fdw_asan_early_init(int argc, char **argv, char **envp)
{
	static const char name[] = "LD_PRELOAD=";
	char	  **from;
	char	  **to = envp;

	(void) argc;
	(void) argv;
	__asan_init();

	for (from = envp; *from != NULL; from++)
	{
		const char *entry = *from;
		int			i = 0;

		while (name[i] != '\0' && entry[i] == name[i])
			i++;
		if (name[i] != '\0')
			*to++ = *from;
	}
	*to = NULL;
}
