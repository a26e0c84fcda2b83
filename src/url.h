/*-------------------------------------------------------------------------
 *
 * url.h
 *		URL utilities of hubspot_fdw that need no PostgreSQL headers, so that
 *		both the option validator (validator.c) and the transport (http.c) can
 *		use them.  Pure parsing: nothing here touches the network.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_URL_H
#define HUBSPOT_URL_H

#include <stdbool.h>

/*
 * hs_url_is_loopback
 *		Does the URL's host name this machine: localhost, 127.0.0.0/8 or
 *		[::1]?  Parsed as libcurl will parse it for the request (so
 *		"http://user@127.0.0.1" counts, "http://127.0.0.1.example.com" does
 *		not).  False for anything libcurl cannot parse, or when out of memory.
 */
extern bool hs_url_is_loopback(const char *url);

#endif							/* HUBSPOT_URL_H */
