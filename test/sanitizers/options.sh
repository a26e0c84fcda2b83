# The AddressSanitizer options of hubspot_fdw's sanitized server, sourced by
# the bin/postgres wrapper that test/lib.sh's build_install_sanitized writes
# (the wrapper runs it from its copy in the sanitized PostgreSQL).  Options
# the server's environment already has in ASAN_OPTIONS come after these and
# win.  See test/sanitizers/README.md for the choices.
# abort_on_error: a report aborts the backend (SIGABRT), which the postmaster
#   reports as a crash, so the statement's test fails too;
# handle_sigill: undefined behaviour traps (SIGILL, the build's
#   -fsanitize-undefined-trap-on-error), reported with its stack like an
#   ASan error;
# detect_leaks=0: PostgreSQL's processes end holding memory that PostgreSQL
#   and its libraries never free;
# quarantine_size_mb=4: freed memory is kept from reuse, to catch a use after
#   free, up to 4 MB instead of 256 MB, so that backends stay small and test
#   errors' check that failures leave the backend's memory flat still holds.
# With HUBSPOT_FDW_SAN_LOGDIR, reports go to files asan.PID there, else to
# the server's stderr (its log).
export ASAN_OPTIONS="abort_on_error=1:disable_coredump=1:handle_sigill=1:detect_leaks=0:quarantine_size_mb=4:detect_stack_use_after_return=1${HUBSPOT_FDW_SAN_LOGDIR:+:log_path=$HUBSPOT_FDW_SAN_LOGDIR/asan}${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
