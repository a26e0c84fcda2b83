/*-------------------------------------------------------------------------
 *
 * hubspot_fdw.h
 *		Internal declarations of hubspot_fdw, grouped by the file that
 *		defines them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HUBSPOT_FDW_H
#define HUBSPOT_FDW_H

#include "postgres.h"

#include "access/attnum.h"
#include "commands/explain.h"
#include "foreign/fdwapi.h"
#include "fmgr.h"
#include "lib/ilist.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"

/*
 * PostgreSQL has a SQL function named json_object(), declared in fmgrprotos.h;
 * json-c has a type of that name.  Rename the type for this extension's
 * sources (json-c's functions have other names, and C does not link types).
 */
#define json_object hs_json_object
#include <json-c/json.h>

#define HS_MAX_BATCH_SIZE 100	/* HubSpot's cap on batch inputs */
#define HS_LIST_PAGE_SIZE 100	/* HubSpot's cap on list pages */
#define HS_HISTORY_PAGE_SIZE 50 /* ... when asking for property history */
#define HS_MAX_RESPONSE_BYTES (64 * 1024 * 1024)

/* ---------- option.c ---------- */

/* Server and user mapping settings, as used for every request. */
typedef struct HsServerOptions
{
	char	   *api_url;		/* no trailing slash */
	int			timeout_ms;
	int			connect_timeout_ms;
	int			max_retries;
	int			batch_size;		/* server default for tables */
	bool		on_error_skip;	/* server default for tables */
} HsServerOptions;

/* What a column of the foreign table stands for. */
typedef enum HsColumnKind
{
	HS_COL_ID,
	HS_COL_PROPERTIES,
	HS_COL_CREATED_AT,
	HS_COL_UPDATED_AT,
	HS_COL_ARCHIVED,
	HS_COL_ARCHIVED_AT,
	HS_COL_ASSOCIATIONS,
	HS_COL_PROPERTIES_WITH_HISTORY,
	HS_COL_PROPERTY				/* a typed column for one HubSpot property */
} HsColumnKind;

/* How a value converts between HubSpot's string and the column's type. */
typedef enum HsValueKind
{
	HS_VAL_TEXT,				/* via the type's input/output functions */
	HS_VAL_BOOL,
	HS_VAL_TIMESTAMPTZ,
	HS_VAL_TIMESTAMP,
	HS_VAL_DATE,
	HS_VAL_NUMBER,				/* numeric, integers, floats */
	HS_VAL_JSONB,
	HS_VAL_ARRAY				/* multi-select, ';'-joined */
} HsValueKind;

typedef struct HsColumn
{
	AttrNumber	attnum;
	char	   *name;			/* column name */
	HsColumnKind kind;
	char	   *property;		/* HubSpot property (HS_COL_PROPERTY only) */
	Oid			typid;
	Oid			basetypid;		/* typid, or a domain's base type */
	int32		typmod;
	HsValueKind vkind;
	/* input/output of the column type (of the element type for arrays) */
	Oid			elemtype;
	Oid			elembasetypid;	/* elemtype, or a domain's base type */
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	FmgrInfo	infunc;
	Oid			ioparam;
	FmgrInfo	outfunc;
} HsColumn;

/* Everything about one foreign table that the executor needs. */
typedef struct HsTable
{
	Oid			relid;
	char	   *relname;
	Oid			serverid;
	char	   *object;			/* CRM object type in paths */
	int			batch_size;
	bool		on_error_skip;	/* on_error 'skip': warn about rejected rows */
	char	   *id_property;	/* upsert key, or NULL */
	int			ncolumns;
	HsColumn   *columns;		/* live (non-dropped) columns in attnum order */
	HsColumn   *properties_col; /* NULL if the table has none */
	HsColumn   *id_col;			/* NULL if the table has none */
	HsColumn   *associations_col;	/* NULL if the table has none */
} HsTable;

extern HsTable *hs_get_table(Relation rel);
extern void hs_get_server_options(Oid serverid, HsServerOptions *opts);
extern int	hs_table_batch_size(Oid relid);
extern Oid	hs_scan_user(EState *estate, Index rtindex);

/* ---------- client.c ---------- */

#include "json.h"				/* hs_json_parse_owned(), hs_json_string(), ... */

/* Per-node counters shown by EXPLAIN ANALYZE, and the last request's fate. */
typedef struct HsStats
{
	int64		requests;
	int64		retries;

	/*
	 * Set by hs_request() when it raises an error (a cancel included) for a
	 * write that HubSpot may or may not have applied; cleared when a request
	 * starts.  Error context callbacks read it to name the rows concerned.
	 */
	bool		outcome_unknown;

	/*
	 * Set by hs_request() when it returns the answer of an attempt that
	 * followed one HubSpot may have applied: the answer may then describe a
	 * second application (an upsert answers "new": false for the record its
	 * first attempt created).
	 */
	bool		resent;
} HsStats;

/* What a request does, which decides whether it may be sent again. */
typedef enum HsRequestSafety
{
	HS_READ,					/* reads: retried */
	HS_IDEMPOTENT_WRITE,		/* updates, archives, upserts: retried; when
								 * no attempt gave an answer, the outcome is
								 * unknown */
	HS_NOT_IDEMPOTENT			/* creates: never sent twice */
} HsRequestSafety;

/* A connection to HubSpot for one user mapping. */
typedef struct HsConnection
{
	Oid			umid;
	char	   *token;			/* from the user mapping; never printed */
	HsServerOptions server;
	struct HsHttp *http;
} HsConnection;

/* A response that came back with some HTTP status. */
typedef struct HsResponse
{
	long		status;
	json_object *json;			/* parsed body, NULL if empty; freed with the
								 * memory context it was parsed in */
	const char *method;
	const char *path;			/* for error messages: path, no query */
	char	   *correlation_id;
} HsResponse;

extern HsConnection *hs_connect(Oid serverid, Oid userid);
extern HsResponse *hs_request(HsConnection *conn, const char *method,
							  const char *path, const char *query,
							  const char *body, HsRequestSafety safety,
							  HsStats *stats);
extern char *hs_url_escape(const char *s);

/* errors.c: the SQLSTATE tables and the reporters (hs_report_response_error,
 * hs_errcode_for_category, hs_error_message_text, hs_errdetail_request, ...) */
#include "errors.h"

/* ---------- properties.c ---------- */

typedef enum HsPropertyType
{
	HS_PROP_STRING,
	HS_PROP_NUMBER,
	HS_PROP_BOOL,
	HS_PROP_DATE,
	HS_PROP_DATETIME,
	HS_PROP_ENUMERATION,
	HS_PROP_OTHER
} HsPropertyType;

typedef struct HsProperty
{
	char	   *name;
	HsPropertyType type;
	bool		read_only;
	bool		unique;
} HsProperty;

typedef struct HsCatalog
{
	char	   *object;
	int			nproperties;
	HsProperty *properties;		/* sorted by name */
} HsCatalog;

extern HsCatalog *hs_get_catalog(HsConnection *conn, const char *object,
								 bool refresh, HsStats *stats);
extern HsProperty *hs_find_property(HsConnection *conn, const char *object,
								   const char *name, HsStats *stats);
extern void hs_check_typed_columns(HsConnection *conn, HsTable *table,
								   HsStats *stats);

/* ---------- convert.c ---------- */

/*
 * The per-column-kind table: what each HsColumnKind stands for in a HubSpot
 * record, how its value converts, what its column's type must be and
 * whether writes may send it.  hs_column_kind_info(col->kind) gives the
 * entry; code that treats columns by kind reads it instead of switching.
 *
 *	kind (column name: id, properties, created_at, updated_at, archived,
 *	archived_at, associations, properties_with_history, else a property)
 *
 *	kind						record_key				source		type	create	update
 *	HS_COL_ID					"id"					MEMBER		ID		-		-
 *	HS_COL_PROPERTIES			"properties"			PROPERTY_MAP JSONB	yes		yes
 *	HS_COL_CREATED_AT			"createdAt"				MEMBER		any		-		-
 *	HS_COL_UPDATED_AT			"updatedAt"				MEMBER		any		-		-
 *	HS_COL_ARCHIVED				"archived"				MEMBER		any		-(1)	-
 *	HS_COL_ARCHIVED_AT			"archivedAt"			MEMBER		any		-		-
 *	HS_COL_ASSOCIATIONS			"associations"			JSON		JSONB	yes		-
 *	HS_COL_PROPERTIES_WITH_HISTORY "propertiesWithHistory" JSON		JSONB	-		-
 *	HS_COL_PROPERTY				"properties"			PROPERTY	any		yes		yes
 *
 * (1) INSERT accepts archived = false, which is what a new record is.
 */
typedef enum HsValueSource
{
	HS_SRC_MEMBER,				/* record[record_key], a HubSpot string
								 * converted by hs_string_to_datum() */
	HS_SRC_PROPERTY,			/* record.properties[col->property], the same */
	HS_SRC_PROPERTY_MAP,		/* record.properties, all of it, as jsonb of
								 * strings (hs_string_map_to_jsonb()) */
	HS_SRC_JSON					/* record[record_key] as jsonb, any JSON
								 * (hs_json_to_jsonb()) */
} HsValueSource;

/* What a column of a kind must be declared as (checked by hs_get_table()). */
typedef enum HsTypeRule
{
	HS_TYPE_ANY,				/* any type hs_init_column_io() handles */
	HS_TYPE_JSONB,				/* jsonb */
	HS_TYPE_ID					/* a type hs_id_type_ok() accepts */
} HsTypeRule;

typedef struct HsColumnKindInfo
{
	HsColumnKind kind;
	const char *column_name;	/* the column name that stands for the kind,
								 * NULL for HS_COL_PROPERTY */
	const char *record_key;		/* the member of a HubSpot record
								 * (SimplePublicObject) that holds the value */
	HsValueSource source;		/* how that member becomes the value */
	HsTypeRule	type_rule;
	bool		on_create;		/* INSERT may send it (see (1) above) */
	bool		on_update;		/* UPDATE may change it */
} HsColumnKindInfo;

extern const HsColumnKindInfo *hs_column_kind_info(HsColumnKind kind);
extern HsColumnKind hs_column_kind_for_name(const char *name);
extern json_object *hs_member(json_object *obj, const char *key);
extern const char *hs_member_text(json_object *obj, const char *key);
extern void hs_fill_slot_from_object(HsTable *table, json_object *obj,
									 TupleTableSlot *slot, bool *wanted);

extern void hs_init_column_io(HsColumn *col);
extern Datum hs_string_to_datum(HsColumn *col, const char *value);
extern char *hs_datum_to_string(HsColumn *col, Datum value);
extern Jsonb *hs_json_to_jsonb(json_object *obj);
extern Jsonb *hs_string_map_to_jsonb(json_object *props);
extern char *hs_jsonb_scalar_to_string(JsonbValue *v, bool *isnull);
extern bool hs_id_type_ok(Oid typid);
extern char *hs_id_text(Oid typid, Datum value);

/* ---------- scan.c ---------- */

extern void hubspotGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid);
extern void hubspotGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								   Oid foreigntableid);
extern ForeignScan *hubspotGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
										  Oid foreigntableid, ForeignPath *best_path,
										  List *tlist, List *scan_clauses,
										  Plan *outer_plan);
extern void hubspotBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *hubspotIterateForeignScan(ForeignScanState *node);
extern void hubspotReScanForeignScan(ForeignScanState *node);
extern void hubspotEndForeignScan(ForeignScanState *node);
extern void hubspotExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* ---------- modify.c ---------- */

extern List *hubspotPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
									  Index resultRelation, int subplan_index);
extern void hubspotBeginForeignModify(ModifyTableState *mtstate,
									  ResultRelInfo *rinfo, List *fdw_private,
									  int subplan_index, int eflags);
extern TupleTableSlot *hubspotExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern TupleTableSlot **hubspotExecForeignBatchInsert(EState *estate,
													  ResultRelInfo *rinfo,
													  TupleTableSlot **slots,
													  TupleTableSlot **planSlots,
													  int *numSlots);
extern int	hubspotGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern void hubspotAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										   RangeTblEntry *target_rte,
										   Relation target_relation);
extern TupleTableSlot *hubspotExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern TupleTableSlot *hubspotExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern void hubspotEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void hubspotBeginForeignInsert(ModifyTableState *mtstate,
									  ResultRelInfo *rinfo);
extern void hubspotEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
extern int	hubspotIsForeignRelUpdatable(Relation rel);
extern void hubspotExplainForeignModify(ModifyTableState *mtstate,
										ResultRelInfo *rinfo, List *fdw_private,
										int subplan_index, ExplainState *es);

/* ---------- statement.c ---------- */

/* A running modification, as the statement sees it. */
typedef struct HsStatementMember
{
	dlist_node	node;
	EState	   *estate;
	void		(*flush) (void *arg);	/* send what is buffered, or NULL */
	void	   *arg;
	const char *relname;
	const char *done;			/* what HubSpot does to its rows: "created",
								 * "updated", ...; a static string */
	const int64 *applied;		/* how many rows HubSpot did it to */
	bool		registered;
	bool		orphan;			/* registered outside every hook */
	int			depth;			/* statement level it registered at */
	MemoryContextCallback reset_cb;
} HsStatementMember;

extern void hs_statement_init(void);
extern void hs_statement_register(HsStatementMember *m, EState *estate,
								  void (*flush) (void *arg), void *arg);
extern void hs_statement_unregister(HsStatementMember *m);
extern bool hs_statement_reports_writes(void);
extern PGDLLIMPORT bool hs_statement_context_muted;

/* ---------- visibility.c ---------- */

extern uint64 hs_visibility_scan_begin(MemoryContext scan_cxt);
extern void hs_visibility_created(const char *object, const char *id);
extern bool hs_visibility_hidden(const char *object, const char *id,
								 uint64 horizon);
extern struct HTAB *hs_string_hash_create(const char *name, long nelem,
										  Size entrysize, MemoryContext cxt);

#endif							/* HUBSPOT_FDW_H */
