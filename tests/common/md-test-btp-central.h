/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A BLE central speaking BTP (Core spec 4.17) as a phone does, through the
 * fake BlueZ's scripted central (tests/fake-bluez, org.bluez.test.Control1
 * Connect, Write, Subscribe and its Indication signal). Written from the
 * specification, not from the daemon's engine: the handshake, segmentation
 * with the continuation flag the phones in the field send, reassembly,
 * sequence numbers, acknowledgements and the receive window. Every
 * indication is checked against the rules a peripheral must keep (no
 * longer than ATT MTU - 3, sequence numbers in order, only packets in
 * flight acknowledged, full segments but for the last).
 *
 * It can carry a commissioner's messages (md_test_btp_central_link with
 * md_test_commissioner_set_ble()). Its calls run the default main context
 * while they wait, as md-test-bluez.h's do. */

#include "md-test-bluez.h"
#include "md-test-link.h"

/* The receive window the central offers, and the peripheral's
 * (MATTER_BTP_WINDOW). */
#define MD_TEST_BTP_CENTRAL_WINDOW 5
#define MD_TEST_BTP_SERVER_WINDOW 6
/* The largest segment: C1's and C2's 247 bytes less the ATT header. */
#define MD_TEST_BTP_SEGMENT_MAX 244

/* BTP header flags (Table 26) and the handshake (4.17.3.3). */
#define MD_TEST_BTP_BEGIN 0x01
#define MD_TEST_BTP_CONTINUE 0x02
#define MD_TEST_BTP_END 0x04
#define MD_TEST_BTP_ACK 0x08
#define MD_TEST_BTP_HANDSHAKE_FLAGS 0x65
#define MD_TEST_BTP_HANDSHAKE_OPCODE 0x6C
#define MD_TEST_BTP_VERSION 4

typedef struct {
  MdTestBluez *bluez; /* not owned */
  char *path;         /* its Device1 object */
  guint16 mtu;        /* ATT MTU */
  gboolean open;      /* the handshake response came */
  guint16 segment;    /* selected in the handshake */
  guint8 window;      /* selected in the handshake */
  guint8 tx_seq;      /* of our next packet */
  guint8 tx_acked;    /* the newest of ours the peripheral acknowledged */
  guint8 rx_seq;      /* the peripheral's newest */
  gboolean ack_pending;
  GQueue tx;      /* GBytes: SDUs to send, the head in transmission */
  gsize tx_done;  /* bytes of the head sent */
  GByteArray *rx; /* the SDU being received */
  gsize rx_len;
  gboolean rx_active;
  GQueue received; /* GBytes: SDUs the peripheral sent, not yet taken */
  guint indications;
  /* The longest the central had data to send and a closed window
   * (4.17.3.7), waiting for the peripheral's acknowledgement. */
  gint64 blocked_since_us; /* 0: not blocked */
  guint max_blocked_ms;
} MdTestBtpCentral;

/* A central at @address connects with ATT MTU @mtu over @mode ("auto",
 * "acquire" or "value": Control1.Connect). */
MdTestBtpCentral *md_test_btp_central_connect(MdTestBluez *bluez, const char *address, guint16 mtu,
                                              const char *mode);
void md_test_btp_central_free(MdTestBtpCentral *central);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestBtpCentral, md_test_btp_central_free)

/* Control1.Write's arguments: @len bytes to C1 from this central. */
GVariant *md_test_btp_central_write_args(MdTestBtpCentral *central, const guint8 *data, gsize len);
/* One ATT write of @packet to C1, which must succeed. */
void md_test_btp_central_write(MdTestBtpCentral *central, const guint8 *packet, gsize len);
/* A Control1 method of this central's that must succeed: "Subscribe",
 * "Unsubscribe", "Disconnect". */
void md_test_btp_central_call(MdTestBtpCentral *central, const char *method);
/* Control1.GetConnection: the link as the fake sees it. */
GVariant *md_test_btp_central_connection(MdTestBtpCentral *central);

/* 4.17.3.3: the request on C1, the subscription to C2, then the response
 * on C2, checked: version 4, the segment size the MTU allows, the smaller
 * window. */
void md_test_btp_central_handshake(MdTestBtpCentral *central);
/* Takes the next indication, at most @timeout_ms (0: only one already
 * there), and answers it as the window allows; FALSE without one. */
gboolean md_test_btp_central_take(MdTestBtpCentral *central, guint timeout_ms);
/* Queues @len bytes as one SDU and sends as much of it as the window
 * allows; md_test_btp_central_take() sends the rest as acknowledgements
 * open the window. */
void md_test_btp_central_send(MdTestBtpCentral *central, const guint8 *data, gsize len);
/* Whether SDUs wait to be sent whole. */
gboolean md_test_btp_central_sending(MdTestBtpCentral *central);
/* The oldest SDU the peripheral sent and nobody took yet, or NULL. */
GBytes *md_test_btp_central_pop(MdTestBtpCentral *central);

/* The central as a commissioner's BLE link (the link is the central). */
extern const MdTestLinkFuncs md_test_btp_central_link;
