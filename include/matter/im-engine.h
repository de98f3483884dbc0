/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Interaction Model engine (Core spec chapter 8) on the exchange
 * manager: it takes IM messages on secure sessions, checks each path
 * (exists, access, timed, data version filters) and calls the clusters of
 * the data model (dm.h) for values, writes and commands.
 *
 * What is here: Read (attribute paths, wildcards, data version filters,
 * fabric filtering, chunked reports with StatusResponse flow control,
 * lists too long for one message split into a replace and appends),
 * Write (timed and untimed, SuppressResponse, chunked over several
 * messages), Invoke (one command per request: MaxPathsPerInvoke is 1),
 * TimedRequest, Subscriptions (priming report, SubscribeResponse,
 * change-driven reports no sooner than the min interval, keep-alives at
 * the max interval, KeepSubscriptions), and events in reads and
 * subscriptions.
 *
 * Chunked writes (8.7.2, 8.7.3): a WriteRequest with MoreChunkedMessages
 * takes one of MATTER_IM_ENGINE_WRITES slots (none free: StatusResponse
 * RESOURCE_EXHAUSTED), is answered with a WriteResponse, and the next
 * WriteRequest on the same exchange, within MATTER_IM_WRITE_CHUNK_
 * TIMEOUT_MS, continues it; anything else on the exchange, or a chunk
 * whose TimedRequest flag differs from the first's, ends it with a
 * StatusResponse. A write begun after a TimedRequest is timed in every
 * chunk. Each message is one owner transaction (writes_begin/writes_end).
 * A list attribute written as a replace and appends is handed to the
 * cluster's list_write_done (dm.h) once the next write names another
 * path or the last message ended; a refusal there is answered as one more
 * AttributeStatusIB for the list's path in that message's WriteResponse.
 * A list's data version is checked at its first write only. Another
 * write of a list that a chunked write has in progress gets BUSY.
 *
 * Events (8.9, 7.14): from the owner's event log (event-log.h). Event
 * paths may be wildcards; EventFilters give the EventMin a report starts
 * at. Each event is shown only to a subject holding the read privilege
 * of its entry in the class's event table, and a fabric-sensitive one
 * only to its fabric. A concrete event path that cannot show anything
 * gets an EventStatusIB (UNSUPPORTED_ENDPOINT/CLUSTER/EVENT or
 * UNSUPPORTED_ACCESS) in a read's or a priming report. EventReports
 * follow the attribute reports and chunk like them. A subscription
 * carries on from the last event it reported: an event under a path
 * marked urgent makes a report due once the min interval has passed
 * (the owner calls matter_im_engine_changed() after logging events);
 * others go with the next report, at the latest the keep-alive.
 *
 * Pending writes and invokes: a cluster whose values live in another
 * program (a host application over D-Bus) answers later. Before each
 * write() and invoke() the engine reserves one of MATTER_IM_ENGINE_PENDING
 * slots and hands its token in MatterDmRequest.pending_token (0 when none
 * is free, or for a write when none of MATTER_IM_ENGINE_HELD_WRITES held
 * WriteResponses is); a cluster that returns MATTER_DM_STATUS_PENDING
 * answers with matter_im_engine_complete_write() or _invoke() once it
 * returned. A token is the slot's index and a generation, so one that
 * was answered, timed out or lost its exchange matches nothing, not even
 * a reused slot. Meanwhile the exchange stays open without a timeout of
 * its own (a timed one's deadline was met when its action came), and the
 * exchange layer acknowledges the request with a standalone
 * acknowledgement so that the client does not retransmit. An invoke is
 * answered with its InvokeResponse (status, cluster status or response
 * command, CommandRef echoed), a write's message with one WriteResponse
 * once every pending write in it is answered: the message's statuses
 * wait in the held response, as the engine's own buffer serves the next
 * messages. A chunked write's next chunk comes only after that answer.
 * After the pending timeout (MATTER_IM_PENDING_TIMEOUT_MS, or
 * matter_im_engine_set_pending_timeout()) the path gets TIMEOUT;
 * next_deadline()/process() cover these deadlines. A SuppressResponse
 * request may go pending too: its answer is taken and nothing is sent.
 * The session going, or anything but a duplicate arriving on the
 * exchange, frees the slots. PENDING without a token is a cluster's bug,
 * answered FAILURE, as is PENDING from the write of a list attribute
 * (dm.h). Pending writes are outside the owner's writes_begin/writes_end
 * transaction: the cluster commits them itself.
 *
 * Access (8.4.3.2 and chapter 6): the subject of the session (acl.h) must
 * hold the element's privilege under the ACL the owner provides; a PASE
 * session has the implicit Administer while the owner says the node is
 * being commissioned. A concrete path that fails gets the precise status;
 * a wildcard leaves out what does not exist or is not allowed.
 *
 * Limits: MATTER_IM_ENGINE_READS reads in progress at once (a read that
 * finds none free gets StatusResponse RESOURCE_EXHAUSTED, and the rest of
 * the node goes on); MATTER_IM_ENGINE_TIMED pending timed interactions;
 * MATTER_IM_ENGINE_PENDING pending writes and invokes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/acl.h"
#include "matter/dm.h"
#include "matter/event-log.h"
#include "matter/exchange.h"
#include "matter/im.h"

#define MATTER_IM_ENGINE_READS 4
#define MATTER_IM_ENGINE_TIMED 4
/* Chunked writes in progress at once (each waits for its next message). */
#define MATTER_IM_ENGINE_WRITES 4
/* How long a chunked write waits for its next WriteRequest. The client
 * sends it as soon as it has the WriteResponse of the one before, so
 * this only has to outlast MRP's retransmissions of that exchange (well
 * under 30 s with the default intervals); it bounds how long a client can
 * hold a write slot. */
#define MATTER_IM_WRITE_CHUNK_TIMEOUT_MS 30000
/* Subscriptions at once: 3 for each of 16 fabrics (the CapabilityMinima
 * SubscriptionsPerFabric). A fabric below its 3 may take the slot of the
 * oldest subscription of a fabric above them. */
#define MATTER_IM_ENGINE_SUBSCRIPTIONS 48
#define MATTER_IM_SUBSCRIPTIONS_PER_FABRIC 3
/* The longest MaxInterval this node grants (SUBSCRIPTION_MAX_INTERVAL_
 * PUBLISHER_LIMIT, 8.5.1: one hour). */
#define MATTER_IM_SUBSCRIPTION_MAX_INTERVAL_S 3600
#define MATTER_IM_MAX_PATHS_PER_INVOKE 1
/* Writes one WriteRequest may carry. */
#define MATTER_IM_WRITES_MAX 32
/* The statuses of one WriteResponse: one per write, and one more for each
 * list whose write ended in it (list_write_done, dm.h). */
#define MATTER_IM_WRITE_STATUSES_MAX (2 * MATTER_IM_WRITES_MAX + 1)
/* How long past a TimedRequest's deadline its exchange waits for the
 * action, to answer TIMEOUT rather than nothing. */
#define MATTER_IM_TIMED_GRACE_MS 2000
/* The IM payload of one message: what the largest secure unicast message
 * leaves after its header, protocol header and MIC. */
#define MATTER_IM_PAYLOAD_MAX \
  (MATTER_MESSAGE_MAX - MATTER_MESSAGE_HEADER_MAX - MATTER_PROTOCOL_HEADER_MAX - \
   MATTER_MESSAGE_MIC_LEN)
/* Writes and invokes a cluster answers later (MATTER_DM_STATUS_PENDING,
 * dm.h) waiting at once; and how long each waits by default before the
 * engine answers TIMEOUT for it (matter_im_engine_set_pending_timeout()). */
#define MATTER_IM_ENGINE_PENDING 16
#define MATTER_IM_PENDING_TIMEOUT_MS 10000
/* WriteResponses held for pending writes at once; a WriteRequest that
 * finds none free gives its writes no token. */
#define MATTER_IM_ENGINE_HELD_WRITES 4
/* Room for one attribute value: the largest list that can be split. */
#define MATTER_IM_VALUE_MAX 8192

/* What the engine needs from its owner (the node). */
/* What a refusal was of, for the owner's log. */
typedef enum {
  MATTER_IM_ACTION_REQUEST, /* a whole message: StatusResponse */
  MATTER_IM_ACTION_WRITE,
  MATTER_IM_ACTION_INVOKE,
} MatterImAction;

typedef struct {
  /* The Access Control List in force, for every fabric. */
  const MatterAclEntry *(*acl)(void *user_data, size_t *count);
  /* Whether @session is the commissioning channel of a node being
   * commissioned (the implicit PASE Administer). */
  bool (*commissioning)(void *user_data, const MatterSession *session);
  /* A WriteRequest's writes are staged between these, and committed in
   * one go at the end: writes_end() returns false when that failed, and
   * every write the clusters took is then answered FAILURE. Both may be
   * NULL. */
  void (*writes_begin)(void *user_data, const MatterDmRequest *request);
  bool (*writes_end)(void *user_data, const MatterDmRequest *request);
  /* The node's event log, which reads and subscriptions report from. May
   * be NULL, as may what it returns: no events then. */
  const MatterEventLog *(*event_log)(void *user_data);
  /* A request from @session, or one of its paths (@endpoint, @cluster and
   * @id, the attribute or command; 0 for a whole request), was answered
   * @status other than SUCCESS: the owner logs it, so that every refusal
   * leaves a line. May be NULL. */
  void (*refused)(void *user_data, const MatterSession *session, MatterImAction action,
                  uint16_t endpoint, uint32_t cluster, uint32_t id, uint8_t status);
  /* Subscription resumption (8.5): a CASE subscription was established
   * (its SubscribeResponse went out), and what the owner keeps to resume
   * it after a restart; @record is valid during the call only. Resumed
   * subscriptions are not announced again. May be NULL. */
  void (*subscription_added)(void *user_data, const MatterImSubscriptionRecord *record);
  /* An announced or resumed subscription ended for good (the subscriber
   * refused a report or answered it wrongly, another subscription took
   * its place or slot): the owner forgets it. Not called by
   * matter_im_engine_deinit(), so that what was kept outlives the engine.
   * May be NULL. @record is valid during the call only, as is @record of
   * subscription_lost(). */
  void (*subscription_removed)(void *user_data, const MatterImSubscriptionRecord *record);
  /* An announced or resumed subscription ended without the subscriber
   * ending it: a report it did not take (MRP gave up, the exchange timed
   * out) or its session gone. The owner may keep it and resume it on a
   * new session (8.5, subscription resumption). May be NULL. */
  void (*subscription_lost)(void *user_data, const MatterImSubscriptionRecord *record,
                            uint64_t now_ms);
} MatterImEngineOwner;

typedef struct MatterImEngine MatterImEngine;

/* A read in progress, kept between the chunks of its report. */
typedef struct {
  bool used;
  MatterImEngine *engine;
  MatterExchange *exchange;
  MatterImReadRequest request;
  size_t path_index;
  MatterDmAttributeIter iter;
  bool iter_started;
  /* A path whose report did not fit the last chunk, to send first. */
  bool has_pending;
  uint16_t pending_endpoint;
  uint32_t pending_cluster;
  uint32_t pending_attribute;
  bool pending_wildcard;
  /* A list being sent as a replace and appends: items sent so far, and
   * the data version they came from. */
  size_t list_items_sent;
  bool list_started;
  uint32_t list_data_version;
  /* Events: the concrete event paths checked so far (their statuses go
   * first), and the number from which events are still to report. */
  size_t event_status_index;
  uint64_t event_next;
  bool more;       /* the report sent last is not the report's last chunk */
  bool suppressed; /* ... and it asked for no StatusResponse */

  /* Subscriptions (8.5): the handler stays between reports. */
  bool is_subscription;
  bool priming; /* the first report, answered with SubscribeResponse */
  bool resumed; /* ... unless the node resumed it: no SubscribeResponse */
  bool announced; /* subscription_added() was called, or it was resumed */
  MatterPeerAddress peer_address; /* where the subscriber was when it subscribed */
  uint32_t subscription_id;
  uint16_t min_interval_s;
  uint16_t max_interval_s;
  const MatterSession *session; /* with its local id, to tell a reused slot */
  uint16_t session_id;
  uint8_t fabric_index;
  uint64_t peer_node_id;
  uint64_t reported_tick; /* changes up to here were reported and acknowledged */
  uint64_t report_tick;   /* where the report in progress started */
  uint64_t last_report_ms;
  bool dirty; /* something in its paths changed since reported_tick */
} MatterImReadHandler;

typedef struct {
  bool used;
  MatterImEngine *engine;
  MatterExchange *exchange;
  uint64_t deadline_ms;
} MatterImTimed;

/* A write (8.7), kept between the messages of a chunked one. A list
 * attribute written as a replace and appends is "in progress" from its
 * first write until a write of another path, or the last message. */
typedef struct {
  bool used; /* a chunked write holds the slot */
  MatterImEngine *engine;
  MatterExchange *exchange;
  bool timed; /* begun after a TimedRequest: so is every chunk */
  bool list_active;
  bool list_reached; /* the cluster's write() took part of it */
  uint8_t list_status; /* SUCCESS, or why a part of it failed */
  MatterImAttributePath list_path;
} MatterImWriteHandler;

typedef enum {
  MATTER_IM_PENDING_FREE,
  MATTER_IM_PENDING_RESERVED, /* its token is with a cluster's write() or invoke() */
  MATTER_IM_PENDING_WRITE,
  MATTER_IM_PENDING_INVOKE,
} MatterImPendingKind;

typedef struct MatterImHeldWrite MatterImHeldWrite;

/* A write or an invoke that a cluster answers later, by its token. */
typedef struct {
  MatterImEngine *engine;
  uint8_t kind; /* MatterImPendingKind */
  uint32_t token;
  uint64_t deadline_ms;
  /* An invoke: its exchange, and what its InvokeResponse echoes. */
  MatterExchange *exchange;
  MatterImCommandPath path;
  bool has_ref;
  uint16_t ref;
  bool suppress_response;
  /* A write: the WriteResponse it holds, and its status there. */
  MatterImHeldWrite *held;
  size_t status_index;
} MatterImPending;

/* A WriteResponse that waits for the pending writes of its message. */
struct MatterImHeldWrite {
  bool used;
  MatterImEngine *engine;
  MatterExchange *exchange;
  MatterImWriteHandler *write; /* a chunked write's slot, or NULL */
  bool more_chunked_messages;
  bool suppress_response;
  size_t open; /* its pending writes */
  MatterImAttributeStatus statuses[MATTER_IM_WRITE_STATUSES_MAX];
  size_t status_count;
};

struct MatterImEngine {
  MatterExchangeManager *exchanges;
  MatterDmNode *dm;
  MatterImEngineOwner owner;
  void *owner_data;
  MatterImReadHandler reads[MATTER_IM_ENGINE_READS];
  MatterImReadHandler subscriptions[MATTER_IM_ENGINE_SUBSCRIPTIONS];
  MatterImTimed timed[MATTER_IM_ENGINE_TIMED];
  MatterImWriteHandler writes[MATTER_IM_ENGINE_WRITES];
  /* The WriteResponse being built. */
  MatterImAttributeStatus write_statuses[MATTER_IM_WRITE_STATUSES_MAX];
  size_t write_status_count;
  /* Pending writes and invokes; a token is the slot's index + 1 in its
   * low byte and a generation above, so that an old one never matches a
   * reused slot. */
  MatterImPending pending[MATTER_IM_ENGINE_PENDING];
  uint32_t pending_generation;
  uint64_t pending_timeout_ms;
  MatterImHeldWrite held_writes[MATTER_IM_ENGINE_HELD_WRITES];
  MatterImHeldWrite *holding; /* the held WriteResponse of the message being written */
  uint8_t value[MATTER_IM_VALUE_MAX]; /* one attribute value, encoded */
  uint8_t message[MATTER_IM_PAYLOAD_MAX];
  uint64_t now_ms;
};

/* Registers for the Interaction Model protocol on @exchanges. */
MatterError matter_im_engine_init(MatterImEngine *engine, MatterExchangeManager *exchanges,
                                  MatterDmNode *dm, const MatterImEngineOwner *owner,
                                  void *owner_data);
void matter_im_engine_deinit(MatterImEngine *engine);

/* The owner marked changes (matter_dm_mark()) or logged events:
 * subscriptions whose paths they touch (events: urgent ones) report them,
 * no sooner than their min interval. */
void matter_im_engine_changed(MatterImEngine *engine);
/* When matter_im_engine_process() is next due (MATTER_MRP_NEVER: never):
 * a subscription's report or keep-alive, a pending write's or invoke's
 * timeout. */
uint64_t matter_im_engine_next_deadline(const MatterImEngine *engine);
void matter_im_engine_process(MatterImEngine *engine, uint64_t now_ms);
/* Resumes a subscription kept from before a restart (8.5, subscription
 * resumption) on @session, a CASE session the node established to the
 * subscriber (its fabric and peer node must be the record's): the
 * subscription takes a slot with the record's id, paths and intervals and
 * sends its priming report (all paths, statuses included) on a new
 * exchange; once the subscriber acknowledged it with a StatusResponse it
 * reports as any other. A subscription already using the id is ended
 * first.
 *   MATTER_ERROR_INVALID_ARGUMENT  @session does not fit the record, or
 *                                  the record has no paths
 *   MATTER_ERROR_NO_MEMORY         no slot for the subscription's fabric
 *   others                         from opening the exchange */
MatterError matter_im_engine_resume_subscription(MatterImEngine *engine, MatterSession *session,
                                                 const MatterImSubscriptionRecord *record,
                                                 uint64_t now_ms);
/* Answers a write a cluster left pending: @status is the path's
 * AttributeStatusIB. The WriteResponse goes out once every pending write
 * of its message is answered or timed out. A token that is unknown, or
 * whose write timed out or whose exchange went, is ignored: false; so is
 * one whose write() has not returned yet (answer from the main loop). */
bool matter_im_engine_complete_write(MatterImEngine *engine, uint32_t token, uint8_t status,
                                     uint64_t now_ms);
/* Answers an invoke a cluster left pending: @result's status, or its
 * response (result->has_response) whose CommandFields are @fields, a TLV
 * structure with context tag 1 as invoke() writes it (anything else is
 * answered FAILURE). False as above. */
bool matter_im_engine_complete_invoke(MatterImEngine *engine, uint32_t token,
                                      const MatterDmInvokeResult *result, const uint8_t *fields,
                                      size_t fields_len, uint64_t now_ms);
/* How long a pending write or invoke waits (MATTER_IM_PENDING_TIMEOUT_MS
 * unless set), for those that go pending after the call. */
void matter_im_engine_set_pending_timeout(MatterImEngine *engine, uint64_t timeout_ms);

/* Active subscriptions (for tests and status). */
size_t matter_im_engine_count_subscriptions(const MatterImEngine *engine);
