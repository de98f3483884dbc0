/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

#include "advertising.h"

#include "ad.h"

#define ADVERTISEMENT_IFACE "org.bluez.LEAdvertisement1"

#define TYPE_BROADCAST 0
#define TYPE_PERIPHERAL 1

/* The controller's advertising TX power, in dBm. */
#define CONTROLLER_TX_POWER 0
/* "No preference" for TxPower. */
#define TX_POWER_NONE 0x7f

typedef struct {
  gint ref;
  gboolean gone;
  FbAdvertising *manager;
  char *owner;
  char *path;
  GDBusMethodInvocation *reg;
  guint8 instance;
  guint8 type;
  guint32 flags; /* includes and secondary channel, FB_ADV_FLAG_* */
  FbAd *data;
  FbAd *scan;
  char *name;
  guint16 appearance;
  guint16 duration;
  guint16 timeout;
  guint16 discoverable_timeout;
  guint timeout_id;
  guint discoverable_timeout_id;
  guint32 min_interval; /* 0.625 ms units, 0: the default */
  guint32 max_interval;
  gint8 tx_power;
  GHashTable *properties; /* as read, name -> GVariant */
  guint name_watch;
  guint properties_subscription;
  GBytes *adv_data; /* what the controller was given last */
  GBytes *scan_rsp;
  guint32 kernel_flags;
} Client;

struct _FbAdvertising {
  FbAdapter *adapter;
  FbIface iface;
  GPtrArray *clients; /* Client, pending registrations among them */
  guint max_instances;
};

static GDBusConnection *
bus(void)
{
  return fb_objects_connection();
}

static void
client_unref(Client *client)
{
  if (--client->ref > 0)
    return;
  fb_ad_free(client->data);
  fb_ad_free(client->scan);
  g_hash_table_unref(client->properties);
  if (client->adv_data != NULL)
    g_bytes_unref(client->adv_data);
  if (client->scan_rsp != NULL)
    g_bytes_unref(client->scan_rsp);
  g_free(client->name);
  g_free(client->owner);
  g_free(client->path);
  g_free(client);
}

static void
instances_changed(FbAdvertising *manager)
{
  fb_object_changed(manager->adapter->path, &manager->iface, "SupportedInstances");
  fb_object_changed(manager->adapter->path, &manager->iface, "ActiveInstances");
}

/* The client leaves the manager: a pending registration fails, and, with
 * @release, bluetoothd tells the object by Release() (a plain call whose
 * answer it does not wait for). */
static void
client_drop(Client *client, gboolean release)
{
  GDBusMethodInvocation *reg = g_steal_pointer(&client->reg);

  if (client->gone)
    return;
  client->gone = TRUE;
  g_clear_handle_id(&client->timeout_id, g_source_remove);
  g_clear_handle_id(&client->discoverable_timeout_id, g_source_remove);
  g_clear_handle_id(&client->name_watch, g_bus_unwatch_name);
  if (client->properties_subscription != 0)
    g_dbus_connection_signal_unsubscribe(bus(), client->properties_subscription);
  client->properties_subscription = 0;
  if (reg != NULL)
    fb_return_error(reg, "Failed", "Failed to complete registration");
  if (release) {
    g_autoptr(GDBusMessage) message =
        g_dbus_message_new_method_call(client->owner, client->path, ADVERTISEMENT_IFACE, "Release");

    g_message("releasing advertisement %s, %s", client->owner, client->path);
    g_dbus_connection_send_message(bus(), message, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  }
  g_ptr_array_remove(client->manager->clients, client);
  fb_control_emit("AdvertisementsChanged", NULL);
  client_unref(client);
}

/* UnregisterAdvertisement, or the owner leaving: no Release(). */
static void
client_remove(Client *client)
{
  FbAdvertising *manager = client->manager;

  client_drop(client, FALSE);
  instances_changed(manager);
}

/* ---- Parsing ----------------------------------------------------------- */

typedef gboolean (*Parser)(Client *client, GVariant *value);

static gboolean
parse_type(Client *client, GVariant *value)
{
  const char *type;

  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    return FALSE;
  type = g_variant_get_string(value, NULL);
  if (g_str_equal(type, "broadcast"))
    client->type = TYPE_BROADCAST;
  else if (g_str_equal(type, "peripheral"))
    client->type = TYPE_PERIPHERAL;
  else
    return FALSE;
  return TRUE;
}

/* An array whose leading strings are UUIDs (parsing stops at the first
 * element that is not a string). */
static gboolean
parse_uuid_list(GVariant *value, FbAd *ad, gboolean (*add)(FbAd *, const FbUuid *),
                void (*clear)(FbAd *))
{
  clear(ad);
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY))
    return FALSE;
  for (gsize i = 0; i < g_variant_n_children(value); i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(value, i);
    FbUuid uuid;

    if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING))
      break;
    if (!fb_uuid_parse(g_variant_get_string(child, NULL), &uuid) || !add(ad, &uuid)) {
      clear(ad);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_service_uuids(Client *client, GVariant *value)
{
  return parse_uuid_list(value, client->data, fb_ad_add_service_uuid, fb_ad_clear_service_uuids);
}

static gboolean
parse_solicit_uuids(Client *client, GVariant *value)
{
  return parse_uuid_list(value, client->data, fb_ad_add_solicit_uuid, fb_ad_clear_solicit_uuids);
}

/* The bytes of a dictionary entry's variant, which must hold an array of
 * bytes. */
static GVariant *
entry_bytes(GVariant *entry)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value(entry, 1);
  GVariant *inner;

  if (!g_variant_is_of_type(boxed, G_VARIANT_TYPE_VARIANT))
    return NULL;
  inner = g_variant_get_variant(boxed);
  if (!g_variant_is_of_type(inner, G_VARIANT_TYPE_BYTESTRING)) {
    g_variant_unref(inner);
    return NULL;
  }
  return inner;
}

/* Dictionary entries while there are some (a{?v} of byte arrays), each
 * added by @add; FALSE on a bad one. */
static gboolean
parse_dict(Client *client, GVariant *value, const GVariantType *key_type,
           gboolean (*add)(Client *, GVariant *key, GVariant *bytes), void (*clear)(FbAd *))
{
  clear(client->data);
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY))
    return FALSE;
  for (gsize i = 0; i < g_variant_n_children(value); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value(value, i);
    g_autoptr(GVariant) key = NULL;
    g_autoptr(GVariant) bytes = NULL;

    if (!g_variant_is_of_type(entry, G_VARIANT_TYPE_DICT_ENTRY))
      break;
    key = g_variant_get_child_value(entry, 0);
    bytes = entry_bytes(entry);
    if (!g_variant_is_of_type(key, key_type) || bytes == NULL || !add(client, key, bytes)) {
      clear(client->data);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
add_manufacturer(Client *client, GVariant *key, GVariant *bytes)
{
  return fb_ad_add_manufacturer_data(client->data, g_variant_get_uint16(key),
                                     g_variant_get_data(bytes), g_variant_get_size(bytes));
}

static gboolean
parse_manufacturer_data(Client *client, GVariant *value)
{
  return parse_dict(client, value, G_VARIANT_TYPE_UINT16, add_manufacturer,
                    fb_ad_clear_manufacturer_data);
}

static gboolean
add_service_data(Client *client, GVariant *key, GVariant *bytes)
{
  FbUuid uuid;

  if (!fb_uuid_parse(g_variant_get_string(key, NULL), &uuid))
    return FALSE;
  return fb_ad_add_service_data(client->data, &uuid, g_variant_get_data(bytes),
                                g_variant_get_size(bytes));
}

static gboolean
parse_service_data(Client *client, GVariant *value)
{
  return parse_dict(client, value, G_VARIANT_TYPE_STRING, add_service_data,
                    fb_ad_clear_service_data);
}

static gboolean
add_data(Client *client, GVariant *key, GVariant *bytes)
{
  return fb_ad_add_data(client->data, g_variant_get_byte(key), g_variant_get_data(bytes),
                        g_variant_get_size(bytes));
}

static gboolean
parse_data(Client *client, GVariant *value)
{
  return parse_dict(client, value, G_VARIANT_TYPE_BYTE, add_data, fb_ad_clear_data);
}

static const struct {
  const char *name;
  guint32 flag;
} includes[] = {
  { "tx-power", FB_ADV_FLAG_TX_POWER },
  { "appearance", FB_ADV_FLAG_APPEARANCE },
  { "local-name", FB_ADV_FLAG_LOCAL_NAME },
};

/* What the controller supports: a legacy one with a known TX power. */
#define SUPPORTED_FLAGS (FB_ADV_FLAG_TX_POWER | FB_ADV_FLAG_APPEARANCE | FB_ADV_FLAG_LOCAL_NAME)

/* Known and supported names only; others are left out silently. */
static gboolean
parse_includes(Client *client, GVariant *value)
{
  client->flags &= FB_ADV_FLAG_SEC_MASK;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_ARRAY))
    return FALSE;
  for (gsize i = 0; i < g_variant_n_children(value); i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(value, i);

    if (!g_variant_is_of_type(child, G_VARIANT_TYPE_STRING))
      break;
    for (gsize n = 0; n < G_N_ELEMENTS(includes); n++)
      if (g_str_equal(g_variant_get_string(child, NULL), includes[n].name) &&
          (SUPPORTED_FLAGS & includes[n].flag))
        client->flags |= includes[n].flag;
  }
  return TRUE;
}

static gboolean
parse_local_name(Client *client, GVariant *value)
{
  const char *name;

  g_clear_pointer(&client->name, g_free);
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    return FALSE;
  if (client->flags & FB_ADV_FLAG_LOCAL_NAME) {
    g_warning("%s: local name already included", client->path);
    return FALSE;
  }
  name = g_variant_get_string(value, NULL);
  /* An empty name is as none. */
  if (name[0] != '\0')
    client->name = g_strdup(name);
  return TRUE;
}

static gboolean
parse_appearance(Client *client, GVariant *value)
{
  client->appearance = FB_AD_NO_APPEARANCE;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    return FALSE;
  if (client->flags & FB_ADV_FLAG_APPEARANCE) {
    g_warning("%s: appearance already included", client->path);
    return FALSE;
  }
  client->appearance = g_variant_get_uint16(value);
  return TRUE;
}

static gboolean
parse_duration(Client *client, GVariant *value)
{
  client->duration = 0;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    return FALSE;
  client->duration = g_variant_get_uint16(value);
  return TRUE;
}

static gboolean
on_timeout(gpointer user_data)
{
  Client *client = user_data;

  FbAdvertising *manager = client->manager;

  g_message("advertisement %s timed out", client->path);
  client->timeout_id = 0;
  client_drop(client, TRUE);
  instances_changed(manager);
  return G_SOURCE_REMOVE;
}

static gboolean
parse_timeout(Client *client, GVariant *value)
{
  g_clear_handle_id(&client->timeout_id, g_source_remove);
  client->timeout = 0;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    return FALSE;
  client->timeout = g_variant_get_uint16(value);
  if (client->timeout > 0)
    client->timeout_id = g_timeout_add_seconds(client->timeout, on_timeout, client);
  return TRUE;
}

/* The Flags field from Discoverable or DiscoverableTimeout: BR/EDR is
 * marked unsupported on an LE-only adapter, and when the advertisement is
 * discoverable but the adapter is not. */
static gboolean
set_flags(Client *client, guint8 flags)
{
  FbAdapter *adapter = client->manager->adapter;

  if (flags == 0) {
    fb_ad_clear_flags(client->data);
    return TRUE;
  }
  if (!adapter->bredr)
    flags |= FB_AD_FLAG_NO_BREDR;
  if ((flags & (FB_AD_FLAG_GENERAL | FB_AD_FLAG_LIMITED)) && !adapter->discoverable)
    flags |= FB_AD_FLAG_NO_BREDR;
  return fb_ad_set_flags(client->data, flags);
}

static gboolean
parse_discoverable(Client *client, GVariant *value)
{
  if (value == NULL) {
    fb_ad_clear_flags(client->data);
    return TRUE;
  }
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
    return FALSE;
  if (!set_flags(client, g_variant_get_boolean(value) ? FB_AD_FLAG_GENERAL : 0)) {
    fb_ad_clear_flags(client->data);
    return FALSE;
  }
  return TRUE;
}

static void refresh(Client *client, gboolean registering);

static gboolean
on_discoverable_timeout(gpointer user_data)
{
  Client *client = user_data;

  client->discoverable_timeout_id = 0;
  fb_ad_clear_flags(client->data);
  refresh(client, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
parse_discoverable_timeout(Client *client, GVariant *value)
{
  g_clear_handle_id(&client->discoverable_timeout_id, g_source_remove);
  client->discoverable_timeout = 0;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    return FALSE;
  client->discoverable_timeout = g_variant_get_uint16(value);
  /* Started even for 0, which then fires at once. */
  client->discoverable_timeout_id =
      g_timeout_add_seconds(client->discoverable_timeout, on_discoverable_timeout, client);
  return TRUE;
}

/* The controller advertises the legacy way: no secondary channel. */
static gboolean
parse_secondary(Client *client, GVariant *value)
{
  client->flags &= ~FB_ADV_FLAG_SEC_MASK;
  if (value == NULL)
    return TRUE;
  return FALSE;
}

/* Milliseconds to 0.625 ms units, within 0x20..0xffffff. Only with
 * --experimental; and then a property present but unset fails. */
static gboolean
parse_interval(GVariant *value, guint32 *interval)
{
  if (!fb_options()->experimental)
    return TRUE;
  *interval = 0;
  if (value == NULL)
    return FALSE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
    return FALSE;
  *interval = (guint32) MIN(g_variant_get_uint32(value) / 0.625, (double) G_MAXUINT32);
  if (*interval < 0x20 || *interval > 0xffffff) {
    *interval = 0;
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_min_interval(Client *client, GVariant *value)
{
  return parse_interval(value, &client->min_interval);
}

static gboolean
parse_max_interval(Client *client, GVariant *value)
{
  return parse_interval(value, &client->max_interval);
}

static gboolean
parse_tx_power(Client *client, GVariant *value)
{
  gint16 power;

  if (!fb_options()->experimental)
    return TRUE;
  if (value == NULL) {
    client->tx_power = TX_POWER_NONE;
    return FALSE;
  }
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_INT16))
    return FALSE;
  power = g_variant_get_int16(value);
  if (power < -127 || power > 20)
    return FALSE;
  client->tx_power = (gint8) power;
  return TRUE;
}

/* In bluetoothd's order, which matters: Includes before LocalName and
 * Appearance, Discoverable before DiscoverableTimeout. */
static const struct {
  const char *name;
  Parser parse;
} parsers[] = {
  { "Type", parse_type },
  { "ServiceUUIDs", parse_service_uuids },
  { "SolicitUUIDs", parse_solicit_uuids },
  { "ManufacturerData", parse_manufacturer_data },
  { "ServiceData", parse_service_data },
  { "Includes", parse_includes },
  { "LocalName", parse_local_name },
  { "Appearance", parse_appearance },
  { "Duration", parse_duration },
  { "Timeout", parse_timeout },
  { "Data", parse_data },
  { "Discoverable", parse_discoverable },
  { "DiscoverableTimeout", parse_discoverable_timeout },
  { "SecondaryChannel", parse_secondary },
  { "MinInterval", parse_min_interval },
  { "MaxInterval", parse_max_interval },
  { "TxPower", parse_tx_power },
};

static gboolean
parse_advertisement(Client *client)
{
  for (gsize i = 0; i < G_N_ELEMENTS(parsers); i++) {
    GVariant *value = g_hash_table_lookup(client->properties, parsers[i].name);

    if (value == NULL)
      continue;
    if (!parsers[i].parse(client, value)) {
      g_warning("%s: error parsing the %s property", client->path, parsers[i].name);
      return FALSE;
    }
  }
  if (fb_ad_has_flags(client->data)) {
    /* A broadcaster may not say it is discoverable. */
    if (client->type == TYPE_BROADCAST) {
      g_warning("%s: broadcast cannot set flags", client->path);
      return FALSE;
    }
    if (client->discoverable_timeout_id != 0 && !set_flags(client, FB_AD_FLAG_LIMITED)) {
      g_warning("%s: failed to set the limited discoverable flag", client->path);
      return FALSE;
    }
  } else if (client->discoverable_timeout_id != 0) {
    /* Not discoverable: the timeout does not apply. */
    g_clear_handle_id(&client->discoverable_timeout_id, g_source_remove);
    client->discoverable_timeout = 0;
  }
  if (client->timeout != 0 && client->timeout < client->discoverable_timeout) {
    g_warning("%s: DiscoverableTimeout > Timeout", client->path);
    return FALSE;
  }
  if (client->min_interval > client->max_interval) {
    g_warning("%s: MinInterval must be less than MaxInterval (%u > %u)", client->path,
              client->min_interval, client->max_interval);
    return FALSE;
  }
  return TRUE;
}

/* ---- What the controller gets ------------------------------------------ */

static guint32
adv_flags(Client *client)
{
  FbAdapter *adapter = client->manager->adapter;
  guint32 flags = 0;

  if (client->type == TYPE_PERIPHERAL) {
    flags = FB_ADV_FLAG_CONNECTABLE;
    if (adapter->discoverable && !fb_ad_has_flags(client->data))
      flags |= FB_ADV_FLAG_DISCOV;
  }
  return flags | client->flags;
}

static FbKernelAdv
kernel_adv(Client *client, guint32 flags)
{
  FbAdapter *adapter = client->manager->adapter;
  FbKernelAdv adv = {
    .flags = flags,
    .bredr = adapter->bredr,
    .discoverable = adapter->discoverable,
    .tx_power = CONTROLLER_TX_POWER,
    .name = fb_adapter_name(adapter),
  };

  return adv;
}

/* Builds the data as bluetoothd hands it to the kernel (extended
 * advertising commands: the parameters with the flags first, then the
 * data, checked against what the kernel says fits). FALSE when it does
 * not fit. */
static gboolean
build(Client *client, GBytes **adv_out, GBytes **scan_out, guint32 *flags_out)
{
  guint32 flags = adv_flags(client);
  FbKernelAdv kernel = kernel_adv(client, flags);
  g_autoptr(GByteArray) data = g_byte_array_new();
  g_autoptr(GByteArray) scan = g_byte_array_new();
  g_autoptr(GByteArray) adv_out_bytes = g_byte_array_new();
  g_autoptr(GByteArray) scan_out_bytes = g_byte_array_new();

  if ((flags & FB_ADV_FLAG_APPEARANCE) || client->appearance != FB_AD_NO_APPEARANCE)
    fb_ad_set_appearance(client->data,
                         client->appearance != FB_AD_NO_APPEARANCE ? client->appearance : 0);
  if (!fb_ad_generate(client->data, data) || data->len > fb_kernel_max_adv_len(&kernel)) {
    g_warning("%s: advertising data too long or could not be generated", client->path);
    return FALSE;
  }
  /* A scan response when there is a name to put in it, or other data. */
  if ((flags & FB_ADV_FLAG_LOCAL_NAME) || client->name != NULL || !fb_ad_is_empty(client->scan)) {
    if (client->name != NULL)
      fb_ad_set_name(client->scan, client->name);
    if (!fb_ad_generate(client->scan, scan) || scan->len > fb_kernel_max_scan_rsp_len(&kernel)) {
      g_warning("%s: scan data could not be generated", client->path);
      return FALSE;
    }
  }
  fb_kernel_adv_data(&kernel, data->data, data->len, adv_out_bytes);
  fb_kernel_scan_rsp(&kernel, scan->data, scan->len, scan_out_bytes);
  *adv_out = g_byte_array_free_to_bytes(g_steal_pointer(&adv_out_bytes));
  *scan_out = g_byte_array_free_to_bytes(g_steal_pointer(&scan_out_bytes));
  *flags_out = flags;
  return TRUE;
}

static void on_advertisement_changed(GDBusConnection *connection, const char *sender,
                                     const char *path, const char *interface, const char *signal,
                                     GVariant *parameters, gpointer user_data);

static void
registered(Client *client)
{
  GDBusMethodInvocation *reg = g_steal_pointer(&client->reg);

  g_message("advertisement registered: %s", client->path);
  client->properties_subscription = g_dbus_connection_signal_subscribe(
      bus(), client->owner, "org.freedesktop.DBus.Properties", "PropertiesChanged", client->path,
      ADVERTISEMENT_IFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_advertisement_changed, client, NULL);
  instances_changed(client->manager);
  g_dbus_method_invocation_return_value(reg, NULL);
}

/* Sends the advertisement to the "controller". While registering, the
 * answer follows; afterwards a failure drops the advertisement silently:
 * bluetoothd 5.66 forgets it without Release() or PropertiesChanged. */
static void
refresh(Client *client, gboolean registering)
{
  GBytes *adv = NULL, *scan = NULL;
  guint32 flags;

  if (!build(client, &adv, &scan, &flags)) {
    if (registering) {
      GDBusMethodInvocation *reg = g_steal_pointer(&client->reg);

      fb_return_error(reg, "Failed", "Failed to register advertisement");
    } else {
      g_warning("%s: the advertisement no longer fits; dropped", client->path);
    }
    client_drop(client, FALSE);
    return;
  }
  if (client->adv_data != NULL)
    g_bytes_unref(client->adv_data);
  if (client->scan_rsp != NULL)
    g_bytes_unref(client->scan_rsp);
  client->adv_data = adv;
  client->scan_rsp = scan;
  client->kernel_flags = flags;
  if (registering)
    registered(client);
  fb_control_emit("AdvertisementsChanged", NULL);
}

/* After registration bluetoothd follows the object's PropertiesChanged:
 * each property it parses anew, and when that works it sends the data
 * again. */
static void
on_advertisement_changed(GDBusConnection *connection, const char *sender, const char *path,
                         const char *interface, const char *signal, GVariant *parameters,
                         gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")))
    return;
  g_variant_get(parameters, "(&s@a{sv}^a&s)", NULL, &changed, &invalidated);
  g_variant_iter_init(&iter, changed);
  while (!client->gone && g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
    g_hash_table_replace(client->properties, g_strdup(name), g_variant_ref(value));
    for (gsize i = 0; i < G_N_ELEMENTS(parsers); i++)
      if (g_str_equal(parsers[i].name, name) && parsers[i].parse(client, value))
        refresh(client, FALSE);
    g_variant_unref(value);
  }
  for (gsize n = 0; !client->gone && invalidated[n] != NULL; n++) {
    g_hash_table_remove(client->properties, invalidated[n]);
    for (gsize i = 0; i < G_N_ELEMENTS(parsers); i++)
      if (g_str_equal(parsers[i].name, invalidated[n]) && parsers[i].parse(client, NULL))
        refresh(client, FALSE);
  }
}

/* ---- Registration ------------------------------------------------------ */

static void
properties_read(Client *client, GVariant *dict)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  if (client->gone)
    return;
  if (dict != NULL) {
    g_variant_iter_init(&iter, dict);
    while (g_variant_iter_next(&iter, "{&sv}", &name, &value))
      g_hash_table_replace(client->properties, g_strdup(name), value);
  }
  if (!parse_advertisement(client)) {
    GDBusMethodInvocation *reg = g_steal_pointer(&client->reg);

    fb_return_error(reg, "Failed", "Failed to parse advertisement.");
    client_drop(client, FALSE);
    return;
  }
  refresh(client, TRUE);
}

static void
on_get_all(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  g_autoptr(GVariant) dict = NULL;

  /* A failed GetAll leaves the advertisement without properties. */
  if (reply != NULL && g_variant_is_of_type(reply, G_VARIANT_TYPE("(a{sv})")))
    dict = g_variant_get_child_value(reply, 0);
  else if (reply == NULL)
    g_message("%s: GetAll: %s", client->path, error->message);
  properties_read(client, dict);
  client_unref(client);
}

/* bluetoothd asks the object's own path for its managed objects first,
 * and reads the properties with GetAll when the advertisement is not
 * among them. */
static void
on_managed_objects(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, NULL);
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GVariant) dict = NULL;

  if (client->gone) {
    client_unref(client);
    return;
  }
  if (reply != NULL && g_variant_is_of_type(reply, G_VARIANT_TYPE("(a{oa{sa{sv}}})"))) {
    objects = g_variant_get_child_value(reply, 0);
    interfaces = g_variant_lookup_value(objects, client->path, G_VARIANT_TYPE("a{sa{sv}}"));
    if (interfaces != NULL)
      dict = g_variant_lookup_value(interfaces, ADVERTISEMENT_IFACE, G_VARIANT_TYPE("a{sv}"));
  }
  if (dict != NULL) {
    properties_read(client, dict);
    client_unref(client);
    return;
  }
  g_dbus_connection_call(bus(), client->owner, client->path, "org.freedesktop.DBus.Properties",
                         "GetAll", g_variant_new("(s)", ADVERTISEMENT_IFACE), NULL,
                         G_DBUS_CALL_FLAGS_NONE, FB_CALL_TIMEOUT_MS, NULL, on_get_all, client);
}

static void
on_owner_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
  Client *client = user_data;

  g_message("advertisement %s: its owner left the bus", client->path);
  /* During registration bluetoothd has no watch yet; the fake drops the
   * registration rather than keep an advertisement nobody owns. */
  client_remove(client);
}

static Client *
find_client(FbAdvertising *manager, const char *owner, const char *path)
{
  for (guint i = 0; i < manager->clients->len; i++) {
    Client *client = manager->clients->pdata[i];

    if (g_str_equal(client->owner, owner) && g_str_equal(client->path, path))
      return client;
  }
  return NULL;
}

/* The lowest free instance, 0 for none. */
static guint8
free_instance(FbAdvertising *manager)
{
  for (guint8 instance = 1; instance <= manager->max_instances; instance++) {
    gboolean used = FALSE;

    for (guint i = 0; i < manager->clients->len; i++)
      used = used || ((Client *) manager->clients->pdata[i])->instance == instance;
    if (!used)
      return instance;
  }
  return 0;
}

static void
register_advertisement(FbAdvertising *manager, GVariant *parameters,
                       GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender(invocation);
  const char *path;
  Client *client;
  guint8 instance;

  g_variant_get(parameters, "(&o@a{sv})", &path, NULL);
  if (find_client(manager, sender, path) != NULL) {
    fb_return_error(invocation, "AlreadyExists", "Already Exists");
    return;
  }
  instance = free_instance(manager);
  if (instance == 0) {
    fb_return_error(invocation, "NotPermitted", "Maximum advertisements reached");
    return;
  }
  client = g_new0(Client, 1);
  client->ref = 1;
  client->manager = manager;
  client->owner = g_strdup(sender);
  client->path = g_strdup(path);
  client->reg = g_object_ref(invocation);
  client->instance = instance;
  client->data = fb_ad_new();
  client->scan = fb_ad_new();
  client->appearance = FB_AD_NO_APPEARANCE;
  client->tx_power = TX_POWER_NONE;
  client->properties =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  g_ptr_array_add(manager->clients, client);
  g_message("registering advertisement %s %s as instance %u", sender, path, instance);
  client->name_watch = g_bus_watch_name_on_connection(bus(), sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                      NULL, on_owner_vanished, client, NULL);
  client->ref++;
  g_dbus_connection_call(bus(), sender, path, "org.freedesktop.DBus.ObjectManager",
                         "GetManagedObjects", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                         FB_CALL_TIMEOUT_MS, NULL, on_managed_objects, client);
}

static void
unregister_advertisement(FbAdvertising *manager, GVariant *parameters,
                         GDBusMethodInvocation *invocation)
{
  const char *path;
  Client *client;

  g_variant_get(parameters, "(&o)", &path);
  client = find_client(manager, g_dbus_method_invocation_get_sender(invocation), path);
  if (client == NULL) {
    fb_return_error(invocation, "DoesNotExist", "Does Not Exist");
    return;
  }
  g_message("advertisement unregistered: %s", path);
  client_remove(client);
  g_dbus_method_invocation_return_value(invocation, NULL);
}

/* ---- The manager ------------------------------------------------------- */

static void
manager_method_call(FbIface *iface, const char *method, GVariant *parameters,
                    GDBusMethodInvocation *invocation)
{
  FbAdvertising *manager = iface->user_data;

  if (g_str_equal(method, "RegisterAdvertisement"))
    register_advertisement(manager, parameters, invocation);
  else
    unregister_advertisement(manager, parameters, invocation);
}

static GVariant *
manager_get_property(FbIface *iface, const char *name)
{
  FbAdvertising *manager = iface->user_data;
  GVariantBuilder builder;

  if (g_str_equal(name, "ActiveInstances"))
    return g_variant_new_byte((guint8) manager->clients->len);
  if (g_str_equal(name, "SupportedInstances"))
    return g_variant_new_byte((guint8) (manager->max_instances - manager->clients->len));
  if (g_str_equal(name, "SupportedIncludes")) {
    g_variant_builder_init(&builder, G_VARIANT_TYPE("as"));
    for (gsize i = 0; i < G_N_ELEMENTS(includes); i++)
      if (SUPPORTED_FLAGS & includes[i].flag)
        g_variant_builder_add(&builder, "s", includes[i].name);
    return g_variant_builder_end(&builder);
  }
  /* Only with a secondary channel, which a legacy controller lacks. */
  if (g_str_equal(name, "SupportedSecondaryChannels"))
    return NULL;
  if (g_str_equal(name, "SupportedFeatures"))
    return g_variant_new_strv(NULL, 0);
  if (g_str_equal(name, "SupportedCapabilities")) {
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&builder, "{sv}", "MaxAdvLen", g_variant_new_byte(FB_AD_MAX_LEN));
    g_variant_builder_add(&builder, "{sv}", "MaxScnRspLen", g_variant_new_byte(FB_AD_MAX_LEN));
    return g_variant_builder_end(&builder);
  }
  return NULL;
}

static const FbIfaceClass manager_class = {
  .name = FB_ADV_MANAGER_INTERFACE,
  .get_property = manager_get_property,
  .method_call = manager_method_call,
};

FbAdvertising *
fb_advertising_new(FbAdapter *adapter)
{
  FbAdvertising *manager = g_new0(FbAdvertising, 1);

  manager->adapter = adapter;
  manager->clients = g_ptr_array_new();
  manager->max_instances = fb_options()->max_advertisements;
  manager->iface.klass = &manager_class;
  manager->iface.user_data = manager;
  fb_object_add(adapter->path, &manager->iface);
  return manager;
}

void
fb_advertising_free(FbAdvertising *manager)
{
  if (manager == NULL)
    return;
  while (manager->clients->len > 0)
    client_drop(manager->clients->pdata[0], TRUE);
  fb_object_remove(manager->adapter->path, &manager->iface);
  g_ptr_array_unref(manager->clients);
  g_free(manager);
}

void
fb_advertising_refresh(FbAdvertising *manager)
{
  g_autoptr(GPtrArray) clients = NULL;

  if (manager == NULL)
    return;
  clients = g_ptr_array_copy(manager->clients, NULL, NULL);
  for (guint i = 0; i < clients->len; i++) {
    Client *client = clients->pdata[i];

    if (client->reg == NULL && !client->gone)
      refresh(client, FALSE);
  }
  fb_control_emit("AdvertisementsChanged", NULL);
}

gboolean
fb_advertising_connectable(FbAdvertising *manager)
{
  for (guint i = 0; manager != NULL && i < manager->clients->len; i++) {
    Client *client = manager->clients->pdata[i];

    if (client->reg == NULL && (client->kernel_flags & FB_ADV_FLAG_CONNECTABLE))
      return manager->adapter->powered;
  }
  return FALSE;
}

static GVariant *
describe_client(Client *client)
{
  GVariantBuilder info, properties;
  GHashTableIter iter;
  gpointer key, value;
  gsize adv_len, scan_len;
  const guint8 *adv = g_bytes_get_data(client->adv_data, &adv_len);
  const guint8 *scan = g_bytes_get_data(client->scan_rsp, &scan_len);

  g_variant_builder_init(&info, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&info, "{sv}", "Owner", g_variant_new_string(client->owner));
  g_variant_builder_add(&info, "{sv}", "Path", g_variant_new_object_path(client->path));
  g_variant_builder_add(&info, "{sv}", "Instance", g_variant_new_byte(client->instance));
  g_variant_builder_add(
      &info, "{sv}", "Type",
      g_variant_new_string(client->type == TYPE_PERIPHERAL ? "peripheral" : "broadcast"));
  g_variant_builder_add(&info, "{sv}", "Connectable",
                        g_variant_new_boolean(client->kernel_flags & FB_ADV_FLAG_CONNECTABLE));
  g_variant_builder_add(&info, "{sv}", "OnAir",
                        g_variant_new_boolean(client->manager->adapter->powered));
  g_variant_builder_add(&info, "{sv}", "Flags", g_variant_new_uint32(client->kernel_flags));
  g_variant_builder_add(&info, "{sv}", "Duration", g_variant_new_uint16(client->duration));
  g_variant_builder_add(&info, "{sv}", "Timeout", g_variant_new_uint16(client->timeout));
  if (client->min_interval != 0 && client->max_interval != 0) {
    g_variant_builder_add(&info, "{sv}", "MinInterval", g_variant_new_uint32(client->min_interval));
    g_variant_builder_add(&info, "{sv}", "MaxInterval", g_variant_new_uint32(client->max_interval));
  }
  if (client->tx_power != TX_POWER_NONE)
    g_variant_builder_add(&info, "{sv}", "TxPower", g_variant_new_int16(client->tx_power));
  g_variant_builder_init(&properties, G_VARIANT_TYPE("a{sv}"));
  g_hash_table_iter_init(&iter, client->properties);
  while (g_hash_table_iter_next(&iter, &key, &value))
    g_variant_builder_add(&properties, "{sv}", (const char *) key, (GVariant *) value);
  return g_variant_new("(a{sv}a{sv}@ay@ay)", &info, &properties,
                       g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, adv, adv_len, 1),
                       g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, scan, scan_len, 1));
}

GVariant *
fb_advertising_describe(FbAdvertising *manager)
{
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a(a{sv}a{sv}ayay)"));
  for (guint i = 0; manager != NULL && i < manager->clients->len; i++) {
    Client *client = manager->clients->pdata[i];

    if (client->reg == NULL && client->adv_data != NULL)
      g_variant_builder_add_value(&builder, describe_client(client));
  }
  return g_variant_builder_end(&builder);
}
