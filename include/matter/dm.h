/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The data model's shape (Core spec chapter 7): cluster classes as static
 * tables, cluster instances on endpoints, the node's endpoint registry,
 * the global attributes every cluster has, wildcard path expansion, data
 * versions and change ticks. It decides what exists and in which order;
 * values are the clusters' business (their read/write/invoke callbacks,
 * which the Interaction Model engine calls), and access is the engine's.
 *
 * A class's attribute, command and event tables are sorted by id. The
 * global attributes (7.13) are not in the tables: this module adds them
 * and synthesizes their values from the tables and the instance's
 * FeatureMap. An element whose feature mask is non-zero exists only when
 * the instance's FeatureMap has one of those bits.
 *
 * Wildcard expansion (8.9.2.3) is a plain value, MatterDmAttributeIter,
 * that a chunked read keeps between messages: endpoints, clusters and
 * attributes in ascending order, so the global attributes come last in
 * each cluster. Entries that a WildcardPathFlags bit skips are skipped.
 *
 * Data versions (7.10.3): one per cluster instance, which the owner
 * starts at a random value; matter_dm_mark() moves it on by one and
 * records the node-wide change tick of the attribute, which subscriptions
 * compare against the tick of their last report. Attributes with the
 * Changes-Omitted quality never mark. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/acl.h"
#include "matter/im.h"
#include "matter/session.h"
#include "matter/tlv.h"

/* Global attribute ids (7.13). EventList (0xFFFA) was dropped in Matter
 * 1.3, whose WildcardPathFlags bit 3 (once SkipEventList) is now
 * "do not use" (the SDK's 1.4 Globals). */
#define MATTER_DM_ATTR_GENERATED_COMMAND_LIST 0xFFF8
#define MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST 0xFFF9
#define MATTER_DM_ATTR_ATTRIBUTE_LIST 0xFFFB
#define MATTER_DM_ATTR_FEATURE_MAP 0xFFFC
#define MATTER_DM_ATTR_CLUSTER_REVISION 0xFFFD

/* Attribute qualities (7.7). */
#define MATTER_DM_LIST 0x0001
#define MATTER_DM_FABRIC_SCOPED 0x0002
#define MATTER_DM_FABRIC_SENSITIVE 0x0004
#define MATTER_DM_TIMED 0x0008 /* writes need a timed interaction */
#define MATTER_DM_NULLABLE 0x0010
#define MATTER_DM_CHANGES_OMITTED 0x0020
#define MATTER_DM_FIXED 0x0040
#define MATTER_DM_DIAGNOSTICS 0x0080 /* class flag: skipped by SKIP_DIAGNOSTICS_CLUSTERS */

/* Commands without a response command answer with a status. */
#define MATTER_DM_NO_RESPONSE UINT32_MAX

/* What a write() returns, and an invoke's status, when the cluster will
 * answer later through the request's pending_token (a host application
 * over D-Bus): never on the wire. */
#define MATTER_DM_STATUS_PENDING 0xFF

typedef struct {
  uint32_t id;
  uint16_t qualities;
  uint8_t read_privilege;  /* MatterAclPrivilege */
  uint8_t write_privilege; /* 0: read-only */
  uint32_t features;       /* 0: always present */
} MatterDmAttribute;

typedef struct {
  uint32_t id;
  uint32_t response_id; /* MATTER_DM_NO_RESPONSE, or the command it answers with */
  uint8_t privilege;
  uint16_t qualities; /* MATTER_DM_TIMED, MATTER_DM_FABRIC_SCOPED */
  uint32_t features;
} MatterDmCommand;

typedef struct {
  uint32_t id;
  uint8_t privilege;
  uint8_t priority; /* 0 debug, 1 info, 2 critical */
  uint16_t qualities; /* MATTER_DM_FABRIC_SENSITIVE */
  uint32_t features;
} MatterDmEvent;

typedef struct MatterDmClass MatterDmClass;
typedef struct MatterDmCluster MatterDmCluster;

/* Who asks, as the engine hands it to a cluster. Lists of fabric-scoped
 * structs leave out other fabrics' entries when @fabric_filtered, and
 * other fabrics' fabric-sensitive fields always (7.13.x); the accessing
 * fabric is subject->fabric_index. */
typedef struct {
  const MatterSession *session;
  const MatterAclSubject *subject;
  bool fabric_filtered;
  bool timed;
  uint64_t now_ms;
  void *owner; /* what the engine's owner gave it */
  /* For a write or an invoke: the token with which the cluster may answer
   * later (write() returning MATTER_DM_STATUS_PENDING, invoke() a result
   * whose status is MATTER_DM_STATUS_PENDING) and then completes it with
   * matter_im_engine_complete_write() or _invoke(); 0 when the engine has
   * no room to wait, and the cluster answers BUSY rather than PENDING. */
  uint32_t pending_token;
} MatterDmRequest;

/* What an invoke did: a status (SUCCESS included) or a response command
 * whose fields it wrote. */
typedef struct {
  uint8_t status;
  bool has_cluster_status;
  uint8_t cluster_status;
  bool has_response;
  uint32_t response_id;
} MatterDmInvokeResult;

struct MatterDmClass {
  uint32_t id;
  uint16_t revision;
  uint16_t flags; /* MATTER_DM_DIAGNOSTICS */
  const char *name;
  const MatterDmAttribute *attributes;
  size_t attribute_count;
  const MatterDmCommand *commands;
  size_t command_count;
  const MatterDmEvent *events;
  size_t event_count;
  /* Optional attributes an instance leaves out (e.g. one the owner has no
   * value for); NULL when the table says all. */
  bool (*present)(const MatterDmCluster *cluster, uint32_t attribute);
  /* The same for commands and events (AcceptedCommandList, paths). */
  bool (*command_present)(const MatterDmCluster *cluster, uint32_t command);
  bool (*event_present)(const MatterDmCluster *cluster, uint32_t event);
  /* Writes @attribute's value with @tag; a status other than SUCCESS
   * (e.g. UNSUPPORTED_READ) when it has none to give. Running out of
   * room is the writer's error, which the engine sees and chunks on. */
  uint8_t (*read)(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
                  MatterTlvWriter *w, MatterTlvTag tag);
  /* Stages a write of @path (its list index kind: the whole attribute or
   * an append) from @value; the owner commits the interaction's writes.
   * Or MATTER_DM_STATUS_PENDING with a non-zero request->pending_token,
   * for a write the cluster makes and answers itself, after returning;
   * not for a list attribute, whose parts list_write_done judges at once
   * (the engine answers FAILURE). */
  uint8_t (*write)(MatterDmCluster *cluster, const MatterDmRequest *request,
                   const MatterImAttributePath *path, MatterTlvReader *value);
  /* A list attribute's write is over: a replace and the appends after it
   * (a list written item by item, 8.7.3), which may span the messages of
   * a chunked write, all went to write(). The cluster keeps what they
   * wrote aside until this call and judges the whole list here. When
   * @successful, it stages the list for the owner's commit and returns
   * SUCCESS, or refuses the list with a status that the client gets for
   * @path in the WriteResponse of the message being processed. When not
   * (a write of the list failed, the chunked write was abandoned or its
   * commit failed), it drops what it kept; the status is then ignored.
   * Called within the owner's writes_begin/writes_end when @successful.
   * Never MATTER_DM_STATUS_PENDING (taken as FAILURE).
   * Optional: NULL for a class whose writes take effect item by item. */
  uint8_t (*list_write_done)(MatterDmCluster *cluster, const MatterDmRequest *request,
                             const MatterImAttributePath *path, bool successful);
  /* Runs @command with @fields, a reader inside the CommandFields
   * structure (NULL when the command has none); writes a response's
   * fields, a structure with @tag, to @response. */
  MatterDmInvokeResult (*invoke)(MatterDmCluster *cluster, const MatterDmRequest *request,
                                 uint32_t command, MatterTlvReader *fields, MatterTlvWriter *response,
                                 MatterTlvTag tag);
};

/* One instance of a class on an endpoint. @ticks has one entry per
 * attribute of the class's table, in its order, plus the globals
 * (matter_dm_tick_slots()). */
struct MatterDmCluster {
  const MatterDmClass *cls;
  uint16_t endpoint;
  uint32_t feature_map;
  uint32_t data_version;
  uint64_t *ticks;
  void *state; /* the owner's */
};

typedef struct {
  uint32_t device_type;
  uint16_t revision;
} MatterDmDeviceType;

typedef struct {
  uint16_t id;
  const MatterDmDeviceType *device_types;
  size_t device_type_count;
  MatterDmCluster **clusters; /* sorted by class id */
  size_t cluster_count;
  /* The endpoint whose Descriptor PartsList names it beside the root's
   * (an Aggregator's bridged nodes); 0 for one directly on the root. */
  uint16_t parent;
} MatterDmEndpoint;

/* The node's endpoints, sorted by id, and its change tick. */
typedef struct {
  MatterDmEndpoint **endpoints;
  size_t endpoint_count;
  uint64_t tick;
} MatterDmNode;

/* The five global attributes. */
#define MATTER_DM_GLOBAL_COUNT 5
size_t matter_dm_tick_slots(const MatterDmClass *cls);

/* Look-ups: NULL when absent (attributes and commands honour the
 * feature masks; global attributes are found too). */
MatterDmEndpoint *matter_dm_find_endpoint(const MatterDmNode *node, uint16_t endpoint);
MatterDmCluster *matter_dm_find_cluster(const MatterDmNode *node, uint16_t endpoint,
                                        uint32_t cluster);
/* The table entry of an attribute, or for a global one a synthesized
 * entry (read privilege View, read-only, fixed). */
bool matter_dm_find_attribute(const MatterDmCluster *cluster, uint32_t attribute,
                              MatterDmAttribute *entry);
const MatterDmCommand *matter_dm_find_command(const MatterDmCluster *cluster, uint32_t command);
const MatterDmEvent *matter_dm_find_event(const MatterDmCluster *cluster, uint32_t event);
bool matter_dm_endpoint_has_device_type(const MatterDmNode *node, uint16_t endpoint,
                                        uint32_t device_type);

/* For a concrete attribute path: SUCCESS, or UNSUPPORTED_ENDPOINT,
 * UNSUPPORTED_CLUSTER, UNSUPPORTED_ATTRIBUTE as 8.4.3.2 orders them. */
MatterImStatus matter_dm_attribute_status(const MatterDmNode *node, uint16_t endpoint,
                                          uint32_t cluster, uint32_t attribute);
/* The same for commands (UNSUPPORTED_COMMAND last) and events. */
MatterImStatus matter_dm_command_status(const MatterDmNode *node, uint16_t endpoint,
                                        uint32_t cluster, uint32_t command);
MatterImStatus matter_dm_event_status(const MatterDmNode *node, uint16_t endpoint,
                                      uint32_t cluster, uint32_t event);

/* Writes the value of a global attribute with @tag. */
MatterError matter_dm_read_global(const MatterDmCluster *cluster, uint32_t attribute,
                                  MatterTlvWriter *w, MatterTlvTag tag);
bool matter_dm_is_global(uint32_t attribute);

/* ---- Wildcard expansion -------------------------------------------------- */

typedef struct {
  MatterImAttributePath request;
  size_t endpoint_index;
  size_t cluster_index;
  size_t attribute_index; /* into table entries, then the globals */
  bool done;
} MatterDmAttributeIter;

/* The concrete paths of @request, in order. A concrete request yields its
 * one path whether it exists or not (the engine answers a status for it);
 * a wildcard yields only paths that exist. */
void matter_dm_attribute_iter_init(MatterDmAttributeIter *iter,
                                   const MatterImAttributePath *request);
/* MATTER_OK with the next path, MATTER_ERROR_TLV_END after the last. */
MatterError matter_dm_attribute_iter_next(MatterDmAttributeIter *iter, const MatterDmNode *node,
                                          uint16_t *endpoint, uint32_t *cluster,
                                          uint32_t *attribute);
bool matter_dm_path_is_wildcard(const MatterImAttributePath *path);

/* ---- Versions and changes ------------------------------------------------- */

/* A committed change of @attribute: data version + 1 and the attribute's
 * tick = the node's next one. Changes-Omitted attributes only move the
 * data version. */
void matter_dm_mark(MatterDmNode *node, MatterDmCluster *cluster, uint32_t attribute);
/* The tick of @attribute's last change (0: never). */
uint64_t matter_dm_attribute_tick(const MatterDmCluster *cluster, uint32_t attribute);
