/* SPDX-License-Identifier: Apache-2.0 */
/* The fields of matterd's objects, as text and as JSON. */

#include "build-config.h"

#include "ctl-objects.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ctl-util.h"
#include "md-names.h"

/* The order of status's lines. */
static const MdCtlField node_fields[] = {
  { "VendorId", "vendor_id", N_("Vendor ID:"), MD_CTL_FORMAT_ID16 },
  { "ProductId", "product_id", N_("Product ID:"), MD_CTL_FORMAT_ID16 },
  { "Discriminator", "discriminator", N_("Discriminator:"), MD_CTL_FORMAT_NUMBER },
  { "UniqueId", "unique_id", N_("Unique ID:"), MD_CTL_FORMAT_STRING },
  { "NodeLabel", "node_label", N_("Node label:"), MD_CTL_FORMAT_STRING },
  { "Location", "location", N_("Location:"), MD_CTL_FORMAT_STRING },
  { "Commissioned", "commissioned", N_("Commissioned:"), MD_CTL_FORMAT_BOOLEAN },
  { "CommissioningWindow", "commissioning_window", N_("Commissioning window:"),
    MD_CTL_FORMAT_STRING },
  { "CommissioningWindowExpires", "commissioning_window_expires_usec", N_("Window closes:"),
    MD_CTL_FORMAT_TIME },
  { "QrCode", "qr_code", N_("QR code:"), MD_CTL_FORMAT_OPTIONAL },
  { "ManualCode", "manual_code", N_("Manual code:"), MD_CTL_FORMAT_OPTIONAL },
  { "BluetoothState", "bluetooth_state", N_("Bluetooth:"), MD_CTL_FORMAT_STRING },
  { "FabricCount", "fabric_count", N_("Fabrics:"), MD_CTL_FORMAT_NUMBER },
  { "SupportedFabrics", "supported_fabrics", N_("Supported fabrics:"), MD_CTL_FORMAT_NUMBER },
  { "SessionCount", "session_count", N_("Sessions:"), MD_CTL_FORMAT_NUMBER },
};

/* The order of the fabrics table's columns. */
static const MdCtlField fabric_fields[] = {
  { "FabricIndex", "fabric_index", N_("INDEX"), MD_CTL_FORMAT_NUMBER, TRUE },
  { "FabricId", "fabric_id", N_("FABRIC ID"), MD_CTL_FORMAT_ID64, TRUE },
  { "NodeId", "node_id", N_("NODE ID"), MD_CTL_FORMAT_ID64, TRUE },
  { "VendorId", "vendor_id", N_("VENDOR ID"), MD_CTL_FORMAT_ID16, TRUE },
  { "CompressedFabricId", "compressed_fabric_id", N_("COMPRESSED FABRIC ID"), MD_CTL_FORMAT_HEX64,
    TRUE },
  { "Label", "label", N_("LABEL"), MD_CTL_FORMAT_STRING, TRUE },
  { "RootPublicKey", "root_public_key", N_("ROOT PUBLIC KEY"), MD_CTL_FORMAT_BYTES, FALSE },
};

/* The order of the sessions table's columns, after the id. */
static const MdCtlField session_fields[] = {
  { "Kind", "kind", N_("KIND"), MD_CTL_FORMAT_STRING, TRUE },
  { "FabricIndex", "fabric_index", N_("FABRIC"), MD_CTL_FORMAT_INDEX, TRUE },
  { "PeerNodeId", "peer_node_id", N_("PEER NODE ID"), MD_CTL_FORMAT_ID64, TRUE },
  { "PeerAddress", "peer_address", N_("ADDRESS"), MD_CTL_FORMAT_STRING, TRUE },
  { "Transport", "transport", N_("TRANSPORT"), MD_CTL_FORMAT_STRING, TRUE },
  { "Established", "established_usec", N_("ESTABLISHED"), MD_CTL_FORMAT_TIME, TRUE },
  { "LastActivity", "last_activity_usec", N_("LAST ACTIVITY"), MD_CTL_FORMAT_TIME, TRUE },
};

/* The order of the endpoints table's columns. */
static const MdCtlField endpoint_fields[] = {
  { "Number", "number", N_("NUMBER"), MD_CTL_FORMAT_NUMBER, TRUE },
  { "UniqueId", "unique_id", N_("UNIQUE ID"), MD_CTL_FORMAT_STRING, TRUE },
  { "DeviceTypes", "device_types", N_("DEVICE TYPES"), MD_CTL_FORMAT_DEVICE_TYPES, TRUE },
  { "Application", "application", N_("APPLICATION"), MD_CTL_FORMAT_OPTIONAL, TRUE },
  { "Reachable", "reachable", N_("REACHABLE"), MD_CTL_FORMAT_BOOLEAN, TRUE },
  { "Label", "label", N_("LABEL"), MD_CTL_FORMAT_OPTIONAL, FALSE },
  { "Bridged", "bridged", N_("BRIDGED"), MD_CTL_FORMAT_BOOLEAN, FALSE },
};

const MdCtlObjectKind md_ctl_node_kind = {
  MD_DBUS_INTERFACE_NODE,
  "node",
  node_fields,
  G_N_ELEMENTS(node_fields),
};
const MdCtlObjectKind md_ctl_fabric_kind = {
  MD_DBUS_INTERFACE_FABRIC,
  "fabric",
  fabric_fields,
  G_N_ELEMENTS(fabric_fields),
};
const MdCtlObjectKind md_ctl_session_kind = {
  MD_DBUS_INTERFACE_SESSION,
  "session",
  session_fields,
  G_N_ELEMENTS(session_fields),
};

const MdCtlObjectKind md_ctl_endpoint_kind = {
  MD_DBUS_INTERFACE_NODE_ENDPOINT,
  "endpoint",
  endpoint_fields,
  G_N_ELEMENTS(endpoint_fields),
};

const MdCtlObjectKind *
md_ctl_object_kind_find(const char *interface)
{
  const MdCtlObjectKind *kinds[] = { &md_ctl_node_kind, &md_ctl_fabric_kind, &md_ctl_session_kind,
                                     &md_ctl_endpoint_kind };

  for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++)
    if (g_str_equal(kinds[i]->interface, interface))
      return kinds[i];
  return NULL;
}

const MdCtlField *
md_ctl_field_find(const MdCtlObjectKind *kind, const char *property)
{
  for (gsize i = 0; i < kind->n_fields; i++)
    if (g_str_equal(kind->fields[i].property, property))
      return &kind->fields[i];
  return NULL;
}

/* The GVariant type each format reads. */
static const GVariantType *
format_type(MdCtlFormat format)
{
  switch (format) {
  case MD_CTL_FORMAT_STRING:
  case MD_CTL_FORMAT_OPTIONAL:
    return G_VARIANT_TYPE_STRING;
  case MD_CTL_FORMAT_BOOLEAN:
    return G_VARIANT_TYPE_BOOLEAN;
  case MD_CTL_FORMAT_NUMBER:
    return NULL; /* any unsigned integer */
  case MD_CTL_FORMAT_INDEX:
    return G_VARIANT_TYPE_BYTE;
  case MD_CTL_FORMAT_ID16:
    return G_VARIANT_TYPE_UINT16;
  case MD_CTL_FORMAT_ID64:
  case MD_CTL_FORMAT_HEX64:
  case MD_CTL_FORMAT_TIME:
    return G_VARIANT_TYPE_UINT64;
  case MD_CTL_FORMAT_BYTES:
    return G_VARIANT_TYPE_BYTESTRING;
  case MD_CTL_FORMAT_DEVICE_TYPES:
    return G_VARIANT_TYPE("a(qq)");
  }
  g_assert_not_reached();
}

/* @value as an unsigned integer; FALSE when it is none. */
static gboolean
get_uint(GVariant *value, guint64 *out)
{
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BYTE))
    *out = g_variant_get_byte(value);
  else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    *out = g_variant_get_uint16(value);
  else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
    *out = g_variant_get_uint32(value);
  else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT64))
    *out = g_variant_get_uint64(value);
  else
    return FALSE;
  return TRUE;
}

/* Whether @value has the type @field reads. */
static gboolean
value_fits(const MdCtlField *field, GVariant *value)
{
  const GVariantType *type = format_type(field->format);
  guint64 number;

  if (type == NULL)
    return get_uint(value, &number);
  return g_variant_is_of_type(value, type);
}

gboolean
md_ctl_field_is_none(const MdCtlField *field, GVariant *value)
{
  if (value == NULL)
    return TRUE;
  if (!value_fits(field, value))
    return FALSE;
  switch (field->format) {
  case MD_CTL_FORMAT_OPTIONAL:
    return *g_variant_get_string(value, NULL) == '\0';
  case MD_CTL_FORMAT_INDEX:
  case MD_CTL_FORMAT_ID64:
  case MD_CTL_FORMAT_TIME: {
    guint64 number = 0;

    get_uint(value, &number);
    return number == 0;
  }
  default:
    return FALSE;
  }
}

char *
md_ctl_format_time(guint64 usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local((gint64) (usec / G_USEC_PER_SEC));

  if (time == NULL)
    return g_strdup_printf("%" G_GUINT64_FORMAT, usec);
  return g_date_time_format(time, "%Y-%m-%d %H:%M:%S");
}

static char *
bytes_hex(GVariant *value)
{
  gsize len;
  const guint8 *data = g_variant_get_fixed_array(value, &len, 1);

  return md_ctl_hex(data, len);
}

static char *
device_types_text(GVariant *value)
{
  GString *text = g_string_new(NULL);
  GVariantIter iter;
  guint16 id, revision;

  g_variant_iter_init(&iter, value);
  while (g_variant_iter_next(&iter, "(qq)", &id, &revision))
    g_string_append_printf(text, "%s0x%04X/%u", text->len > 0 ? "," : "", id, revision);
  if (text->len == 0)
    g_string_append(text, "-");
  return g_string_free(text, FALSE);
}

static void
device_types_json(JsonBuilder *builder, GVariant *value)
{
  GVariantIter iter;
  guint16 id, revision;

  json_builder_begin_array(builder);
  g_variant_iter_init(&iter, value);
  while (g_variant_iter_next(&iter, "(qq)", &id, &revision)) {
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "device_type");
    json_builder_add_int_value(builder, id);
    json_builder_set_member_name(builder, "revision");
    json_builder_add_int_value(builder, revision);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

char *
md_ctl_field_text(const MdCtlField *field, GVariant *value)
{
  guint64 number = 0;

  if (value == NULL)
    return g_strdup("-");
  if (!value_fits(field, value))
    return g_variant_print(value, FALSE);
  if (md_ctl_field_is_none(field, value))
    return g_strdup("-");
  get_uint(value, &number);
  switch (field->format) {
  case MD_CTL_FORMAT_STRING:
  case MD_CTL_FORMAT_OPTIONAL:
    return g_variant_dup_string(value, NULL);
  case MD_CTL_FORMAT_BOOLEAN:
    return g_strdup(g_variant_get_boolean(value) ? _("yes") : _("no"));
  case MD_CTL_FORMAT_NUMBER:
  case MD_CTL_FORMAT_INDEX:
    return g_strdup_printf("%" G_GUINT64_FORMAT, number);
  case MD_CTL_FORMAT_ID16:
    return g_strdup_printf("0x%04X", (guint) number);
  case MD_CTL_FORMAT_ID64:
    return g_strdup_printf("0x%016" G_GINT64_MODIFIER "X", number);
  case MD_CTL_FORMAT_HEX64:
    return g_strdup_printf("%016" G_GINT64_MODIFIER "X", number);
  case MD_CTL_FORMAT_BYTES:
    return bytes_hex(value);
  case MD_CTL_FORMAT_TIME:
    return md_ctl_format_time(number);
  case MD_CTL_FORMAT_DEVICE_TYPES:
    return device_types_text(value);
  }
  g_assert_not_reached();
}

void
md_ctl_field_add_json(JsonBuilder *builder, const MdCtlField *field, GVariant *value)
{
  json_builder_set_member_name(builder, field->member);
  md_ctl_field_add_json_value(builder, field, value);
}

void
md_ctl_field_add_json_value(JsonBuilder *builder, const MdCtlField *field, GVariant *value)
{
  guint64 number = 0;

  if (value == NULL || md_ctl_field_is_none(field, value)) {
    json_builder_add_null_value(builder);
    return;
  }
  if (!value_fits(field, value)) {
    g_autofree char *text = g_variant_print(value, FALSE);

    json_builder_add_string_value(builder, text);
    return;
  }
  get_uint(value, &number);
  switch (field->format) {
  case MD_CTL_FORMAT_STRING:
  case MD_CTL_FORMAT_OPTIONAL:
    json_builder_add_string_value(builder, g_variant_get_string(value, NULL));
    return;
  case MD_CTL_FORMAT_BOOLEAN:
    json_builder_add_boolean_value(builder, g_variant_get_boolean(value));
    return;
  case MD_CTL_FORMAT_NUMBER:
  case MD_CTL_FORMAT_INDEX:
  case MD_CTL_FORMAT_ID16:
  case MD_CTL_FORMAT_TIME:
    json_builder_add_int_value(builder, (gint64) number);
    return;
  case MD_CTL_FORMAT_ID64:
  case MD_CTL_FORMAT_HEX64: {
    /* Strings: 64-bit ids do not fit a JSON reader's doubles. */
    g_autofree char *hex = g_strdup_printf("%016" G_GINT64_MODIFIER "X", number);

    json_builder_add_string_value(builder, hex);
    return;
  }
  case MD_CTL_FORMAT_BYTES: {
    g_autofree char *hex = bytes_hex(value);

    json_builder_add_string_value(builder, hex);
    return;
  }
  case MD_CTL_FORMAT_DEVICE_TYPES:
    device_types_json(builder, value);
    return;
  }
  g_assert_not_reached();
}

/* The number that ends @path after @prefix, 1..@max; 0 when there is
 * none. */
static guint
path_number(const char *path, const char *prefix, guint max)
{
  guint64 number;

  if (!g_str_has_prefix(path, prefix))
    return 0;
  if (!g_ascii_string_to_unsigned(path + strlen(prefix), 10, 1, max, &number, NULL))
    return 0;
  return (guint) number;
}

guint
md_ctl_session_id(const char *path)
{
  return path_number(path, MD_DBUS_SESSION_PATH_PREFIX, G_MAXUINT16);
}

guint
md_ctl_fabric_index(const char *path)
{
  return path_number(path, MD_DBUS_FABRIC_PATH_PREFIX, G_MAXUINT8);
}

guint
md_ctl_endpoint_number(const char *path)
{
  return path_number(path, MD_DBUS_ENDPOINT_PATH_PREFIX, G_MAXUINT16);
}

void
md_ctl_object_add_json(JsonBuilder *builder, const MdCtlObjectKind *kind, GDBusProxy *proxy)
{
  if (kind == &md_ctl_session_kind) {
    json_builder_set_member_name(builder, "id");
    json_builder_add_int_value(builder, md_ctl_session_id(g_dbus_proxy_get_object_path(proxy)));
  }
  for (gsize i = 0; i < kind->n_fields; i++) {
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property(proxy, kind->fields[i].property);

    md_ctl_field_add_json(builder, &kind->fields[i], value);
  }
}

guint64
md_ctl_proxy_uint(GDBusProxy *proxy, const char *property)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property(proxy, property);
  guint64 number = 0;

  if (value != NULL)
    get_uint(value, &number);
  return number;
}

char *
md_ctl_proxy_string(GDBusProxy *proxy, const char *property)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property(proxy, property);

  if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    return g_strdup("");
  return g_variant_dup_string(value, NULL);
}

/* What objects of one kind are sorted by: the session id, the fabric
 * index. */
static guint64
sort_key(GDBusProxy *proxy)
{
  const char *interface = g_dbus_proxy_get_interface_name(proxy);

  if (g_str_equal(interface, MD_DBUS_INTERFACE_SESSION))
    return md_ctl_session_id(g_dbus_proxy_get_object_path(proxy));
  if (g_str_equal(interface, MD_DBUS_INTERFACE_NODE_ENDPOINT))
    return md_ctl_proxy_uint(proxy, "Number");
  return md_ctl_proxy_uint(proxy, "FabricIndex");
}

static int
compare_objects(gconstpointer a, gconstpointer b)
{
  guint64 ka = sort_key(*(GDBusProxy *const *) a), kb = sort_key(*(GDBusProxy *const *) b);

  return ka < kb ? -1 : ka > kb;
}

GPtrArray *
md_ctl_objects_list(GDBusObjectManager *manager, const MdCtlObjectKind *kind)
{
  GPtrArray *proxies = g_ptr_array_new_with_free_func(g_object_unref);
  GList *objects = g_dbus_object_manager_get_objects(manager);

  for (GList *l = objects; l != NULL; l = l->next) {
    GDBusInterface *interface = g_dbus_object_get_interface(l->data, kind->interface);

    if (interface != NULL)
      g_ptr_array_add(proxies, interface);
  }
  g_list_free_full(objects, g_object_unref);
  g_ptr_array_sort(proxies, compare_objects);
  return proxies;
}
