/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

#include "central.h"

#include <string.h>

#include "advertising.h"
#include "gatt.h"

/* The Matter service and its characteristics (Core spec 4.17.3.2). */
#define MATTER_SERVICE 0xfff6
#define MATTER_C1 "18ee2ef5-263d-4559-959f-4f9c429f9d11"
#define MATTER_C2 "18ee2ef5-263d-4559-959f-4f9c429f9d12"

#define ATT_MIN_MTU 23
/* bluetoothd's own receive MTU, what a central's exchange ends at most. */
#define SERVER_MTU 517
#define ATT_MAX_VALUE_LEN 512

typedef struct {
  FbCentral *central;
  char *path;
  char *address;
  gboolean connected;
  FbIface iface;
  FbLink *link; /* the current link, or the last one */
  guint removal_timer;
  GDBusMethodInvocation *request; /* the ATT request in flight */
  guint att_timer;
  guint16 read_handle;
  GByteArray *read_value;
  guint indications;
  guint notifications;
  guint disconnect_timer;
  GPtrArray *disconnects; /* Device1.Disconnect calls waiting */
} Device;

struct _FbCentral {
  FbAdapter *adapter;
  GHashTable *devices; /* path -> Device */
};

static void
control_error(GDBusMethodInvocation *invocation, const char *name, const char *message)
{
  fb_control_error(invocation, name, "%s", message);
}

/* ---- Device1 ----------------------------------------------------------- */

static GVariant *
device_get_property(FbIface *iface, const char *name)
{
  Device *device = iface->user_data;

  if (g_str_equal(name, "Address"))
    return g_variant_new_string(device->address);
  if (g_str_equal(name, "AddressType"))
    return g_variant_new_string("random");
  if (g_str_equal(name, "Alias")) {
    g_autofree char *alias = g_strdup(device->address);

    g_strdelimit(alias, ":", '-');
    return g_variant_new_string(alias);
  }
  if (g_str_equal(name, "Paired") || g_str_equal(name, "Bonded") || g_str_equal(name, "Trusted") ||
      g_str_equal(name, "Blocked") || g_str_equal(name, "LegacyPairing") ||
      g_str_equal(name, "ServicesResolved"))
    return g_variant_new_boolean(FALSE);
  if (g_str_equal(name, "Connected"))
    return g_variant_new_boolean(device->connected);
  if (g_str_equal(name, "UUIDs"))
    return g_variant_new_strv(NULL, 0);
  if (g_str_equal(name, "Adapter"))
    return g_variant_new_object_path(device->central->adapter->path);
  return NULL;
}

static void device_disconnect(Device *device, const char *reason);

static gboolean
on_disconnect_timer(gpointer user_data)
{
  Device *device = user_data;

  device->disconnect_timer = 0;
  device_disconnect(device, "local");
  return G_SOURCE_REMOVE;
}

/* Device1.Disconnect(): bluetoothd gives the link two seconds
 * (DISCONNECT_TIMER) before it drops it from the peripheral's side, and
 * answers once it is down; at once when there is no link. */
static void
device_method_call(FbIface *iface, const char *method, GVariant *parameters,
                   GDBusMethodInvocation *invocation)
{
  Device *device = iface->user_data;

  if (!device->connected) {
    g_dbus_method_invocation_return_value(invocation, NULL);
    return;
  }
  g_ptr_array_add(device->disconnects, g_object_ref(invocation));
  if (device->disconnect_timer == 0)
    device->disconnect_timer = g_timeout_add_seconds(2, on_disconnect_timer, device);
}

static const FbIfaceClass device_class = {
  .name = FB_DEVICE_INTERFACE,
  .get_property = device_get_property,
  .method_call = device_method_call,
};

static void
device_free(Device *device)
{
  g_clear_handle_id(&device->removal_timer, g_source_remove);
  g_clear_handle_id(&device->att_timer, g_source_remove);
  g_clear_handle_id(&device->disconnect_timer, g_source_remove);
  g_ptr_array_unref(device->disconnects);
  fb_link_unref(device->link);
  if (device->read_value != NULL)
    g_byte_array_unref(device->read_value);
  g_free(device->path);
  g_free(device->address);
  g_free(device);
}

static void
device_remove(Device *device)
{
  g_message("device %s removed", device->path);
  fb_object_remove(device->path, &device->iface);
  g_hash_table_remove(device->central->devices, device->path);
}

static gboolean
on_removal(gpointer user_data)
{
  Device *device = user_data;

  device->removal_timer = 0;
  device_remove(device);
  return G_SOURCE_REMOVE;
}

static void
finish_request(Device *device, const char *error, const char *message, GVariant *result)
{
  GDBusMethodInvocation *invocation = g_steal_pointer(&device->request);

  g_clear_handle_id(&device->att_timer, g_source_remove);
  if (invocation == NULL)
    return;
  if (error != NULL)
    control_error(invocation, error, message);
  else
    g_dbus_method_invocation_return_value(invocation, result);
}

/* The link drops: ATT forgets the configuration (notification sockets
 * close, StopNotify), Connected goes false, and the temporary device's
 * object goes after TemporaryTimeout. */
static void
device_disconnect(Device *device, const char *reason)
{
  if (!device->connected)
    return;
  g_message("device %s disconnected (%s)", device->path, reason);
  device->connected = FALSE;
  finish_request(device, "NotConnected", "The link dropped", NULL);
  fb_gatt_remove_link(device->central->adapter->gatt, device->link);
  fb_object_changed(device->path, &device->iface, "Connected");
  fb_control_emit("Disconnected", g_variant_new("(os)", device->path, reason));
  g_clear_handle_id(&device->disconnect_timer, g_source_remove);
  for (guint i = 0; i < device->disconnects->len; i++)
    g_dbus_method_invocation_return_value(device->disconnects->pdata[i], NULL);
  g_ptr_array_set_size(device->disconnects, 0);
  if (fb_options()->temporary_timeout == 0)
    device_remove(device);
  else
    device->removal_timer =
        g_timeout_add_seconds(fb_options()->temporary_timeout, on_removal, device);
}

static void
deliver(FbLink *link, const guint8 *value, gsize len, gsize offered, gboolean indication)
{
  Device *device = link->user_data;
  GVariant *bytes = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, value, len, 1);

  if (indication)
    device->indications++;
  else
    device->notifications++;
  fb_control_emit(indication ? "Indication" : "Notification",
                  g_variant_new("(o@ay)", device->path, bytes));
}

/* ---- Control1 ---------------------------------------------------------- */

static gboolean
valid_address(const char *address)
{
  if (strlen(address) != 17)
    return FALSE;
  for (int i = 0; i < 17; i++)
    if (i % 3 == 2 ? address[i] != ':' : !g_ascii_isxdigit(address[i]))
      return FALSE;
  return TRUE;
}

static gboolean
parse_mode(const char *mode, FbLinkMode *out)
{
  if (g_str_equal(mode, "auto"))
    *out = FB_LINK_AUTO;
  else if (g_str_equal(mode, "acquire"))
    *out = FB_LINK_ACQUIRE;
  else if (g_str_equal(mode, "value"))
    *out = FB_LINK_VALUE;
  else
    return FALSE;
  return TRUE;
}

static const char *
mode_name(FbLinkMode mode)
{
  return mode == FB_LINK_AUTO ? "auto" : mode == FB_LINK_ACQUIRE ? "acquire" : "value";
}

static Device *
device_new(FbCentral *central, const char *address)
{
  Device *device = g_new0(Device, 1);
  g_autofree char *upper = g_ascii_strup(address, -1);

  g_strdelimit(upper, ":", '_');
  device->central = central;
  device->address = g_ascii_strup(address, -1);
  device->path = g_strdup_printf("%s/dev_%s", central->adapter->path, upper);
  device->iface.klass = &device_class;
  device->iface.user_data = device;
  device->disconnects = g_ptr_array_new_with_free_func(g_object_unref);
  g_hash_table_insert(central->devices, device->path, device);
  return device;
}

void
fb_central_connect(FbCentral *central, GVariant *parameters, GDBusMethodInvocation *invocation)
{
  FbAdapter *adapter = central->adapter;
  const char *address, *mode_string;
  g_autofree char *path = NULL;
  guint16 mtu;
  FbLinkMode mode;
  Device *device;

  g_variant_get(parameters, "(&sq&s)", &address, &mtu, &mode_string);
  if (!valid_address(address) || mtu < ATT_MIN_MTU || !parse_mode(mode_string, &mode)) {
    control_error(invocation, "InvalidArguments",
                  "Connect(address XX:XX:XX:XX:XX:XX, mtu >= 23, mode auto|acquire|value)");
    return;
  }
  if (!adapter->powered) {
    control_error(invocation, "NotReady", "The adapter is powered off");
    return;
  }
  if (!fb_advertising_connectable(adapter->advertising)) {
    control_error(invocation, "NotPermitted", "No connectable advertisement is on the air");
    return;
  }
  {
    g_autofree char *upper = g_ascii_strup(address, -1);

    g_strdelimit(upper, ":", '_');
    path = g_strdup_printf("%s/dev_%s", adapter->path, upper);
  }
  device = g_hash_table_lookup(central->devices, path);
  if (device != NULL && device->connected) {
    control_error(invocation, "AlreadyConnected", "Already connected");
    return;
  }
  if (device == NULL) {
    device = device_new(central, address);
    device->connected = TRUE;
    fb_object_add(device->path, &device->iface);
  } else {
    g_clear_handle_id(&device->removal_timer, g_source_remove);
    device->connected = TRUE;
    fb_object_changed(device->path, &device->iface, "Connected");
  }
  fb_link_unref(device->link);
  device->link = fb_link_new(device->path, MIN(mtu, SERVER_MTU), mode);
  device->link->deliver = deliver;
  device->link->user_data = device;
  device->indications = device->notifications = 0;
  fb_gatt_add_link(adapter->gatt, device->link);
  g_message("device %s connected, MTU %u, %s", device->path, device->link->mtu, mode_string);
  g_dbus_method_invocation_return_value(invocation, g_variant_new("(o)", device->path));
}

static gboolean
on_att_timeout(gpointer user_data)
{
  Device *device = user_data;

  device->att_timer = 0;
  g_message("%s: no ATT response in %u s", device->path, fb_options()->att_timeout);
  finish_request(device, "Timeout", "No ATT response: the central drops the link", NULL);
  device_disconnect(device, "timeout");
  return G_SOURCE_REMOVE;
}

static void
start_request(Device *device, GDBusMethodInvocation *invocation)
{
  device->request = g_object_ref(invocation);
  device->att_timer = g_timeout_add_seconds(fb_options()->att_timeout, on_att_timeout, device);
}

static void
fail_att(Device *device, guint8 ecode)
{
  g_autofree char *message = g_strdup_printf("ATT error 0x%02x", ecode);

  finish_request(device, "AttError", message, NULL);
}

static void
on_write_done(FbLink *link, guint8 ecode, GBytes *value, gpointer user_data)
{
  Device *device = user_data;

  if (link != device->link)
    return;
  if (ecode != 0)
    fail_att(device, ecode);
  else
    finish_request(device, NULL, NULL, NULL);
}

static void
on_command_done(FbLink *link, guint8 ecode, GBytes *value, gpointer user_data)
{
}

/* The Matter characteristic @uuid, discovered as a central would. */
static gboolean
find_matter(Device *device, const char *uuid, FbGattChrcInfo *info,
            GDBusMethodInvocation *invocation)
{
  FbUuid service, chrc;

  fb_uuid_from_16(MATTER_SERVICE, &service);
  fb_uuid_parse(uuid, &chrc);
  if (!fb_gatt_find(device->central->adapter->gatt, &service, &chrc, info)) {
    control_error(invocation, "NotFound", "No Matter service with that characteristic");
    return FALSE;
  }
  return TRUE;
}

static void
central_write(Device *device, GVariant *value, GDBusMethodInvocation *invocation)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(value);
  FbGattChrcInfo info;
  gboolean request;

  if (!find_matter(device, MATTER_C1, &info, invocation))
    return;
  if (g_bytes_get_size(bytes) > (gsize) device->link->mtu - 3) {
    control_error(invocation, "InvalidArguments", "A write carries at most ATT MTU - 3 bytes");
    return;
  }
  if (device->link->mode == FB_LINK_ACQUIRE && !info.write_acquired) {
    control_error(invocation, "NotSupported", "C1 has no WriteAcquired property");
    return;
  }
  /* A Write Request, or a Write Command for a characteristic that only
   * takes those. */
  request = (info.properties & FB_CHRC_WRITE) || !(info.properties & FB_CHRC_WRITE_WITHOUT_RESP);
  if (!request) {
    fb_gatt_write(device->central->adapter->gatt, device->link, info.value_handle, bytes, FALSE,
                  on_command_done, device);
    g_dbus_method_invocation_return_value(invocation, NULL);
    return;
  }
  start_request(device, invocation);
  fb_gatt_write(device->central->adapter->gatt, device->link, info.value_handle, bytes, TRUE,
                on_write_done, device);
}

static void read_next(Device *device);

/* A long read: Read, then Read Blob while responses come full. */
static void
on_read_done(FbLink *link, guint8 ecode, GBytes *value, gpointer user_data)
{
  Device *device = user_data;
  gsize len;
  const guint8 *data;

  if (link != device->link)
    return;
  /* A blob read past the end ends the value. */
  if (ecode == FB_ATT_INVALID_OFFSET && device->read_value->len > 0)
    value = NULL;
  else if (ecode != 0) {
    fail_att(device, ecode);
    return;
  }
  data = value != NULL ? g_bytes_get_data(value, &len) : (len = 0, NULL);
  len = MIN(len, (gsize) device->link->mtu - 1);
  g_byte_array_append(device->read_value, data, (guint) len);
  if (len == (gsize) device->link->mtu - 1 && device->read_value->len < ATT_MAX_VALUE_LEN) {
    read_next(device);
    return;
  }
  finish_request(device, NULL, NULL,
                 g_variant_new("(@ay)", g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
                                                                  device->read_value->data,
                                                                  device->read_value->len, 1)));
}

static void
read_next(Device *device)
{
  fb_gatt_read(device->central->adapter->gatt, device->link, device->read_handle,
               (guint16) device->read_value->len, on_read_done, device);
}

static void
central_read(Device *device, const char *uuid_string, GDBusMethodInvocation *invocation)
{
  FbGattChrcInfo info;
  FbUuid uuid;

  if (!fb_uuid_parse(uuid_string, &uuid)) {
    control_error(invocation, "InvalidArguments", "Not a UUID");
    return;
  }
  if (!fb_gatt_find(device->central->adapter->gatt, NULL, &uuid, &info)) {
    control_error(invocation, "NotFound", "No such characteristic");
    return;
  }
  if (device->read_value != NULL)
    g_byte_array_unref(device->read_value);
  device->read_value = g_byte_array_new();
  device->read_handle = info.value_handle;
  start_request(device, invocation);
  read_next(device);
}

static void
central_subscribe(Device *device, gboolean on, GDBusMethodInvocation *invocation)
{
  FbGattChrcInfo info;
  guint16 value = 0;
  guint8 ecode;

  if (!find_matter(device, MATTER_C2, &info, invocation))
    return;
  if (info.ccc_handle == 0) {
    control_error(invocation, "NotSupported", "C2 has neither notify nor indicate");
    return;
  }
  if (on && device->link->mode == FB_LINK_ACQUIRE && !info.notify_acquired) {
    control_error(invocation, "NotSupported", "C2 has no NotifyAcquired property");
    return;
  }
  if (on)
    value = (info.properties & FB_CHRC_INDICATE) ? 0x0002 : 0x0001;
  ecode = fb_gatt_write_ccc(device->central->adapter->gatt, device->link, info.ccc_handle, value);
  if (ecode != 0) {
    g_autofree char *message = g_strdup_printf("ATT error 0x%02x", ecode);

    control_error(invocation, "AttError", message);
    return;
  }
  g_dbus_method_invocation_return_value(invocation, NULL);
}

static GVariant *
connection_info(Device *device)
{
  FbLink *link = device->link;
  GVariantBuilder builder;
  gboolean subscribed = FALSE;
  GHashTableIter iter;
  gpointer value;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&builder, "{sv}", "Address", g_variant_new_string(device->address));
  g_variant_builder_add(&builder, "{sv}", "Connected", g_variant_new_boolean(device->connected));
  g_variant_builder_add(&builder, "{sv}", "MTU", g_variant_new_uint16(link->mtu));
  g_variant_builder_add(&builder, "{sv}", "Mode", g_variant_new_string(mode_name(link->mode)));
  g_hash_table_iter_init(&iter, link->ccc);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    subscribed = subscribed || GPOINTER_TO_UINT(value) != 0;
  g_variant_builder_add(&builder, "{sv}", "Subscribed", g_variant_new_boolean(subscribed));
  g_variant_builder_add(&builder, "{sv}", "WritePath",
                        g_variant_new_string(link->write_path != NULL ? link->write_path : ""));
  g_variant_builder_add(&builder, "{sv}", "NotifyPath",
                        g_variant_new_string(link->notify_path != NULL ? link->notify_path : ""));
  g_variant_builder_add(&builder, "{sv}", "WriteMTU", g_variant_new_uint16(link->write_mtu));
  g_variant_builder_add(&builder, "{sv}", "NotifyMTU", g_variant_new_uint16(link->notify_mtu));
  g_variant_builder_add(&builder, "{sv}", "WriteSocket",
                        g_variant_new_string(link->write_socket != NULL ? link->write_socket : ""));
  g_variant_builder_add(
      &builder, "{sv}", "NotifySocket",
      g_variant_new_string(link->notify_socket != NULL ? link->notify_socket : ""));
  g_variant_builder_add(&builder, "{sv}", "Indications", g_variant_new_uint32(device->indications));
  g_variant_builder_add(&builder, "{sv}", "Notifications",
                        g_variant_new_uint32(device->notifications));
  g_variant_builder_add(&builder, "{sv}", "Confirms", g_variant_new_uint32(link->confirms));
  g_variant_builder_add(&builder, "{sv}", "Truncated", g_variant_new_uint32(link->truncated));
  return g_variant_new("(a{sv})", &builder);
}

void
fb_central_call(FbCentral *central, const char *method, GVariant *parameters,
                GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) first = g_variant_get_child_value(parameters, 0);
  Device *device = g_hash_table_lookup(central->devices, g_variant_get_string(first, NULL));

  if (device == NULL || device->link == NULL) {
    control_error(invocation, "NotFound", "No such device");
    return;
  }
  if (g_str_equal(method, "GetConnection")) {
    g_dbus_method_invocation_return_value(invocation, connection_info(device));
    return;
  }
  if (!device->connected) {
    control_error(invocation, "NotConnected", "Not connected");
    return;
  }
  if (g_str_equal(method, "Disconnect")) {
    device_disconnect(device, "remote");
    g_dbus_method_invocation_return_value(invocation, NULL);
    return;
  }
  if (device->request != NULL) {
    control_error(invocation, "InProgress", "An ATT request is in flight");
    return;
  }
  if (g_str_equal(method, "Write")) {
    g_autoptr(GVariant) value = g_variant_get_child_value(parameters, 1);

    central_write(device, value, invocation);
  } else if (g_str_equal(method, "Read")) {
    const char *uuid;

    g_variant_get(parameters, "(&o&s)", NULL, &uuid);
    central_read(device, uuid, invocation);
  } else {
    central_subscribe(device, g_str_equal(method, "Subscribe"), invocation);
  }
}

void
fb_central_remove_device(FbCentral *central, const char *path, GDBusMethodInvocation *invocation)
{
  Device *device = g_hash_table_lookup(central->devices, path);

  if (device == NULL) {
    fb_return_error(invocation, "DoesNotExist", "Does Not Exist");
    return;
  }
  device_disconnect(device, "local");
  device_remove(device);
  g_dbus_method_invocation_return_value(invocation, NULL);
}

void
fb_central_drop_all(FbCentral *central, const char *reason)
{
  g_autoptr(GList) devices = g_hash_table_get_values(central->devices);

  for (GList *l = devices; l != NULL; l = l->next)
    device_disconnect(l->data, reason);
  for (GList *l = devices; l != NULL; l = l->next)
    device_remove(l->data);
}

FbCentral *
fb_central_new(FbAdapter *adapter)
{
  FbCentral *central = g_new0(FbCentral, 1);

  central->adapter = adapter;
  central->devices =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) device_free);
  return central;
}

void
fb_central_free(FbCentral *central)
{
  if (central == NULL)
    return;
  fb_central_drop_all(central, "adapter-removed");
  g_hash_table_unref(central->devices);
  g_free(central);
}
