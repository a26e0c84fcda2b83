/*
 * unit.c: unit tests of hubspot_fdw's rate limiter (src/ratelimit.c), run
 * outside PostgreSQL by test/ratelimit/run.sh.
 *
 * It includes ratelimit.c itself, so that the pure window arithmetic
 * (window_*, static there) is called with explicit times, and defines the
 * few PostgreSQL functions ratelimit.c uses: the clock is a variable, memory
 * comes from calloc, the lock only counts; the rest abort if called.
 * Prints "ok N - case" or "not ok N - case" (and why) per case, like TAP,
 * and exits 1 if any failed.
 */
#include "../../src/ratelimit.c"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* PostgreSQL's port.h routes these to libpgport, which is not linked here */
#undef printf
#undef fprintf
#undef snprintf

/* ---------- what ratelimit.c needs of PostgreSQL ---------- */

static TimestampTz fake_now;
static int	locks_held;

#define STUB(what) do { fprintf(stderr, "unit.c: stub %s called\n", what); abort(); } while (0)

TimestampTz
GetCurrentTimestamp(void)
{
	return fake_now;
}

bool
LWLockAcquire(LWLock *lock, LWLockMode mode)
{
	(void) lock;
	(void) mode;
	locks_held++;
	return true;
}

void
LWLockRelease(LWLock *lock)
{
	(void) lock;
	locks_held--;
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	(void) context;
	(void) flags;
	return calloc(1, size);
}

Size
add_size(Size s1, Size s2)
{
	return s1 + s2;
}

Size
mul_size(Size s1, Size s2)
{
	return s1 * s2;
}

LWLockPadded *
GetNamedLWLockTranche(const char *tranche_name)
{
	(void) tranche_name;
	STUB("GetNamedLWLockTranche");
}

Oid
GetUserId(void)
{
	STUB("GetUserId");
}

void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	(void) fcinfo;
	(void) flags;
	STUB("InitMaterializedSRF");
}

void
ProcessInterrupts(void)
{
	STUB("ProcessInterrupts");
}

void
RegisterResourceReleaseCallback(ResourceReleaseCallback callback, void *arg)
{
	(void) callback;
	(void) arg;
	STUB("RegisterResourceReleaseCallback");
}

void
RequestAddinShmemSpace(Size size)
{
	(void) size;
	STUB("RequestAddinShmemSpace");
}

void
RequestNamedLWLockTranche(const char *tranche_name, int num_lwlocks)
{
	(void) tranche_name;
	(void) num_lwlocks;
	STUB("RequestNamedLWLockTranche");
}

void *
ShmemInitStruct(const char *name, Size size, bool *foundPtr)
{
	(void) name;
	(void) size;
	(void) foundPtr;
	STUB("ShmemInitStruct");
}

void
before_shmem_exit(pg_on_exit_callback function, Datum arg)
{
	(void) function;
	(void) arg;
	STUB("before_shmem_exit");
}

text *
cstring_to_text(const char *s)
{
	(void) s;
	STUB("cstring_to_text");
}

bool
has_privs_of_role(Oid member, Oid role)
{
	(void) member;
	(void) role;
	STUB("has_privs_of_role");
}

void
tuplestore_putvalues(Tuplestorestate *state, TupleDesc tdesc, Datum *values,
					 bool *isnull)
{
	(void) state;
	(void) tdesc;
	(void) values;
	(void) isnull;
	STUB("tuplestore_putvalues");
}

volatile sig_atomic_t InterruptPending = false;
LWLockPadded *MainLWLockArray = NULL;
int			MaxBackends = 0;
struct PGPROC *MyProc = NULL;
int			MyProcPid = 0;
PROC_HDR   *ProcGlobal = NULL;
MemoryContext TopMemoryContext = NULL;
static uint32 wait_event_info_dummy;
uint32	   *my_wait_event_info = &wait_event_info_dummy;
bool		process_shared_preload_libraries_in_progress = false;
shmem_request_hook_type shmem_request_hook = NULL;
shmem_startup_hook_type shmem_startup_hook = NULL;

/* ---------- the cases ---------- */

static int	case_no = 0;
static int	cases_failed = 0;
static bool case_ok;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			if (case_ok) \
				printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			printf("#   "); \
			printf(__VA_ARGS__); \
			printf("\n"); \
			case_ok = false; \
		} \
	} while (0)

static void
run_case(const char *name, void (*fn) (void))
{
	case_ok = true;
	locks_held = 0;
	fn();
	if (locks_held != 0)
	{
		printf("#   %d lock(s) left held\n", locks_held);
		case_ok = false;
	}
	printf("%s %d - %s\n", case_ok ? "ok" : "not ok", ++case_no, name);
	if (!case_ok)
		cases_failed++;
}

/* a time "ms" milliseconds after an arbitrary origin */
#define ORIGIN ((TimestampTz) 800000000 * USECS_PER_SEC)
#define T(ms) (ORIGIN + (TimestampTz) llround((ms) * 1000.0))

static HsHttpRateLimit
headers(long max, long remaining, long interval_ms)
{
	HsHttpRateLimit rl = {max, remaining, interval_ms, -1, -1, -1, -1};

	return rl;
}

static const HsHttpRateLimit no_headers = {-1, -1, -1, -1, -1, -1, -1};

static HsRateWindow *
new_window(HsRateBucket bucket)
{
	HsRateWindow *w = calloc(1, sizeof(HsRateWindow));

	window_init(w, bucket, T(0));
	return w;
}

/* Reserve at t until refused; the number let start, and the refusal's wait */
static int
fill(HsRateWindow *w, double t, long *wait)
{
	int			n = 0;

	while ((*wait = window_reserve(w, T(t))) == 0)
		n++;
	return n;
}

static void
case_window_fills(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	long		wait = 0;

	/* 100 per 10,000 ms until told: margin 2, guard 200 ms */
	for (int i = 0; i < 98; i++)
		CHECK(window_reserve(w, T(i)) == 0, "start %d refused", i);
	wait = window_reserve(w, T(98));
	CHECK(wait == 10200 - 98, "the 99th waits %ld ms, not until the first leaves (10102)", wait);
	CHECK(window_reserve(w, T(10199.999)) == 1, "just before the first leaves");
	CHECK(window_reserve(w, T(10200)) == 0, "once the first left, one starts");
	CHECK(window_reserve(w, T(10200)) == 1, "and only one (the second leaves at 10201 ms)");
	CHECK(window_reserve(w, T(10201)) == 0, "the second left");
	free(w);
}

static void
case_tiny_max(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	HsHttpRateLimit rl = headers(1, 0, 1000);
	long		wait;

	window_observe(w, &rl, T(-5000), T(0));
	CHECK(fill(w, 0, &wait) == 1, "Max 1 still lets one start per interval");
	CHECK(wait == 1100, "then waits %ld ms, not 1100", wait);
	free(w);
}

static void
case_remaining_holds_back(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	HsHttpRateLimit rl = headers(100, 0, 10000);
	long		wait;

	for (int i = 0; i < 10; i++)
		CHECK(window_reserve(w, T(i)) == 0, "start %d refused", i);
	/* at 4,900 ms HubSpot had counted 100: 90 are someone else's */
	window_observe(w, &rl, T(4900), T(5000));
	CHECK(w->obs_others == 90, "others %d, not 90", w->obs_others);
	wait = window_reserve(w, T(5000));
	CHECK(wait == 5202, "held back %ld ms, not until our third start leaves (5202)", wait);
	/*
	 * ours left at 10,210 ms: 8 fit under 98 with the others' 90, but our
	 * share of them is one (they see the same room); then ask again soon
	 */
	CHECK(fill(w, 10210, &wait) == 1, "not 1 start beside the others' 90");
	CHECK(wait == 100, "waits %ld ms, not a hundredth of the interval", wait);
	CHECK(fill(w, 15000, &wait) == 97, "once stale, the 97 the window has left");
	free(w);
}

static void
case_stale_observation(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	HsHttpRateLimit rl = headers(100, 0, 10000);
	HsHttpRateLimit newer = headers(100, 50, 10000);
	long		wait;

	/* a request that took longer than the interval tells nothing of now */
	window_observe(w, &rl, T(0), T(10000));
	CHECK(!w->obs_valid, "the answer to a request 10 s old was read");
	window_observe(w, &rl, T(9000), T(10000));
	CHECK(w->obs_valid && w->obs_others == 100, "a fresh one was not read");
	/* an answer to an older request does not replace a newer one */
	window_observe(w, &newer, T(8000), T(10001));
	CHECK(w->obs_others == 100, "an older request's answer replaced the newer");
	CHECK(window_reserve(w, T(19999)) > 0, "the observation is still fresh");
	CHECK(fill(w, 20000, &wait) == 98, "an observation an interval old is ignored");
	free(w);
}

static void
case_peak_holds(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	HsHttpRateLimit busy = headers(100, 10, 10000);
	HsHttpRateLimit quiet = headers(100, 90, 10000);
	long		wait;

	/* others had 90, then 10: what they freed is theirs for an interval */
	window_observe(w, &busy, T(900), T(1000));
	window_observe(w, &quiet, T(1900), T(2000));
	CHECK(w->obs_others == 10 && w->peak_others == 90, "others %d, peak %d",
		  w->obs_others, w->peak_others);
	CHECK(fill(w, 2000, &wait) == 1, "not our share, 1, beside the peak of 90");
	CHECK(wait == 100, "waits %ld ms, not a hundredth of the interval", wait);
	CHECK(fill(w, 11000, &wait) == 86, "not 86 more beside the newest 10");
	CHECK(wait == 100, "waits %ld ms, not a hundredth of the interval", wait);
	/* our own starts around the request are not someone else's */
	window_observe(w, &busy, T(11500), T(11600));
	CHECK(w->obs_others == 3, "others %d, not 90 - 87", w->obs_others);
	free(w);
}

static void
case_throttled_full(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	long		wait;

	CHECK(fill(w, 0, &wait) == 98, "the window did not fill");
	window_observe(w, &no_headers, T(0), T(500));
	wait = window_throttled(w, &no_headers, T(500));
	CHECK(wait == 10200 - 500, "a full window waits %ld ms, not until its oldest leaves (9700)", wait);
	CHECK(window_reserve(w, T(10100)) == 100, "blocked until then");
	CHECK(window_reserve(w, T(10200)) == 0, "the probe starts when the block ends");
	free(w);
}

static void
case_throttled_backoff(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	HsHttpRateLimit ok = headers(100, 40, 10000);
	long		expect[] = {100, 150, 225, 337, 506, 759, 1000, 1000};
	double		t = 0;
	long		wait;

	/* others used the budget: our window is empty (a retry would wait) */
	for (int i = 0; i < 8; i++)
	{
		window_observe(w, &no_headers, T(t), T(t + 100));
		wait = window_throttled(w, &no_headers, T(t + 100));
		CHECK(wait >= expect[i] / 2 && wait <= expect[i] + 1,
			  "429 number %d waits %ld ms, not half to all of %ld", i + 1, wait, expect[i]);
		/* HubSpot was full: the others hold 100, ours none, for an interval */
		CHECK(w->n == 0 && w->peak_others == 100, "ours %d, others %d", w->n, w->peak_others);
		t += 100 + wait;
	}
	/* no probe: nothing starts beside the others' 100 until it is stale */
	CHECK(window_reserve(w, T(t)) > 0, "a start beside the others' 100");
	t += 10000;
	CHECK(window_reserve(w, T(t)) == 0, "once stale, no start");
	/* a success (observed, and no 429 after it) resets the backoff */
	window_observe(w, &no_headers, T(t), T(t + 100));
	CHECK(window_reserve(w, T(t + 100)) == 0, "after the answer, one more");
	window_observe(w, &no_headers, T(t + 100), T(t + 200));
	wait = window_throttled(w, &no_headers, T(t + 200));
	CHECK(wait >= 50 && wait <= 100, "after a success, the backoff starts again (%ld ms)", wait);
	/* and so does a Remaining above 0 */
	window_observe(w, &ok, T(t + 200), T(t + 300));
	wait = window_throttled(w, &no_headers, T(t + 300));
	CHECK(wait >= 50 && wait <= 100, "after Remaining > 0, the backoff starts again (%ld ms)", wait);
	free(w);
}

static void
case_probe(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	long		wait;

	/* our own count full: a 429 blocks until the oldest leaves, then a probe */
	CHECK(fill(w, 0, &wait) == 98, "the window did not fill");
	window_observe(w, &no_headers, T(0), T(100));
	wait = window_throttled(w, &no_headers, T(100));
	CHECK(window_reserve(w, T(100 + wait - 1)) == 1, "blocked until the oldest leaves");
	CHECK(window_reserve(w, T(100 + wait)) == 0, "the probe");
	CHECK(window_reserve(w, T(100 + wait)) == 100, "others wait for the probe's answer");
	/* an answer to a request started before the 429 does not count */
	window_observe(w, &no_headers, T(0), T(100 + wait + 50));
	CHECK(window_reserve(w, T(100 + wait + 50)) > 0, "an older answer ended the probe");
	/* the probe's start as its caller read it, a little before the budget's */
	window_observe(w, &no_headers, T(100 + wait - 0.001), T(100 + wait + 60));
	CHECK(window_reserve(w, T(100 + wait + 60)) == 0, "after the probe's answer, the window is open");
	free(w);
}

static void
case_probe_lost(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	long		wait;

	CHECK(fill(w, 0, &wait) == 98, "the window did not fill");
	wait = window_throttled(w, &no_headers, T(0));
	CHECK(window_reserve(w, T(wait)) == 0, "the probe");
	CHECK(window_reserve(w, T(wait + 9999)) == 1, "a probe is waited for an interval");
	CHECK(window_reserve(w, T(wait + 10000)) == 0, "then another goes");
	free(w);
}

static void
case_search(void)
{
	HsRateWindow *w = new_window(HS_RATE_SEARCH);
	HsHttpRateLimit rl = headers(1000, 999, 10000);
	long		wait;

	/* 5 per second: margin 1, guard 100 ms */
	CHECK(fill(w, 0, &wait) == 4, "not 4 search requests at once");
	CHECK(wait == 1100, "the fifth waits %ld ms, not 1100", wait);
	window_observe(w, &rl, T(0), T(100));
	CHECK(w->max == 5 && w->interval_ms == 1000 && !w->obs_valid, "search read headers");
	CHECK(fill(w, 1100, &wait) == 4, "the next second");
	wait = window_throttled(w, &no_headers, T(1200));
	CHECK(wait == 1000, "a 429 while our count is full waits %ld ms, not 1000", wait);
	free(w);
}

static void
case_new_max(void)
{
	HsRateWindow *w = new_window(HS_RATE_GENERAL);
	HsHttpRateLimit up = headers(190, 100, 10000);
	HsHttpRateLimit down = headers(100, 0, 10000);
	HsHttpRateLimit huge = headers(100000, 100000, 999999);
	long		wait;

	CHECK(fill(w, 0, &wait) == 98, "the default 100 per 10 s");
	window_observe(w, &up, T(0), T(50));
	CHECK(w->max == 190 && window_allowed(w) == 187, "Max 190 not adopted");
	CHECK(fill(w, 50, &wait) == 89, "189 of 190 did not fit");
	window_observe(w, &down, T(50), T(60));
	CHECK(window_reserve(w, T(60)) > 0, "a smaller Max did not hold back");
	window_observe(w, &huge, T(60), T(70));
	CHECK(w->max == HS_RATE_MAX_CAP && w->interval_ms == HS_RATE_MAX_INTERVAL_MS,
		  "Max %d and interval %d not capped", w->max, w->interval_ms);
	free(w);
}

static void
case_key(void)
{
	uint64		k = hs_rate_key("https://api.hubapi.com", "pat-na1-1");

	CHECK(k == hs_rate_key("https://api.hubapi.com", "pat-na1-1"), "not stable");
	CHECK(k != hs_rate_key("https://api.hubapi.com", "pat-na1-2"), "tokens share a key");
	CHECK(k != hs_rate_key("http://127.0.0.1:1", "pat-na1-1"), "URLs share a key");
	CHECK(hs_rate_key("ab", "c") != hs_rate_key("a", "bc"), "the boundary is not hashed");
	CHECK(hs_rate_key(NULL, NULL) == hs_rate_key("", ""), "NULL is not \"\"");
}

static void
case_public_api(void)
{
	uint64		key = hs_rate_key("http://127.0.0.1:1", "t");
	HsHttpRateLimit rl = headers(100, 99, 10000);
	long		daily = 0,
				left = 0,
				wait;
	TimestampTz at = 0;

	rl.daily = 250000;
	rl.daily_remaining = 249000;
	fake_now = T(0);
	CHECK(!hs_rate_daily(key, &daily, &left, &at), "daily figures before any answer");
	CHECK(hs_rate_reserve(key, HS_RATE_GENERAL) == 0, "the first request was held back");
	fake_now = T(100);
	hs_rate_observe(key, HS_RATE_GENERAL, &rl, T(0));
	CHECK(hs_rate_daily(key, &daily, &left, &at) && daily == 250000 &&
		  left == 249000 && at == T(100), "daily %ld, remaining %ld", daily, left);
	for (int i = 0; i < 4; i++)
		CHECK(hs_rate_reserve(key, HS_RATE_SEARCH) == 0, "search %d", i);
	CHECK(hs_rate_reserve(key, HS_RATE_SEARCH) == 1100, "the search budget is apart");
	wait = hs_rate_throttled(key, HS_RATE_GENERAL, &no_headers, T(0));
	CHECK(wait >= 50 && wait <= 100, "the backoff, %ld ms", wait);
	CHECK(!hs_rate_shared(), "no shared memory here");
}

static void
case_shared_table(void)
{
	HsRateShared *shared = calloc(1, offsetof(HsRateShared, waits));
	uint64		key;
	int			i;

	rate_shared = shared;
	fake_now = T(0);
	/* every budget of the table taken: the next is the backend's own */
	for (i = 0; i < HS_RATE_SHARED_SLOTS; i++)
		hs_rate_reserve((uint64) i + 1000, HS_RATE_GENERAL);
	CHECK(shared->slots[HS_RATE_SHARED_SLOTS - 1].used, "the table did not fill");
	key = 99999;
	CHECK(hs_rate_reserve(key, HS_RATE_GENERAL) == 0, "no budget when the table is full");
	CHECK(slot_find(local_slots, HS_RATE_LOCAL_SLOTS, key, HS_RATE_GENERAL,
					false, false, fake_now) != NULL, "the fallback is not the backend's own");
	/* a budget idle for an hour is given to a new key */
	fake_now = T(3600 * 1000 + 1);
	CHECK(hs_rate_reserve(key, HS_RATE_GENERAL) == 0, "no budget");
	CHECK(slot_find(shared->slots, HS_RATE_SHARED_SLOTS, key, HS_RATE_GENERAL,
					false, false, fake_now) != NULL, "an idle shared budget was not reused");
	rate_shared = NULL;
	free(shared);
}

#include "sim.c"

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_case("window fills at max - margin and frees when the oldest leaves", case_window_fills);
	run_case("a Max of 1 still lets one start", case_tiny_max);
	run_case("Remaining from a fresh observation holds back", case_remaining_holds_back);
	run_case("a stale or older observation is ignored", case_stale_observation);
	run_case("others' peak of the last interval holds, ours are not theirs", case_peak_holds);
	run_case("429 with our own window full: until its oldest leaves", case_throttled_full);
	run_case("429 from others' use: backoff grows, a success resets it", case_throttled_backoff);
	run_case("after a block, one probe until its answer", case_probe);
	run_case("a probe never answered is given up after an interval", case_probe_lost);
	run_case("search bucket: 5 per second, no headers read", case_search);
	run_case("a new Max is adopted, and capped", case_new_max);
	run_case("the key hashes URL and token", case_key);
	run_case("public API on the backend's own budgets", case_public_api);
	run_case("shared table full: the backend's own; idle budgets reused", case_shared_table);
	run_sim_cases();
	printf("# %d passed, %d failed\n", case_no - cases_failed, cases_failed);
	return cases_failed == 0 ? 0 : 1;
}
