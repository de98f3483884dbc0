/* SPDX-License-Identifier: Apache-2.0 */
/* The built matterd with the fake BlueZ (tests/fake-bluez) on a private
 * system bus: its advertisement follows the commissioning window and
 * carries the node's discriminator, vendor and product; the QR code names
 * BLE exactly while BlueZ is there; Node1.BluetoothState says what goes on;
 * [Bluetooth] Enable=no leaves BlueZ alone. */

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "matter/payload.h"
#include "md-test-bluez.h"
#include "md-test-core.h"
#include "md-test-node.h"

#define DISCRIMINATOR 3840
#define VENDOR_ID 0xFFF1
#define PRODUCT_ID 0x8000
#define CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"
#define WAIT_MS 5000

typedef struct {
  char *dir;
  MdTestBus *system_bus;
  MdTestBluez *bluez;
  MdTestNode node;
} Fixture;

static void
start(Fixture *f, const char *config)
{
  g_autofree char *address = NULL;

  f->dir = md_test_mkdtemp();
  f->system_bus = md_test_bus_start(f->dir);
  f->bluez = md_test_bluez_start(f->system_bus, f->dir, NULL);
  address = g_strdup_printf("DBUS_SYSTEM_BUS_ADDRESS=%s", f->system_bus->address);
  {
    const char *const env[] = { address, NULL };

    md_test_node_start_with_env(&f->node, config, env);
  }
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  start(f, data != NULL ? data : CONFIG);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  md_test_node_stop(&f->node);
  if (f->bluez != NULL) {
    g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGTERM), ==, 0);
    md_test_bluez_free(f->bluez);
  }
  md_test_bus_stop(f->system_bus);
  md_test_rmtree(f->dir);
  g_free(f->dir);
}

static char *
node_string(Fixture *f, const char *name)
{
  g_autoptr(GVariant) value = md_test_node_property(&f->node, name);

  return g_variant_dup_string(value, NULL);
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

static guint8
qr_rendezvous(Fixture *f)
{
  g_autofree char *qr_code = node_string(f, "QrCode");
  MatterSetupPayload payload;

  md_test_assert_error(matter_payload_qr_decode(qr_code, &payload), MATTER_OK);
  return payload.rendezvous;
}

static guint
advertisement_count(Fixture *f)
{
  g_autoptr(GVariant) reply = md_test_bluez_control(f->bluez, "GetAdvertisements", NULL);
  g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);

  return (guint) g_variant_n_children(list);
}

static gboolean
no_advertisement(gpointer data)
{
  return advertisement_count(data) == 0;
}

static void
call_node(Fixture *f, const char *method, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync(f->node.connection, "org.matterd", "/org/matterd",
                                                "org.matterd.Node1", method, args, NULL,
                                                G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);

  g_assert_no_error(error);
  g_variant_unref(reply);
}

/* The window the node opens at start is advertised: service 0xFFF6 with
 * the node's service data (Core spec 5.4.2.5.6), the GATT service is
 * registered, and the QR code names BLE beside on-network. */
static void
test_window_advertised(Fixture *f, gconstpointer data)
{
  /* Opcode 0, version 0 and the 12-bit discriminator, vendor and
   * product, little endian; no additional data. */
  static const guint8 service_data[] = {
    0x00, DISCRIMINATOR & 0xFF, DISCRIMINATOR >> 8, VENDOR_ID & 0xFF, VENDOR_ID >> 8,
    PRODUCT_ID & 0xFF, PRODUCT_ID >> 8, 0x00,
  };
  g_autoptr(GVariant) adv = NULL, info = NULL, properties = NULL, dict = NULL, sd = NULL;
  g_autoptr(GVariant) application = NULL;
  const guint8 *bytes;
  gsize len;

  wait_state(f, "advertising");
  g_assert_cmpuint(qr_rendezvous(f), ==,
                   MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK | MATTER_PAYLOAD_RENDEZVOUS_BLE);
  application = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(md_test_bluez_find_attribute(application, "service", MD_TEST_MATTER_SERVICE));
  g_assert_nonnull(
    md_test_bluez_find_attribute(application, "characteristic", MD_TEST_MATTER_C1));
  g_assert_nonnull(
    md_test_bluez_find_attribute(application, "characteristic", MD_TEST_MATTER_C2));

  adv = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_assert_nonnull(adv);
  g_variant_get(adv, "(@a{sv}@a{sv}@ay@ay)", &info, &properties, NULL, NULL);
  g_assert_true(g_variant_lookup(properties, "ServiceData", "@a{sv}", &dict));
  sd = g_variant_lookup_value(dict, MD_TEST_MATTER_SERVICE, G_VARIANT_TYPE_BYTESTRING);
  g_assert_nonnull(sd);
  bytes = g_variant_get_fixed_array(sd, &len, 1);
  g_assert_cmpmem(bytes, len, service_data, sizeof(service_data));

  /* Closed: nothing is advertised, the service stays registered. */
  call_node(f, "CloseCommissioningWindow", NULL);
  wait_state(f, "idle");
  g_assert_true(md_test_bluez_wait(no_advertisement, f, WAIT_MS));
  /* Open again: advertised again. */
  call_node(f, "OpenCommissioningWindow", g_variant_new("(u)", 180));
  wait_state(f, "advertising");
  g_assert_cmpuint(advertisement_count(f), ==, 1);
}

/* Without bluetoothd the node is commissionable on the network only, and
 * says so in its QR code; when bluetoothd comes back, so does BLE. */
static void
test_bluez_comes_and_goes(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) adv = NULL;

  wait_state(f, "advertising");
  g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGTERM), ==, 0);
  md_test_bluez_free(f->bluez);
  f->bluez = NULL;
  wait_state(f, "off");
  g_assert_cmpuint(qr_rendezvous(f), ==, MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK);

  f->bluez = md_test_bluez_start(f->system_bus, f->dir, NULL);
  wait_state(f, "advertising");
  g_assert_cmpuint(qr_rendezvous(f), ==,
                   MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK | MATTER_PAYLOAD_RENDEZVOUS_BLE);
  adv = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_assert_nonnull(adv);
}

/* A BTP handshake request (Table 28): version 4 only, segment size 244,
 * window 6. */
static const guint8 handshake_request[] = { 0x65, 0x6C, 0x04, 0x00, 0x00, 0x00, 244, 0, 6 };

static GVariant *
device_args(const char *device, const guint8 *data, gsize len)
{
  return g_variant_new("(o@ay)", device,
                       g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1));
}

/* Connects a central over @mode and opens a BTP session: the path of its
 * device. */
static char *
open_session(Fixture *f, const char *mode)
{
  g_autoptr(GVariant) reply = md_test_bluez_control(
    f->bluez, "Connect", g_variant_new("(sqs)", "11:22:33:44:55:66", 247, mode));
  g_autoptr(GVariant) written = NULL, subscribed = NULL, indication = NULL, value = NULL;
  const guint8 *response;
  char *device;
  gsize len;

  g_variant_get(reply, "(o)", &device);
  written = md_test_bluez_control(f->bluez, "Write",
                                  device_args(device, handshake_request,
                                              sizeof(handshake_request)));
  subscribed = md_test_bluez_control(f->bluez, "Subscribe", g_variant_new("(o)", device));
  indication = md_test_bluez_wait_signal(f->bluez, "Indication", WAIT_MS);
  g_assert_nonnull(indication);
  g_variant_get(indication, "(o@ay)", NULL, &value);
  response = g_variant_get_fixed_array(value, &len, 1);
  /* Table 29: handshake, version 4, segment 244, window 6. */
  g_assert_cmpuint(len, ==, 6);
  g_assert_cmphex(response[0], ==, 0x65);
  g_assert_cmphex(response[1], ==, 0x6C);
  g_assert_cmpuint(response[2] & 0x0F, ==, 4);
  g_assert_cmpuint(response[3] | response[4] << 8, ==, 244);
  g_assert_cmpuint(response[5], ==, 6);
  return device;
}

/* A commissioner's BTP session: the node stops advertising while it
 * lasts (one connection at a time) and advertises again after; a
 * malformed packet ends the session without harming the node. */
static void
test_central_session(Fixture *f, gconstpointer data)
{
  static const char *const modes[] = { "value", "acquire" };

  wait_state(f, "advertising");
  for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
    g_autofree char *device = NULL;
    g_autoptr(GVariant) gone = NULL, reply = NULL;
    /* Sequence number 5 where 0 is due. */
    static const guint8 out_of_order[] = { 0x05, 5, 1, 0, 0xAA };

    g_test_message("central over the %s path", modes[i]);
    device = open_session(f, modes[i]);
    wait_state(f, "connected");
    g_assert_true(md_test_bluez_wait(no_advertisement, f, WAIT_MS));
    g_assert_true(md_test_node_wait_for_log(&f->node, "A commissioner connected over BLE"));

    md_test_bluez_clear_signals(f->bluez);
    /* Over WriteValue the write itself fails (an ATT error); over the
     * write socket it cannot: either way the link goes. */
    reply = md_test_bluez_call_full(f->bluez->connection, "/org/bluez/test",
                                    MD_TEST_BLUEZ_CONTROL, "Write",
                                    device_args(device, out_of_order, sizeof(out_of_order)),
                                    NULL, NULL);
    gone = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
    g_assert_nonnull(gone);
    wait_state(f, "advertising");
    g_assert_true(md_test_node_wait_for_log(&f->node, "BLE connection"));
  }
  /* The node is unharmed: its window and codes are there. */
  g_assert_cmpuint(qr_rendezvous(f), ==,
                   MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK | MATTER_PAYLOAD_RENDEZVOUS_BLE);
}

/* [Bluetooth] Enable=no: BlueZ is never called. */
static void
test_disabled(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL, list = NULL;
  g_autofree char *state = NULL;

  /* Long enough for a registration to have come. */
  md_test_bluez_spin(500);
  state = node_string(f, "BluetoothState");
  g_assert_cmpstr(state, ==, "off");
  g_assert_cmpuint(qr_rendezvous(f), ==, MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK);
  reply = md_test_bluez_control(f->bluez, "GetApplication", NULL);
  list = g_variant_get_child_value(reply, 0);
  g_assert_cmpuint(g_variant_n_children(list), ==, 0);
  g_assert_cmpuint(advertisement_count(f), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add("/ble-daemon/window-advertised", Fixture, NULL, fixture_setup,
             test_window_advertised, fixture_teardown);
  g_test_add("/ble-daemon/bluez-comes-and-goes", Fixture, NULL, fixture_setup,
             test_bluez_comes_and_goes, fixture_teardown);
  g_test_add("/ble-daemon/central-session", Fixture, NULL, fixture_setup, test_central_session,
             fixture_teardown);
  g_test_add("/ble-daemon/disabled", Fixture, CONFIG "[Bluetooth]\nEnable=no\n", fixture_setup,
             test_disabled, fixture_teardown);
  return g_test_run();
}
