# hubspot_fdw: PostgreSQL foreign data wrapper for HubSpot CRM objects

MODULE_big = hubspot_fdw
OBJS = src/hubspot_fdw.o src/option.o src/plan.o src/search.o src/filter.o src/scan.o src/modify.o \
       src/convert.o src/properties.o src/schemas.o src/client.o src/http.o \
       src/statement.o src/visibility.o \
       src/deferred.o src/deferred_send.o src/deferred_read.o \
       src/api.o src/api_properties.o \
       src/json.o \
       src/errors.o \
       src/url.o \
       src/validator.o \
       src/writer.o \
       src/rows.o src/attempt.o src/answers.o \
       src/ratelimit.o src/objects.o \
       src/api_assoc.o src/assoc_scan.o src/assoc_modify.o src/associations.o \
       src/import.o src/import_columns.o \
       src/dryrun.o src/usage.o
PGFILEDESC = "hubspot_fdw - foreign data wrapper for HubSpot CRM"

EXTENSION = hubspot_fdw
DATA = sql/hubspot_fdw--1.0.sql

REGRESS = init options select insert id_lookups update upsert on_error partitions own_writes values outcomes errors damaged ratelimit encoding concurrency settling search search_diff objects import import_names associations dry_run deferred deferred_reads deferred_errors deferred_order summary usage

PG_CONFIG ?= pg_config
PKG_CONFIG ?= pkg-config

# PostgreSQL's own headers are not -Wextra clean (unused parameters in inline
# functions): include them as system headers, so that -Wall -Wextra -Werror
# judges this extension's code only.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) \
	$(shell $(PKG_CONFIG) --cflags libcurl json-c)
# "override" so that "make PG_CFLAGS=-Werror" adds to these instead of replacing them
override PG_CFLAGS += -std=gnu11 -Wall -Wextra
SHLIB_LINK = $(shell $(PKG_CONFIG) --libs libcurl json-c)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
