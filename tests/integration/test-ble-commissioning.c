/* SPDX-License-Identifier: Apache-2.0 */
/* Commissioning the built matterd over Bluetooth LE, as a phone does when
 * the QR code says BLE: a central of the fake BlueZ (tests/fake-bluez) on
 * a private system bus carries the test commissioner's messages over BTP
 * (md-test-btp-central.h) for PASE, ArmFailSafe, attestation, CSRRequest,
 * AddTrustedRootCertificate and AddNOC; the commissioner then reaches the
 * node over UDP with CASE for CommissioningComplete. On both of
 * bluetoothd's I/O paths (AcquireWrite/AcquireNotify and
 * WriteValue/StartNotify) at ATT MTU 23 and 247. Also: the link dropping
 * in the middle ends the PASE session and what it armed; bluetoothd
 * restarting and the adapter powered off and on in the middle of a
 * window; a malformed write during PASE ending the link without harming
 * the node. After each, a new central commissions the node fully. */

#include <signal.h>
#include <string.h>

#include "md-test-btp-central.h"
#include "md-test-commission.h"
#include "md-test-core.h"
#include "md-test-node.h"

#define CENTRAL_A "11:22:33:44:55:0A"
#define CENTRAL_B "11:22:33:44:55:0B"
#define WAIT_MS 15000

typedef struct {
  char *dir;
  MdTestBus *system_bus;
  MdTestBluez *bluez;
  MdTestNode node;
  MdTestCa *ca;
  MdTestIdentity admin;
  guint subscription;
  GPtrArray *states; /* char *: Node1.BluetoothState as PropertiesChanged announced it */
} Fixture;

/* One way of connecting: bluetoothd's I/O path and the ATT MTU. */
typedef struct {
  const char *mode; /* Control1.Connect's: "value" or "acquire" */
  guint16 mtu;
} Link;

static const Link value_23 = { "value", 23 };
static const Link value_247 = { "value", 247 };
static const Link acquire_23 = { "acquire", 23 };
static const Link acquire_247 = { "acquire", 247 };

/* ---- The node and the fake BlueZ ---------------------------------------- */

static void
on_node_changed(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *name, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GVariant) changed = NULL;
  const char *state;

  g_variant_get(parameters, "(&s@a{sv}@as)", NULL, &changed, NULL);
  if (g_variant_lookup(changed, "BluetoothState", "&s", &state))
    g_ptr_array_add(f->states, g_strdup(state));
}

static void
bluez_start(Fixture *f)
{
  g_assert_null(f->bluez);
  f->bluez = md_test_bluez_start(f->system_bus, f->dir, NULL);
}

static void
bluez_stop(Fixture *f)
{
  g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGTERM), ==, 0);
  g_clear_pointer(&f->bluez, md_test_bluez_free);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_autofree char *address = NULL;

  f->dir = md_test_mkdtemp();
  f->system_bus = md_test_bus_start(f->dir);
  bluez_start(f);
  address = g_strdup_printf("DBUS_SYSTEM_BUS_ADDRESS=%s", f->system_bus->address);
  {
    const char *const env[] = { address, NULL };

    md_test_node_start_with_env(&f->node, MD_TEST_COMMISSION_CONFIG, env);
  }
  f->states = g_ptr_array_new_with_free_func(g_free);
  f->subscription = g_dbus_connection_signal_subscribe(
      f->node.connection, "org.matterd", "org.freedesktop.DBus.Properties", "PropertiesChanged",
      "/org/matterd", "org.matterd.Node1", G_DBUS_SIGNAL_FLAGS_NONE, on_node_changed, f, NULL);
  f->ca = md_test_ca_new(FABRIC_ID);
  md_test_admin_init(&f->admin, f->ca);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  md_test_commissioner_set_ble(f->node.commissioner, NULL, NULL);
  g_dbus_connection_signal_unsubscribe(f->node.connection, f->subscription);
  md_test_node_stop(&f->node);
  if (f->bluez != NULL)
    bluez_stop(f);
  md_test_bus_stop(f->system_bus);
  md_test_rmtree(f->dir);
  g_free(f->dir);
  g_ptr_array_unref(f->states);
  md_test_identity_clear(&f->admin);
  md_test_ca_free(f->ca);
}

static char *
node_string(Fixture *f, const char *name)
{
  g_autoptr(GVariant) value = md_test_node_property(&f->node, name);

  return g_variant_dup_string(value, NULL);
}

static guint
node_byte(Fixture *f, const char *name)
{
  g_autoptr(GVariant) value = md_test_node_property(&f->node, name);

  return g_variant_get_byte(value);
}

typedef struct {
  Fixture *f;
  const char *state;
} StateWait;

static gboolean
state_is(gpointer data)
{
  StateWait *wait = data;
  g_autofree char *state = node_string(wait->f, "BluetoothState");

  return strcmp(state, wait->state) == 0;
}

static void
wait_state(Fixture *f, const char *state)
{
  StateWait wait = { f, state };
  g_autofree char *last = NULL;

  if (md_test_bluez_wait(state_is, &wait, WAIT_MS))
    return;
  last = node_string(f, "BluetoothState");
  g_error("BluetoothState stayed \"%s\", not \"%s\"; matterd's log:\n%s", last, state,
          md_test_daemon_stderr(f->node.daemon));
}

typedef struct {
  Fixture *f;
  guint from;
  const char *const *states;
  guint end; /* past the last of them, once seen */
} StatesWait;

static gboolean
states_seen(gpointer data)
{
  StatesWait *wait = data;
  guint i = wait->from;

  for (const char *const *state = wait->states; *state != NULL; state++) {
    while (i < wait->f->states->len && strcmp(wait->f->states->pdata[i], *state) != 0)
      i++;
    if (i == wait->f->states->len)
      return FALSE;
    i++;
  }
  wait->end = i;
  return TRUE;
}

/* PropertiesChanged announces @states in this order from the index *@from
 * on (others may come between; the announcement may follow the value Get
 * returns); *@from moves past the last. */
static void
assert_states(Fixture *f, guint *from, const char *const *states)
{
  StatesWait wait = { f, *from, states, 0 };
  g_autofree char *expected = g_strjoinv(", ", (char **) states);
  g_autofree char *seen = NULL;

  if (md_test_bluez_wait(states_seen, &wait, WAIT_MS)) {
    *from = wait.end;
    return;
  }
  g_ptr_array_add(f->states, NULL);
  seen = g_strjoinv(", ", (char **) f->states->pdata + *from);
  g_error("BluetoothState announced %s, not %s in this order", seen, expected);
}

/* The properties of every object with @interface: a GPtrArray of a{sv}. */
static GPtrArray *
objects_with(Fixture *f, const char *interface)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      f->node.connection, "org.matterd", "/", "org.freedesktop.DBus.ObjectManager",
      "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 5000,
      NULL, &error);
  g_autoptr(GVariant) objects = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *interfaces;

  g_assert_no_error(error);
  objects = g_variant_get_child_value(reply, 0);
  g_variant_iter_init(&iter, objects);
  while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", NULL, &interfaces)) {
    GVariant *properties = g_variant_lookup_value(interfaces, interface, NULL);

    if (properties != NULL)
      g_ptr_array_add(found, properties);
    g_variant_unref(interfaces);
  }
  return found;
}

/* Session1 objects of @kind over @transport ("ble", "udp"; NULL: any). */
static guint
count_sessions(Fixture *f, const char *kind, const char *transport)
{
  g_autoptr(GPtrArray) sessions = objects_with(f, "org.matterd.Session1");
  guint count = 0;

  for (guint i = 0; i < sessions->len; i++) {
    const char *k = NULL, *t = NULL;

    g_variant_lookup(sessions->pdata[i], "Kind", "&s", &k);
    g_variant_lookup(sessions->pdata[i], "Transport", "&s", &t);
    if (g_strcmp0(k, kind) == 0 && (transport == NULL || g_strcmp0(t, transport) == 0))
      count++;
  }
  return count;
}

typedef struct {
  Fixture *f;
  const char *kind;
  const char *transport;
  guint count;
} SessionWait;

static gboolean
sessions_are(gpointer data)
{
  SessionWait *wait = data;

  return count_sessions(wait->f, wait->kind, wait->transport) == wait->count;
}

static void
wait_sessions(Fixture *f, const char *kind, const char *transport, guint count)
{
  SessionWait wait = { f, kind, transport, count };

  if (!md_test_bluez_wait(sessions_are, &wait, WAIT_MS))
    g_error("%u %s sessions over %s, not %u; matterd's log:\n%s",
            count_sessions(f, kind, transport), kind, transport != NULL ? transport : "anything",
            count, md_test_daemon_stderr(f->node.daemon));
}

typedef struct {
  Fixture *f;
  guint count;
} FabricWait;

/* Fabric1 objects: a fabric being commissioned has one from AddNOC on
 * (FabricCount counts it only once committed). */
static guint
count_fabrics(Fixture *f)
{
  g_autoptr(GPtrArray) fabrics = objects_with(f, "org.matterd.Fabric1");

  return fabrics->len;
}

static gboolean
fabrics_are(gpointer data)
{
  FabricWait *wait = data;

  return count_fabrics(wait->f) == wait->count;
}

static void
wait_fabrics(Fixture *f, guint count)
{
  FabricWait wait = { f, count };

  if (!md_test_bluez_wait(fabrics_are, &wait, WAIT_MS))
    g_error("%u Fabric1 objects, not %u; matterd's log:\n%s", count_fabrics(f), count,
            md_test_daemon_stderr(f->node.daemon));
}

/* The next Disconnected signal of the fake: its reason. */
static char *
wait_disconnected(Fixture *f, MdTestBtpCentral *central)
{
  g_autoptr(GVariant) signal = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  const char *path;
  char *reason;

  g_assert_nonnull(signal);
  g_variant_get(signal, "(&os)", &path, &reason);
  g_assert_cmpstr(path, ==, central->path);
  return reason;
}

static gboolean
nothing_advertised(gpointer data)
{
  Fixture *f = data;
  g_autoptr(GVariant) reply = md_test_bluez_control(f->bluez, "GetAdvertisements", NULL);
  g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);

  return g_variant_n_children(list) == 0;
}

/* ---- Commissioning over BLE --------------------------------------------- */

/* A central connects over @link and opens a BTP session; the
 * commissioner's BLE link from then on. */
static MdTestBtpCentral *
connect_central(Fixture *f, const char *address, const Link *link)
{
  MdTestBtpCentral *central;

  wait_state(f, "advertising");
  md_test_bluez_clear_signals(f->bluez);
  central = md_test_btp_central_connect(f->bluez, address, link->mtu, link->mode);
  md_test_btp_central_handshake(central);
  g_assert_cmpuint(central->segment, ==, MIN(link->mtu - 3, MD_TEST_BTP_SEGMENT_MAX));
  wait_state(f, "connected");
  g_assert_true(md_test_node_wait_for_log(&f->node, "A commissioner connected over BLE"));
  /* One connection at a time: nothing advertised while it lasts. */
  g_assert_true(md_test_bluez_wait(nothing_advertised, f, WAIT_MS));
  md_test_commissioner_set_ble(f->node.commissioner, &md_test_btp_central_link, central);
  return central;
}

/* The link is gone: the commissioner's messages have no way over BLE. */
static void
forget_central(Fixture *f)
{
  md_test_commissioner_set_ble(f->node.commissioner, NULL, NULL);
}

/* PASE over BLE, the session the node shows for it. */
static MatterSession *
pase_over_ble(Fixture *f)
{
  MatterSession *pase = md_test_pase_over(&f->node, MATTER_TRANSPORT_BLE);

  wait_sessions(f, "pase", "ble", 1);
  g_assert_cmpuint(count_sessions(f, "pase", "udp"), ==, 0);
  return pase;
}

/* What the commissioner does over BLE: ArmFailSafe, attestation,
 * CSRRequest, AddTrustedRootCertificate, AddNOC; the new fabric counts. */
static void
commission_over_ble(Fixture *f, MatterSession *pase)
{
  g_autoptr(GBytes) noc = NULL;
  guint8 index;

  md_test_arm_fail_safe(&f->node, pase, 60);
  md_test_attestation(&f->node, pase);
  index = md_test_commission_to_add_noc(&f->node, pase, f->ca, &noc);
  g_assert_cmpuint(index, ==, 1);
  wait_fabrics(f, 1);
}

/* Then over UDP: CASE as the administrator AddNOC named, and
 * CommissioningComplete; the PASE session over BLE ends with it
 * (CloseSession comes over BLE) and the fabric is stored. */
static MatterSession *
complete_over_udp(Fixture *f, MatterSession *pase)
{
  guint16 pase_id = pase->local_session_id;
  MatterSession *session = md_test_case_session(&f->node, &f->admin, NULL, NULL);
  g_autofree char *window = NULL;

  g_assert_cmpint(session->peer_address.transport, ==, MATTER_TRANSPORT_UDP);
  g_assert_cmpuint(md_test_commissioning_complete(&f->node, session), ==, COMMISSIONING_OK);
  g_assert_true(md_test_commissioner_wait_closed(f->node.commissioner, pase_id, WAIT_MS));
  wait_sessions(f, "pase", NULL, 0);
  g_assert_cmpuint(count_sessions(f, "case", "udp"), ==, 1);
  g_assert_cmpuint(node_byte(f, "FabricCount"), ==, 1);
  g_assert_cmpuint(count_fabrics(f), ==, 1);
  g_assert_cmpuint(md_test_node_query(&f->node, "SELECT count(*) FROM fabric"), ==, 1);
  window = md_test_node_window(&f->node);
  g_assert_cmpstr(window, ==, "closed");
  return session;
}

/* CommissionedFabrics over the CASE session: 1. */
static void
assert_commissioned(Fixture *f, MatterSession *session)
{
  MatterImAttributePath path =
      md_test_attribute_path(ROOT_ENDPOINT, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS);
  g_autoptr(GArray) answers =
      md_test_commissioner_read(f->node.commissioner, session, &path, 1, FALSE);
  MatterTlvReader r;
  guint8 count = 0;

  g_assert_cmpuint(answers->len, ==, 1);
  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), &r);
  g_assert_cmpint(matter_tlv_get_u8(&r, &count), ==, MATTER_OK);
  g_assert_cmpuint(count, ==, 1);
}

/* The link as bluetoothd had it: the path @link asked for, nothing cut. */
static void
assert_link(MdTestBtpCentral *central, const Link *link)
{
  g_autoptr(GVariant) info = md_test_btp_central_connection(central);
  const char *kind = g_str_equal(link->mode, "value") ? "value" : "fd";
  const char *write_path = NULL, *notify_path = NULL;
  guint32 truncated = 1, indications = 0;
  guint16 mtu = 0;

  g_assert_true(g_variant_lookup(info, "WritePath", "&s", &write_path));
  g_assert_true(g_variant_lookup(info, "NotifyPath", "&s", &notify_path));
  g_assert_true(g_variant_lookup(info, "MTU", "q", &mtu));
  g_assert_true(g_variant_lookup(info, "Truncated", "u", &truncated));
  g_assert_true(g_variant_lookup(info, "Indications", "u", &indications));
  g_assert_cmpstr(write_path, ==, kind);
  g_assert_cmpstr(notify_path, ==, kind);
  g_assert_cmpuint(mtu, ==, link->mtu);
  g_assert_cmpuint(truncated, ==, 0);
  g_assert_cmpuint(indications, ==, central->indications);
  /* The central acknowledges each indication at once; the node answers
   * when that fills its window, not on its send-acknowledgement timer
   * (MATTER_BTP_SEND_ACK_MS, 2.5 s), or each message would wait for it. */
  g_assert_cmpuint(central->max_blocked_ms, <, 2000);
}

/* The whole commissioning by a central at @address over @link, which
 * then leaves; the BluetoothState changes it made. */
static void
commission(Fixture *f, const char *address, const Link *link)
{
  static const char *const states[] = { "connected", "idle", NULL };
  g_autoptr(MdTestBtpCentral) central = NULL;
  g_autofree char *reason = NULL;
  MatterSession *pase, *session;
  guint from = f->states->len;

  central = connect_central(f, address, link);
  pase = pase_over_ble(f);
  commission_over_ble(f, pase);
  session = complete_over_udp(f, pase);
  assert_link(central, link);

  /* The central leaves; the window is closed, so nothing is advertised. */
  forget_central(f);
  md_test_btp_central_call(central, "Disconnect");
  reason = wait_disconnected(f, central);
  g_assert_cmpstr(reason, ==, "remote");
  wait_state(f, "idle");
  assert_states(f, &from, states);
  g_assert_true(md_test_node_wait_for_log(&f->node, "BLE connection"));
  /* The operational session is unaffected. */
  assert_commissioned(f, session);
}

static void
test_commission(Fixture *f, gconstpointer data)
{
  commission(f, CENTRAL_A, data);
}

/* ---- The link failing in the middle ------------------------------------- */

/* The link going ends the PASE session over it; the fail-safe armed over
 * that session expires and takes the fabric AddNOC added; the window
 * stays open and is advertised again. */
static void
assert_link_ended(Fixture *f)
{
  g_autofree char *window = NULL;

  wait_sessions(f, "pase", NULL, 0);
  g_assert_true(md_test_node_wait_for_log(
      &f->node, "The PASE session that armed the fail-safe closed: expiring it"));
  wait_fabrics(f, 0);
  g_assert_cmpuint(node_byte(f, "FabricCount"), ==, 0);
  window = md_test_node_window(&f->node);
  g_assert_cmpstr(window, !=, "closed");
  g_assert_cmpuint(md_test_node_query(&f->node, "SELECT count(*) FROM fabric"), ==, 0);
}

/* The central leaves with AddNOC done over BLE. */
static void
test_link_drop(Fixture *f, gconstpointer data)
{
  static const char *const states[] = { "connected", "advertising", NULL };
  g_autoptr(MdTestBtpCentral) central = NULL;
  g_autofree char *reason = NULL;
  guint from = f->states->len;

  central = connect_central(f, CENTRAL_A, &value_247);
  commission_over_ble(f, pase_over_ble(f));
  forget_central(f);
  md_test_btp_central_call(central, "Disconnect");
  reason = wait_disconnected(f, central);
  g_assert_cmpstr(reason, ==, "remote");
  assert_link_ended(f);
  wait_state(f, "advertising");
  assert_states(f, &from, states);

  commission(f, CENTRAL_B, &acquire_23);
}

/* bluetoothd stops (SIGTERM) with PASE open over BLE and starts again:
 * matterd registers its application and advertisement with the new one,
 * where a central commissions the node. */
static void
test_bluez_restart(Fixture *f, gconstpointer data)
{
  static const char *const states[] = { "connected", "off", "advertising", NULL };
  g_autoptr(MdTestBtpCentral) central = NULL;
  g_autoptr(GVariant) application = NULL, advertisement = NULL;
  guint from = f->states->len;

  central = connect_central(f, CENTRAL_A, &acquire_247);
  md_test_arm_fail_safe(&f->node, pase_over_ble(f), 60);
  forget_central(f);
  bluez_stop(f);
  g_clear_pointer(&central, md_test_btp_central_free);
  wait_state(f, "off");
  assert_link_ended(f);

  bluez_start(f);
  wait_state(f, "advertising");
  application = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(md_test_bluez_find_attribute(application, "service", MD_TEST_MATTER_SERVICE));
  advertisement = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_assert_nonnull(advertisement);
  assert_states(f, &from, states);

  commission(f, CENTRAL_B, &value_23);
}

static void
set_powered(Fixture *f, gboolean powered)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = md_test_bluez_call_full(
      f->bluez->connection, MD_TEST_BLUEZ_ADAPTER, "org.freedesktop.DBus.Properties", "Set",
      g_variant_new("(ssv)", "org.bluez.Adapter1", "Powered", g_variant_new_boolean(powered)), NULL,
      &error);

  g_assert_no_error(error);
  g_variant_unref(reply);
}

/* The adapter powered off with PASE open over BLE, then on again. */
static void
test_power_cycle(Fixture *f, gconstpointer data)
{
  static const char *const states[] = { "connected", "no-adapter", "advertising", NULL };
  g_autoptr(MdTestBtpCentral) central = NULL;
  g_autofree char *reason = NULL;
  guint from = f->states->len;

  central = connect_central(f, CENTRAL_A, &value_23);
  md_test_arm_fail_safe(&f->node, pase_over_ble(f), 60);
  forget_central(f);
  set_powered(f, FALSE);
  reason = wait_disconnected(f, central);
  g_assert_cmpstr(reason, ==, "power-off");
  wait_state(f, "no-adapter");
  assert_link_ended(f);

  set_powered(f, TRUE);
  wait_state(f, "advertising");
  assert_states(f, &from, states);

  commission(f, CENTRAL_B, &acquire_247);
}

/* A packet out of sequence (4.17.3.6) from the central after Pake2: the
 * node closes the link (over WriteValue the write fails with an ATT
 * error; over the write socket it cannot) and the half-done PASE goes with
 * it; the node is unharmed and a new central commissions it. */
static void
malformed_write(Fixture *f, const Link *link, const Link *next)
{
  const MdTestPaseOptions options = {
    .passcode = PASSCODE,
    .style = MD_TEST_PASE_SILENCE,
    .transport = MATTER_TRANSPORT_BLE,
  };
  g_autoptr(MdTestBtpCentral) central = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  MdTestPaseOutcome outcome;
  guint8 bad[5];

  central = connect_central(f, CENTRAL_A, link);
  md_test_commissioner_pase(f->node.commissioner, &options, &outcome);
  g_assert_true(outcome.got_pake2);
  g_assert_null(outcome.session);
  forget_central(f);
  /* Whatever the node still had to say arrived by now. */
  while (md_test_btp_central_take(central, 0))
    ;

  /* A whole one-byte SDU, well formed but for its sequence number. */
  bad[0] = MD_TEST_BTP_BEGIN | MD_TEST_BTP_END;
  bad[1] = (guint8) (central->tx_seq + 3);
  bad[2] = 1;
  bad[3] = 0;
  bad[4] = 0xAA;
  reply = md_test_bluez_call_full(
      f->bluez->connection, "/org/bluez/test", MD_TEST_BLUEZ_CONTROL, "Write",
      md_test_btp_central_write_args(central, bad, sizeof(bad)), NULL, &error);
  if (g_str_equal(link->mode, "value")) {
    g_assert_null(reply);
    g_assert_nonnull(error);
    g_assert_true(g_str_has_suffix(error->message, "ATT error 0x80"));
  } else {
    g_assert_no_error(error);
  }
  reason = wait_disconnected(f, central);
  g_assert_cmpstr(reason, ==, "local");
  wait_state(f, "advertising");
  wait_sessions(f, "pase", NULL, 0);
  g_assert_cmpuint(count_fabrics(f), ==, 0);

  commission(f, CENTRAL_B, next);
}

static void
test_malformed_value(Fixture *f, gconstpointer data)
{
  malformed_write(f, &value_23, &acquire_247);
}

static void
test_malformed_acquire(Fixture *f, gconstpointer data)
{
  malformed_write(f, &acquire_247, &value_23);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

#define ADD(name, data, func) g_test_add(name, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD("/ble-commissioning/value/mtu23", &value_23, test_commission);
  ADD("/ble-commissioning/value/mtu247", &value_247, test_commission);
  ADD("/ble-commissioning/acquire/mtu23", &acquire_23, test_commission);
  ADD("/ble-commissioning/acquire/mtu247", &acquire_247, test_commission);
  ADD("/ble-commissioning/link-drop", NULL, test_link_drop);
  ADD("/ble-commissioning/bluez-restart", NULL, test_bluez_restart);
  ADD("/ble-commissioning/power-cycle", NULL, test_power_cycle);
  ADD("/ble-commissioning/malformed-write/value", NULL, test_malformed_value);
  ADD("/ble-commissioning/malformed-write/acquire", NULL, test_malformed_acquire);
#undef ADD
  return g_test_run();
}
