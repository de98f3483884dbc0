/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A BTP-to-UDP bridge for tests: the fake BlueZ's central (Control1 of
 * tests/fake-bluez) connects to the node's GATT service and opens a BTP
 * session as a BTP client (Core spec 4.17, written from the specification),
 * and a UDP socket on 127.0.0.1 carries the other side. Each datagram that
 * arrives on the socket is sent to the node as one BTP SDU; each SDU
 * reassembled from the node's indications goes back as one datagram to
 * the address the last datagram came from. A UDP controller pointed at
 * the socket thus speaks to the node over BTP without a kernel Bluetooth
 * adapter.
 *
 * Everything runs on the default main context: the bridge works while the
 * test iterates it (md_test_wait_process(), the md_test_bluez_*() calls). */

#include "md-test-bluez.h"

typedef struct _MdTestBtpBridge MdTestBtpBridge;

typedef struct {
  guint datagrams_in; /* from the UDP side, each sent as an SDU */
  guint sdus_in;      /* reassembled from the node's indications */
  guint largest_sdu_out;
  guint largest_sdu_in;
  guint writes;          /* BTP packets written to C1 */
  guint indications;     /* BTP packets indicated on C2 */
  guint standalone_acks; /* of the writes: acknowledgements without payload */
  guint window_waits;    /* times a segment waited for the node's window */
} MdTestBtpBridgeStats;

/* Connects a central at @address (e.g. "11:22:33:44:55:66") with ATT MTU
 * @mtu over the BlueZ path @mode ("auto", "acquire" or "value", as
 * Control1.Connect takes it), opens a BTP session offering @window, and
 * opens the UDP socket. The test fails when the handshake does. */
MdTestBtpBridge *md_test_btp_bridge_new(MdTestBluez *bluez, const char *address, guint16 mtu,
                                        const char *mode, guint8 window);
/* Drops the link when it is still up, and closes the socket. */
void md_test_btp_bridge_free(MdTestBtpBridge *bridge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestBtpBridge, md_test_btp_bridge_free)

/* The UDP port on 127.0.0.1 the controller sends to. */
guint16 md_test_btp_bridge_get_port(MdTestBtpBridge *bridge);
/* The segment size and window the node selected in the handshake. */
guint16 md_test_btp_bridge_get_segment_size(MdTestBtpBridge *bridge);
guint8 md_test_btp_bridge_get_window(MdTestBtpBridge *bridge);
/* Whether the BTP session is still open. */
gboolean md_test_btp_bridge_is_open(MdTestBtpBridge *bridge);
/* Why the session ended: NULL while it is open. "link dropped (REASON)"
 * when the link went without a fault of the node's; otherwise what the
 * node (or BlueZ) did wrong. */
const char *md_test_btp_bridge_get_end(MdTestBtpBridge *bridge);
/* Whether the session ended with a protocol violation or a failed call,
 * rather than the link dropping. */
gboolean md_test_btp_bridge_failed(MdTestBtpBridge *bridge);
const MdTestBtpBridgeStats *md_test_btp_bridge_get_stats(MdTestBtpBridge *bridge);
