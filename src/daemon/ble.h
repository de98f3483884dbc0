/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* matterd as a Bluetooth LE peripheral through BlueZ's D-Bus API (no raw
 * HCI): a GATT application with the Matter service (0xFFF6: C1 write, C2
 * indicate, C3 read when configured) registered with GattManager1, an
 * LEAdvertisement1 registered with LEAdvertisingManager1 while a window
 * wants it, and one BTP connection (matter/btp.h) at a time carrying
 * Matter messages. It follows org.bluez and its adapters coming and
 * going, registers again after bluetoothd restarts or an adapter is
 * powered back on, and unregisters cleanly when freed. */

#include <gio/gio.h>

typedef enum {
  MD_BLE_STATE_OFF,         /* [Bluetooth] Enable=no, or BlueZ not on the bus */
  MD_BLE_STATE_NO_ADAPTER,  /* BlueZ runs, but no (powered) adapter to use */
  MD_BLE_STATE_IDLE,        /* registered, not advertising, not connected */
  MD_BLE_STATE_ADVERTISING, /* the advertisement is registered */
  MD_BLE_STATE_CONNECTED,   /* a central has a BTP session open */
} MdBleState;

/* "off", "no-adapter", "idle", "advertising", "connected". */
const char *md_ble_state_to_string(MdBleState state);

typedef struct {
  gboolean enable;     /* FALSE: never touch BlueZ */
  const char *adapter; /* "hci0"; NULL: the first powered adapter */
} MdBleConfig;

/* What the advertisement says (Core spec 5.4.2.5.6, service data of
 * 0xFFF6). */
typedef struct {
  guint16 discriminator; /* 12 bits */
  guint16 vendor_id;
  guint16 product_id;
  gboolean additional_data; /* C3 is there */
} MdBleAdvertisement;

/* Called from the main loop, in the order things happened, and never from
 * inside an md_ble_*() call (what those find out follows from an idle
 * source); a callback may call md_ble_send(), md_ble_disconnect() and
 * md_ble_set_advertisement(), not md_ble_free(). */
typedef struct {
  /* A central opened a BTP session (the handshake completed). */
  void (*connected)(gpointer user_data);
  /* A Matter message arrived over it. */
  void (*received)(const guint8 *message, gsize len, gpointer user_data);
  /* The session or the link ended: everything that lived on it ends.
   * Only after connected(), once per session, and not for
   * md_ble_disconnect() or md_ble_free(). */
  void (*disconnected)(gpointer user_data);
  /* md_ble_get_state() changed. */
  void (*state_changed)(gpointer user_data);
} MdBleCallbacks;

typedef struct _MdBle MdBle;

/* Watches for BlueZ on the system bus (G_BUS_TYPE_SYSTEM, which follows
 * DBUS_SYSTEM_BUS_ADDRESS). @c3 (may be NULL) is C3's value, the
 * additional commissioning data; without it there is no C3. */
MdBle *md_ble_new(const MdBleConfig *config, GBytes *c3, const MdBleCallbacks *callbacks,
                  gpointer user_data);
/* Unregisters the advertisement and the application and drops a
 * connection. */
void md_ble_free(MdBle *ble);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdBle, md_ble_free)

MdBleState md_ble_get_state(MdBle *ble);
/* Whether BLE is usable for commissioning now (an adapter is there and
 * the application registered): the QR code then names BLE among its
 * rendezvous methods. */
gboolean md_ble_in_use(MdBle *ble);

/* Advertises @advertisement (NULL: withdraws it). Kept across bluetoothd
 * restarts and adapter power cycles until withdrawn; withdrawn from
 * BlueZ while a BTP session is open (one connection at a time) and
 * registered again when it ends. The fast interval of the window's first
 * 30 s starts whenever advertising starts again from nothing (a new
 * advertisement, BlueZ or the adapter back, a session ended). */
void md_ble_set_advertisement(MdBle *ble, const MdBleAdvertisement *advertisement);

/* Sends a Matter message to the connected central; FALSE with @error when
 * there is none or BTP cannot take it now. */
gboolean md_ble_send(MdBle *ble, const guint8 *message, gsize len, GError **error);
/* Ends the connection (the node closed what lived on it): the central is
 * disconnected, and disconnected() is not called. */
void md_ble_disconnect(MdBle *ble);
