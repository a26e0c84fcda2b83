/*-------------------------------------------------------------------------
 *
 * url.c
 *		URL utilities without PostgreSQL headers (see url.h).
 *
 * libcurl's URL parser (curl_url) is used so that the host checked is the
 * host libcurl will connect to; it makes no request.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "url.h"

bool
hs_url_is_loopback(const char *url)
{
	CURLU	   *u = curl_url();
	char	   *host = NULL;
	bool		result = false;

	if (u == NULL)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host != NULL)
	{
		if (strcasecmp(host, "localhost") == 0 ||
			strcmp(host, "[::1]") == 0)
			result = true;
		else if (strncmp(host, "127.", 4) == 0)
		{
			int			a,
						b,
						c,
						d;
			char		tail;

			result = sscanf(host, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) == 4 &&
				a == 127 && b >= 0 && b <= 255 && c >= 0 && c <= 255 &&
				d >= 0 && d <= 255;
		}
	}
	curl_free(host);
	curl_url_cleanup(u);
	return result;
}
