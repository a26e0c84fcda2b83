/*-------------------------------------------------------------------------
 *
 * attempt.h
 *		Judging one attempt of a request (attempt.c): a pure function of what
 *		the attempt came to, which says whether to return HubSpot's answer,
 *		wait and send again, give up, or declare the outcome unknown.  Only
 *		client.c uses it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_ATTEMPT_H
#define HUBSPOT_ATTEMPT_H

#include "postgres.h"

#include "http.h"
#include "request.h"

/* What to do after an attempt */
typedef enum AttemptAction
{
	ATTEMPT_ANSWER,				/* return HubSpot's answer to the caller */
	ATTEMPT_RETRY,				/* wait wait_ms, then send again */
	ATTEMPT_GIVE_UP,			/* raise the error give_up names */
	ATTEMPT_UNKNOWN				/* raise 08007: HubSpot may or may not have
								 * applied the write */
} AttemptAction;

typedef enum AttemptGiveUp
{
	GIVE_UP_INTERRUPTED,		/* cancel or statement_timeout during transfer */
	GIVE_UP_TRANSPORT,			/* no answer, not retried (again) */
	GIVE_UP_DAILY_LIMIT			/* 429 with policy DAILY */
} AttemptGiveUp;

/* Everything classify_attempt() looks at */
typedef struct AttemptFacts
{
	const HsHttpResult *res;	/* transport outcome, status, headers */
	bool		daily_limit;	/* res is a 429 whose body names policy DAILY */
	HsRequestSafety safety;
	int			attempt;		/* this attempt's number, from 1 */
	int			rate_waits;		/* 429 waits before this attempt */
	bool		maybe_applied;	/* may an earlier attempt have been applied? */
	int			max_retries;	/* server option max_retries */
	double		jitter;			/* in [0, 1): where a backoff falls in its
								 * range */
} AttemptFacts;

/* classify_attempt()'s answer */
typedef struct AttemptVerdict
{
	AttemptAction action;
	long		wait_ms;		/* ATTEMPT_RETRY */
	bool		rate_wait;		/* ATTEMPT_RETRY counts as a 429 wait */
	AttemptGiveUp give_up;		/* ATTEMPT_GIVE_UP */
	bool		transport_failed;	/* ATTEMPT_UNKNOWN: the transfer failed
									 * (else: HubSpot's status says why) */
	bool		maybe_applied;	/* may this or an earlier attempt have been
								 * applied? */
} AttemptVerdict;

/*
 * classify_attempt
 *		Decide what follows an attempt, from the facts alone (no I/O, no
 *		ERROR, no randomness but f->jitter); see attempt.c for HubSpot's
 *		rules it follows.
 */
extern AttemptVerdict classify_attempt(const AttemptFacts *f);

#endif							/* HUBSPOT_ATTEMPT_H */
