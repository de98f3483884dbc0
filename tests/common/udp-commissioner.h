/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A commissioner for integration tests: the protocol core run as an
 * initiator (its own session table, exchange manager and MRP) with the test
 * PASE initiator, over a UDP socket on loopback, talking to the built
 * matterd; and over BLE when given a link (a BTP central through the fake
 * BlueZ, md-test-btp-central.h): sessions whose peer is MATTER_TRANSPORT_BLE
 * go over it, as a phone commissions over BLE before it reaches the node
 * on the network. It can also behave as an attacker would: end a handshake in
 * each of the ways a brute-forcer might, withhold acknowledgements, and
 * send raw datagrams from other sockets (floods, replays). */

#include <gio/gio.h>

#include "matter/case.h"
#include "matter/exchange.h"
#include "matter/im.h"
#include "md-test-link.h"
#include "pase-initiator.h"

/* How a PASE attempt goes once the initiator has what it needs. */
typedef enum {
  MD_TEST_PASE_COMPLETE,           /* as a commissioner does */
  MD_TEST_PASE_STATUS_BEFORE_PAKE1, /* a failure StatusReport instead of Pake1 */
  MD_TEST_PASE_MALFORMED_PAKE3,    /* garbage where Pake3 belongs */
  MD_TEST_PASE_WRONG_OPCODE,       /* another opcode after Pake2 */
  MD_TEST_PASE_SILENCE,            /* Pake2 acknowledged, then nothing */
  MD_TEST_PASE_NO_ACK,             /* Pake2 never acknowledged, nothing sent */
} MdTestPaseStyle;

typedef struct {
  guint32 passcode;
  MdTestPaseStyle style;
  /* Pake1 goes without acknowledging PBKDFParamResponse, as after a lost
   * standalone acknowledgement by a peer that does not piggy-back it. */
  gboolean lose_response_ack;
  /* MATTER_TRANSPORT_UDP (the default) or MATTER_TRANSPORT_BLE, over the
   * link md_test_commissioner_set_ble() gave. */
  MatterTransport transport;
} MdTestPaseOptions;

typedef struct {
  MatterPaseState state;    /* the initiator's, at the end */
  MatterError error;        /* why it ended, MATTER_OK when established */
  gboolean got_pake2;       /* the passcode was put to the test */
  gboolean got_report;      /* a StatusReport arrived; see report */
  MatterStatusReport report; /* its data not kept */
  guint busy_wait_ms;       /* the wait a BUSY asked for, 0 if none */
  MatterSession *session;   /* the PASE session, when established */
} MdTestPaseOutcome;

/* How a CASE attempt ended. */
typedef struct {
  MatterCaseState state;    /* the initiator's, at the end */
  MatterError error;        /* why it ended, MATTER_OK when established */
  MatterError detail;       /* the cause beneath a refusal of the initiator's */
  gboolean got_report;      /* the daemon refused with a StatusReport: */
  guint16 general_code;     /* its general code */
  guint16 protocol_code;    /* and its Secure Channel code */
  MatterCaseResult result;  /* when established: resumed, setup.resumption_id
                             * and setup.shared_secret to resume with */
  MatterSession *session;   /* the CASE session, when established */
} MdTestCaseOutcome;

typedef struct MdTestCommissioner MdTestCommissioner;

/* Called on every turn of the commissioner's loop, e.g. to flood. */
typedef void (*MdTestCommissionerTick)(MdTestCommissioner *commissioner, guint64 now_ms,
                                       gpointer user_data);

struct MdTestCommissioner {
  GSocket *socket;
  GSocketAddress *daemon_address;
  MatterSession secure[24];
  MatterSession unsecured[8];
  MatterSessionTable sessions;
  MatterExchange slots[16];
  MatterExchangeManager exchanges;
  MatterPeerAddress peer;     /* the daemon over UDP, as the core sees it */
  MatterPeerAddress ble_peer; /* the daemon over the BLE link */
  const MdTestLinkFuncs *ble; /* the BLE link, or NULL */
  gpointer ble_link;
  GBytes *last_sent;      /* the last datagram sent, for replays */
  guint received;         /* datagrams from the daemon so far */
  GArray *closed;         /* guint16 local ids of sessions the daemon closed */
  GPtrArray *reports;     /* ReportData payloads of subscriptions, not yet taken */

  MdTestCommissionerTick tick;
  gpointer tick_data;

  /* The attempt in progress. */
  MdTestPaseInitiator *initiator;
  MatterExchange *exchange;
  MdTestPaseOptions options;
  const MatterPeerAddress *attempt_peer; /* peer or ble_peer */
  MdTestPaseOutcome *outcome;
  MatterCaseInitiator *case_initiator;
  MdTestCaseOutcome *case_outcome;
  gboolean done;
};

guint64 md_test_now_ms(void);

MdTestCommissioner *md_test_commissioner_new(guint16 port);
void md_test_commissioner_free(MdTestCommissioner *commissioner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestCommissioner, md_test_commissioner_free)

/* Gives the commissioner a BLE link to the daemon (NULL: none, as after
 * the link dropped): messages of sessions over BLE are sent on it as one
 * SDU each, and what it receives goes to the exchange manager as the BLE
 * peer's. While it has one, its loop also runs the default main context
 * (the fake BlueZ's signals arrive there). */
void md_test_commissioner_set_ble(MdTestCommissioner *commissioner, const MdTestLinkFuncs *funcs,
                                  gpointer link);

/* Runs the message layer until *@done or @timeout_ms; FALSE on timeout. */
gboolean md_test_commissioner_run_until(MdTestCommissioner *commissioner, gboolean *done,
                                        guint timeout_ms);
/* Runs it for @ms whatever happens. */
void md_test_commissioner_run_for(MdTestCommissioner *commissioner, guint ms);

/* One PASE attempt; returns when it ended (or, for SILENCE and NO_ACK,
 * when Pake2 has been seen). */
void md_test_commissioner_pase(MdTestCommissioner *commissioner, const MdTestPaseOptions *options,
                               MdTestPaseOutcome *outcome);
/* PASE with @passcode as a commissioner does, waiting out each BUSY and
 * trying again, up to @tries times; *@busy counts the BUSY answers. */
MatterSession *md_test_commissioner_pase_retrying(MdTestCommissioner *commissioner,
                                                  guint32 passcode, guint tries, guint *busy);

/* One CASE attempt as the node @fabric describes (the commissioner's own
 * identity: its RCAC, NOC, key and operational IPK) towards the daemon's
 * @peer_node_id, on a new unsecured session, resuming @resumption when not
 * NULL (a full handshake otherwise); returns when it ended. The session,
 * when established, is in the commissioner's table until the daemon
 * closes it. */
void md_test_commissioner_case(MdTestCommissioner *commissioner, const MatterCaseFabric *fabric,
                               guint64 peer_node_id, const MatterCaseResumption *resumption,
                               MdTestCaseOutcome *outcome);

/* Runs the message layer until the daemon closed the session of
 * @local_session_id with CloseSession, or @timeout_ms passed; whether it
 * did. */
gboolean md_test_commissioner_wait_closed(MdTestCommissioner *commissioner,
                                          guint16 local_session_id, guint timeout_ms);

/* Sends an encrypted reliable message on @session and waits for its
 * acknowledgement; TRUE when it came. */
gboolean md_test_commissioner_send_acked(MdTestCommissioner *commissioner, MatterSession *session);
/* Sends an Interaction Model request on a new exchange of @session and
 * returns the first reply (its opcode in *@opcode), or NULL when none came
 * within the step timeout. */
GBytes *md_test_commissioner_im_request(MdTestCommissioner *commissioner, MatterSession *session,
                                        guint8 opcode, const guint8 *payload, gsize len,
                                        guint8 *reply_opcode);
/* The same as a timed interaction: a TimedRequest of @timeout_ms first,
 * and the request once its StatusResponse came (NULL when it was not
 * SUCCESS, or nothing came). */
GBytes *md_test_commissioner_im_timed_request(MdTestCommissioner *commissioner,
                                              MatterSession *session, guint16 timeout_ms,
                                              guint8 opcode, const guint8 *payload, gsize len,
                                              guint8 *reply_opcode);

/* ---- Interactions as a controller has them ---- */

/* What one invoke came back with: a CommandStatusIB, or a response command
 * with its CommandFields. */
typedef struct {
  gboolean is_status;
  MatterImStatusIB status; /* when is_status */
  guint32 response;        /* the response command's id, when not */
  GBytes *fields;          /* its CommandFields element (tag included), or NULL */
} MdTestInvokeAnswer;

void md_test_invoke_answer_clear(MdTestInvokeAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MdTestInvokeAnswer, md_test_invoke_answer_clear)
/* A reader inside the response's CommandFields structure; the answer must
 * be a response, and outlive @reader. */
void md_test_invoke_answer_fields(const MdTestInvokeAnswer *answer, MatterTlvReader *reader);

/* Invokes @command of @cluster on @endpoint with @fields (one TLV
 * structure, any tag; NULL for a command without fields), in a timed
 * interaction of 1 s when @timed, on a new exchange of @session. Asserts
 * that one InvokeResponse with one InvokeResponseIB came, and fills
 * @answer with it (clear it after). */
void md_test_commissioner_invoke(MdTestCommissioner *commissioner, MatterSession *session,
                                 guint16 endpoint, guint32 cluster, guint32 command,
                                 const guint8 *fields, gsize fields_len, gboolean timed,
                                 MdTestInvokeAnswer *answer);

/* One attribute of a report: its data or the status it failed with. */
typedef struct {
  MatterImAttributePath path;
  gboolean is_status;
  guint8 status; /* when is_status */
  GBytes *value; /* the Data element (tag included), when not */
} MdTestAttributeAnswer;

/* A concrete attribute path. */
MatterImAttributePath md_test_attribute_path(guint16 endpoint, guint32 cluster, guint32 attribute);
/* Reads @paths (at most MATTER_IM_REQUEST_PATHS_MAX) in one ReadRequest
 * and returns the answers in report order: a GArray of
 * MdTestAttributeAnswer that frees their values. Asserts that the report
 * came in one ReportData. */
GArray *md_test_commissioner_read(MdTestCommissioner *commissioner, MatterSession *session,
                                  const MatterImAttributePath *paths, gsize count,
                                  gboolean fabric_filtered);
/* A reader on an answer's value, ready for the typed getters; asserts
 * that it is data, not a status. */
void md_test_attribute_answer_reader(const MdTestAttributeAnswer *answer, MatterTlvReader *reader);

/* The attributes of a ReportData payload, as md_test_commissioner_read()
 * gives them. */
GArray *md_test_report_attributes(GBytes *report);

/* One event of a report. */
typedef struct {
  MatterImEventPath path;
  guint64 number;
  guint8 priority;
  GBytes *data; /* the Data element (tag included) */
} MdTestEventAnswer;

/* The events of a ReportData payload: a GArray of MdTestEventAnswer that
 * frees their data (statuses are left out). */
GArray *md_test_report_events(GBytes *report);

/* Subscribes to @paths and @events (either count may be 0) with the
 * intervals; asserts the priming report (one message) and the
 * SubscribeResponse, and returns the subscription id, with the priming
 * report's payload in @priming when not NULL. Later reports are
 * acknowledged as they come and kept for md_test_commissioner_wait_report(). */
guint32 md_test_commissioner_subscribe(MdTestCommissioner *commissioner, MatterSession *session,
                                       const MatterImAttributePath *paths, gsize count,
                                       const MatterImEventPath *events, gsize event_count,
                                       guint16 min_interval_s, guint16 max_interval_s,
                                       GBytes **priming);
/* The next report of @subscription_id (its ReportData payload), waiting up
 * to @timeout_ms for it; NULL when none came. */
GBytes *md_test_commissioner_wait_report(MdTestCommissioner *commissioner, guint32 subscription_id,
                                         guint timeout_ms);

/* Writes @value (one TLV element, any tag) to @path in one WriteRequest,
 * timed (1 s) when @timed; returns the AttributeStatusIB's status. */
guint8 md_test_commissioner_write(MdTestCommissioner *commissioner, MatterSession *session,
                                  const MatterImAttributePath *path, const guint8 *value, gsize len,
                                  gboolean timed);

/* A UDP socket on ::1 with a port of its own. */
GSocket *md_test_udp_socket(void);
/* An unsecured PBKDFParamRequest datagram, reliable, from ephemeral node
 * @node_id on exchange @exchange_id with @counter; with @malformed its
 * payload is no TLV at all. */
GBytes *md_test_pbkdf_request_datagram(guint64 node_id, guint16 exchange_id, guint32 counter,
                                       gboolean malformed);
void md_test_send_datagram(GSocket *socket, GSocketAddress *to, GBytes *datagram);
