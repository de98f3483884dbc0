/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Commissioning over BLE, wired: the BlueZ peripheral (ble.h) carries the
 * message layer's BLE transport, its advertisement follows the node's
 * commissioning window, a dropped link ends the sessions that lived on it,
 * and the QR code names BLE exactly while it can be used. */

#include <glib.h>

#include "config.h"
#include "messaging.h"
#include "node.h"

typedef struct _MdBleTransport MdBleTransport;

/* Reports md_ble_state_to_string() of the peripheral's state. */
typedef void (*MdBleTransportStateFunc)(const char *state, gpointer user_data);

/* NULL when [Bluetooth] Enable=no. @node and @messaging must outlive it. */
MdBleTransport *md_ble_transport_new(const MdConfig *config, MdNode *node,
                                     MdMessaging *messaging, MdBleTransportStateFunc state_func,
                                     gpointer user_data);
void md_ble_transport_free(MdBleTransport *transport);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdBleTransport, md_ble_transport_free)

/* The window opened or closed: advertise, or stop. */
void md_ble_transport_sync(MdBleTransport *transport);
