/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Interaction Model messages and their information blocks (Core spec
 * chapter 8, "Interaction Model Encoding"): a strict decoder for each
 * message, the encoders a client and a server need, and the IB writers the
 * engine builds chunked reports from.
 *
 * Every message is one anonymous TLV structure with context tags, ending
 * with InteractionModelRevision [0xFF]. Decoders:
 * - accept the fields in any order, each at most once, of the types the
 *   spec gives; unknown context tags are skipped (later revisions add
 *   fields), any other tag is refused;
 * - tolerate a missing InteractionModelRevision and any value of it
 *   (8.1.1: a receiver does not judge the sender's revision);
 * - check paths only for form (types, required fields); whether an id
 *   exists, and wildcard rules, are the engine's business;
 * - never allocate: data (AttributeDataIB Data, CommandFields, event data)
 *   stays in the message as the encoded TLV element (MatterImData), and
 *   arrays of data-carrying IBs are walked with MatterImIter after the
 *   whole message was checked once.
 * A malformed message is MATTER_ERROR_IM_MALFORMED, which the engine
 * answers with INVALID_ACTION (8.x, "Invalid Action"); more paths than a
 * MatterImReadRequest holds is MATTER_ERROR_IM_TOO_MANY_PATHS.
 *
 * Tag numbers: Core spec 1.4 chapter 8 message and IB definitions, checked
 * against the Matter SDK's src/app/MessageDef/ *.h (e.g. AttributePathIB.h,
 * EventDataIB.h, ReportDataMessage.h, SubscribeRequestMessage.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"
#include "matter/session.h"
#include "matter/tlv.h"

/* InteractionModelRevision of Matter 1.4 (the SDK's
 * src/app/SpecificationDefinedRevisions.h, kInteractionModelRevision). */
#define MATTER_IM_REVISION 12
#define MATTER_IM_TAG_REVISION 0xFF

/* Protocol opcodes of the Interaction Model (protocol id 0x0001). */
typedef enum {
  MATTER_IM_OPCODE_STATUS_RESPONSE = 0x01,
  MATTER_IM_OPCODE_READ_REQUEST = 0x02,
  MATTER_IM_OPCODE_SUBSCRIBE_REQUEST = 0x03,
  MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE = 0x04,
  MATTER_IM_OPCODE_REPORT_DATA = 0x05,
  MATTER_IM_OPCODE_WRITE_REQUEST = 0x06,
  MATTER_IM_OPCODE_WRITE_RESPONSE = 0x07,
  MATTER_IM_OPCODE_INVOKE_REQUEST = 0x08,
  MATTER_IM_OPCODE_INVOKE_RESPONSE = 0x09,
  MATTER_IM_OPCODE_TIMED_REQUEST = 0x0A,
} MatterImOpcode;

const char *matter_im_opcode_name(uint8_t opcode);

/* Status codes (Core spec 8.10.1; values as the SDK's data model Globals
 * "Status" enumeration of Matter 1.4 lists them). */
#define MATTER_IM_STATUS_LIST(X)              \
  X(SUCCESS, 0x00)                            \
  X(FAILURE, 0x01)                            \
  X(INVALID_SUBSCRIPTION, 0x7D)               \
  X(UNSUPPORTED_ACCESS, 0x7E)                 \
  X(UNSUPPORTED_ENDPOINT, 0x7F)               \
  X(INVALID_ACTION, 0x80)                     \
  X(UNSUPPORTED_COMMAND, 0x81)                \
  X(INVALID_COMMAND, 0x85)                    \
  X(UNSUPPORTED_ATTRIBUTE, 0x86)              \
  X(CONSTRAINT_ERROR, 0x87)                   \
  X(UNSUPPORTED_WRITE, 0x88)                  \
  X(RESOURCE_EXHAUSTED, 0x89)                 \
  X(NOT_FOUND, 0x8B)                          \
  X(UNREPORTABLE_ATTRIBUTE, 0x8C)             \
  X(INVALID_DATA_TYPE, 0x8D)                  \
  X(UNSUPPORTED_READ, 0x8F)                   \
  X(DATA_VERSION_MISMATCH, 0x92)              \
  X(TIMEOUT, 0x94)                            \
  X(UNSUPPORTED_NODE, 0x9B)                   \
  X(BUSY, 0x9C)                               \
  X(ACCESS_RESTRICTED, 0x9D)                  \
  X(UNSUPPORTED_CLUSTER, 0xC3)                \
  X(NO_UPSTREAM_SUBSCRIPTION, 0xC5)           \
  X(NEEDS_TIMED_INTERACTION, 0xC6)            \
  X(UNSUPPORTED_EVENT, 0xC7)                  \
  X(PATHS_EXHAUSTED, 0xC8)                    \
  X(TIMED_REQUEST_MISMATCH, 0xC9)             \
  X(FAILSAFE_REQUIRED, 0xCA)                  \
  X(INVALID_IN_STATE, 0xCB)                   \
  X(NO_COMMAND_RESPONSE, 0xCC)                \
  X(TERMS_AND_CONDITIONS_CHANGED, 0xCD)       \
  X(MAINTENANCE_REQUIRED, 0xCE)               \
  X(DYNAMIC_CONSTRAINT_ERROR, 0xCF)           \
  X(ALREADY_EXISTS, 0xD0)                     \
  X(INVALID_TRANSPORT_TYPE, 0xD1)

typedef enum {
#define MATTER_IM_STATUS_ENUM(name, value) MATTER_IM_STATUS_##name = value,
  MATTER_IM_STATUS_LIST(MATTER_IM_STATUS_ENUM)
#undef MATTER_IM_STATUS_ENUM
} MatterImStatus;

/* "UNSUPPORTED_ATTRIBUTE"; "UNKNOWN" for a value not in the list. */
const char *matter_im_status_name(uint8_t status);

/* StatusIB: a status and, for cluster-specific failures, the cluster's own
 * code. */
typedef struct {
  uint8_t status;
  bool has_cluster_status;
  uint8_t cluster_status;
} MatterImStatusIB;

/* ---- Paths ------------------------------------------------------------
 * Each field that is absent is a wildcard. */

typedef enum {
  MATTER_IM_LIST_INDEX_NONE,   /* the whole attribute */
  MATTER_IM_LIST_INDEX_APPEND, /* null: append one item (writes) */
  MATTER_IM_LIST_INDEX_ITEM,   /* list_index (not used by Matter 1.x) */
} MatterImListIndexKind;

/* AttributePathIB, a TLV list. */
typedef struct {
  bool enable_tag_compression;
  bool has_node;
  uint64_t node;
  bool has_endpoint;
  uint16_t endpoint;
  bool has_cluster;
  uint32_t cluster;
  bool has_attribute;
  uint32_t attribute;
  MatterImListIndexKind list_index_kind;
  uint16_t list_index;
  bool has_wildcard_flags;
  uint32_t wildcard_flags; /* MATTER_IM_WILDCARD_SKIP_* */
} MatterImAttributePath;

/* WildcardPathFlags (Matter 1.3+). */
#define MATTER_IM_WILDCARD_SKIP_ROOT_NODE 0x01
#define MATTER_IM_WILDCARD_SKIP_GLOBAL_ATTRIBUTES 0x02
#define MATTER_IM_WILDCARD_SKIP_ATTRIBUTE_LIST 0x04
#define MATTER_IM_WILDCARD_SKIP_COMMAND_LISTS 0x10
#define MATTER_IM_WILDCARD_SKIP_CUSTOM_ELEMENTS 0x20
#define MATTER_IM_WILDCARD_SKIP_FIXED_ATTRIBUTES 0x40
#define MATTER_IM_WILDCARD_SKIP_CHANGES_OMITTED_ATTRIBUTES 0x80
#define MATTER_IM_WILDCARD_SKIP_DIAGNOSTICS_CLUSTERS 0x100

/* EventPathIB, a TLV list. */
typedef struct {
  bool has_node;
  uint64_t node;
  bool has_endpoint;
  uint16_t endpoint;
  bool has_cluster;
  uint32_t cluster;
  bool has_event;
  uint32_t event;
  bool is_urgent;
} MatterImEventPath;

/* ClusterPathIB, a TLV list. */
typedef struct {
  bool has_node;
  uint64_t node;
  bool has_endpoint;
  uint16_t endpoint;
  bool has_cluster;
  uint32_t cluster;
} MatterImClusterPath;

/* CommandPathIB, a TLV list; cluster and command are required. */
typedef struct {
  bool has_endpoint; /* absent only in group invokes */
  uint16_t endpoint;
  uint32_t cluster;
  uint32_t command;
} MatterImCommandPath;

/* DataVersionFilterIB: endpoint and cluster are required in its path. */
typedef struct {
  MatterImClusterPath path;
  uint32_t data_version;
} MatterImDataVersionFilter;

/* EventFilterIB. */
typedef struct {
  bool has_node;
  uint64_t node;
  uint64_t event_min;
} MatterImEventFilter;

/* A data element as it is encoded in the message, tag included. */
typedef struct {
  const uint8_t *tlv;
  size_t len;
} MatterImData;

/* A reader positioned on @data's element, ready for the typed getters. */
MatterError matter_im_data_reader(const MatterImData *data, MatterTlvReader *reader);

/* AttributeDataIB. */
typedef struct {
  bool has_data_version;
  uint32_t data_version;
  MatterImAttributePath path;
  MatterImData data;
} MatterImAttributeData;

/* AttributeStatusIB. */
typedef struct {
  MatterImAttributePath path;
  MatterImStatusIB status;
} MatterImAttributeStatus;

/* AttributeReportIB: exactly one of the two. */
typedef struct {
  bool is_status;
  MatterImAttributeStatus status;
  MatterImAttributeData data;
} MatterImAttributeReport;

/* EventDataIB. */
typedef struct {
  MatterImEventPath path;
  uint64_t event_number;
  uint8_t priority;
  bool has_epoch_timestamp;
  uint64_t epoch_timestamp;
  bool has_system_timestamp;
  uint64_t system_timestamp;
  bool has_delta_epoch_timestamp;
  uint64_t delta_epoch_timestamp;
  bool has_delta_system_timestamp;
  uint64_t delta_system_timestamp;
  MatterImData data;
} MatterImEventData;

/* EventReportIB: exactly one of the two. */
typedef struct {
  bool is_status;
  MatterImEventPath status_path;
  MatterImStatusIB status;
  MatterImEventData data;
} MatterImEventReport;

/* CommandDataIB. CommandFields is a structure; absent for commands
 * without fields. */
typedef struct {
  MatterImCommandPath path;
  bool has_fields;
  MatterImData fields;
  bool has_ref;
  uint16_t ref;
} MatterImCommandData;

/* InvokeResponseIB: a response command, or a CommandStatusIB. */
typedef struct {
  bool is_status;
  MatterImCommandData command;
  MatterImCommandPath status_path;
  MatterImStatusIB status;
  bool has_ref;
  uint16_t ref;
} MatterImInvokeResponse;

/* ---- Walking arrays of IBs --------------------------------------------
 * Over an array the message decoder already checked. */

typedef struct {
  MatterTlvReader reader;
  bool present;
} MatterImIter;

/* Each returns MATTER_OK with the next item, MATTER_ERROR_TLV_END after
 * the last (or when the array is absent). */
MatterError matter_im_next_attribute_data(MatterImIter *iter, MatterImAttributeData *item);
MatterError matter_im_next_attribute_report(MatterImIter *iter, MatterImAttributeReport *item);
MatterError matter_im_next_attribute_status(MatterImIter *iter, MatterImAttributeStatus *item);
MatterError matter_im_next_event_report(MatterImIter *iter, MatterImEventReport *item);
MatterError matter_im_next_command_data(MatterImIter *iter, MatterImCommandData *item);
MatterError matter_im_next_invoke_response(MatterImIter *iter, MatterImInvokeResponse *item);

/* ---- Messages ---------------------------------------------------------- */

/* What one Read or Subscribe request may carry here; the CapabilityMinima
 * ask for 9 paths per read and 3 per subscription. Data version filters
 * beyond the capacity are dropped (a filter only ever saves data). */
#define MATTER_IM_REQUEST_PATHS_MAX 16
#define MATTER_IM_EVENT_FILTERS_MAX 4
#define MATTER_IM_DATA_VERSION_FILTERS_MAX 16

typedef struct {
  bool has_attribute_requests;
  size_t attribute_path_count;
  MatterImAttributePath attribute_paths[MATTER_IM_REQUEST_PATHS_MAX];
  bool has_event_requests;
  size_t event_path_count;
  MatterImEventPath event_paths[MATTER_IM_REQUEST_PATHS_MAX];
  size_t event_filter_count;
  MatterImEventFilter event_filters[MATTER_IM_EVENT_FILTERS_MAX];
  bool fabric_filtered;
  size_t data_version_filter_count;
  bool data_version_filters_dropped;
  MatterImDataVersionFilter data_version_filters[MATTER_IM_DATA_VERSION_FILTERS_MAX];
} MatterImPathRequest;

/* ReadRequestMessage: FabricFiltered [3] is required. */
typedef MatterImPathRequest MatterImReadRequest;

/* SubscribeRequestMessage: KeepSubscriptions [0], the two intervals [1]
 * [2] and FabricFiltered [7] are required. */
typedef struct {
  bool keep_subscriptions;
  uint16_t min_interval_floor_s;
  uint16_t max_interval_ceiling_s;
  MatterImPathRequest paths;
} MatterImSubscribeRequest;

typedef struct {
  uint32_t subscription_id;
  uint16_t max_interval_s;
} MatterImSubscribeResponse;

/* An established subscription as the publisher keeps it across a restart
 * (8.5, subscription resumption): who subscribed, with which id, intervals
 * and paths, and where the subscriber was last seen (the node has no
 * DNS-SD browser to find it again). Event and data version filters are
 * not kept: a resumed subscription primes with everything, as a new one
 * with no filters would. */
typedef struct {
  uint8_t fabric_index;
  uint64_t peer_node_id;
  uint32_t subscription_id;
  uint16_t min_interval_s;
  uint16_t max_interval_s;
  MatterPeerAddress peer_address;
  MatterImPathRequest paths;
} MatterImSubscriptionRecord;

/* The record's own TLV form (not a message of the protocol), for storage:
 * a structure of fabric [0], peer node [1], subscription id [2], the
 * intervals [3] [4], the peer's transport [5] and address [6], and the
 * paths as a SubscribeRequest carries them, at [10] [11] and [13]. Decoding
 * checks what encoding guarantees: a fabric index, a subscription id, at
 * least one path and min <= max. */
#define MATTER_IM_SUBSCRIPTION_RECORD_MAX 1600
MatterError matter_im_subscription_record_encode(const MatterImSubscriptionRecord *record,
                                                 uint8_t *out, size_t size, size_t *len);
MatterError matter_im_subscription_record_decode(const uint8_t *buf, size_t len,
                                                 MatterImSubscriptionRecord *record);

/* ReportDataMessage. */
typedef struct {
  bool has_subscription_id;
  uint32_t subscription_id;
  MatterImIter attribute_reports;
  MatterImIter event_reports;
  bool more_chunked_messages;
  bool suppress_response;
} MatterImReportData;

/* WriteRequestMessage: WriteRequests [2] is required. */
typedef struct {
  bool suppress_response;
  bool timed_request;
  MatterImIter writes;
  bool more_chunked_messages;
} MatterImWriteRequest;

typedef struct {
  MatterImIter responses; /* AttributeStatusIB */
} MatterImWriteResponse;

/* InvokeRequestMessage: all of [0] [1] [2] are required. */
typedef struct {
  bool suppress_response;
  bool timed_request;
  MatterImIter invokes;
  size_t invoke_count;
} MatterImInvokeRequest;

typedef struct {
  bool suppress_response;
  MatterImIter responses;
  bool more_chunked_messages;
} MatterImInvokeResponseMessage;

MatterError matter_im_read_request_decode(const uint8_t *buf, size_t len, MatterImReadRequest *msg);
MatterError matter_im_subscribe_request_decode(const uint8_t *buf, size_t len,
                                               MatterImSubscribeRequest *msg);
MatterError matter_im_subscribe_response_decode(const uint8_t *buf, size_t len,
                                                MatterImSubscribeResponse *msg);
MatterError matter_im_report_data_decode(const uint8_t *buf, size_t len, MatterImReportData *msg);
MatterError matter_im_write_request_decode(const uint8_t *buf, size_t len,
                                           MatterImWriteRequest *msg);
MatterError matter_im_write_response_decode(const uint8_t *buf, size_t len,
                                            MatterImWriteResponse *msg);
MatterError matter_im_invoke_request_decode(const uint8_t *buf, size_t len,
                                            MatterImInvokeRequest *msg);
MatterError matter_im_invoke_response_decode(const uint8_t *buf, size_t len,
                                             MatterImInvokeResponseMessage *msg);
/* TimedRequestMessage: Timeout [0], milliseconds. */
MatterError matter_im_timed_request_decode(const uint8_t *buf, size_t len, uint16_t *timeout_ms);
/* StatusResponseMessage: Status [0]. */
MatterError matter_im_status_response_decode(const uint8_t *buf, size_t len, uint8_t *status);

/* ---- Encoding ----------------------------------------------------------
 * IB writers put one IB with @tag; they fail with the writer's error (its
 * first error sticks, see tlv.h), so a report can roll back to a
 * checkpoint and end the chunk there. */

MatterError matter_im_put_status_ib(MatterTlvWriter *w, MatterTlvTag tag,
                                    const MatterImStatusIB *status);
MatterError matter_im_put_attribute_path(MatterTlvWriter *w, MatterTlvTag tag,
                                         const MatterImAttributePath *path);
MatterError matter_im_put_event_path(MatterTlvWriter *w, MatterTlvTag tag,
                                     const MatterImEventPath *path);
MatterError matter_im_put_cluster_path(MatterTlvWriter *w, MatterTlvTag tag,
                                       const MatterImClusterPath *path);
MatterError matter_im_put_command_path(MatterTlvWriter *w, MatterTlvTag tag,
                                       const MatterImCommandPath *path);
MatterError matter_im_put_attribute_status(MatterTlvWriter *w, MatterTlvTag tag,
                                           const MatterImAttributeStatus *status);
/* AttributeDataIB with @data (a whole element, re-tagged [2]). */
MatterError matter_im_put_attribute_data(MatterTlvWriter *w, MatterTlvTag tag,
                                         const MatterImAttributeData *item);
/* Starts an AttributeDataIB up to its Data: the caller then writes the
 * value with tag MATTER_IM_TAG_DATA and calls matter_im_end_attribute_data(). */
#define MATTER_IM_TAG_DATA 2
MatterError matter_im_begin_attribute_data(MatterTlvWriter *w, MatterTlvTag tag,
                                           bool has_data_version, uint32_t data_version,
                                           const MatterImAttributePath *path);
MatterError matter_im_end_attribute_data(MatterTlvWriter *w);
MatterError matter_im_put_event_data(MatterTlvWriter *w, MatterTlvTag tag,
                                     const MatterImEventData *item);
/* EventStatusIB: the status of an event path ([0] of an EventReportIB). */
MatterError matter_im_put_event_status(MatterTlvWriter *w, MatterTlvTag tag,
                                       const MatterImEventPath *path,
                                       const MatterImStatusIB *status);
/* The tags of an EventReportIB's two forms. */
#define MATTER_IM_TAG_EVENT_STATUS 0
#define MATTER_IM_TAG_EVENT_DATA 1
MatterError matter_im_put_command_data(MatterTlvWriter *w, MatterTlvTag tag,
                                       const MatterImCommandData *item);
MatterError matter_im_put_invoke_response(MatterTlvWriter *w, MatterTlvTag tag,
                                          const MatterImInvokeResponse *item);
/* InteractionModelRevision [0xFF], last in every message. */
MatterError matter_im_put_revision(MatterTlvWriter *w);

/* Whole messages from decoded structures (a client's requests, the small
 * server messages); reports, write and invoke responses are built by the
 * engine from the IB writers. Each writes one message into @out. */
MatterError matter_im_read_request_encode(const MatterImReadRequest *msg, uint8_t *out,
                                          size_t size, size_t *len);
MatterError matter_im_subscribe_request_encode(const MatterImSubscribeRequest *msg, uint8_t *out,
                                               size_t size, size_t *len);
MatterError matter_im_subscribe_response_encode(const MatterImSubscribeResponse *msg, uint8_t *out,
                                                size_t size, size_t *len);
/* @writes: @count items. */
MatterError matter_im_write_request_encode(bool suppress_response, bool timed_request,
                                           const MatterImAttributeData *writes, size_t count,
                                           bool more_chunked_messages, uint8_t *out, size_t size,
                                           size_t *len);
MatterError matter_im_invoke_request_encode(bool suppress_response, bool timed_request,
                                            const MatterImCommandData *invokes, size_t count,
                                            uint8_t *out, size_t size, size_t *len);
MatterError matter_im_timed_request_encode(uint16_t timeout_ms, uint8_t *out, size_t size,
                                           size_t *len);
MatterError matter_im_status_response_encode(uint8_t status, uint8_t *out, size_t size,
                                             size_t *len);
