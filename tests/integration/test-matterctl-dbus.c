/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl's D-Bus commands end to end: the built matterctl --session
 * against the built matterd on a private bus, commissioned onto a test
 * fabric by a commissioner over UDP (md-test-commission.h). Every --json output
 * is parsed and checked against what the daemon really holds (the ids the
 * commissioner used, Node1's properties read directly), the text output
 * against the same values, the codes `window open` prints are decoded by
 * `matterctl payload decode` and commissioned with, and `matterctl
 * monitor` runs beside the test and reports what it does. */

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <qrencode.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "matter/case.h"
#include "md-test-commission.h"
#include "md-test-core.h"

/* MD_TEST_COMMISSION_CONFIG's. */
#define DISCRIMINATOR 3840

#define NODE_PATH "/org/matterd"
#define NODE_INTERFACE "org.matterd.Node1"

typedef struct {
  MdTestNode node;
  MdTestCa *ca;         /* the fabric's */
  MdTestIdentity admin; /* its administrator, who commissions the node */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  md_test_node_start(&f->node, MD_TEST_COMMISSION_CONFIG);
  /* matterctl --session finds the test's bus here. */
  g_setenv("DBUS_SESSION_BUS_ADDRESS", f->node.bus->address, TRUE);
  f->ca = md_test_ca_new(FABRIC_ID);
  md_test_admin_init(&f->admin, f->ca);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  md_test_identity_clear(&f->admin);
  g_clear_pointer(&f->ca, md_test_ca_free);
  md_test_node_stop(&f->node);
  g_unsetenv("DBUS_SESSION_BUS_ADDRESS");
}

/* ---- Running matterctl ------------------------------------------------- */

#define ctl(...) md_test_ctl_run("--session", __VA_ARGS__)

/* The JSON object a successful run printed; @parser holds it. */
#define ctl_json(parser, ...) \
  ctl_json_v(parser, (const char *const[]){ "--session", __VA_ARGS__, NULL })

static JsonObject *
ctl_json_v(JsonParser *parser, const char *const *args)
{
  g_auto(MdTestCtlResult) result = md_test_ctl_runv(NULL, args);

  return md_test_ctl_parse_object(parser, &result, 0);
}

/* Success with nothing printed at all. */
static void
assert_silent_success(const MdTestCtlResult *result)
{
  g_assert_cmpint(result->status, ==, 0);
  g_assert_cmpstr(result->out, ==, "");
  g_assert_cmpstr(result->err, ==, "");
}

static void
assert_members(JsonObject *object, const char *const *expected)
{
  g_autoptr(GList) members = json_object_get_members(object);

  g_assert_cmpuint(g_list_length(members), ==, g_strv_length((char **) expected));
  for (const char *const *name = expected; *name != NULL; name++)
    if (!json_object_has_member(object, *name))
      g_error("no member '%s'", *name);
}

static char *
lower_hex(const guint8 *data, gsize len)
{
  GString *hex = g_string_new(NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf(hex, "%02x", data[i]);
  return g_string_free(hex, FALSE);
}

static char *
id_hex(guint64 id)
{
  return g_strdup_printf("%016" G_GINT64_MODIFIER "X", id);
}

/* The port the commissioner sends from, which the daemon sees. */
static guint16
commissioner_port(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address =
      g_socket_get_local_address(f->node.commissioner->socket, &error);

  g_assert_no_error(error);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address));
}

/* The whole commissioning (md-test-commission.h), up to the node closing
 * the PASE session as CommissioningComplete asks: the CASE session. */
static MatterSession *
commission(Fixture *f, guint8 *index)
{
  MatterSession *pase = md_test_pase(&f->node);
  guint16 pase_id = pase->local_session_id;
  g_autoptr(GBytes) noc = NULL;
  MatterSession *session;

  *index = md_test_commission_to_add_noc(&f->node, pase, f->ca, &noc);
  session = md_test_case_session(&f->node, &f->admin, NULL, NULL);
  g_assert_cmpuint(md_test_commissioning_complete(&f->node, session), ==, COMMISSIONING_OK);
  g_assert_true(md_test_commissioner_wait_closed(f->node.commissioner, pase_id, 5000));
  return session;
}

/* ---- The daemon's state, read directly ---------------------------------- */

static GVariant *
node_property(Fixture *f, const char *name)
{
  return md_test_node_property(&f->node, name);
}

static guint64
node_uint(Fixture *f, const char *name)
{
  g_autoptr(GVariant) value = node_property(f, name);

  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BYTE))
    return g_variant_get_byte(value);
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
    return g_variant_get_uint16(value);
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32(value);
  return g_variant_get_uint64(value);
}

static char *
node_string(Fixture *f, const char *name)
{
  g_autoptr(GVariant) value = node_property(f, name);

  return g_variant_dup_string(value, NULL);
}

/* Calls @method of @interface at @path directly, which must fail with
 * org.matterd.Error.@name; its message, as matterctl prints it. */
static char *
direct_error(Fixture *f, const char *path, const char *interface, const char *method,
             GVariant *parameters, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_sync(f->node.connection, "org.matterd", path, interface, method,
                                  parameters, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autofree char *remote = NULL;
  g_autofree char *want = g_strconcat("org.matterd.Error.", name, NULL);

  g_assert_null(reply);
  g_assert_nonnull(error);
  remote = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(remote, ==, want);
  g_dbus_error_strip_remote_error(error);
  return g_strdup_printf("matterctl: %s\n", error->message);
}

/* ---- Payloads ---------------------------------------------------------- */

/* What `matterctl payload decode --json` makes of @code. */
static void
decode(const char *code, guint64 *discriminator, guint64 *passcode, gboolean *short_discriminator)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "decode", "--json", code);
  JsonObject *object = md_test_ctl_parse_object(parser, &result, 0);

  *discriminator = json_object_get_int_member(object, "discriminator");
  *passcode = json_object_get_int_member(object, "passcode");
  *short_discriminator = json_object_get_boolean_member(object, "short_discriminator");
}

/* The QR code and the manual code decode to the node's discriminator
 * (the manual code to its top 4 bits) and one passcode, returned. */
static guint32
decode_codes(const char *qr_code, const char *manual_code)
{
  guint64 discriminator, passcode, manual_discriminator, manual_passcode;
  gboolean is_short;

  g_assert_true(g_str_has_prefix(qr_code, "MT:"));
  decode(qr_code, &discriminator, &passcode, &is_short);
  g_assert_false(is_short);
  g_assert_cmpuint(discriminator, ==, DISCRIMINATOR);
  decode(manual_code, &manual_discriminator, &manual_passcode, &is_short);
  g_assert_true(is_short);
  g_assert_cmpuint(manual_discriminator, ==, DISCRIMINATOR >> 8);
  g_assert_cmpuint(manual_passcode, ==, passcode);
  return (guint32) passcode;
}

static MatterPaseState
pase_with(Fixture *f, guint32 passcode)
{
  const MdTestPaseOptions options = { .passcode = passcode };
  MdTestPaseOutcome outcome;

  md_test_commissioner_pase(f->node.commissioner, &options, &outcome);
  return outcome.state;
}

/* The picture `window open` draws in a pipe: ASCII, two characters a
 * module, with a 4-module margin; it must be the QR code of @qr_code. */
static void
assert_qr_picture(const char *out, const char *qr_code)
{
  QRcode *code = QRcode_encodeString(qr_code, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  const int margin = 4;
  int size;
  GString *want = g_string_new(NULL);
  g_autofree char *want_text = NULL;

  g_assert_nonnull(code);
  size = code->width + 2 * margin;
  for (int y = 0; y < size; y++) {
    for (int x = 0; x < size; x++) {
      int mx = x - margin, my = y - margin;
      gboolean dark = mx >= 0 && my >= 0 && mx < code->width && my < code->width &&
                      (code->data[my * code->width + mx] & 1);

      g_string_append(want, dark ? "##" : "  ");
    }
    g_string_append_c(want, '\n');
  }
  QRcode_free(code);
  want_text = g_string_free(want, FALSE);
  g_assert_true(g_str_has_prefix(out, want_text));
}

/* ---- status ------------------------------------------------------------ */

static const char *const node_members[] = {
  "vendor_id",         "product_id",           "discriminator",
  "unique_id",         "node_label",           "location",
  "commissioned",      "commissioning_window", "commissioning_window_expires_usec",
  "qr_code",           "manual_code",          "bluetooth_state",
  "fabric_count",      "supported_fabrics",    "session_count",
  NULL,
};

/* status --json is Node1, property by property. */
static void
assert_status_json(Fixture *f, JsonObject *status)
{
  g_autofree char *unique_id = node_string(f, "UniqueId");
  g_autofree char *label = node_string(f, "NodeLabel");
  g_autofree char *location = node_string(f, "Location");
  g_autofree char *window = node_string(f, "CommissioningWindow");
  g_autofree char *qr_code = node_string(f, "QrCode");
  g_autofree char *manual_code = node_string(f, "ManualCode");
  g_autofree char *bluetooth = node_string(f, "BluetoothState");
  g_autoptr(GVariant) commissioned = node_property(f, "Commissioned");
  guint64 expires = node_uint(f, "CommissioningWindowExpires");

  assert_members(status, node_members);
  g_assert_cmpint(json_object_get_int_member(status, "vendor_id"), ==, node_uint(f, "VendorId"));
  g_assert_cmpint(json_object_get_int_member(status, "product_id"), ==, node_uint(f, "ProductId"));
  g_assert_cmpint(json_object_get_int_member(status, "discriminator"), ==, DISCRIMINATOR);
  g_assert_cmpint(node_uint(f, "Discriminator"), ==, DISCRIMINATOR);
  g_assert_cmpstr(json_object_get_string_member(status, "unique_id"), ==, unique_id);
  g_assert_cmpstr(json_object_get_string_member(status, "node_label"), ==, label);
  g_assert_cmpstr(json_object_get_string_member(status, "location"), ==, location);
  g_assert_cmpint(json_object_get_boolean_member(status, "commissioned"), ==,
                  g_variant_get_boolean(commissioned));
  g_assert_cmpstr(json_object_get_string_member(status, "commissioning_window"), ==, window);
  g_assert_cmpstr(json_object_get_string_member(status, "bluetooth_state"), ==, bluetooth);
  if (expires == 0)
    g_assert_true(json_object_get_null_member(status, "commissioning_window_expires_usec"));
  else
    g_assert_cmpint(json_object_get_int_member(status, "commissioning_window_expires_usec"), ==,
                    expires);
  if (*qr_code == '\0') {
    g_assert_true(json_object_get_null_member(status, "qr_code"));
    g_assert_true(json_object_get_null_member(status, "manual_code"));
  } else {
    g_assert_cmpstr(json_object_get_string_member(status, "qr_code"), ==, qr_code);
    g_assert_cmpstr(json_object_get_string_member(status, "manual_code"), ==, manual_code);
  }
  g_assert_cmpint(json_object_get_int_member(status, "fabric_count"), ==,
                  node_uint(f, "FabricCount"));
  g_assert_cmpint(json_object_get_int_member(status, "supported_fabrics"), ==,
                  node_uint(f, "SupportedFabrics"));
  g_assert_cmpint(json_object_get_int_member(status, "session_count"), ==,
                  node_uint(f, "SessionCount"));
}

static char *
local_time(guint64 usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local((gint64) (usec / G_USEC_PER_SEC));

  return g_date_time_format(time, "%Y-%m-%d %H:%M:%S");
}

static void
assert_field(const char *text, const char *label, const char *want)
{
  g_autofree char *got = md_test_field(text, label);

  g_assert_cmpstr(got, ==, want);
}

/* A fresh node: status --json is Node1 with its basic window, the text
 * the same values. */
static void
test_status(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *status = ctl_json(parser, "status", "--json");
  g_auto(MdTestCtlResult) text = ctl("status");
  g_autofree char *vendor = g_strdup_printf("0x%04X", (guint) node_uint(f, "VendorId"));
  g_autofree char *product = g_strdup_printf("0x%04X", (guint) node_uint(f, "ProductId"));
  g_autofree char *unique_id = node_string(f, "UniqueId");
  g_autofree char *qr_code = node_string(f, "QrCode");
  g_autofree char *manual_code = node_string(f, "ManualCode");
  g_autofree char *expires = local_time(node_uint(f, "CommissioningWindowExpires"));
  g_autofree char *supported = g_strdup_printf("%u", (guint) node_uint(f, "SupportedFabrics"));

  assert_status_json(f, status);
  g_assert_cmpstr(json_object_get_string_member(status, "commissioning_window"), ==, "basic");
  g_assert_false(json_object_get_boolean_member(status, "commissioned"));
  g_assert_cmpint(json_object_get_int_member(status, "commissioning_window_expires_usec"), >,
                  g_get_real_time());
  g_assert_cmpuint(strlen(json_object_get_string_member(status, "unique_id")), >, 0);
  decode_codes(json_object_get_string_member(status, "qr_code"),
               json_object_get_string_member(status, "manual_code"));

  g_assert_cmpint(text.status, ==, 0);
  g_assert_cmpstr(text.err, ==, "");
  assert_field(text.out, "Vendor ID", vendor);
  assert_field(text.out, "Product ID", product);
  assert_field(text.out, "Discriminator", "3840");
  assert_field(text.out, "Unique ID", unique_id);
  assert_field(text.out, "Commissioned", "no");
  assert_field(text.out, "Commissioning window", "basic");
  assert_field(text.out, "Window closes", expires);
  assert_field(text.out, "QR code", qr_code);
  assert_field(text.out, "Manual code", manual_code);
  assert_field(text.out, "Fabrics", "0");
  assert_field(text.out, "Supported fabrics", supported);
  assert_field(text.out, "Sessions", "0");
}

/* ---- fabrics and sessions ----------------------------------------------- */

static JsonArray *
list(JsonParser *parser, const char *command, const char *member)
{
  JsonObject *object = ctl_json(parser, command, "--json");
  const char *const members[] = { member, NULL };

  assert_members(object, members);
  return json_object_get_array_member(object, member);
}

static guint64
compressed_fabric_id(Fixture *f)
{
  guint8 cfid[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];
  guint64 id = 0;

  g_assert_cmpint(matter_case_compressed_fabric_id(f->ca->public_key, FABRIC_ID, cfid), ==,
                  MATTER_OK);
  for (gsize i = 0; i < sizeof(cfid); i++)
    id = id << 8 | cfid[i];
  return id;
}

/* The words of the lines of @text. */
static GPtrArray *
table_rows(const char *text)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
  g_autoptr(GRegex) spaces = g_regex_new(" +", 0, 0, NULL);

  for (char **line = lines; *line != NULL; line++)
    if (**line != '\0')
      g_ptr_array_add(rows, g_regex_split(spaces, g_strstrip(*line), 0));
  return rows;
}

static void
assert_row(char **row, const char *const *want)
{
  g_assert_cmpuint(g_strv_length(row), ==, g_strv_length((char **) want));
  for (guint i = 0; want[i] != NULL; i++)
    g_assert_cmpstr(row[i], ==, want[i]);
}

static const char *const fabric_members[] = {
  "fabric_index",         "fabric_id", "node_id",         "vendor_id",
  "compressed_fabric_id", "label",     "root_public_key", NULL,
};

static const char *const session_members[] = {
  "id",           "kind",      "fabric_index",     "peer_node_id",
  "peer_address", "transport", "established_usec", "last_activity_usec",
  NULL,
};

/* After commissioning, fabrics and sessions list the fabric the
 * administrator made and the CASE session it opened, with the ids it
 * used, in JSON and as tables; status counts them. */
static void
test_fabrics_sessions(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  gint64 before = g_get_real_time();
  guint8 index;
  MatterSession *session = commission(f, &index);
  gint64 after = g_get_real_time();
  g_autofree char *fabric_id = id_hex(FABRIC_ID), *node_id = id_hex(NODE_ID);
  g_autofree char *admin_id = id_hex(ADMIN_NODE_ID), *cfid = id_hex(compressed_fabric_id(f));
  g_autofree char *root_key = lower_hex(f->ca->public_key, sizeof(f->ca->public_key));
  g_autofree char *address = g_strdup_printf("[::1]:%u", commissioner_port(f));
  g_autofree char *index_text = g_strdup_printf("%u", index);
  g_autofree char *id_text = g_strdup_printf("%u", session->peer_session_id);
  g_autofree char *fabric_id_text = g_strdup_printf("0x%s", fabric_id);
  g_autofree char *node_id_text = g_strdup_printf("0x%s", node_id);
  g_autofree char *admin_id_text = g_strdup_printf("0x%s", admin_id);
  g_auto(MdTestCtlResult) fabrics_text = ctl("fabrics");
  g_auto(MdTestCtlResult) sessions_text = ctl("sessions");
  g_autoptr(GPtrArray) rows = NULL;
  JsonArray *fabrics, *sessions;
  JsonObject *fabric, *entry, *status;

  fabrics = list(parser, "fabrics", "fabrics");
  g_assert_cmpuint(json_array_get_length(fabrics), ==, 1);
  fabric = json_array_get_object_element(fabrics, 0);
  assert_members(fabric, fabric_members);
  g_assert_cmpint(json_object_get_int_member(fabric, "fabric_index"), ==, index);
  g_assert_cmpstr(json_object_get_string_member(fabric, "fabric_id"), ==, fabric_id);
  g_assert_cmpstr(json_object_get_string_member(fabric, "node_id"), ==, node_id);
  g_assert_cmpint(json_object_get_int_member(fabric, "vendor_id"), ==, ADMIN_VENDOR_ID);
  g_assert_cmpstr(json_object_get_string_member(fabric, "label"), ==, "");
  g_assert_cmpstr(json_object_get_string_member(fabric, "compressed_fabric_id"), ==, cfid);
  g_assert_cmpstr(json_object_get_string_member(fabric, "root_public_key"), ==, root_key);

  sessions = list(parser, "sessions", "sessions");
  g_assert_cmpuint(json_array_get_length(sessions), ==, 1);
  entry = json_array_get_object_element(sessions, 0);
  assert_members(entry, session_members);
  g_assert_cmpint(json_object_get_int_member(entry, "id"), ==, session->peer_session_id);
  g_assert_cmpstr(json_object_get_string_member(entry, "kind"), ==, "case");
  g_assert_cmpint(json_object_get_int_member(entry, "fabric_index"), ==, index);
  g_assert_cmpstr(json_object_get_string_member(entry, "peer_node_id"), ==, admin_id);
  g_assert_cmpstr(json_object_get_string_member(entry, "peer_address"), ==, address);
  g_assert_cmpstr(json_object_get_string_member(entry, "transport"), ==, "udp");
  g_assert_cmpint(json_object_get_int_member(entry, "established_usec"), >=, before);
  g_assert_cmpint(json_object_get_int_member(entry, "established_usec"), <=, after);
  g_assert_cmpint(json_object_get_int_member(entry, "last_activity_usec"), >=,
                  json_object_get_int_member(entry, "established_usec"));
  g_assert_cmpint(json_object_get_int_member(entry, "last_activity_usec"), <=, g_get_real_time());

  status = ctl_json(parser, "status", "--json");
  assert_status_json(f, status);
  g_assert_true(json_object_get_boolean_member(status, "commissioned"));
  g_assert_cmpint(json_object_get_int_member(status, "fabric_count"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(status, "session_count"), ==, 1);
  g_assert_cmpstr(json_object_get_string_member(status, "commissioning_window"), ==, "closed");

  /* The tables: a header, then one row each (the label is empty, the
   * times are a date and a time). */
  g_assert_cmpint(fabrics_text.status, ==, 0);
  rows = table_rows(md_test_ctl_text(&fabrics_text));
  g_assert_cmpuint(rows->len, ==, 2);
  assert_row(
      g_ptr_array_index(rows, 1),
      (const char *const[]){ index_text, fabric_id_text, node_id_text, "0xFFF2", cfid, NULL });
  g_clear_pointer(&rows, g_ptr_array_unref);
  g_assert_cmpint(sessions_text.status, ==, 0);
  rows = table_rows(md_test_ctl_text(&sessions_text));
  g_assert_cmpuint(rows->len, ==, 2);
  {
    char **row = g_ptr_array_index(rows, 1);

    g_assert_cmpuint(g_strv_length(row), ==, 10);
    g_assert_cmpstr(row[0], ==, id_text);
    g_assert_cmpstr(row[1], ==, "case");
    g_assert_cmpstr(row[2], ==, index_text);
    g_assert_cmpstr(row[3], ==, admin_id_text);
    g_assert_cmpstr(row[4], ==, address);
    g_assert_cmpstr(row[5], ==, "udp");
  }
}

/* ---- window ------------------------------------------------------------ */

/* The basic window of a fresh node: opening it twice is Busy, closing
 * it twice NotFound, a timeout out of range InvalidArgument, each with
 * the daemon's message and exit status 1; then open again, the codes
 * printed are those of Node1 and decode to the node's discriminator and
 * passcode, and PASE works with them. */
static void
test_window_basic(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *busy = direct_error(f, NODE_PATH, NODE_INTERFACE, "OpenCommissioningWindow",
                                       g_variant_new("(u)", 300), "Busy");
  g_autofree char *out_of_range =
      direct_error(f, NODE_PATH, NODE_INTERFACE, "OpenCommissioningWindow",
                   g_variant_new("(u)", 10), "InvalidArgument");
  g_autofree char *not_found = NULL, *window = NULL, *qr_code = NULL, *manual_code = NULL;
  g_auto(MdTestCtlResult) open_busy = ctl("window", "open");
  g_auto(MdTestCtlResult) short_timeout = ctl("window", "open", "--timeout", "10");
  g_auto(MdTestCtlResult) bad_timeout = ctl("window", "open", "--timeout", "soon");
  g_auto(MdTestCtlResult) close = ctl("window", "close");
  g_auto(MdTestCtlResult) close_again = ctl("window", "close");
  g_auto(MdTestCtlResult) text = { 0 };
  JsonObject *opened, *status;
  gint64 before;

  g_assert_cmpstr(open_busy.err, ==, busy);
  md_test_ctl_assert_error(&open_busy, 1, "");
  g_assert_cmpstr(short_timeout.err, ==, out_of_range);
  md_test_ctl_assert_error(&short_timeout, 1, "");
  md_test_ctl_assert_error(&bad_timeout, 2, "--timeout");
  assert_silent_success(&close);
  window = md_test_node_window(&f->node);
  g_assert_cmpstr(window, ==, "closed");
  not_found =
      direct_error(f, NODE_PATH, NODE_INTERFACE, "CloseCommissioningWindow", NULL, "NotFound");
  g_assert_cmpstr(close_again.err, ==, not_found);
  md_test_ctl_assert_error(&close_again, 1, "");

  before = g_get_real_time();
  opened = ctl_json(parser, "window", "open", "--timeout", "200", "--json");
  assert_members(opened, (const char *const[]){ "qr_code", "manual_code", "commissioning_window",
                                                "expires_usec", NULL });
  g_assert_cmpstr(json_object_get_string_member(opened, "commissioning_window"), ==, "basic");
  g_assert_cmpint(json_object_get_int_member(opened, "expires_usec"), >=,
                  before + 200 * G_USEC_PER_SEC - G_USEC_PER_SEC);
  g_assert_cmpint(json_object_get_int_member(opened, "expires_usec"), <=,
                  g_get_real_time() + 200 * G_USEC_PER_SEC + G_USEC_PER_SEC);
  g_assert_cmpint(json_object_get_int_member(opened, "expires_usec"), ==,
                  node_uint(f, "CommissioningWindowExpires"));
  qr_code = g_strdup(json_object_get_string_member(opened, "qr_code"));
  manual_code = g_strdup(json_object_get_string_member(opened, "manual_code"));
  /* The basic window carries the node's own passcode. */
  g_assert_cmpuint(decode_codes(qr_code, manual_code), ==, PASSCODE);
  status = ctl_json(parser, "status", "--json");
  g_assert_cmpstr(json_object_get_string_member(status, "qr_code"), ==, qr_code);
  g_assert_cmpstr(json_object_get_string_member(status, "manual_code"), ==, manual_code);

  /* The text form, with its picture. */
  text = ctl("window", "close");
  assert_silent_success(&text);
  md_test_ctl_result_clear(&text);
  text = ctl("window", "open");
  g_assert_cmpint(text.status, ==, 0);
  g_assert_cmpstr(text.err, ==, "");
  assert_field(text.out, "QR code", qr_code);
  assert_field(text.out, "Manual code", manual_code);
  assert_field(text.out, "Window", "basic");
  assert_qr_picture(text.out, qr_code);

  g_assert_cmpint(pase_with(f, PASSCODE), ==, MATTER_PASE_STATE_ESTABLISHED);
}

/* Once the node has a fabric, window open opens an enhanced window with
 * a new passcode, which the codes carry and PASE accepts. */
static void
test_window_enhanced(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *opened;
  guint32 passcode;
  guint8 index;

  commission(f, &index);
  opened = ctl_json(parser, "window", "open", "--json");
  g_assert_cmpstr(json_object_get_string_member(opened, "commissioning_window"), ==, "enhanced");
  passcode = decode_codes(json_object_get_string_member(opened, "qr_code"),
                          json_object_get_string_member(opened, "manual_code"));
  g_assert_cmpuint(passcode, !=, PASSCODE);
  g_assert_cmpint(pase_with(f, passcode), ==, MATTER_PASE_STATE_ESTABLISHED);
}

/* ---- fabric remove, session close --------------------------------------- */

static void
test_fabric_remove(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  guint8 index;
  MatterSession *session = commission(f, &index);
  guint16 case_id = session->local_session_id;
  g_autofree char *index_text = g_strdup_printf("%u", index);
  g_autofree char *other = g_strdup_printf("%u", index + 1);
  g_auto(MdTestCtlResult) missing = ctl("fabric", "remove", other);
  g_auto(MdTestCtlResult) removed = ctl("fabric", "remove", index_text);
  g_auto(MdTestCtlResult) again = { 0 };
  JsonObject *status;

  md_test_ctl_assert_error(&missing, 1, "no fabric of index");
  assert_silent_success(&removed);
  /* The fabric's session closes with it. */
  g_assert_true(md_test_commissioner_wait_closed(f->node.commissioner, case_id, 5000));
  g_assert_cmpuint(json_array_get_length(list(parser, "fabrics", "fabrics")), ==, 0);
  g_assert_cmpuint(json_array_get_length(list(parser, "sessions", "sessions")), ==, 0);
  status = ctl_json(parser, "status", "--json");
  g_assert_cmpint(json_object_get_int_member(status, "fabric_count"), ==, 0);
  g_assert_false(json_object_get_boolean_member(status, "commissioned"));
  again = ctl("fabric", "remove", index_text);
  md_test_ctl_assert_error(&again, 1, "no fabric of index");
}

static void
test_session_close(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  guint8 index;
  MatterSession *session = commission(f, &index);
  guint16 case_id = session->local_session_id;
  g_autofree char *id = g_strdup_printf("%u", session->peer_session_id);
  /* The node's only session is the CASE one. */
  g_autofree char *other = g_strdup_printf(
      "%u", session->peer_session_id == G_MAXUINT16 ? 1u : session->peer_session_id + 1u);
  g_auto(MdTestCtlResult) missing = ctl("session", "close", other);
  g_auto(MdTestCtlResult) closed = ctl("session", "close", id);
  g_auto(MdTestCtlResult) again = { 0 };

  md_test_ctl_assert_error(&missing, 1, "no session of id");
  assert_silent_success(&closed);
  /* The peer is told. */
  g_assert_true(md_test_commissioner_wait_closed(f->node.commissioner, case_id, 5000));
  g_assert_cmpuint(json_array_get_length(list(parser, "sessions", "sessions")), ==, 0);
  /* The fabric stays. */
  g_assert_cmpuint(json_array_get_length(list(parser, "fabrics", "fabrics")), ==, 1);
  again = ctl("session", "close", id);
  md_test_ctl_assert_error(&again, 1, "no session of id");
}

/* ---- label set --------------------------------------------------------- */

static void
test_label(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *too_long = g_strnfill(33, 'a');
  g_autofree char *invalid = direct_error(
      f, NODE_PATH, "org.freedesktop.DBus.Properties", "Set",
      g_variant_new("(ssv)", NODE_INTERFACE, "NodeLabel", g_variant_new_string(too_long)),
      "InvalidArgument");
  g_auto(MdTestCtlResult) set = ctl("label", "set", "Living room");
  g_auto(MdTestCtlResult) refused = ctl("label", "set", too_long);
  g_auto(MdTestCtlResult) no_text = ctl("label", "set");
  g_auto(MdTestCtlResult) cleared = { 0 };
  g_autofree char *label = NULL;
  JsonObject *status;

  assert_silent_success(&set);
  label = node_string(f, "NodeLabel");
  g_assert_cmpstr(label, ==, "Living room");
  status = ctl_json(parser, "status", "--json");
  g_assert_cmpstr(json_object_get_string_member(status, "node_label"), ==, "Living room");
  g_assert_cmpstr(refused.err, ==, invalid);
  md_test_ctl_assert_error(&refused, 1, "");
  md_test_ctl_assert_error(&no_text, 2, "label set");
  g_clear_pointer(&label, g_free);
  label = node_string(f, "NodeLabel");
  g_assert_cmpstr(label, ==, "Living room");

  cleared = ctl("label", "set", "");
  assert_silent_success(&cleared);
  g_clear_pointer(&label, g_free);
  label = node_string(f, "NodeLabel");
  g_assert_cmpstr(label, ==, "");
}

/* ---- factory-reset ----------------------------------------------------- */

static void
test_factory_reset(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GBytes) yes = g_bytes_new_static("yes\n", 4);
  g_auto(MdTestCtlResult) unconfirmed = { 0 }, typed = { 0 }, reset = { 0 };
  g_autofree char *unique_id = NULL;
  JsonObject *status;
  guint8 index;

  commission(f, &index);
  unique_id = node_string(f, "UniqueId");

  /* Without a terminal to ask on, only --yes will do. */
  unconfirmed = ctl("factory-reset");
  md_test_ctl_assert_error(&unconfirmed, 2, "--yes");
  typed = md_test_ctl_run_input(yes, "--session", "factory-reset");
  md_test_ctl_assert_error(&typed, 2, "--yes");
  g_assert_cmpuint(node_uint(f, "FabricCount"), ==, 1);

  reset = ctl("factory-reset", "--yes");
  g_assert_cmpint(reset.status, ==, 0);
  g_assert_cmpstr(reset.err, ==, "");
  g_assert_cmpuint(json_array_get_length(list(parser, "fabrics", "fabrics")), ==, 0);
  status = ctl_json(parser, "status", "--json");
  assert_status_json(f, status);
  g_assert_false(json_object_get_boolean_member(status, "commissioned"));
  g_assert_cmpint(json_object_get_int_member(status, "fabric_count"), ==, 0);
  g_assert_cmpstr(json_object_get_string_member(status, "commissioning_window"), ==, "basic");
  g_assert_cmpstr(json_object_get_string_member(status, "unique_id"), !=, unique_id);
  /* The configured passcode stays; the node can be commissioned again. */
  g_assert_cmpuint(decode_codes(json_object_get_string_member(status, "qr_code"),
                                json_object_get_string_member(status, "manual_code")),
                   ==, PASSCODE);
  commission(f, &index);
}

/* matterctl --session @args on a terminal of its own (script(1) gives it
 * a pty), @input typed there; the exit status, everything the terminal
 * showed in *@screen. */
static int
run_on_terminal(const char *input, const char *args, char **screen)
{
  g_autofree char *binary = g_shell_quote(g_getenv("MATTERCTL_BINARY"));
  g_autofree char *command = g_strdup_printf("%s --session %s", binary, args);
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
  process =
      g_subprocess_launcher_spawn(launcher, &error, "script", "-qec", command, "/dev/null", NULL);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8(process, input, NULL, screen, NULL, &error);
  g_assert_no_error(error);
  g_test_message("on the terminal:\n%s", *screen);
  g_assert_true(g_subprocess_get_if_exited(process));
  return g_subprocess_get_exit_status(process);
}

/* On a terminal factory-reset asks, and only "yes" resets. */
static void
test_factory_reset_asks(Fixture *f, gconstpointer data)
{
  g_autofree char *unique_id = node_string(f, "UniqueId");
  g_autofree char *screen = NULL, *after_no = NULL, *after_yes = NULL;

  g_assert_cmpint(run_on_terminal("no\n", "factory-reset", &screen), ==, 1);
  g_assert_nonnull(strstr(screen, "Type 'yes' to reset it:"));
  g_assert_nonnull(strstr(screen, "matterctl: factory reset cancelled"));
  after_no = node_string(f, "UniqueId");
  g_assert_cmpstr(after_no, ==, unique_id);
  g_clear_pointer(&screen, g_free);

  g_assert_cmpint(run_on_terminal("yes\n", "factory-reset", &screen), ==, 0);
  g_assert_nonnull(strstr(screen, "Type 'yes' to reset it:"));
  after_yes = node_string(f, "UniqueId");
  g_assert_cmpstr(after_yes, !=, unique_id);
}

/* ---- monitor ----------------------------------------------------------- */

/* A `matterctl monitor` running beside the test, and what it printed. */
typedef struct {
  GSubprocess *process;
  int fd;
  GString *out;
} Monitor;

static Monitor *
monitor_start(gboolean json)
{
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  Monitor *monitor = g_new0(Monitor, 1);
  const char *argv[] = { g_getenv("MATTERCTL_BINARY"), "--session", "monitor",
                         json ? "--json" : NULL, NULL };

  g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
  monitor->process = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);
  monitor->fd = g_unix_input_stream_get_fd(
      G_UNIX_INPUT_STREAM(g_subprocess_get_stdout_pipe(monitor->process)));
  monitor->out = g_string_new(NULL);
  return monitor;
}

/* Waits until the monitor printed @text at or after byte @from of its
 * output; FALSE when it did not within the timeout. */
static gboolean
monitor_wait_from(Monitor *monitor, gsize from, const char *text)
{
  gint64 end = g_get_monotonic_time() + MD_TEST_TIMEOUT_MS * 1000;

  while (monitor->out->len < from || strstr(monitor->out->str + from, text) == NULL) {
    struct pollfd fd = { .fd = monitor->fd, .events = POLLIN };
    gint64 left = (end - g_get_monotonic_time()) / 1000;
    char buf[4096];
    ssize_t n;

    if (left <= 0 || poll(&fd, 1, (int) left) <= 0)
      break;
    n = read(monitor->fd, buf, sizeof(buf));
    if (n <= 0)
      break;
    g_string_append_len(monitor->out, buf, n);
  }
  if (monitor->out->len >= from && strstr(monitor->out->str + from, text) != NULL)
    return TRUE;
  g_test_message("monitor printed:\n%s", monitor->out->str);
  return FALSE;
}

static gboolean
monitor_wait(Monitor *monitor, const char *text)
{
  return monitor_wait_from(monitor, 0, text);
}

/* SIGINT; it must exit 0 having said nothing on stderr. */
static void
monitor_stop(Monitor *monitor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = NULL;

  g_subprocess_send_signal(monitor->process, SIGINT);
  g_assert_true(md_test_wait_process(monitor->process, MD_TEST_TIMEOUT_MS));
  g_assert_true(g_subprocess_get_if_exited(monitor->process));
  g_assert_cmpint(g_subprocess_get_exit_status(monitor->process), ==, 0);
  err = g_input_stream_read_bytes(g_subprocess_get_stderr_pipe(monitor->process), 65536, NULL,
                                  &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_bytes_get_size(err), ==, 0);
  g_object_unref(monitor->process);
  g_string_free(monitor->out, TRUE);
  g_free(monitor);
}

/* The JSON line of the monitor's that has @event and, if not NULL, the
 * member @name with the string @value. */
static JsonObject *
monitor_json_find(Monitor *monitor, JsonParser *parser, const char *event, const char *name,
                  const char *value)
{
  g_auto(GStrv) lines = g_strsplit(monitor->out->str, "\n", -1);

  for (char **line = lines; *line != NULL; line++) {
    g_autoptr(GError) error = NULL;
    JsonObject *object;

    if (**line == '\0')
      continue;
    json_parser_load_from_data(parser, *line, -1, &error);
    g_assert_no_error(error);
    object = json_node_get_object(json_parser_get_root(parser));
    g_assert_true(json_object_has_member(object, "time_usec"));
    if (!g_str_equal(json_object_get_string_member(object, "event"), event))
      continue;
    if (name == NULL ||
        g_strcmp0(json_object_get_string_member_with_default(object, name, NULL), value) == 0)
      return object;
  }
  return NULL;
}

/* Both monitors, text and JSON, report a fabric appearing as it is
 * commissioned, its session, the window closing, a new label, the fabric
 * going and matterd restarting; SIGINT stops them with exit status 0. */
static void
test_monitor(Fixture *f, gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GRegex) timestamped = g_regex_new(
      "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} fabric [0-9]+ added ", G_REGEX_MULTILINE, 0, NULL);
  Monitor *text = monitor_start(FALSE), *json = monitor_start(TRUE);
  g_autofree char *added = NULL, *established = NULL, *removed = NULL, *index_text = NULL;
  g_autofree char *fabric_id = id_hex(FABRIC_ID);
  g_auto(MdTestCtlResult) label = { 0 }, remove = { 0 };
  JsonObject *event, *fabric;
  MatterSession *session;
  guint8 index;

  /* Both have read the state before anything happens. */
  g_assert_true(monitor_wait(text, "matterd on the session bus: window basic, 0 fabrics, "
                                   "0 sessions\n"));
  g_assert_true(monitor_wait(json, "\n"));
  event = monitor_json_find(json, parser, "state", NULL, NULL);
  g_assert_nonnull(event);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(event, "fabrics")), ==, 0);
  g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(event, "node"),
                                                "commissioning_window"),
                  ==, "basic");

  session = commission(f, &index);
  added = g_strdup_printf("fabric %u added (fabric id 0x%016" G_GINT64_MODIFIER
                          "X, node id 0x%016" G_GINT64_MODIFIER "X, vendor id 0x%04X, "
                          "label \"\")\n",
                          index, FABRIC_ID, NODE_ID, ADMIN_VENDOR_ID);
  established =
      g_strdup_printf("session %u established (case, fabric %u, peer node 0x%016" G_GINT64_MODIFIER
                      "X, [::1]:%u over udp)\n",
                      session->peer_session_id, index, ADMIN_NODE_ID, commissioner_port(f));
  g_assert_true(monitor_wait(text, added));
  g_assert_true(g_regex_match(timestamped, text->out->str, 0, NULL));
  g_assert_true(monitor_wait(text, established));
  g_assert_true(monitor_wait(text, " window basic -> closed\n"));

  label = ctl("label", "set", "kitchen");
  assert_silent_success(&label);
  g_assert_true(monitor_wait(text, " node NodeLabel changed: \"\" -> \"kitchen\"\n"));

  index_text = g_strdup_printf("%u", index);
  remove = ctl("fabric", "remove", index_text);
  assert_silent_success(&remove);
  removed = g_strdup_printf(" fabric %u removed\n", index);
  g_assert_true(monitor_wait(text, removed));
  g_clear_pointer(&removed, g_free);
  removed = g_strdup_printf(" session %u closed\n", session->peer_session_id);
  g_assert_true(monitor_wait(text, removed));

  /* matterd going and coming back: one line each, its state again. */
  md_test_node_restart(&f->node);
  g_assert_true(monitor_wait(text, " matterd left the session bus\n"));
  g_assert_true(monitor_wait_from(
      text, strstr(text->out->str, " matterd left the session bus\n") - text->out->str,
      " matterd on the session bus: window basic, 0 fabrics, "));

  /* The same in JSON, with the listing commands' members. */
  g_assert_true(monitor_wait(json, "\"event\":\"gone\""));
  event = monitor_json_find(json, parser, "added", "object", "fabric");
  g_assert_nonnull(event);
  g_assert_cmpint(json_object_get_int_member(event, "fabric_index"), ==, index);
  fabric = json_object_get_object_member(event, "fabric");
  assert_members(fabric, fabric_members);
  g_assert_cmpstr(json_object_get_string_member(fabric, "fabric_id"), ==, fabric_id);
  event = monitor_json_find(json, parser, "changed", "property", "CommissioningWindow");
  g_assert_nonnull(event);
  g_assert_cmpstr(json_object_get_string_member(event, "object"), ==, "node");
  g_assert_cmpstr(json_object_get_string_member(event, "member"), ==, "commissioning_window");
  g_assert_cmpstr(json_object_get_string_member(event, "old"), ==, "basic");
  g_assert_cmpstr(json_object_get_string_member(event, "new"), ==, "closed");
  event = monitor_json_find(json, parser, "changed", "property", "NodeLabel");
  g_assert_nonnull(event);
  g_assert_cmpstr(json_object_get_string_member(event, "new"), ==, "kitchen");
  event = monitor_json_find(json, parser, "removed", "object", "fabric");
  g_assert_nonnull(event);
  g_assert_cmpint(json_object_get_int_member(event, "fabric_index"), ==, index);
  event = monitor_json_find(json, parser, "added", "object", "session");
  g_assert_nonnull(event);
  assert_members(json_object_get_object_member(event, "session"), session_members);

  monitor_stop(text);
  monitor_stop(json);
}

/* ---- Usage and failures ------------------------------------------------- */

static void
assert_usage(const char *const *args, const char *needle)
{
  g_auto(MdTestCtlResult) result = md_test_ctl_runv(NULL, args);

  md_test_ctl_assert_error(&result, 2, needle);
}

#define usage(needle, ...) assert_usage((const char *const[]){ __VA_ARGS__, NULL }, needle)

/* Bad command lines exit 2 with one line saying why, whatever matterd
 * would say; help and --help exit 0. */
static void
test_usage(Fixture *f, gconstpointer data)
{
  g_autofree char *status_before = node_string(f, "CommissioningWindow");
  g_autofree char *status_after = NULL;
  g_auto(MdTestCtlResult) no_command = md_test_ctl_run("--session");
  g_auto(MdTestCtlResult) help = md_test_ctl_run("help");
  g_auto(MdTestCtlResult) help_status = md_test_ctl_run("help", "status");
  g_auto(MdTestCtlResult) status_help = md_test_ctl_run("status", "--help");
  g_auto(MdTestCtlResult) window_help = md_test_ctl_run("window", "open", "--help");
  static const char *const commands[] = { "status",  "fabrics", "fabric", "sessions",
                                          "session", "window",  "label",  "factory-reset",
                                          "monitor", "help",    NULL };

  usage("unknown command 'bogus'", "--session", "bogus");
  usage("exclude each other", "--session", "--system", "status");
  usage("takes no arguments", "--session", "status", "extra");
  usage("takes no arguments", "--session", "fabrics", "extra");
  usage("Unknown option", "--session", "sessions", "--tree");
  usage("fabric needs a command", "--session", "fabric");
  usage("unknown fabric command 'delete'", "--session", "fabric", "delete", "1");
  usage("needs the fabric's index", "--session", "fabric", "remove");
  usage("not a number", "--session", "fabric", "remove", "first");
  usage("0 is not allowed", "--session", "fabric", "remove", "0");
  usage("out of range", "--session", "fabric", "remove", "255");
  usage("needs the session's id", "--session", "session", "close");
  usage("out of range", "--session", "session", "close", "65536");
  usage("unknown window command 'toggle'", "--session", "window", "toggle");
  usage("window close takes no arguments", "--session", "window", "close", "now");
  usage("takes options only", "--session", "monitor", "fabrics");
  usage("unknown command 'nothing'", "help", "nothing");
  g_assert_cmpint(no_command.status, ==, 2);

  g_assert_cmpint(help.status, ==, 0);
  for (const char *const *name = commands; *name != NULL; name++) {
    g_autofree char *line = g_strdup_printf("\n  %s ", *name);

    g_assert_nonnull(strstr(md_test_ctl_text(&help), line));
  }
  g_assert_cmpint(help_status.status, ==, 0);
  g_assert_cmpstr(help_status.out, ==, status_help.out);
  g_assert_nonnull(strstr(md_test_ctl_text(&status_help), "matterctl status [OPTION"));
  g_assert_nonnull(strstr(md_test_ctl_text(&status_help), "--json"));
  g_assert_cmpint(window_help.status, ==, 0);
  g_assert_nonnull(strstr(md_test_ctl_text(&window_help), "matterctl window open [OPTION"));
  g_assert_nonnull(strstr(md_test_ctl_text(&window_help), "--timeout"));

  /* None of it reached matterd. */
  status_after = node_string(f, "CommissioningWindow");
  g_assert_cmpstr(status_after, ==, status_before);
}

/* On a bus without matterd every D-Bus command exits 1, saying so. */
static void
test_not_running(void)
{
  g_autofree char *dir = md_test_mkdtemp();
  MdTestBus *bus = md_test_bus_start(dir);
  const char *const commands[][4] = {
    { "--session", "status", NULL },
    { "--session", "fabrics", NULL },
    { "--session", "sessions", "--json", NULL },
    { "--session", "window", "open", NULL },
    { "--session", "fabric", "remove", "1" },
    { "--session", "label", "set", "x" },
  };

  g_setenv("DBUS_SESSION_BUS_ADDRESS", bus->address, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
    const char *args[5] = { commands[i][0], commands[i][1], commands[i][2], commands[i][3], NULL };
    g_auto(MdTestCtlResult) result = md_test_ctl_runv(NULL, args);

    md_test_ctl_assert_error(&result, 1, "matterd is not running on the session bus");
  }
  g_unsetenv("DBUS_SESSION_BUS_ADDRESS");
  md_test_bus_stop(bus);
  md_test_rmtree(dir);
}

static void
add_test(const char *path, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/matterctl-dbus/status", test_status);
  add_test("/matterctl-dbus/fabrics-sessions", test_fabrics_sessions);
  add_test("/matterctl-dbus/window-basic", test_window_basic);
  add_test("/matterctl-dbus/window-enhanced", test_window_enhanced);
  add_test("/matterctl-dbus/fabric-remove", test_fabric_remove);
  add_test("/matterctl-dbus/session-close", test_session_close);
  add_test("/matterctl-dbus/label", test_label);
  add_test("/matterctl-dbus/factory-reset", test_factory_reset);
  add_test("/matterctl-dbus/factory-reset-asks", test_factory_reset_asks);
  add_test("/matterctl-dbus/monitor", test_monitor);
  add_test("/matterctl-dbus/usage", test_usage);
  g_test_add_func("/matterctl-dbus/not-running", test_not_running);
  return g_test_run();
}
