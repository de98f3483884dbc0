/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "ble.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "matter/btp.h"
#include "md-error.h"
#include "md-names.h"

/* ---- The Matter service (Core spec 4.17.3.2, table 31) ----------------
 *
 * BlueZ takes 128-bit UUID strings in either case; it writes them in lower
 * case, and so does matterd. */
#define UUID_SERVICE "0000fff6-0000-1000-8000-00805f9b34fb"
#define UUID_C1 "18ee2ef5-263d-4559-959f-4f9c429f9d11"
#define UUID_C2 "18ee2ef5-263d-4559-959f-4f9c429f9d12"
#define UUID_C3 "64630238-8772-45f2-b87d-748a83218f04"

/* C3's value is at most this long (table 31). */
#define C3_MAX 512
/* The longest attribute value bluetoothd hands over a write socket. */
#define PACKET_MAX 512

/* ---- The advertisement (Core spec 5.4.2.5.6) --------------------------
 *
 * Service data of 0xFFF6: opcode, then a little-endian 16-bit word of the
 * advertisement version (upper 4 bits) and the 12-bit discriminator, the
 * vendor id and the product id (little endian), then the additional-data
 * flags. */
#define ADV_OPCODE_COMMISSIONABLE 0x00
#define ADV_VERSION 0
#define ADV_FLAG_ADDITIONAL_DATA 0x01
#define ADV_SERVICE_DATA_LEN 8

/* Advertising intervals of the commissioning window (5.4.2.5.3): fast for
 * the first 30 s, slow afterwards. BlueZ reads an advertisement's
 * properties once, when it is registered, so the change of phase
 * registers it again. (BlueZ 5.66 honours MinInterval and MaxInterval
 * only when bluetoothd runs with experimental features, -E; without them
 * it ignores both and uses its own interval.) */
#define ADV_FAST_MIN_MS 20
#define ADV_FAST_MAX_MS 60
#define ADV_FAST_PHASE_MS 30000
#define ADV_SLOW_MIN_MS 150
#define ADV_SLOW_MAX_MS 1200
/* After bluetoothd refused or released the advertisement. */
#define ADV_RETRY_S 5

/* md_ble_free() waits this long for bluetoothd to answer each
 * Unregister call. */
#define FREE_CALL_TIMEOUT_MS 2000

/* BlueZ's errors (doc/gatt-api.txt). */
#define BLUEZ_ERROR_FAILED MD_BLUEZ_ERROR_PREFIX "Failed"
#define BLUEZ_ERROR_IN_PROGRESS MD_BLUEZ_ERROR_PREFIX "InProgress"
#define BLUEZ_ERROR_NOT_PERMITTED MD_BLUEZ_ERROR_PREFIX "NotPermitted"
#define BLUEZ_ERROR_NOT_AUTHORIZED MD_BLUEZ_ERROR_PREFIX "NotAuthorized"
#define BLUEZ_ERROR_INVALID_OFFSET MD_BLUEZ_ERROR_PREFIX "InvalidOffset"
#define BLUEZ_ERROR_ALREADY_EXISTS MD_BLUEZ_ERROR_PREFIX "AlreadyExists"
/* AcquireWrite's refusal. bluetoothd 5.66 maps the GATT errors (Failed,
 * NotPermitted, InProgress...) of an AcquireWrite to an ATT error for the
 * write that caused it and keeps that write queued, so every later write
 * to C1 waits behind it until the application registers again; any other
 * error makes it fall back to WriteValue, which can then be refused
 * write by write. */
#define BLUEZ_ERROR_NOT_AVAILABLE MD_BLUEZ_ERROR_PREFIX "NotAvailable"

/* ---- Exported objects -------------------------------------------------- */

typedef enum {
  OBJECT_APP,
  OBJECT_SERVICE,
  OBJECT_C1,
  OBJECT_C2,
  OBJECT_C3,
  OBJECT_ADVERTISEMENT,
  OBJECT_COUNT,
} ObjectId;

/* One interface per object; each characteristic lists only what it
 * offers, since bluetoothd takes the presence of WriteAcquired and
 * NotifyAcquired as support for AcquireWrite and AcquireNotify. */
static const struct {
  const char *path;
  const char *xml;
} object_table[OBJECT_COUNT] = {
  [OBJECT_APP] = {
    MD_BLE_APP_PATH,
    "<node><interface name='org.freedesktop.DBus.ObjectManager'>"
    "<method name='GetManagedObjects'>"
    "<arg name='objects' type='a{oa{sa{sv}}}' direction='out'/></method>"
    "<signal name='InterfacesAdded'>"
    "<arg name='object' type='o'/><arg name='interfaces' type='a{sa{sv}}'/></signal>"
    "<signal name='InterfacesRemoved'>"
    "<arg name='object' type='o'/><arg name='interfaces' type='as'/></signal>"
    "</interface></node>",
  },
  [OBJECT_SERVICE] = {
    MD_BLE_SERVICE_PATH,
    "<node><interface name='" MD_BLUEZ_INTERFACE_GATT_SERVICE "'>"
    "<property name='UUID' type='s' access='read'/>"
    "<property name='Primary' type='b' access='read'/>"
    "</interface></node>",
  },
  [OBJECT_C1] = {
    MD_BLE_C1_PATH,
    "<node><interface name='" MD_BLUEZ_INTERFACE_GATT_CHARACTERISTIC "'>"
    "<method name='WriteValue'>"
    "<arg name='value' type='ay' direction='in'/>"
    "<arg name='options' type='a{sv}' direction='in'/></method>"
    "<method name='AcquireWrite'>"
    "<arg name='options' type='a{sv}' direction='in'/>"
    "<arg name='fd' type='h' direction='out'/><arg name='mtu' type='q' direction='out'/>"
    "</method>"
    "<property name='UUID' type='s' access='read'/>"
    "<property name='Service' type='o' access='read'/>"
    "<property name='Flags' type='as' access='read'/>"
    "<property name='WriteAcquired' type='b' access='read'/>"
    "</interface></node>",
  },
  [OBJECT_C2] = {
    MD_BLE_C2_PATH,
    "<node><interface name='" MD_BLUEZ_INTERFACE_GATT_CHARACTERISTIC "'>"
    "<method name='StartNotify'/>"
    "<method name='StopNotify'/>"
    "<method name='Confirm'>"
    "<annotation name='org.freedesktop.DBus.Method.NoReply' value='true'/></method>"
    "<method name='AcquireNotify'>"
    "<arg name='options' type='a{sv}' direction='in'/>"
    "<arg name='fd' type='h' direction='out'/><arg name='mtu' type='q' direction='out'/>"
    "</method>"
    "<property name='UUID' type='s' access='read'/>"
    "<property name='Service' type='o' access='read'/>"
    "<property name='Flags' type='as' access='read'/>"
    "<property name='Value' type='ay' access='read'/>"
    "<property name='Notifying' type='b' access='read'/>"
    "<property name='NotifyAcquired' type='b' access='read'/>"
    "</interface></node>",
  },
  [OBJECT_C3] = {
    MD_BLE_C3_PATH,
    "<node><interface name='" MD_BLUEZ_INTERFACE_GATT_CHARACTERISTIC "'>"
    "<method name='ReadValue'>"
    "<arg name='options' type='a{sv}' direction='in'/>"
    "<arg name='value' type='ay' direction='out'/></method>"
    "<property name='UUID' type='s' access='read'/>"
    "<property name='Service' type='o' access='read'/>"
    "<property name='Flags' type='as' access='read'/>"
    "</interface></node>",
  },
  [OBJECT_ADVERTISEMENT] = {
    MD_BLE_ADVERTISEMENT_PATH,
    "<node><interface name='" MD_BLUEZ_INTERFACE_ADVERTISEMENT "'>"
    "<method name='Release'>"
    "<annotation name='org.freedesktop.DBus.Method.NoReply' value='true'/></method>"
    "<property name='Type' type='s' access='read'/>"
    "<property name='ServiceUUIDs' type='as' access='read'/>"
    "<property name='ServiceData' type='a{sv}' access='read'/>"
    "<property name='Discoverable' type='b' access='read'/>"
    "<property name='MinInterval' type='u' access='read'/>"
    "<property name='MaxInterval' type='u' access='read'/>"
    "</interface></node>",
  },
};

typedef enum {
  ADV_NONE,
  ADV_FAST,
  ADV_SLOW,
} AdvPhase;

typedef enum {
  APP_NONE,
  APP_REGISTERING,
  APP_REGISTERED,
  APP_FAILED, /* refused: tried again when the adapter comes back */
} AppState;

/* What the callbacks are told, in order, once the code that found it out
 * is done: a callback may call back into MdBle. */
typedef enum {
  EVENT_STATE,
  EVENT_CONNECTED,
  EVENT_RECEIVED,
  EVENT_DISCONNECTED,
} EventKind;

typedef struct {
  EventKind kind;
  GBytes *sdu; /* EVENT_RECEIVED */
} Event;

/* The one central with a BTP connection. */
typedef struct {
  gboolean active;
  char *device; /* its Device1 path, when bluetoothd said */
  MatterBtp btp;
  gboolean subscribed; /* BTP was told the central subscribed to C2 */
  gboolean open;       /* the session opened: connected() is due or done */
  gboolean closed;     /* BTP called closed() */
  MatterError close_reason;
  gboolean indication_pending; /* sent on C2, not yet confirmed */
  int write_fd;                /* AcquireWrite: our end, -1 without */
  guint write_watch;
  int notify_fd; /* AcquireNotify: our end, -1 without */
  guint notify_watch;
} Link;

struct _MdBle {
  gboolean enable;
  char *adapter_name; /* NULL: the first powered adapter */
  GBytes *c3;
  MdBleCallbacks callbacks;
  gpointer user_data;

  GCancellable *cancellable; /* everything, at md_ble_free() */
  GDBusConnection *bus;
  GDBusNodeInfo *nodes[OBJECT_COUNT];
  guint registrations[OBJECT_COUNT];
  guint watch_id;

  /* While org.bluez is on the bus. */
  char *bluez_owner;
  GCancellable *bluez_cancellable;
  GDBusObjectManager *bluez;

  /* The adapter in use: the application and the advertisement live on it. */
  char *adapter_path;
  GCancellable *adapter_cancellable;
  AppState app;

  /* The advertisement: what the node wants, what BlueZ has. */
  gboolean adv_wanted;
  MdBleAdvertisement adv;
  gint64 adv_start_ms;     /* when its fast phase began */
  AdvPhase adv_registered; /* ADV_NONE: BlueZ has none */
  gboolean adv_busy;       /* a Register or Unregister call is out */
  gboolean adv_switching;  /* withdrawn only to be registered again */
  AdvPhase adv_phase;      /* what the object's properties say */
  MdBleAdvertisement adv_exported;
  gboolean adv_failed; /* the last registration was refused */
  guint adv_phase_id;
  guint adv_retry_id;

  /* C2 as the Value property path sees it. */
  gboolean notifying;         /* StartNotify without StopNotify */
  gboolean subscribe_pending; /* StartNotify before the link's first write */
  GBytes *c2_value;

  Link link;
  guint btp_timer_id;

  MdBleState state;
  MdBleState reported_state;
  GQueue events;
  gboolean flushing;
  guint flush_id; /* events queued by a public function */
  gboolean warned_no_bluez;
};

static const char *const state_names[] = {
  [MD_BLE_STATE_OFF] = "off",
  [MD_BLE_STATE_NO_ADAPTER] = "no-adapter",
  [MD_BLE_STATE_IDLE] = "idle",
  [MD_BLE_STATE_ADVERTISING] = "advertising",
  [MD_BLE_STATE_CONNECTED] = "connected",
};

const char *
md_ble_state_to_string(MdBleState state)
{
  if ((guint) state >= G_N_ELEMENTS(state_names))
    return "unknown";
  return state_names[state];
}

static guint64
now_ms(void)
{
  return (guint64) (g_get_monotonic_time() / 1000);
}

static void reconcile(MdBle *self);
static void link_end(MdBle *self, gboolean disconnect_device);

/* Whether @error is BlueZ's error @name. */
static gboolean
is_bluez_error(const GError *error, const char *name)
{
  g_autofree char *remote = error != NULL ? g_dbus_error_get_remote_error(error) : NULL;

  return remote != NULL && g_str_equal(remote, name);
}

/* ---- Events ------------------------------------------------------------ */

static void
event_free(Event *event)
{
  g_clear_pointer(&event->sdu, g_bytes_unref);
  g_free(event);
}

static void
queue_event(MdBle *self, EventKind kind, GBytes *sdu)
{
  Event *event = g_new0(Event, 1);

  event->kind = kind;
  event->sdu = sdu;
  g_queue_push_tail(&self->events, event);
}

/* Runs the callbacks at the end of every entry point (method call, signal,
 * timer, reply, public function). A callback that calls back in only
 * queues more: the outermost flush delivers them in order. */
static void
flush_events(MdBle *self)
{
  Event *event;

  if (self->flushing)
    return;
  self->flushing = TRUE;
  while ((event = g_queue_pop_head(&self->events)) != NULL) {
    switch (event->kind) {
    case EVENT_STATE:
      if (self->state != self->reported_state) {
        self->reported_state = self->state;
        if (self->callbacks.state_changed != NULL)
          self->callbacks.state_changed(self->user_data);
      }
      break;
    case EVENT_CONNECTED:
      if (self->callbacks.connected != NULL)
        self->callbacks.connected(self->user_data);
      break;
    case EVENT_RECEIVED:
      if (self->callbacks.received != NULL)
        self->callbacks.received(g_bytes_get_data(event->sdu, NULL), g_bytes_get_size(event->sdu),
                                 self->user_data);
      break;
    case EVENT_DISCONNECTED:
      if (self->callbacks.disconnected != NULL)
        self->callbacks.disconnected(self->user_data);
      break;
    }
    event_free(event);
  }
  self->flushing = FALSE;
}

static gboolean
on_flush(gpointer user_data)
{
  MdBle *self = user_data;

  self->flush_id = 0;
  flush_events(self);
  return G_SOURCE_REMOVE;
}

/* Public functions never call the callbacks themselves (the caller may be
 * in the middle of something a callback would undo): what they found out
 * is delivered from the main loop. */
static void
flush_later(MdBle *self)
{
  if (self->flush_id == 0 && !g_queue_is_empty(&self->events))
    self->flush_id = g_idle_add(on_flush, self);
}

static void
update_state(MdBle *self)
{
  MdBleState state;

  if (!self->enable || self->bluez == NULL)
    state = MD_BLE_STATE_OFF;
  else if (self->adapter_path == NULL || self->app != APP_REGISTERED)
    state = MD_BLE_STATE_NO_ADAPTER;
  else if (self->link.active && self->link.open)
    state = MD_BLE_STATE_CONNECTED;
  else if (self->adv_registered != ADV_NONE || self->adv_switching)
    state = MD_BLE_STATE_ADVERTISING;
  else
    state = MD_BLE_STATE_IDLE;
  if (state == self->state)
    return;
  g_debug("BLE: state %s -> %s", md_ble_state_to_string(self->state),
          md_ble_state_to_string(state));
  self->state = state;
  queue_event(self, EVENT_STATE, NULL);
}

/* ---- Properties of the exported objects -------------------------------- */

static void
service_data(const MdBleAdvertisement *adv, guint8 out[ADV_SERVICE_DATA_LEN])
{
  guint16 word = (guint16) ((adv->discriminator & 0x0FFFu) | (ADV_VERSION << 12));

  out[0] = ADV_OPCODE_COMMISSIONABLE;
  out[1] = word & 0xFF;
  out[2] = word >> 8;
  out[3] = adv->vendor_id & 0xFF;
  out[4] = adv->vendor_id >> 8;
  out[5] = adv->product_id & 0xFF;
  out[6] = adv->product_id >> 8;
  out[7] = adv->additional_data ? ADV_FLAG_ADDITIONAL_DATA : 0;
}

static GVariant *
bytes_variant(const guint8 *data, gsize len)
{
  return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

static GVariant *
flags_variant(const char *flag)
{
  const char *const flags[] = { flag, NULL };

  return g_variant_new_strv(flags, -1);
}

static GVariant *
advertisement_property(MdBle *self, const char *name)
{
  const char *const uuids[] = { UUID_SERVICE, NULL };
  gboolean fast = self->adv_phase != ADV_SLOW;

  if (g_str_equal(name, "Type"))
    return g_variant_new_string("peripheral");
  if (g_str_equal(name, "ServiceUUIDs"))
    return g_variant_new_strv(uuids, -1);
  if (g_str_equal(name, "ServiceData")) {
    guint8 data[ADV_SERVICE_DATA_LEN];
    GVariantBuilder builder;

    service_data(&self->adv_exported, data);
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&builder, "{sv}", UUID_SERVICE, bytes_variant(data, sizeof(data)));
    return g_variant_builder_end(&builder);
  }
  if (g_str_equal(name, "Discoverable"))
    return g_variant_new_boolean(TRUE);
  if (g_str_equal(name, "MinInterval"))
    return g_variant_new_uint32(fast ? ADV_FAST_MIN_MS : ADV_SLOW_MIN_MS);
  if (g_str_equal(name, "MaxInterval"))
    return g_variant_new_uint32(fast ? ADV_FAST_MAX_MS : ADV_SLOW_MAX_MS);
  return NULL;
}

static GVariant *
object_property(MdBle *self, ObjectId id, const char *name)
{
  if (id == OBJECT_ADVERTISEMENT)
    return advertisement_property(self, name);
  if (id == OBJECT_SERVICE) {
    if (g_str_equal(name, "UUID"))
      return g_variant_new_string(UUID_SERVICE);
    if (g_str_equal(name, "Primary"))
      return g_variant_new_boolean(TRUE);
    return NULL;
  }
  if (g_str_equal(name, "Service"))
    return g_variant_new_object_path(MD_BLE_SERVICE_PATH);
  switch (id) {
  case OBJECT_C1:
    if (g_str_equal(name, "UUID"))
      return g_variant_new_string(UUID_C1);
    if (g_str_equal(name, "Flags"))
      return flags_variant("write");
    if (g_str_equal(name, "WriteAcquired"))
      return g_variant_new_boolean(self->link.active && self->link.write_fd >= 0);
    break;
  case OBJECT_C2:
    if (g_str_equal(name, "UUID"))
      return g_variant_new_string(UUID_C2);
    if (g_str_equal(name, "Flags"))
      return flags_variant("indicate");
    if (g_str_equal(name, "Value"))
      return bytes_variant(g_bytes_get_data(self->c2_value, NULL),
                           g_bytes_get_size(self->c2_value));
    if (g_str_equal(name, "Notifying"))
      return g_variant_new_boolean(self->notifying ||
                                   (self->link.active && self->link.notify_fd >= 0));
    if (g_str_equal(name, "NotifyAcquired"))
      return g_variant_new_boolean(self->link.active && self->link.notify_fd >= 0);
    break;
  case OBJECT_C3:
    if (g_str_equal(name, "UUID"))
      return g_variant_new_string(UUID_C3);
    if (g_str_equal(name, "Flags"))
      return flags_variant("read");
    break;
  default:
    break;
  }
  return NULL;
}

static GDBusInterfaceInfo *
object_interface(MdBle *self, ObjectId id)
{
  return self->nodes[id]->interfaces[0];
}

/* All properties of @id's interface, as a{sv}. */
static GVariant *
object_properties(MdBle *self, ObjectId id)
{
  GDBusInterfaceInfo *info = object_interface(self, id);
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE_VARDICT);
  for (GDBusPropertyInfo **property = info->properties; property != NULL && *property != NULL;
       property++) {
    GVariant *value = object_property(self, id, (*property)->name);

    if (value != NULL)
      g_variant_builder_add(&builder, "{sv}", (*property)->name, value);
  }
  return g_variant_builder_end(&builder);
}

static void
emit_changed(MdBle *self, ObjectId id, const char *name)
{
  GVariantBuilder changed;
  g_autoptr(GError) error = NULL;

  if (self->bus == NULL || self->registrations[id] == 0)
    return;
  g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&changed, "{sv}", name, object_property(self, id, name));
  if (!g_dbus_connection_emit_signal(
          self->bus, NULL, object_table[id].path, "org.freedesktop.DBus.Properties",
          "PropertiesChanged",
          g_variant_new("(sa{sv}as)", object_interface(self, id)->name, &changed, NULL), &error))
    g_warning("BLE: cannot signal the change of %s on %s: %s", name, object_table[id].path,
              error->message);
}

/* GattManager1 reads the application through this (doc/gatt-api.txt). */
static GVariant *
managed_objects(MdBle *self)
{
  GVariantBuilder objects;

  g_variant_builder_init(&objects, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
  for (ObjectId id = OBJECT_SERVICE; id <= OBJECT_C3; id++) {
    GVariantBuilder interfaces;

    if (self->registrations[id] == 0)
      continue;
    g_variant_builder_init(&interfaces, G_VARIANT_TYPE("a{sa{sv}}"));
    g_variant_builder_add(&interfaces, "{s@a{sv}}", object_interface(self, id)->name,
                          object_properties(self, id));
    g_variant_builder_add(&objects, "{oa{sa{sv}}}", object_table[id].path, &interfaces);
  }
  return g_variant_builder_end(&objects);
}

/* ---- The BTP link ------------------------------------------------------ */

static MatterError btp_send(void *user_data, const uint8_t *packet, size_t len);
static void btp_received(void *user_data, const uint8_t *sdu, size_t len);
static void btp_closed(void *user_data, MatterError reason);

static const MatterBtpCallbacks btp_callbacks = {
  .send = btp_send,
  .received = btp_received,
  .closed = btp_closed,
};

static const char *
link_name(const Link *link)
{
  return link->device != NULL ? link->device : "a central";
}

static MatterError
btp_send(void *user_data, const uint8_t *packet, size_t len)
{
  MdBle *self = user_data;
  Link *link = &self->link;

  if (link->notify_fd >= 0) {
    ssize_t sent = send(link->notify_fd, packet, len, MSG_NOSIGNAL | MSG_DONTWAIT);

    if (sent != (ssize_t) len) {
      g_message("BLE: cannot hand an indication to bluetoothd: %s",
                sent < 0 ? g_strerror(errno) : "short write");
      return MATTER_ERROR_SESSION_CLOSED;
    }
  } else if (link->subscribed && self->notifying) {
    /* bluetoothd sends each change of Value as an indication. */
    g_clear_pointer(&self->c2_value, g_bytes_unref);
    self->c2_value = g_bytes_new(packet, len);
    emit_changed(self, OBJECT_C2, "Value");
  } else {
    return MATTER_ERROR_BAD_STATE;
  }
  link->indication_pending = TRUE;
  return MATTER_OK;
}

static void
btp_received(void *user_data, const uint8_t *sdu, size_t len)
{
  MdBle *self = user_data;

  queue_event(self, EVENT_RECEIVED, g_bytes_new(sdu, len));
}

static void
btp_closed(void *user_data, MatterError reason)
{
  MdBle *self = user_data;

  /* Not torn down from inside the engine: after_btp() does it. */
  self->link.closed = TRUE;
  self->link.close_reason = reason;
}

static gboolean on_btp_timer(gpointer user_data);

static void
schedule_btp_timer(MdBle *self)
{
  guint64 deadline;
  guint64 now;

  g_clear_handle_id(&self->btp_timer_id, g_source_remove);
  if (!self->link.active)
    return;
  deadline = matter_btp_next_deadline(&self->link.btp);
  if (deadline == MATTER_BTP_NEVER)
    return;
  now = now_ms();
  self->btp_timer_id = g_timeout_add((guint) MIN(deadline > now ? deadline - now : 0, G_MAXUINT),
                                     on_btp_timer, self);
}

/* After every call into the engine: a session that closed drops the link
 * (4.17.3.10: the server closes by ending the BLE connection), one that
 * opened is announced, and the timer follows the engine's deadline. */
static void
after_btp(MdBle *self)
{
  Link *link = &self->link;

  if (!link->active)
    return;
  if (link->closed) {
    g_message("BLE: BTP session with %s ended: %s", link_name(link),
              link->close_reason == MATTER_OK ? "closed" : matter_error_str(link->close_reason));
    link_end(self, TRUE);
    return;
  }
  if (!link->open && link->btp.state == MATTER_BTP_STATE_OPEN) {
    link->open = TRUE;
    g_message("BLE: BTP session open with %s (ATT MTU %u, BTP version %u, segments of %u bytes)",
              link_name(link), link->btp.att_mtu, link->btp.version, link->btp.segment_size);
    queue_event(self, EVENT_CONNECTED, NULL);
    reconcile(self);
  }
  schedule_btp_timer(self);
}

static gboolean
on_btp_timer(gpointer user_data)
{
  MdBle *self = user_data;

  self->btp_timer_id = 0;
  if (self->link.active) {
    matter_btp_process(&self->link.btp, now_ms());
    after_btp(self);
  }
  flush_events(self);
  return G_SOURCE_REMOVE;
}

static void
close_fd(int *fd, guint *watch)
{
  g_clear_handle_id(watch, g_source_remove);
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* Tears the link down: the engine, the sockets, the timer. A session the
 * node knew of (connected() went) gets disconnected(). With
 * @disconnect_device the central is disconnected too: how a BTP server
 * ends a session (4.17.3.10). */
static void
link_teardown(MdBle *self, gboolean disconnect_device, gboolean notify)
{
  Link *link = &self->link;
  gboolean had_write_fd = link->write_fd >= 0;
  gboolean had_notify_fd = link->notify_fd >= 0;

  if (!link->active)
    return;
  if (!link->closed)
    matter_btp_close(&link->btp);
  matter_btp_reset(&link->btp);
  g_clear_handle_id(&self->btp_timer_id, g_source_remove);
  /* Closing our ends is how bluetoothd learns: it sees the hang-up. */
  close_fd(&link->write_fd, &link->write_watch);
  close_fd(&link->notify_fd, &link->notify_watch);
  if (disconnect_device && link->device != NULL && self->bus != NULL && self->bluez != NULL)
    g_dbus_connection_call(self->bus, MD_BLUEZ_BUS_NAME, link->device, MD_BLUEZ_INTERFACE_DEVICE,
                           "Disconnect", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                           NULL, NULL);
  if (notify && link->open)
    queue_event(self, EVENT_DISCONNECTED, NULL);
  g_clear_pointer(&link->device, g_free);
  link->active = FALSE;
  link->open = FALSE;
  link->closed = FALSE;
  link->subscribed = FALSE;
  link->indication_pending = FALSE;
  self->subscribe_pending = FALSE;
  if (had_write_fd)
    emit_changed(self, OBJECT_C1, "WriteAcquired");
  if (had_notify_fd) {
    emit_changed(self, OBJECT_C2, "NotifyAcquired");
    emit_changed(self, OBJECT_C2, "Notifying");
  }
}

static void
link_end(MdBle *self, gboolean disconnect_device)
{
  link_teardown(self, disconnect_device, TRUE);
  /* Advertising resumes where a window still wants it, in its fast phase. */
  self->adv_start_ms = (gint64) now_ms();
  reconcile(self);
}

static void
link_subscribe(MdBle *self)
{
  Link *link = &self->link;

  if (link->subscribed)
    return;
  link->subscribed = TRUE;
  matter_btp_subscribed(&link->btp, true, now_ms());
  after_btp(self);
}

/* The link with the central @device (NULL: bluetoothd did not say),
 * started when there is none. FALSE with the D-Bus error to answer when
 * another central holds it or nothing is registered to serve it. */
static gboolean
link_for(MdBle *self, const char *device, guint16 mtu, const char **error_name,
         const char **error_message)
{
  Link *link = &self->link;

  if (self->app != APP_REGISTERED) {
    *error_name = BLUEZ_ERROR_NOT_PERMITTED;
    *error_message = "matterd's GATT application is not registered";
    return FALSE;
  }
  if (link->active) {
    if (device != NULL && link->device != NULL && !g_str_equal(device, link->device)) {
      g_message("BLE: refusing %s: a BTP connection with %s is in progress", device, link->device);
      *error_name = BLUEZ_ERROR_IN_PROGRESS;
      *error_message = "another central has the Matter BTP connection";
      return FALSE;
    }
    if (link->device == NULL && device != NULL)
      link->device = g_strdup(device);
    if (mtu != 0 && link->btp.state == MATTER_BTP_STATE_HANDSHAKE && mtu != link->btp.att_mtu)
      matter_btp_set_att_mtu(&link->btp, mtu);
    return TRUE;
  }
  memset(link, 0, sizeof(*link));
  link->write_fd = -1;
  link->notify_fd = -1;
  link->active = TRUE;
  link->device = g_strdup(device);
  matter_btp_init(&link->btp, &btp_callbacks, self);
  matter_btp_connect(&link->btp, mtu, now_ms());
  g_message("BLE: %s connected to the Matter service (ATT MTU %u)", link_name(link),
            mtu != 0 ? mtu : 23);
  if (self->subscribe_pending) {
    self->subscribe_pending = FALSE;
    link_subscribe(self);
  }
  after_btp(self);
  return TRUE;
}

/* Hands a write to C1 to the engine; the caller runs after_btp() once it
 * answered bluetoothd, so that the central sees its write answered before
 * a session that the write ended drops the link. */
static MatterError
link_receive(MdBle *self, const guint8 *packet, gsize len)
{
  return matter_btp_receive(&self->link.btp, packet, len, now_ms());
}

/* ---- Sockets of AcquireWrite and AcquireNotify -------------------------- */

static gboolean
on_write_fd(int fd, GIOCondition condition, gpointer user_data)
{
  MdBle *self = user_data;
  guint8 packet[PACKET_MAX + 1];

  for (;;) {
    ssize_t len = recv(fd, packet, sizeof(packet), MSG_DONTWAIT);

    if (len > 0) {
      link_receive(self, packet, (gsize) len);
      after_btp(self);
      if (!self->link.active || self->link.write_fd != fd) {
        flush_events(self);
        return G_SOURCE_REMOVE;
      }
      continue;
    }
    if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !(condition & G_IO_HUP))
      break;
    if (len < 0 && errno == EINTR)
      continue;
    /* End of file, or an error: bluetoothd dropped its end (the central
     * disconnected, or the link is being set up again). */
    g_message("BLE: bluetoothd closed the write socket of %s", link_name(&self->link));
    self->link.write_watch = 0;
    link_end(self, FALSE);
    flush_events(self);
    return G_SOURCE_REMOVE;
  }
  flush_events(self);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_notify_fd(int fd, GIOCondition condition, gpointer user_data)
{
  MdBle *self = user_data;
  guint8 discard[PACKET_MAX];
  ssize_t len;

  (void) condition;
  /* bluetoothd never writes here: anything readable is the hang-up. */
  len = recv(fd, discard, sizeof(discard), MSG_DONTWAIT);
  if (len > 0 || (len < 0 && (errno == EAGAIN || errno == EINTR) && !(condition & G_IO_HUP)))
    return G_SOURCE_CONTINUE;
  /* The central unsubscribed from C2 or disconnected: the session ends
   * (4.17.3.10). */
  g_message("BLE: %s unsubscribed from C2", link_name(&self->link));
  self->link.notify_watch = 0;
  link_end(self, FALSE);
  flush_events(self);
  return G_SOURCE_REMOVE;
}

/* A socket pair for bluetoothd: our end in *@ours, watched; its end as
 * an fd list to return. */
static GUnixFDList *
acquire_socket(int *ours, guint *watch, GUnixFDSourceFunc func, MdBle *self, GError **error)
{
  int fds[2];
  g_autoptr(GUnixFDList) list = g_unix_fd_list_new();

  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) {
    int saved = errno;

    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "socketpair: %s",
                g_strerror(saved));
    return NULL;
  }
  if (g_unix_fd_list_append(list, fds[1], error) < 0) {
    close(fds[0]);
    close(fds[1]);
    return NULL;
  }
  close(fds[1]);
  close_fd(ours, watch);
  *ours = fds[0];
  *watch = g_unix_fd_add(fds[0], G_IO_IN | G_IO_HUP | G_IO_ERR, func, self);
  return g_steal_pointer(&list);
}

/* ---- Methods BlueZ calls ----------------------------------------------- */

typedef struct {
  const char *device;
  guint16 mtu;
  guint16 offset;
} Options;

static Options
parse_options(GVariant *options)
{
  Options parsed = { 0 };

  if (options == NULL)
    return parsed;
  g_variant_lookup(options, "device", "&o", &parsed.device);
  g_variant_lookup(options, "mtu", "q", &parsed.mtu);
  g_variant_lookup(options, "offset", "q", &parsed.offset);
  return parsed;
}

static void
return_error(GDBusMethodInvocation *invocation, const char *name, const char *message)
{
  g_dbus_method_invocation_return_dbus_error(invocation, name, message);
}

static void
c1_write_value(MdBle *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) options = NULL;
  const char *error_name;
  const char *error_message;
  Options parsed;
  const guint8 *packet;
  gsize len;
  MatterError err;

  g_variant_get(parameters, "(@ay@a{sv})", &value, &options);
  parsed = parse_options(options);
  if (parsed.offset != 0) {
    /* A BTP packet is one whole write (4.17.3.5), never a long one. */
    return_error(invocation, BLUEZ_ERROR_INVALID_OFFSET, "BTP packets are written whole");
    return;
  }
  if (!link_for(self, parsed.device, parsed.mtu, &error_name, &error_message)) {
    return_error(invocation, error_name, error_message);
    return;
  }
  packet = g_variant_get_fixed_array(value, &len, 1);
  err = link_receive(self, packet, len);
  /* A write that ends the session fails (ATT error 0x80), then the link
   * goes. */
  if (err != MATTER_OK)
    return_error(invocation, BLUEZ_ERROR_FAILED, matter_error_str(err));
  else
    g_dbus_method_invocation_return_value(invocation, NULL);
  after_btp(self);
}

static void
c1_acquire_write(MdBle *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GUnixFDList) list = NULL;
  g_autoptr(GError) error = NULL;
  const char *error_name;
  const char *error_message;
  Options parsed;
  gboolean had = FALSE;

  g_variant_get(parameters, "(@a{sv})", &options);
  parsed = parse_options(options);
  if (!link_for(self, parsed.device, parsed.mtu, &error_name, &error_message)) {
    return_error(invocation, BLUEZ_ERROR_NOT_AVAILABLE, error_message);
    return;
  }
  had = self->link.write_fd >= 0;
  list = acquire_socket(&self->link.write_fd, &self->link.write_watch, on_write_fd, self, &error);
  if (list == NULL) {
    g_warning("BLE: cannot make the write socket for %s: %s", link_name(&self->link),
              error->message);
    return_error(invocation, BLUEZ_ERROR_NOT_AVAILABLE, error->message);
    return;
  }
  g_debug("BLE: %s acquired C1 (MTU %u)", link_name(&self->link), parsed.mtu);
  g_dbus_method_invocation_return_value_with_unix_fd_list(
      invocation, g_variant_new("(hq)", 0, parsed.mtu != 0 ? parsed.mtu : 23), list);
  if (!had)
    emit_changed(self, OBJECT_C1, "WriteAcquired");
}

static void
c2_acquire_notify(MdBle *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GUnixFDList) list = NULL;
  g_autoptr(GError) error = NULL;
  const char *error_name;
  const char *error_message;
  Options parsed;

  g_variant_get(parameters, "(@a{sv})", &options);
  parsed = parse_options(options);
  if (!link_for(self, parsed.device, parsed.mtu, &error_name, &error_message)) {
    /* bluetoothd falls back to StartNotify on any error but Failed. */
    return_error(invocation, BLUEZ_ERROR_FAILED, error_message);
    return;
  }
  if (self->link.notify_fd >= 0) {
    return_error(invocation, BLUEZ_ERROR_FAILED, "C2 is already acquired");
    return;
  }
  list =
      acquire_socket(&self->link.notify_fd, &self->link.notify_watch, on_notify_fd, self, &error);
  if (list == NULL) {
    g_warning("BLE: cannot make the notify socket for %s: %s", link_name(&self->link),
              error->message);
    return_error(invocation, BLUEZ_ERROR_FAILED, error->message);
    return;
  }
  g_debug("BLE: %s acquired C2 (MTU %u)", link_name(&self->link), parsed.mtu);
  g_dbus_method_invocation_return_value_with_unix_fd_list(
      invocation, g_variant_new("(hq)", 0, parsed.mtu != 0 ? parsed.mtu : 23), list);
  emit_changed(self, OBJECT_C2, "NotifyAcquired");
  emit_changed(self, OBJECT_C2, "Notifying");
  link_subscribe(self);
}

/* StartNotify says nothing of the central: bluetoothd calls it whenever a
 * central enables indications. The spec's order is the handshake write
 * first, then the subscription (4.17.3.3); a subscription before any
 * write is kept for the link that write starts. */
static void
c2_start_notify(MdBle *self, GDBusMethodInvocation *invocation)
{
  gboolean was = self->notifying;

  self->notifying = TRUE;
  g_dbus_method_invocation_return_value(invocation, NULL);
  if (!was)
    emit_changed(self, OBJECT_C2, "Notifying");
  if (self->link.active)
    link_subscribe(self);
  else
    self->subscribe_pending = TRUE;
}

static void
c2_stop_notify(MdBle *self, GDBusMethodInvocation *invocation)
{
  gboolean was = self->notifying;

  self->notifying = FALSE;
  self->subscribe_pending = FALSE;
  g_dbus_method_invocation_return_value(invocation, NULL);
  if (was)
    emit_changed(self, OBJECT_C2, "Notifying");
  /* Unsubscribing is how a central closes the session (4.17.3.10). */
  if (self->link.active && self->link.subscribed && self->link.notify_fd < 0) {
    g_message("BLE: %s unsubscribed from C2", link_name(&self->link));
    link_end(self, FALSE);
  }
}

static void
c2_confirm(MdBle *self, GDBusMethodInvocation *invocation)
{
  Link *link = &self->link;

  g_dbus_method_invocation_return_value(invocation, NULL);
  /* One confirmation per indication; bluetoothd confirms each central
   * that got it, and only one should have. */
  if (!link->active || !link->indication_pending)
    return;
  link->indication_pending = FALSE;
  matter_btp_send_done(&link->btp, now_ms());
  after_btp(self);
}

static void
c3_read_value(MdBle *self, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) options = NULL;
  Options parsed;
  const guint8 *data;
  gsize len;

  g_variant_get(parameters, "(@a{sv})", &options);
  parsed = parse_options(options);
  data = g_bytes_get_data(self->c3, &len);
  len = MIN(len, C3_MAX);
  if (parsed.offset > len) {
    return_error(invocation, BLUEZ_ERROR_INVALID_OFFSET, "offset past the end of C3");
    return;
  }
  g_dbus_method_invocation_return_value(
      invocation, g_variant_new("(@ay)", bytes_variant(data + parsed.offset, len - parsed.offset)));
}

static gboolean on_adv_retry(gpointer user_data);

static void
advertisement_release(MdBle *self, GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_value(invocation, NULL);
  if (self->adv_registered == ADV_NONE)
    return;
  g_message("BLE: bluetoothd released the advertisement; registering it again in %d s",
            ADV_RETRY_S);
  self->adv_registered = ADV_NONE;
  g_clear_handle_id(&self->adv_retry_id, g_source_remove);
  self->adv_retry_id = g_timeout_add_seconds(ADV_RETRY_S, on_adv_retry, self);
  update_state(self);
}

static ObjectId
object_for_path(const char *path)
{
  for (ObjectId id = 0; id < OBJECT_COUNT; id++)
    if (g_str_equal(path, object_table[id].path))
      return id;
  return OBJECT_COUNT;
}

static void
on_method_call(GDBusConnection *connection, const char *sender, const char *path,
               const char *interface, const char *method, GVariant *parameters,
               GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdBle *self = user_data;
  ObjectId id = object_for_path(path);

  (void) connection;
  (void) interface;
  if (id == OBJECT_APP) {
    /* GetManagedObjects: open to every reader, as properties are. */
    g_dbus_method_invocation_return_value(invocation,
                                          g_variant_new("(@a{oa{sa{sv}}})", managed_objects(self)));
    return;
  }
  /* Only bluetoothd speaks for the centrals. */
  if (self->bluez_owner == NULL || g_strcmp0(sender, self->bluez_owner) != 0) {
    return_error(invocation, BLUEZ_ERROR_NOT_AUTHORIZED, "only bluetoothd may call this");
    return;
  }
  if (id == OBJECT_C1 && g_str_equal(method, "WriteValue"))
    c1_write_value(self, parameters, invocation);
  else if (id == OBJECT_C1 && g_str_equal(method, "AcquireWrite"))
    c1_acquire_write(self, parameters, invocation);
  else if (id == OBJECT_C2 && g_str_equal(method, "AcquireNotify"))
    c2_acquire_notify(self, parameters, invocation);
  else if (id == OBJECT_C2 && g_str_equal(method, "StartNotify"))
    c2_start_notify(self, invocation);
  else if (id == OBJECT_C2 && g_str_equal(method, "StopNotify"))
    c2_stop_notify(self, invocation);
  else if (id == OBJECT_C2 && g_str_equal(method, "Confirm"))
    c2_confirm(self, invocation);
  else if (id == OBJECT_C3 && g_str_equal(method, "ReadValue"))
    c3_read_value(self, parameters, invocation);
  else if (id == OBJECT_ADVERTISEMENT && g_str_equal(method, "Release"))
    advertisement_release(self, invocation);
  else
    g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                          "%s has no method %s", path, method);
  flush_events(self);
}

static GVariant *
on_get_property(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *name, GError **error, gpointer user_data)
{
  MdBle *self = user_data;
  ObjectId id = object_for_path(path);
  GVariant *value = id < OBJECT_COUNT ? object_property(self, id, name) : NULL;

  (void) connection;
  (void) sender;
  if (value == NULL)
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "%s has no property %s.%s",
                path, interface, name);
  return value;
}

static const GDBusInterfaceVTable vtable = {
  .method_call = on_method_call,
  .get_property = on_get_property,
};

static gboolean
export_objects(MdBle *self, GError **error)
{
  for (ObjectId id = 0; id < OBJECT_COUNT; id++) {
    if (id == OBJECT_C3 && self->c3 == NULL)
      continue;
    self->registrations[id] = g_dbus_connection_register_object(
        self->bus, object_table[id].path, object_interface(self, id), &vtable, self, NULL, error);
    if (self->registrations[id] == 0)
      return FALSE;
  }
  return TRUE;
}

static void
unexport_objects(MdBle *self)
{
  for (ObjectId id = 0; id < OBJECT_COUNT; id++)
    if (self->registrations[id] != 0) {
      g_dbus_connection_unregister_object(self->bus, self->registrations[id]);
      self->registrations[id] = 0;
    }
}

/* ---- The advertisement -------------------------------------------------- */

static gboolean
adv_equal(const MdBleAdvertisement *a, const MdBleAdvertisement *b)
{
  return a->discriminator == b->discriminator && a->vendor_id == b->vendor_id &&
         a->product_id == b->product_id && !a->additional_data == !b->additional_data;
}

static AdvPhase
adv_wanted_phase(MdBle *self)
{
  if (!self->adv_wanted || self->app != APP_REGISTERED || self->link.open)
    return ADV_NONE;
  if ((gint64) now_ms() - self->adv_start_ms < ADV_FAST_PHASE_MS)
    return ADV_FAST;
  return ADV_SLOW;
}

static const char *
phase_name(AdvPhase phase)
{
  return phase == ADV_FAST ? "fast" : "slow";
}

static void sync_advertisement(MdBle *self);

static gboolean
on_adv_phase(gpointer user_data)
{
  MdBle *self = user_data;

  self->adv_phase_id = 0;
  sync_advertisement(self);
  update_state(self);
  flush_events(self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_adv_retry(gpointer user_data)
{
  MdBle *self = user_data;

  self->adv_retry_id = 0;
  sync_advertisement(self);
  update_state(self);
  flush_events(self);
  return G_SOURCE_REMOVE;
}

static void
on_adv_registered(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  MdBle *self;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  self->adv_busy = FALSE;
  self->adv_switching = FALSE;
  if (reply != NULL || is_bluez_error(error, BLUEZ_ERROR_ALREADY_EXISTS)) {
    self->adv_registered = self->adv_phase;
    self->adv_failed = FALSE;
    g_message("BLE: advertising on %s (discriminator %u, vendor 0x%04X, product 0x%04X, %s "
              "interval)",
              self->adapter_path, self->adv_exported.discriminator & 0x0FFFu,
              self->adv_exported.vendor_id, self->adv_exported.product_id,
              phase_name(self->adv_phase));
  } else {
    g_dbus_error_strip_remote_error(error);
    if (!self->adv_failed)
      g_warning("BLE: bluetoothd refused the advertisement on %s: %s; trying again every %d s",
                self->adapter_path, error->message, ADV_RETRY_S);
    else
      g_debug("BLE: bluetoothd still refuses the advertisement: %s", error->message);
    self->adv_failed = TRUE;
    g_clear_handle_id(&self->adv_retry_id, g_source_remove);
    self->adv_retry_id = g_timeout_add_seconds(ADV_RETRY_S, on_adv_retry, self);
  }
  sync_advertisement(self);
  update_state(self);
  flush_events(self);
}

static void
on_adv_unregistered(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  MdBle *self;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (reply == NULL)
    g_debug("BLE: UnregisterAdvertisement: %s", error->message);
  self->adv_busy = FALSE;
  self->adv_registered = ADV_NONE;
  sync_advertisement(self);
  if (!self->adv_busy)
    self->adv_switching = FALSE;
  update_state(self);
  flush_events(self);
}

static void
call_adv_manager(MdBle *self, const char *method, GAsyncReadyCallback callback)
{
  GVariant *parameters = g_str_equal(method, "RegisterAdvertisement")
                             ? g_variant_new("(oa{sv})", MD_BLE_ADVERTISEMENT_PATH, NULL)
                             : g_variant_new("(o)", MD_BLE_ADVERTISEMENT_PATH);

  self->adv_busy = TRUE;
  g_dbus_connection_call(self->bus, MD_BLUEZ_BUS_NAME, self->adapter_path,
                         MD_BLUEZ_INTERFACE_ADVERTISING_MANAGER, method, parameters, NULL,
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->adapter_cancellable, callback,
                         self);
}

/* Brings BlueZ's advertisement to what is wanted, one call at a time: the
 * reply of each call comes back here. A change of phase or of contents
 * withdraws the registered one first, since BlueZ reads the properties
 * only when it registers them. */
static void
sync_advertisement(MdBle *self)
{
  AdvPhase wanted = adv_wanted_phase(self);

  g_clear_handle_id(&self->adv_phase_id, g_source_remove);
  if (wanted == ADV_FAST) {
    gint64 left = self->adv_start_ms + ADV_FAST_PHASE_MS - (gint64) now_ms();

    self->adv_phase_id = g_timeout_add((guint) MAX(left, 0), on_adv_phase, self);
  }
  if (self->adv_busy || self->adapter_path == NULL)
    return;
  if (self->adv_registered != ADV_NONE) {
    if (wanted == self->adv_registered && adv_equal(&self->adv, &self->adv_exported))
      return;
    self->adv_switching = wanted != ADV_NONE;
    if (wanted == ADV_NONE)
      g_message("BLE: withdrawing the advertisement");
    else
      g_debug("BLE: registering the advertisement again (%s interval)", phase_name(wanted));
    call_adv_manager(self, "UnregisterAdvertisement", on_adv_unregistered);
    return;
  }
  if (wanted == ADV_NONE || self->adv_retry_id != 0)
    return;
  self->adv_phase = wanted;
  self->adv_exported = self->adv;
  call_adv_manager(self, "RegisterAdvertisement", on_adv_registered);
}

/* ---- The application and the adapter ------------------------------------ */

static void
on_app_registered(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  MdBle *self;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (reply != NULL || is_bluez_error(error, BLUEZ_ERROR_ALREADY_EXISTS)) {
    g_message("BLE: Matter GATT service registered with %s", self->adapter_path);
    self->app = APP_REGISTERED;
    /* A window that was waiting for BlueZ starts its fast phase now. */
    self->adv_start_ms = (gint64) now_ms();
  } else {
    g_dbus_error_strip_remote_error(error);
    g_warning("BLE: bluetoothd refused the Matter GATT service on %s: %s", self->adapter_path,
              error->message);
    self->app = APP_FAILED;
  }
  reconcile(self);
  flush_events(self);
}

static void
register_app(MdBle *self)
{
  self->app = APP_REGISTERING;
  g_dbus_connection_call(
      self->bus, MD_BLUEZ_BUS_NAME, self->adapter_path, MD_BLUEZ_INTERFACE_GATT_MANAGER,
      "RegisterApplication", g_variant_new("(oa{sv})", MD_BLE_APP_PATH, NULL), NULL,
      G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->adapter_cancellable, on_app_registered, self);
}

/* Best effort, answer ignored: for an adapter matterd stops using. */
static void
unregister_quietly(MdBle *self, const char *interface, const char *method, const char *path)
{
  g_dbus_connection_call(self->bus, MD_BLUEZ_BUS_NAME, self->adapter_path, interface, method,
                         g_variant_new("(o)", path), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                         NULL, NULL, NULL);
}

static void
clear_adv_registration(MdBle *self)
{
  self->adv_registered = ADV_NONE;
  self->adv_busy = FALSE;
  self->adv_switching = FALSE;
  self->adv_failed = FALSE;
  g_clear_handle_id(&self->adv_phase_id, g_source_remove);
  g_clear_handle_id(&self->adv_retry_id, g_source_remove);
}

/* Stops using the adapter. @unregister: it is still there (powered off,
 * or no longer the one to use), so what was registered on it is
 * withdrawn; an adapter that is gone, or a bluetoothd that left, took its
 * registrations along. */
static void
drop_adapter(MdBle *self, gboolean unregister)
{
  if (self->adapter_path == NULL)
    return;
  link_teardown(self, FALSE, TRUE);
  g_cancellable_cancel(self->adapter_cancellable);
  g_clear_object(&self->adapter_cancellable);
  if (unregister) {
    if (self->adv_registered != ADV_NONE || self->adv_busy)
      unregister_quietly(self, MD_BLUEZ_INTERFACE_ADVERTISING_MANAGER, "UnregisterAdvertisement",
                         MD_BLE_ADVERTISEMENT_PATH);
    if (self->app == APP_REGISTERED || self->app == APP_REGISTERING)
      unregister_quietly(self, MD_BLUEZ_INTERFACE_GATT_MANAGER, "UnregisterApplication",
                         MD_BLE_APP_PATH);
  }
  clear_adv_registration(self);
  self->app = APP_NONE;
  g_clear_pointer(&self->adapter_path, g_free);
}

static GDBusInterface *
bluez_interface(MdBle *self, const char *path, const char *interface)
{
  return g_dbus_object_manager_get_interface(self->bluez, path, interface);
}

/* An adapter matterd can use: powered, with GATT and LE advertising. */
static gboolean
adapter_usable(MdBle *self, GDBusObject *object)
{
  const char *path = g_dbus_object_get_object_path(object);
  g_autoptr(GDBusInterface) adapter =
      g_dbus_object_get_interface(object, MD_BLUEZ_INTERFACE_ADAPTER);
  g_autoptr(GDBusInterface) gatt = NULL;
  g_autoptr(GDBusInterface) advertising = NULL;
  g_autoptr(GVariant) powered = NULL;

  if (adapter == NULL)
    return FALSE;
  if (self->adapter_name != NULL) {
    g_autofree char *name = g_path_get_basename(path);

    if (!g_str_equal(name, self->adapter_name))
      return FALSE;
  }
  powered = g_dbus_proxy_get_cached_property(G_DBUS_PROXY(adapter), "Powered");
  if (powered == NULL || !g_variant_is_of_type(powered, G_VARIANT_TYPE_BOOLEAN) ||
      !g_variant_get_boolean(powered))
    return FALSE;
  gatt = g_dbus_object_get_interface(object, MD_BLUEZ_INTERFACE_GATT_MANAGER);
  advertising = g_dbus_object_get_interface(object, MD_BLUEZ_INTERFACE_ADVERTISING_MANAGER);
  return gatt != NULL && advertising != NULL;
}

/* hci2 before hci10. */
static gint
compare_paths(gconstpointer a, gconstpointer b)
{
  const char *pa = g_dbus_object_get_object_path(G_DBUS_OBJECT((gpointer) a));
  const char *pb = g_dbus_object_get_object_path(G_DBUS_OBJECT((gpointer) b));
  size_t la = strlen(pa);
  size_t lb = strlen(pb);

  if (la != lb)
    return la < lb ? -1 : 1;
  return strcmp(pa, pb);
}

/* The adapter in use while it stays usable, else the first usable one. */
static char *
choose_adapter(MdBle *self)
{
  GList *objects;
  char *chosen = NULL;

  if (self->bluez == NULL)
    return NULL;
  if (self->adapter_path != NULL) {
    g_autoptr(GDBusObject) current =
        g_dbus_object_manager_get_object(self->bluez, self->adapter_path);

    if (current != NULL && adapter_usable(self, current))
      return g_strdup(self->adapter_path);
  }
  objects = g_list_sort(g_dbus_object_manager_get_objects(self->bluez), compare_paths);
  for (GList *l = objects; l != NULL && chosen == NULL; l = l->next)
    if (adapter_usable(self, l->data))
      chosen = g_strdup(g_dbus_object_get_object_path(l->data));
  g_list_free_full(objects, g_object_unref);
  return chosen;
}

static gboolean
adapter_present(MdBle *self, const char *path)
{
  g_autoptr(GDBusInterface) adapter = bluez_interface(self, path, MD_BLUEZ_INTERFACE_ADAPTER);

  return adapter != NULL;
}

/* Brings everything to what BlueZ's objects and the node ask for. */
static void
reconcile(MdBle *self)
{
  if (self->bluez != NULL) {
    g_autofree char *adapter = choose_adapter(self);

    if (self->adapter_path != NULL && g_strcmp0(adapter, self->adapter_path) != 0) {
      gboolean present = adapter_present(self, self->adapter_path);

      g_message("BLE: adapter %s is %s", self->adapter_path,
                present ? "no longer powered or usable" : "gone");
      drop_adapter(self, present);
    }
    if (self->adapter_path == NULL && adapter != NULL) {
      g_message("BLE: using adapter %s", adapter);
      self->adapter_path = g_steal_pointer(&adapter);
      self->adapter_cancellable = g_cancellable_new();
      register_app(self);
    }
    if (self->app == APP_REGISTERED)
      sync_advertisement(self);
  }
  update_state(self);
}

/* ---- Following BlueZ ------------------------------------------------------ */

static void
check_device_gone(MdBle *self, const char *path)
{
  if (self->link.active && self->link.device != NULL && g_str_equal(path, self->link.device)) {
    g_message("BLE: %s disconnected", path);
    link_end(self, FALSE);
  }
}

static void
on_object_removed(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  MdBle *self = user_data;

  (void) manager;
  check_device_gone(self, g_dbus_object_get_object_path(object));
  reconcile(self);
  flush_events(self);
}

static void
on_interface_removed(GDBusObjectManager *manager, GDBusObject *object, GDBusInterface *interface,
                     gpointer user_data)
{
  MdBle *self = user_data;
  const char *name =
      G_IS_DBUS_PROXY(interface) ? g_dbus_proxy_get_interface_name(G_DBUS_PROXY(interface)) : NULL;

  (void) manager;
  if (g_strcmp0(name, MD_BLUEZ_INTERFACE_DEVICE) == 0)
    check_device_gone(self, g_dbus_object_get_object_path(object));
  reconcile(self);
  flush_events(self);
}

static void
on_bluez_changed(MdBle *self)
{
  reconcile(self);
  flush_events(self);
}

static void
on_object_added(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  (void) manager;
  (void) object;
  on_bluez_changed(user_data);
}

static void
on_interface_added(GDBusObjectManager *manager, GDBusObject *object, GDBusInterface *interface,
                   gpointer user_data)
{
  (void) manager;
  (void) object;
  (void) interface;
  on_bluez_changed(user_data);
}

static void
on_properties_changed(GDBusObjectManagerClient *manager, GDBusObjectProxy *object,
                      GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
  MdBle *self = user_data;
  const char *interface = g_dbus_proxy_get_interface_name(proxy);
  const char *path = g_dbus_object_get_object_path(G_DBUS_OBJECT(object));
  gboolean connected;

  (void) manager;
  (void) invalidated;
  if (g_str_equal(interface, MD_BLUEZ_INTERFACE_DEVICE)) {
    if (g_variant_lookup(changed, "Connected", "b", &connected) && !connected)
      check_device_gone(self, path);
    flush_events(self);
    return;
  }
  if (g_str_equal(interface, MD_BLUEZ_INTERFACE_ADAPTER))
    on_bluez_changed(self);
}

static void
drop_bluez(MdBle *self)
{
  g_cancellable_cancel(self->bluez_cancellable);
  g_clear_object(&self->bluez_cancellable);
  drop_adapter(self, FALSE);
  if (self->bluez != NULL)
    g_signal_handlers_disconnect_by_data(self->bluez, self);
  g_clear_object(&self->bluez);
  /* bluetoothd forgot the subscriptions with everything else. */
  self->notifying = FALSE;
  self->subscribe_pending = FALSE;
}

static void
on_manager_ready(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager = g_dbus_object_manager_client_new_finish(result, &error);
  MdBle *self;

  (void) source;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (manager == NULL) {
    g_warning("BLE: cannot follow BlueZ's objects: %s", error->message);
    return;
  }
  self->bluez = manager;
  g_signal_connect(manager, "object-added", G_CALLBACK(on_object_added), self);
  g_signal_connect(manager, "object-removed", G_CALLBACK(on_object_removed), self);
  g_signal_connect(manager, "interface-added", G_CALLBACK(on_interface_added), self);
  g_signal_connect(manager, "interface-removed", G_CALLBACK(on_interface_removed), self);
  g_signal_connect(manager, "interface-proxy-properties-changed", G_CALLBACK(on_properties_changed),
                   self);
  reconcile(self);
  if (self->adapter_path == NULL && self->adapter_name != NULL)
    g_message("BLE: adapter %s is not there or not powered; waiting for it", self->adapter_name);
  else if (self->adapter_path == NULL)
    g_message("BLE: no powered Bluetooth adapter; waiting for one");
  flush_events(self);
}

static void
on_bluez_appeared(GDBusConnection *connection, const char *name, const char *owner,
                  gpointer user_data)
{
  MdBle *self = user_data;

  (void) name;
  if (g_strcmp0(owner, self->bluez_owner) == 0)
    return;
  drop_bluez(self);
  g_message("BLE: BlueZ is on the system bus");
  g_free(self->bluez_owner);
  self->bluez_owner = g_strdup(owner);
  self->bluez_cancellable = g_cancellable_new();
  g_dbus_object_manager_client_new(connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                   MD_BLUEZ_BUS_NAME, MD_BLUEZ_MANAGER_PATH, NULL, NULL, NULL,
                                   self->bluez_cancellable, on_manager_ready, self);
  update_state(self);
  flush_events(self);
}

static void
on_bluez_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
  MdBle *self = user_data;

  (void) connection;
  (void) name;
  if (self->bluez_owner != NULL)
    g_message("BLE: BlueZ left the system bus; registering again once it is back");
  else if (!self->warned_no_bluez)
    g_message("BLE: BlueZ (org.bluez) is not on the system bus; waiting for it");
  self->warned_no_bluez = TRUE;
  g_clear_pointer(&self->bluez_owner, g_free);
  drop_bluez(self);
  update_state(self);
  flush_events(self);
}

static void
on_bus(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish(result, &error);
  MdBle *self;

  (void) source;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (bus == NULL) {
    g_warning("BLE: no system bus (%s); Bluetooth LE commissioning is off", error->message);
    return;
  }
  self->bus = bus;
  if (!export_objects(self, &error)) {
    g_warning("BLE: cannot export the Matter GATT service: %s; Bluetooth LE commissioning is off",
              error->message);
    unexport_objects(self);
    return;
  }
  self->watch_id =
      g_bus_watch_name_on_connection(bus, MD_BLUEZ_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                     on_bluez_appeared, on_bluez_vanished, self, NULL);
}

/* ---- Public ------------------------------------------------------------- */

MdBle *
md_ble_new(const MdBleConfig *config, GBytes *c3, const MdBleCallbacks *callbacks,
           gpointer user_data)
{
  MdBle *self = g_new0(MdBle, 1);

  self->enable = config->enable;
  self->adapter_name = g_strdup(config->adapter);
  self->c3 = c3 != NULL ? g_bytes_ref(c3) : NULL;
  if (callbacks != NULL)
    self->callbacks = *callbacks;
  self->user_data = user_data;
  self->state = MD_BLE_STATE_OFF;
  self->reported_state = MD_BLE_STATE_OFF;
  self->c2_value = g_bytes_new(NULL, 0);
  self->link.write_fd = -1;
  self->link.notify_fd = -1;
  g_queue_init(&self->events);
  if (self->c3 != NULL && g_bytes_get_size(self->c3) > C3_MAX)
    g_warning("BLE: additional commissioning data of %" G_GSIZE_FORMAT
              " bytes; C3 holds the first %d",
              g_bytes_get_size(self->c3), C3_MAX);
  for (ObjectId id = 0; id < OBJECT_COUNT; id++) {
    g_autoptr(GError) error = NULL;

    self->nodes[id] = g_dbus_node_info_new_for_xml(object_table[id].xml, &error);
    g_assert_no_error(error);
  }
  if (!self->enable) {
    g_message("BLE: Bluetooth LE is disabled in the configuration");
    return self;
  }
  self->cancellable = g_cancellable_new();
  g_bus_get(G_BUS_TYPE_SYSTEM, self->cancellable, on_bus, self);
  return self;
}

/* Synchronously, so that bluetoothd has forgotten matterd when this
 * returns (matterd may exit right after). */
static void
unregister_sync(MdBle *self, const char *interface, const char *method, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      self->bus, MD_BLUEZ_BUS_NAME, self->adapter_path, interface, method,
      g_variant_new("(o)", path), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, FREE_CALL_TIMEOUT_MS, NULL,
      &error);

  if (reply == NULL)
    g_debug("BLE: %s: %s", method, error->message);
}

void
md_ble_free(MdBle *self)
{
  if (self == NULL)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
  if (self->watch_id != 0)
    g_bus_unwatch_name(self->watch_id);
  link_teardown(self, TRUE, FALSE);
  if (self->adapter_path != NULL && self->bluez != NULL) {
    if (self->adv_registered != ADV_NONE || self->adv_busy)
      unregister_sync(self, MD_BLUEZ_INTERFACE_ADVERTISING_MANAGER, "UnregisterAdvertisement",
                      MD_BLE_ADVERTISEMENT_PATH);
    if (self->app == APP_REGISTERED || self->app == APP_REGISTERING)
      unregister_sync(self, MD_BLUEZ_INTERFACE_GATT_MANAGER, "UnregisterApplication",
                      MD_BLE_APP_PATH);
  }
  drop_bluez(self);
  if (self->bus != NULL) {
    unexport_objects(self);
    g_dbus_connection_flush_sync(self->bus, NULL, NULL);
  }
  g_clear_handle_id(&self->btp_timer_id, g_source_remove);
  g_clear_handle_id(&self->flush_id, g_source_remove);
  clear_adv_registration(self);
  g_queue_clear_full(&self->events, (GDestroyNotify) event_free);
  for (ObjectId id = 0; id < OBJECT_COUNT; id++)
    g_clear_pointer(&self->nodes[id], g_dbus_node_info_unref);
  g_clear_object(&self->bus);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->bluez_owner, g_free);
  g_clear_pointer(&self->c2_value, g_bytes_unref);
  g_clear_pointer(&self->c3, g_bytes_unref);
  g_free(self->adapter_name);
  g_free(self);
}

MdBleState
md_ble_get_state(MdBle *self)
{
  return self->state;
}

gboolean
md_ble_in_use(MdBle *self)
{
  return self->state >= MD_BLE_STATE_IDLE;
}

void
md_ble_set_advertisement(MdBle *self, const MdBleAdvertisement *advertisement)
{
  gboolean wanted = advertisement != NULL;

  if (wanted == self->adv_wanted && (!wanted || adv_equal(advertisement, &self->adv)))
    return;
  if (wanted) {
    /* A new window: its fast phase starts now. */
    self->adv = *advertisement;
    self->adv_start_ms = (gint64) now_ms();
  }
  self->adv_wanted = wanted;
  g_clear_handle_id(&self->adv_retry_id, g_source_remove);
  self->adv_failed = FALSE;
  reconcile(self);
  flush_later(self);
}

gboolean
md_ble_send(MdBle *self, const guint8 *message, gsize len, GError **error)
{
  MatterError err;

  if (!self->link.active || !self->link.open) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "no BTP session over Bluetooth LE");
    return FALSE;
  }
  err = matter_btp_send(&self->link.btp, message, len, now_ms());
  after_btp(self);
  flush_later(self);
  if (err == MATTER_ERROR_BTP_QUEUE_FULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_BUSY, "the BTP send queue is full");
    return FALSE;
  }
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "BTP cannot send");
    return FALSE;
  }
  return TRUE;
}

void
md_ble_disconnect(MdBle *self)
{
  if (!self->link.active)
    return;
  g_message("BLE: ending the BTP session with %s", link_name(&self->link));
  link_teardown(self, TRUE, FALSE);
  self->adv_start_ms = (gint64) now_ms();
  reconcile(self);
  flush_later(self);
}
