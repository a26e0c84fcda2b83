/*
 * canary.c: planted errors that prove the sanitized server reports what it
 * should, before the suite's sanitized run counts "no report" as clean.
 * test/lib.sh's sanitizer_canary builds it with hubspot_fdw's sanitizer flags
 * into the sanitized PostgreSQL and calls
 *   hubspot_fdw_san_canary('undefined') - a signed integer overflow (line 31),
 *                                          which traps, and AddressSanitizer
 *                                          reports the trap (ILL);
 *   hubspot_fdw_san_canary('heap')      - a read one byte past a malloc'd
 *                                          block (line 38), which
 *                                          AddressSanitizer reports;
 * each aborts the backend.  sanitizer_canary checks the line numbers.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(hubspot_fdw_san_canary);

Datum
hubspot_fdw_san_canary(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	volatile int32 big = PG_INT32_MAX;
	int32		result = 0;

	if (strcmp(kind, "undefined") == 0)
		result = big + 1;
	else if (strcmp(kind, "heap") == 0)
	{
		char	   *block = malloc(8);
		volatile char *past = block + 8;

		memset(block, 1, 8);
		result = *past;
		free(block);
	}
	PG_RETURN_INT32(result);
}
