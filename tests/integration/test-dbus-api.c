/* SPDX-License-Identifier: Apache-2.0 */
/* The org.matterd API of the built matterd on a private bus, against the
 * node's real state: what a commissioner does over Matter (commissioning,
 * UpdateFabricLabel, a NodeLabel write) shows on D-Bus as objects,
 * InterfacesAdded/Removed and PropertiesChanged; what the host does over
 * D-Bus (a window, Fabric1.Remove, Session1.Close, NodeLabel, a factory
 * reset) shows over Matter and in the store. The caller is the test's own
 * uid, which the bouncer lets through without polkit (test-polkit covers
 * the other callers). */

#include <gio/gio.h>
#include <string.h>

#include "matter/payload.h"
#include "md-test-commission.h"
#include "md-test-core.h"

#define CLUSTER_BASIC_INFORMATION 0x0028
#define ATTR_NODE_LABEL 0x0005
#define ATTR_LOCATION 0x0006
#define ATTR_UNIQUE_ID 0x0012

#define WAIT_MS 3000

static void
node_setup(MdTestNode *node, gconstpointer data)
{
  md_test_node_start(node, data != NULL ? data : MD_TEST_COMMISSION_CONFIG);
}

static void
node_teardown(MdTestNode *node, gconstpointer data)
{
  md_test_node_stop(node);
}

/* ---- Calls ---- */

static GVariant *
call(MdTestNode *node, const char *path, const char *interface, const char *method,
     GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync(node->connection, "org.matterd", path, interface, method,
                                     args, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
}

static void
assert_call_fails(MdTestNode *node, const char *path, const char *interface, const char *method,
                  GVariant *args, const char *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call(node, path, interface, method, args, &error);
  g_autofree char *remote = NULL;

  g_assert_null(reply);
  g_assert_nonnull(error);
  remote = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(remote, ==, error_name);
  /* A human message, not only a name. */
  g_dbus_error_strip_remote_error(error);
  g_assert_cmpuint(strlen(error->message), >, 10);
}

static void
set_node_label(MdTestNode *node, const char *label, GError **error)
{
  GVariant *reply =
    call(node, "/org/matterd", "org.freedesktop.DBus.Properties", "Set",
         g_variant_new("(ssv)", "org.matterd.Node1", "NodeLabel", g_variant_new_string(label)),
         error);

  g_clear_pointer(&reply, g_variant_unref);
}

/* Every object of the ObjectManager on "/": path -> a{sa{sv}}. */
static GVariant *
managed_objects(MdTestNode *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
    node->connection, "org.matterd", "/", "org.freedesktop.DBus.ObjectManager",
    "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 5000,
    NULL, &error);

  g_assert_no_error(error);
  return g_variant_get_child_value(reply, 0);
}

/* The properties of @interface at @path, from GetManagedObjects; NULL when
 * the object or interface is not there. */
static GVariant *
object_properties(MdTestNode *node, const char *path, const char *interface)
{
  g_autoptr(GVariant) objects = managed_objects(node);
  g_autoptr(GVariant) interfaces = g_variant_lookup_value(objects, path, NULL);

  if (interfaces == NULL)
    return NULL;
  return g_variant_lookup_value(interfaces, interface, NULL);
}

/* Paths of the objects with @interface. */
static GPtrArray *
objects_with(MdTestNode *node, const char *interface)
{
  g_autoptr(GVariant) objects = managed_objects(node);
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  g_variant_iter_init(&iter, objects);
  while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &interfaces)) {
    if (g_variant_lookup_value(interfaces, interface, NULL) != NULL)
      g_ptr_array_add(paths, g_strdup(path));
    g_variant_unref(interfaces);
  }
  return paths;
}

/* ---- Signals, as a GDBus subscriber gets them ---- */

typedef struct {
  char *member; /* InterfacesAdded, InterfacesRemoved, PropertiesChanged */
  char *path;   /* the object concerned */
  GVariant *body;
} Signal;

static void
signal_free(Signal *s)
{
  g_free(s->member);
  g_free(s->path);
  g_variant_unref(s->body);
  g_free(s);
}

typedef struct {
  GDBusConnection *connection;
  guint id;
  GPtrArray *signals;
} Recorder;

static void
on_signal(GDBusConnection *connection, const char *sender, const char *path,
          const char *interface, const char *member, GVariant *body, gpointer user_data)
{
  Recorder *rec = user_data;
  Signal *s = g_new0(Signal, 1);

  s->member = g_strdup(member);
  s->body = g_variant_ref(body);
  /* The ObjectManager's signals name the object in their body. */
  if (strcmp(member, "InterfacesAdded") == 0 || strcmp(member, "InterfacesRemoved") == 0)
    g_variant_get_child(body, 0, "o", &s->path);
  else
    s->path = g_strdup(path);
  g_ptr_array_add(rec->signals, s);
}

static Recorder *
recorder_new(MdTestNode *node)
{
  Recorder *rec = g_new0(Recorder, 1);

  rec->connection = g_object_ref(node->connection);
  rec->signals = g_ptr_array_new_with_free_func((GDestroyNotify) signal_free);
  rec->id = g_dbus_connection_signal_subscribe(node->connection, "org.matterd", NULL, NULL, NULL,
                                               NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, rec,
                                               NULL);
  return rec;
}

static void
recorder_free(Recorder *rec)
{
  g_dbus_connection_signal_unsubscribe(rec->connection, rec->id);
  g_object_unref(rec->connection);
  g_ptr_array_unref(rec->signals);
  g_free(rec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Recorder, recorder_free)

/* Delivers what arrived: a round trip to the daemon first, so that every
 * signal it sent before is in. */
static void
recorder_flush(MdTestNode *node)
{
  GVariant *ping = call(node, "/org/matterd", "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);

  g_clear_pointer(&ping, g_variant_unref);
  while (g_main_context_iteration(NULL, FALSE))
    ;
}

/* A PropertiesChanged of @path for @interface that changed @property. */
static gboolean
changes_property(const Signal *s, const char *path, const char *interface, const char *property)
{
  const char *changed_interface;
  g_autoptr(GVariant) changed = NULL;
  g_autoptr(GVariant) value = NULL;

  if (strcmp(s->member, "PropertiesChanged") != 0 || strcmp(s->path, path) != 0)
    return FALSE;
  g_variant_get(s->body, "(&s@a{sv}@as)", &changed_interface, &changed, NULL);
  if (strcmp(changed_interface, interface) != 0)
    return FALSE;
  value = g_variant_lookup_value(changed, property, NULL);
  return value != NULL;
}

/* Waits (delivering signals, serving the commissioner) until a signal
 * @member about @path (and, for PropertiesChanged, @property of
 * @interface) has been recorded; its index. */
static guint
wait_signal(MdTestNode *node, Recorder *rec, const char *member, const char *path,
            const char *interface, const char *property)
{
  guint64 end = md_test_now_ms() + WAIT_MS;

  do {
    recorder_flush(node);
    for (guint i = 0; i < rec->signals->len; i++) {
      const Signal *s = g_ptr_array_index(rec->signals, i);

      if (strcmp(s->member, member) != 0 || strcmp(s->path, path) != 0)
        continue;
      if (property == NULL || changes_property(s, path, interface, property))
        return i;
    }
    md_test_commissioner_run_for(node->commissioner, 20);
  } while (md_test_now_ms() < end);
  g_error("no %s of %s (%s) within %u ms", member, path, property != NULL ? property : "-",
          WAIT_MS);
}

/* The interfaces an InterfacesAdded announced: a{sa{sv}}. */
static GVariant *
added_interfaces(const Signal *s)
{
  return g_variant_get_child_value(s->body, 1);
}

/* ---- Reads over Matter ---- */

static char *
read_string(MdTestNode *node, MatterSession *session, guint32 attribute)
{
  const MatterImAttributePath path =
    md_test_attribute_path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, attribute);
  g_autoptr(GArray) answers = md_test_commissioner_read(node->commissioner, session, &path, 1,
                                                         TRUE);
  MatterTlvReader r;
  const char *s;
  size_t len;

  g_assert_cmpuint(answers->len, ==, 1);
  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), &r);
  g_assert_cmpint(matter_tlv_get_utf8(&r, &s, &len), ==, MATTER_OK);
  return g_strndup(s, len);
}

static guint8
write_node_label(MdTestNode *node, MatterSession *session, const char *label)
{
  const MatterImAttributePath path =
    md_test_attribute_path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_NODE_LABEL);
  guint8 buf[64];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_put_utf8(&w, matter_tlv_tag_context(2), label, strlen(label));
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return md_test_commissioner_write(node->commissioner, session, &path, buf, len, FALSE);
}

static gchar *
node_string(MdTestNode *node, const char *name)
{
  g_autoptr(GVariant) value = md_test_node_property(node, name);

  return g_variant_dup_string(value, NULL);
}

static guint64
node_uint64(MdTestNode *node, const char *name)
{
  g_autoptr(GVariant) value = md_test_node_property(node, name);

  return g_variant_get_uint64(value);
}

static void
assert_window(MdTestNode *node, const char *kind)
{
  g_autofree char *window = md_test_node_window(node);

  g_assert_cmpstr(window, ==, kind);
}

/* Node1's integer and boolean properties, widened. */
static guint64
node_number(MdTestNode *node, const char *name)
{
  g_autoptr(GVariant) value = md_test_node_property(node, name);

  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BYTE))
    return g_variant_get_byte(value);
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean(value);
  return g_variant_get_uint32(value);
}

/* The passcode and discriminator a QR code and a manual code carry; both
 * must decode and agree. */
static guint32
decode_codes(const char *qr_code, const char *manual_code, guint16 *discriminator)
{
  MatterSetupPayload qr, manual;

  md_test_assert_error(matter_payload_qr_decode(qr_code, &qr), MATTER_OK);
  md_test_assert_error(matter_payload_manual_decode(manual_code, &manual), MATTER_OK);
  g_assert_cmpuint(qr.passcode, ==, manual.passcode);
  /* The manual code carries the discriminator's upper 4 bits. */
  g_assert_true(manual.short_discriminator);
  g_assert_cmpuint(matter_payload_short_discriminator(qr.discriminator), ==,
                   manual.discriminator);
  if (discriminator != NULL)
    *discriminator = qr.discriminator;
  return qr.passcode;
}

/* ---- Tests ---- */

/* Node1's properties are the node's: the configured identity, the UniqueID
 * and NodeLabel Basic Information reports over Matter, the open window's
 * codes and expiry, and the counts of what GetManagedObjects lists. */
static void
test_node_properties(MdTestNode *node, gconstpointer data)
{
  g_autoptr(GVariant) props = object_properties(node, "/org/matterd", "org.matterd.Node1");
  g_autofree char *unique_id = NULL, *matter_unique_id = NULL, *label = NULL;
  g_autofree char *matter_label = NULL, *location = NULL;
  const char *qr_code, *manual_code, *window;
  guint16 vendor_id, product_id, discriminator, qr_discriminator;
  guint64 expires;
  gint64 now = g_get_real_time();
  g_autoptr(GError) error = NULL;
  MatterSession *session;
  guint8 fabric_count, supported;
  guint32 session_count;
  gboolean commissioned;

  g_assert_nonnull(props);
  g_assert_true(g_variant_lookup(props, "VendorId", "q", &vendor_id));
  g_assert_true(g_variant_lookup(props, "ProductId", "q", &product_id));
  g_assert_true(g_variant_lookup(props, "Discriminator", "q", &discriminator));
  g_assert_true(g_variant_lookup(props, "Commissioned", "b", &commissioned));
  g_assert_true(g_variant_lookup(props, "CommissioningWindow", "&s", &window));
  g_assert_true(g_variant_lookup(props, "CommissioningWindowExpires", "t", &expires));
  g_assert_true(g_variant_lookup(props, "QrCode", "&s", &qr_code));
  g_assert_true(g_variant_lookup(props, "ManualCode", "&s", &manual_code));
  g_assert_true(g_variant_lookup(props, "FabricCount", "y", &fabric_count));
  g_assert_true(g_variant_lookup(props, "SupportedFabrics", "y", &supported));
  g_assert_true(g_variant_lookup(props, "SessionCount", "u", &session_count));
  g_assert_cmpuint(vendor_id, ==, 0xFFF1);
  g_assert_cmpuint(discriminator, ==, 3840);
  g_assert_false(commissioned);
  g_assert_cmpuint(fabric_count, ==, 0);
  g_assert_cmpuint(supported, ==, 16);
  g_assert_cmpuint(session_count, ==, 0);
  /* The window the node opened at start, for its default 15 minutes. */
  g_assert_cmpstr(window, ==, "basic");
  g_assert_cmpuint(expires, >, (guint64) now + 800 * G_USEC_PER_SEC);
  g_assert_cmpuint(expires, <=, (guint64) now + 900 * G_USEC_PER_SEC);
  g_assert_cmpuint(decode_codes(qr_code, manual_code, &qr_discriminator), ==, PASSCODE);
  g_assert_cmpuint(qr_discriminator, ==, discriminator);

  /* UniqueID, NodeLabel and Location are Basic Information's. */
  session = md_test_pase(node);
  unique_id = node_string(node, "UniqueId");
  matter_unique_id = read_string(node, session, ATTR_UNIQUE_ID);
  g_assert_cmpuint(strlen(unique_id), ==, 32);
  g_assert_cmpstr(unique_id, ==, matter_unique_id);
  location = node_string(node, "Location");
  g_assert_cmpstr(location, ==, "XX");
  set_node_label(node, "Kitchen gateway", &error);
  g_assert_no_error(error);
  matter_label = read_string(node, session, ATTR_NODE_LABEL);
  g_assert_cmpstr(matter_label, ==, "Kitchen gateway");
  /* The PASE session is there, and counted. */
  g_assert_cmpuint(node_number(node, "SessionCount"), ==, 1);

  /* Kept across a restart. */
  md_test_node_restart(node);
  label = node_string(node, "NodeLabel");
  g_assert_cmpstr(label, ==, "Kitchen gateway");
}

/* A controller's commissioning adds the fabric (and the sessions) with
 * InterfacesAdded, its UpdateFabricLabel and NodeLabel write come as
 * PropertiesChanged, and Fabric1.Remove does what RemoveFabric does. */
static void
test_fabric_lifecycle(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(MdTestIdentity) admin = { 0 };
  g_autoptr(Recorder) rec = recorder_new(node);
  g_autofree char *path = NULL, *session_path = NULL, *node_label = NULL;
  g_autoptr(GVariant) props = NULL, key = NULL, interfaces = NULL, reply = NULL;
  g_autoptr(GError) error = NULL;
  const Signal *added;
  MatterSession *session;
  guint8 cfid[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];
  guint64 fabric_id, node_id, compressed, want_cfid = 0;
  guint16 vendor_id, id;
  const char *label;
  guint8 fabric_index, index;
  gsize key_len;
  guint at;

  md_test_admin_init(&admin, ca);
  session = md_test_commission(node, ca, &admin, &index, NULL);
  id = session->local_session_id;
  path = g_strdup_printf("/org/matterd/fabric%u", index);

  at = wait_signal(node, rec, "InterfacesAdded", path, NULL, NULL);
  added = g_ptr_array_index(rec->signals, at);
  interfaces = added_interfaces(added);
  props = g_variant_lookup_value(interfaces, "org.matterd.Fabric1", NULL);
  g_assert_nonnull(props);
  g_assert_true(g_variant_lookup(props, "FabricIndex", "y", &fabric_index));
  g_assert_true(g_variant_lookup(props, "FabricId", "t", &fabric_id));
  g_assert_true(g_variant_lookup(props, "NodeId", "t", &node_id));
  g_assert_true(g_variant_lookup(props, "VendorId", "q", &vendor_id));
  g_assert_true(g_variant_lookup(props, "Label", "&s", &label));
  g_assert_true(g_variant_lookup(props, "CompressedFabricId", "t", &compressed));
  key = g_variant_lookup_value(props, "RootPublicKey", G_VARIANT_TYPE_BYTESTRING);
  g_assert_nonnull(key);
  g_assert_cmpuint(fabric_index, ==, index);
  g_assert_cmpuint(fabric_id, ==, FABRIC_ID);
  g_assert_cmpuint(node_id, ==, NODE_ID);
  g_assert_cmpuint(vendor_id, ==, ADMIN_VENDOR_ID);
  g_assert_cmpstr(label, ==, "");
  g_assert_cmpmem(g_variant_get_fixed_array(key, &key_len, 1), key_len, ca->public_key,
                  MATTER_P256_PUBLIC_KEY_LEN);
  g_assert_cmpint(matter_case_compressed_fabric_id(ca->public_key, FABRIC_ID, cfid), ==,
                  MATTER_OK);
  for (gsize i = 0; i < sizeof(cfid); i++)
    want_cfid = want_cfid << 8 | cfid[i];
  g_assert_cmpuint(compressed, ==, want_cfid);
  g_assert_cmpuint(node_number(node, "FabricCount"), ==, 1);
  g_assert_true(node_number(node, "Commissioned"));

  /* The CASE session is an object too. */
  session_path = g_strdup_printf("/org/matterd/session%u", session->peer_session_id);
  wait_signal(node, rec, "InterfacesAdded", session_path, NULL, NULL);

  /* Changes made over Matter. */
  g_assert_cmpuint(md_test_update_fabric_label(node, session, LABEL), ==, NOC_STATUS_OK);
  wait_signal(node, rec, "PropertiesChanged", path, "org.matterd.Fabric1", "Label");
  g_clear_pointer(&props, g_variant_unref);
  props = object_properties(node, path, "org.matterd.Fabric1");
  g_assert_true(g_variant_lookup(props, "Label", "&s", &label));
  g_assert_cmpstr(label, ==, LABEL);
  g_assert_cmpuint(write_node_label(node, session, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  wait_signal(node, rec, "PropertiesChanged", "/org/matterd", "org.matterd.Node1", "NodeLabel");
  node_label = node_string(node, "NodeLabel");
  g_assert_cmpstr(node_label, ==, "Hall");

  /* Removed over D-Bus: the object goes, the session closes with
   * CloseSession, the store forgets the fabric, a window opens. */
  reply = call(node, path, "org.matterd.Fabric1", "Remove", NULL, &error);
  g_assert_no_error(error);
  wait_signal(node, rec, "InterfacesRemoved", path, NULL, NULL);
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, id, 2000));
  wait_signal(node, rec, "InterfacesRemoved", session_path, NULL, NULL);
  g_assert_null(object_properties(node, path, "org.matterd.Fabric1"));
  g_assert_cmpuint(node_number(node, "FabricCount"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM fabric"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM acl_entry"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM resumption"), ==, 0);
  md_test_assert_case_refused(node, &admin);
  assert_window(node, "basic");
  assert_call_fails(node, path, "org.matterd.Fabric1", "Remove", NULL,
                    "org.freedesktop.DBus.Error.UnknownMethod");
}

/* What one main-loop iteration of the daemon changes on an object is one
 * PropertiesChanged: CommissioningComplete changes Commissioned,
 * FabricCount, CommissioningWindow and the codes at once. */
static void
test_changes_batched(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(MdTestIdentity) admin = { 0 };
  g_autoptr(Recorder) rec = NULL;
  guint8 index, batches = 0;

  md_test_admin_init(&admin, ca);
  rec = recorder_new(node);
  md_test_commission(node, ca, &admin, &index, NULL);
  wait_signal(node, rec, "PropertiesChanged", "/org/matterd", "org.matterd.Node1",
              "Commissioned");
  for (guint i = 0; i < rec->signals->len; i++) {
    const Signal *s = g_ptr_array_index(rec->signals, i);
    gboolean commissioned =
      changes_property(s, "/org/matterd", "org.matterd.Node1", "Commissioned");
    gboolean count = changes_property(s, "/org/matterd", "org.matterd.Node1", "FabricCount");
    gboolean window =
      changes_property(s, "/org/matterd", "org.matterd.Node1", "CommissioningWindow");
    gboolean qr = changes_property(s, "/org/matterd", "org.matterd.Node1", "QrCode");

    if (!commissioned && !count && !window && !qr)
      continue;
    /* Never one without the others. */
    g_assert_true(commissioned && count && window && qr);
    batches++;
  }
  g_assert_cmpuint(batches, ==, 1);
}

/* OpenCommissioningWindow on a commissioned node opens an enhanced window
 * with a passcode of its own, with which a second commissioner
 * commissions the node onto a second fabric; limits and closing as
 * Administrator Commissioning has them. */
static void
test_enhanced_window(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) second_ca = md_test_ca_new(FABRIC_ID + 1);
  g_auto(MdTestIdentity) admin = { 0 };
  g_auto(MdTestIdentity) second_admin = { 0 };
  g_autoptr(GVariant) reply = NULL, second = NULL, closed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *qr_property = NULL, *window = NULL, *empty_qr = NULL;
  const char *qr_code, *manual_code;
  const MdTestPaseOptions options = { .passcode = PASSCODE };
  MdTestPaseOutcome outcome;
  guint16 discriminator;
  guint32 passcode;
  guint64 expires;
  gint64 now;
  guint8 index, second_index;

  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                    g_variant_new("(u)", 300), "org.matterd.Error.Busy");
  md_test_admin_init(&admin, ca);
  md_test_commission(node, ca, &admin, &index, NULL);

  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                    g_variant_new("(u)", 179), "org.matterd.Error.InvalidArgument");
  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                    g_variant_new("(u)", 901), "org.matterd.Error.InvalidArgument");
  now = g_get_real_time();
  reply = call(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
               g_variant_new("(u)", 300), &error);
  g_assert_no_error(error);
  g_variant_get(reply, "(&s&s)", &qr_code, &manual_code);
  passcode = decode_codes(qr_code, manual_code, &discriminator);
  g_assert_cmpuint(passcode, !=, PASSCODE);
  g_assert_cmpuint(discriminator, ==, 3840);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "enhanced");
  qr_property = node_string(node, "QrCode");
  g_assert_cmpstr(qr_property, ==, qr_code);
  expires = node_uint64(node, "CommissioningWindowExpires");
  g_assert_cmpuint(expires, >=, (guint64) now + 299 * G_USEC_PER_SEC);
  g_assert_cmpuint(expires, <=, (guint64) g_get_real_time() + 300 * G_USEC_PER_SEC);
  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                    g_variant_new("(u)", 300), "org.matterd.Error.Busy");

  /* The device's own passcode opens nothing now; the window's does. */
  md_test_commissioner_pase(node->commissioner, &options, &outcome);
  g_assert_cmpint(outcome.state, !=, MATTER_PASE_STATE_ESTABLISHED);
  md_test_admin_init(&second_admin, second_ca);
  md_test_commission_with(node, passcode, second_ca, &second_admin, &second_index, NULL);
  g_assert_cmpuint(second_index, !=, index);
  g_assert_cmpuint(node_number(node, "FabricCount"), ==, 2);
  g_clear_pointer(&window, g_free);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
  empty_qr = node_string(node, "QrCode");
  g_assert_cmpstr(empty_qr, ==, "");
  g_assert_cmpuint(node_uint64(node, "CommissioningWindowExpires"), ==, 0);

  /* Closing: once, then there is nothing to close. */
  second = call(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                g_variant_new("(u)", 180), &error);
  g_assert_no_error(error);
  closed = call(node, "/org/matterd", "org.matterd.Node1", "CloseCommissioningWindow", NULL,
                &error);
  g_assert_no_error(error);
  g_clear_pointer(&window, g_free);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "CloseCommissioningWindow", NULL,
                    "org.matterd.Error.NotFound");
}

/* Session1 shows the CASE session as it is; Close() sends CloseSession
 * to the peer and the object goes. */
static void
test_sessions(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(MdTestIdentity) admin = { 0 };
  g_autoptr(Recorder) rec = recorder_new(node);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GVariant) props = NULL, reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autofree char *path = NULL, *want_address = NULL;
  const char *kind, *address, *transport;
  guint64 peer_node_id, established, activity;
  gint64 before = g_get_real_time();
  MatterSession *session;
  guint8 fabric_index, index;

  md_test_admin_init(&admin, ca);
  session = md_test_commission(node, ca, &admin, &index, NULL);
  /* The PASE session ended with the commissioning: only CASE remains. */
  paths = objects_with(node, "org.matterd.Session1");
  g_assert_cmpuint(paths->len, ==, 1);
  path = g_strdup_printf("/org/matterd/session%u", session->peer_session_id);
  g_assert_cmpstr(g_ptr_array_index(paths, 0), ==, path);
  g_assert_cmpuint(node_number(node, "SessionCount"), ==, 1);

  props = object_properties(node, path, "org.matterd.Session1");
  g_assert_true(g_variant_lookup(props, "Kind", "&s", &kind));
  g_assert_true(g_variant_lookup(props, "FabricIndex", "y", &fabric_index));
  g_assert_true(g_variant_lookup(props, "PeerNodeId", "t", &peer_node_id));
  g_assert_true(g_variant_lookup(props, "PeerAddress", "&s", &address));
  g_assert_true(g_variant_lookup(props, "Transport", "&s", &transport));
  g_assert_true(g_variant_lookup(props, "Established", "t", &established));
  g_assert_true(g_variant_lookup(props, "LastActivity", "t", &activity));
  g_assert_cmpstr(kind, ==, "case");
  g_assert_cmpuint(fabric_index, ==, index);
  g_assert_cmpuint(peer_node_id, ==, ADMIN_NODE_ID);
  local = g_socket_get_local_address(node->commissioner->socket, &error);
  g_assert_no_error(error);
  want_address = g_strdup_printf(
    "[::1]:%u", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local)));
  g_assert_cmpstr(address, ==, want_address);
  g_assert_cmpstr(transport, ==, "udp");
  g_assert_cmpuint(established, >=, (guint64) before - G_USEC_PER_SEC);
  g_assert_cmpuint(established, <=, (guint64) g_get_real_time());
  g_assert_cmpuint(activity, >=, established);

  /* Activity shows, at most a second late. */
  g_usleep(G_USEC_PER_SEC / 10);
  g_assert_true(md_test_commissioner_send_acked(node->commissioner, session));
  wait_signal(node, rec, "PropertiesChanged", path, "org.matterd.Session1", "LastActivity");

  reply = call(node, path, "org.matterd.Session1", "Close", NULL, &error);
  g_assert_no_error(error);
  g_assert_true(
    md_test_commissioner_wait_closed(node->commissioner, session->local_session_id, 2000));
  wait_signal(node, rec, "InterfacesRemoved", path, NULL, NULL);
  g_assert_cmpuint(node_number(node, "SessionCount"), ==, 0);
  /* The fabric stays: the administrator comes back over CASE. */
  g_assert_cmpuint(node_number(node, "FabricCount"), ==, 1);
  md_test_case_session(node, &admin, NULL, NULL);
}

/* A commission over PASE, stopped after AddNOC: the pending fabric is an
 * object, but it cannot be removed while its fail-safe runs. */
static void
test_pending_fabric_busy(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  MatterSession *session = md_test_pase(node);
  guint8 index = md_test_commission_to_add_noc(node, session, ca, &noc);

  path = g_strdup_printf("/org/matterd/fabric%u", index);
  g_assert_nonnull(object_properties(node, path, "org.matterd.Fabric1"));
  assert_call_fails(node, path, "org.matterd.Fabric1", "Remove", NULL,
                    "org.matterd.Error.Busy");
  /* Closing the window ends that commissioning and its fabric. */
  reply = call(node, "/org/matterd", "org.matterd.Node1", "CloseCommissioningWindow", NULL,
               &error);
  g_assert_no_error(error);
  md_test_commissioner_run_for(node->commissioner, 300);
  g_assert_null(object_properties(node, path, "org.matterd.Fabric1"));
}

static guint64
node_row(MdTestNode *node, const char *key)
{
  g_autofree char *query = g_strdup_printf("SELECT value FROM node WHERE key = '%s'", key);

  return md_test_node_query(node, query);
}

/* FactoryReset leaves no fabric-scoped row, a new UniqueID and passcode,
 * counters where they were or beyond, and an open basic window whose
 * codes commission the node again. */
static void
test_factory_reset(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(MdTestIdentity) admin = { 0 };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unique_id = NULL, *new_unique_id = NULL, *qr_code = NULL;
  g_autofree char *manual_code = NULL, *new_qr = NULL, *new_manual = NULL, *label = NULL;
  guint64 counter_bound, event_limit;
  guint32 passcode, new_passcode;
  MatterSession *session;
  guint8 index;
  guint16 id;

  unique_id = node_string(node, "UniqueId");
  qr_code = node_string(node, "QrCode");
  manual_code = node_string(node, "ManualCode");
  passcode = decode_codes(qr_code, manual_code, NULL);
  md_test_admin_init(&admin, ca);
  session = md_test_commission_with(node, passcode, ca, &admin, &index, NULL);
  id = session->local_session_id;
  set_node_label(node, "Before", &error);
  g_assert_no_error(error);
  counter_bound = node_row(node, "counters/unencrypted-bound");
  event_limit = node_row(node, "event-number-limit");
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM fabric"), ==, 1);

  reply = call(node, "/org/matterd", "org.matterd.Node1", "FactoryReset", NULL, &error);
  g_assert_no_error(error);
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, id, 2000));
  for (guint i = 0; i < 5; i++) {
    const char *tables[] = { "fabric", "acl_entry", "resumption", "group_key_set", "group_map" };
    g_autofree char *query = g_strdup_printf("SELECT count(*) FROM %s", tables[i]);

    g_assert_cmpuint(md_test_node_query(node, query), ==, 0);
  }
  g_assert_cmpuint(node_row(node, "counters/unencrypted-bound"), >=, counter_bound);
  g_assert_cmpuint(node_row(node, "event-number-limit"), >=, event_limit);
  new_unique_id = node_string(node, "UniqueId");
  g_assert_cmpstr(new_unique_id, !=, unique_id);
  label = node_string(node, "NodeLabel");
  g_assert_cmpstr(label, ==, "");
  g_assert_false(node_number(node, "Commissioned"));
  assert_window(node, "basic");
  new_qr = node_string(node, "QrCode");
  new_manual = node_string(node, "ManualCode");
  new_passcode = decode_codes(new_qr, new_manual, NULL);
  g_assert_cmpuint(new_passcode, !=, passcode);
  md_test_assert_case_refused(node, &admin);

  /* The reset is what a restart finds, and the node commissions again. */
  md_test_node_crash_and_restart(node);
  g_clear_pointer(&new_unique_id, g_free);
  new_unique_id = node_string(node, "UniqueId");
  g_assert_cmpstr(new_unique_id, !=, unique_id);
  md_test_commission_with(node, new_passcode, ca, &admin, &index, NULL);
}

/* Arguments are checked, and what GDBus itself refuses keeps its
 * standard names. */
static void
test_errors(MdTestNode *node, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *remote = NULL;

  set_node_label(node, "0123456789012345678901234567890123", &error);
  g_assert_nonnull(error);
  remote = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(remote, ==, "org.matterd.Error.InvalidArgument");
  g_clear_error(&error);
  set_node_label(node, "01234567890123456789012345678901", &error);
  g_assert_no_error(error);
  label = node_string(node, "NodeLabel");
  g_assert_cmpuint(strlen(label), ==, 32);

  assert_call_fails(node, "/org/matterd", "org.freedesktop.DBus.Properties", "Set",
                    g_variant_new("(ssv)", "org.matterd.Node1", "VendorId",
                                  g_variant_new_uint16(1)),
                    /* GDBus's name for "not writable" */
                    "org.freedesktop.DBus.Error.InvalidArgs");
  assert_call_fails(node, "/org/matterd", "org.freedesktop.DBus.Properties", "Set",
                    g_variant_new("(ssv)", "org.matterd.Node1", "NodeLabel",
                                  g_variant_new_uint32(1)),
                    "org.freedesktop.DBus.Error.InvalidArgs");
  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                    g_variant_new("(s)", "300"), "org.freedesktop.DBus.Error.InvalidArgs");
  assert_call_fails(node, "/org/matterd", "org.matterd.Node1", "OpenCommissioningWindow",
                    g_variant_new("(u)", 0), "org.matterd.Error.InvalidArgument");
  assert_call_fails(node, "/org/matterd/fabric1", "org.matterd.Fabric1", "Remove", NULL,
                    "org.freedesktop.DBus.Error.UnknownMethod");
  assert_call_fails(node, "/org/matterd/session7", "org.matterd.Session1", "Close", NULL,
                    "org.freedesktop.DBus.Error.UnknownMethod");
}

static void
add_test(const char *path, const char *config, void (*func)(MdTestNode *, gconstpointer))
{
  g_test_add(path, MdTestNode, config, node_setup, func, node_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/dbus-api/node-properties", NULL, test_node_properties);
  add_test("/dbus-api/fabric-lifecycle", NULL, test_fabric_lifecycle);
  add_test("/dbus-api/changes-batched", NULL, test_changes_batched);
  add_test("/dbus-api/enhanced-window", NULL, test_enhanced_window);
  add_test("/dbus-api/sessions", NULL, test_sessions);
  add_test("/dbus-api/pending-fabric-busy", NULL, test_pending_fabric_busy);
  /* No configured passcode: the node's own, and a new one after a reset. */
  add_test("/dbus-api/factory-reset", "[Node]\nDiscriminator=3840\n", test_factory_reset);
  add_test("/dbus-api/errors", NULL, test_errors);
  return g_test_run();
}
