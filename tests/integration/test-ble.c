/* SPDX-License-Identifier: Apache-2.0 */
/* The BlueZ peripheral (src/daemon/ble.c) against the fake BlueZ
 * (tests/fake-bluez) on a private bus: the GATT application and the
 * advertisement as bluetoothd reads them, byte by byte where it builds
 * bytes; a scripted central on both I/O paths (AcquireWrite and
 * AcquireNotify, WriteValue and StartNotify) at ATT MTU 23 and 247,
 * speaking BTP as a phone does (md-test-btp-central.h, written from Core
 * spec 4.17 and not from the engine); a second central refused; bluetoothd restarting and
 * the adapter power cycling; a malformed write ending the link; and
 * md_ble_free() leaving nothing registered. */

#include <signal.h>
#include <string.h>

#include "ble.h"
#include "md-error.h"
#include "md-names.h"
#include "md-test-btp-central.h"

#define CENTRAL_A "11:22:33:44:55:0A"
#define CENTRAL_B "11:22:33:44:55:0B"
#define WAIT_MS 15000
/* A Matter message of the size IPv6's minimum MTU allows. */
#define SDU_LEN 1200

/* The advertisement of the tests: discriminator 3840, the development
 * vendor and product, C3 present. */
#define DISCRIMINATOR 0xF00
#define VENDOR_ID 0xFFF1
#define PRODUCT_ID 0x8000

/* Service data of 0xFFF6 (Core spec 5.4.2.5.6): opcode 0, then
 * version 0 and discriminator 0xF00 as the little-endian word 0x0F00,
 * vendor 0xFFF1 and product 0x8000 little endian, additional data. */
static const guint8 service_data[8] = { 0x00, 0x00, 0x0F, 0xF1, 0xFF, 0x00, 0x80, 0x01 };

typedef struct {
  char *dir;
  MdTestBus *bus;
  MdTestBluez *bluez;
  GDBusConnection *system; /* the shared system-bus connection ble.c uses */
  MdBle *ble;
  GBytes *c3;
  guint connected;
  guint disconnected;
  GPtrArray *received; /* GBytes: what received() got */
  GArray *states;      /* MdBleState: md_ble_get_state() at each state_changed() */
} Fixture;

/* ---- The peripheral ------------------------------------------------------ */

static void
on_connected(gpointer user_data)
{
  Fixture *f = user_data;

  f->connected++;
}

static void
on_received(const guint8 *message, gsize len, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add(f->received, g_bytes_new(message, len));
}

static void
on_disconnected(gpointer user_data)
{
  Fixture *f = user_data;

  f->disconnected++;
}

static void
on_state_changed(gpointer user_data)
{
  Fixture *f = user_data;
  MdBleState state = md_ble_get_state(f->ble);

  g_test_message("state %s", md_ble_state_to_string(state));
  g_array_append_val(f->states, state);
}

static const MdBleCallbacks callbacks = {
  .connected = on_connected,
  .received = on_received,
  .disconnected = on_disconnected,
  .state_changed = on_state_changed,
};

static void
ble_start(Fixture *f, const char *adapter)
{
  MdBleConfig config = { .enable = TRUE, .adapter = adapter };

  f->ble = md_ble_new(&config, f->c3, &callbacks, f);
}

static void
advertise(Fixture *f)
{
  MdBleAdvertisement adv = {
    .discriminator = DISCRIMINATOR,
    .vendor_id = VENDOR_ID,
    .product_id = PRODUCT_ID,
    .additional_data = TRUE,
  };

  md_ble_set_advertisement(f->ble, &adv);
}

typedef struct {
  Fixture *f;
  MdBleState state;
} StateWait;

static gboolean
state_is(gpointer data)
{
  StateWait *wait = data;

  return md_ble_get_state(wait->f->ble) == wait->state;
}

static void
wait_state(Fixture *f, MdBleState state)
{
  StateWait wait = { f, state };

  if (!md_test_bluez_wait(state_is, &wait, WAIT_MS))
    g_error("still %s, not %s", md_ble_state_to_string(md_ble_get_state(f->ble)),
            md_ble_state_to_string(state));
}

/* state_changed() reported @state since the index @from. */
static gboolean
state_seen(Fixture *f, guint from, MdBleState state)
{
  for (guint i = from; i < f->states->len; i++)
    if (g_array_index(f->states, MdBleState, i) == state)
      return TRUE;
  return FALSE;
}

typedef struct {
  guint *counter;
  guint target;
} CountWait;

static gboolean
count_reached(gpointer data)
{
  CountWait *wait = data;

  return *wait->counter >= wait->target;
}

static void
wait_count(guint *counter, guint target)
{
  CountWait wait = { counter, target };

  g_assert_true(md_test_bluez_wait(count_reached, &wait, WAIT_MS));
}

/* ---- The fake BlueZ ----------------------------------------------------- */

static void
bluez_start(Fixture *f, const char *const *args)
{
  g_assert_null(f->bluez);
  f->bluez = md_test_bluez_start(f->bus, f->dir, args);
}

static void
bluez_stop(Fixture *f)
{
  g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGTERM), ==, 0);
  g_clear_pointer(&f->bluez, md_test_bluez_free);
}

/* A Control1 method whose reply says nothing more than success. */
static void
control(Fixture *f, const char *method, GVariant *parameters)
{
  g_variant_unref(md_test_bluez_control(f->bluez, method, parameters));
}

static GVariant *
application(Fixture *f)
{
  g_autoptr(GVariant) reply = md_test_bluez_control(f->bluez, "GetApplication", NULL);

  return g_variant_get_child_value(reply, 0);
}

static guint
advertisement_count(Fixture *f)
{
  g_autoptr(GVariant) reply = md_test_bluez_control(f->bluez, "GetAdvertisements", NULL);
  g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);

  return (guint) g_variant_n_children(list);
}

static void
set_powered(Fixture *f, gboolean powered)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = md_test_bluez_call_full(
      f->bluez->connection, MD_TEST_BLUEZ_ADAPTER, "org.freedesktop.DBus.Properties", "Set",
      g_variant_new("(ssv)", MD_BLUEZ_INTERFACE_ADAPTER, "Powered", g_variant_new_boolean(powered)),
      NULL, &error);

  g_assert_no_error(error);
  g_variant_unref(reply);
}

/* ---- The central (md-test-btp-central.h) -------------------------------- */

static MdTestBtpCentral *
central_connect(Fixture *f, const char *address, guint16 mtu, const char *mode)
{
  return md_test_btp_central_connect(f->bluez, address, mtu, mode);
}

/* The handshake, and the peripheral's connected() with it. */
static void
central_handshake(Fixture *f, MdTestBtpCentral *c)
{
  guint connected = f->connected;

  md_test_btp_central_handshake(c);
  wait_count(&f->connected, connected + 1);
  g_assert_cmpint(md_ble_get_state(f->ble), ==, MD_BLE_STATE_CONNECTED);
}

/* Sends @len bytes as one SDU and waits until the peripheral has every
 * packet and its received() the SDU. */
static void
central_send(Fixture *f, MdTestBtpCentral *c, const guint8 *data, gsize len)
{
  guint received = f->received->len;
  GBytes *got;

  md_test_btp_central_send(c, data, len);
  while (md_test_btp_central_sending(c) || f->received->len == received) {
    /* The window fills up: the peripheral's acknowledgements open it. */
    if (!md_test_btp_central_take(c, WAIT_MS) && !md_test_btp_central_sending(c))
      break;
  }
  g_assert_false(md_test_btp_central_sending(c));
  wait_count(&f->received->len, received + 1);
  got = f->received->pdata[received];
  g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), data, len);
}

/* md_ble_send(@data) reaches the central as one SDU. */
static void
central_expect(Fixture *f, MdTestBtpCentral *c, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;

  g_assert_true(md_ble_send(f->ble, data, len, &error));
  g_assert_no_error(error);
  while ((got = md_test_btp_central_pop(c)) == NULL)
    g_assert_true(md_test_btp_central_take(c, WAIT_MS));
  g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), data, len);
  g_assert_null(md_test_btp_central_pop(c));
}

static GBytes *
random_sdu(gsize len)
{
  guint8 *data = g_malloc(len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_random_int();
  return g_bytes_new_take(data, len);
}

/* Both ways, a Matter-message-sized SDU. */
static void
central_exchange(Fixture *f, MdTestBtpCentral *c)
{
  g_autoptr(GBytes) up = random_sdu(SDU_LEN);
  g_autoptr(GBytes) down = random_sdu(SDU_LEN);

  central_send(f, c, g_bytes_get_data(up, NULL), SDU_LEN);
  central_expect(f, c, g_bytes_get_data(down, NULL), SDU_LEN);
}

static void
assert_connection(MdTestBtpCentral *c, const char *path_kind)
{
  g_autoptr(GVariant) info = md_test_btp_central_connection(c);
  const char *write_path = NULL, *notify_path = NULL, *write_socket = NULL, *notify_socket = NULL;
  guint16 write_mtu = 0, notify_mtu = 0;
  guint32 truncated = 1;

  g_assert_true(g_variant_lookup(info, "WritePath", "&s", &write_path));
  g_assert_true(g_variant_lookup(info, "NotifyPath", "&s", &notify_path));
  g_assert_true(g_variant_lookup(info, "Truncated", "u", &truncated));
  g_assert_cmpstr(write_path, ==, path_kind);
  g_assert_cmpstr(notify_path, ==, path_kind);
  g_assert_cmpuint(truncated, ==, 0);
  if (g_str_equal(path_kind, "fd")) {
    /* Sockets keeping each write and indication whole, and the MTU the
     * link has. */
    g_assert_true(g_variant_lookup(info, "WriteSocket", "&s", &write_socket));
    g_assert_true(g_variant_lookup(info, "NotifySocket", "&s", &notify_socket));
    g_assert_true(g_variant_lookup(info, "WriteMTU", "q", &write_mtu));
    g_assert_true(g_variant_lookup(info, "NotifyMTU", "q", &notify_mtu));
    g_assert_cmpstr(write_socket, ==, "seqpacket");
    g_assert_cmpstr(notify_socket, ==, "seqpacket");
    g_assert_cmpuint(write_mtu, ==, c->mtu);
    g_assert_cmpuint(notify_mtu, ==, c->mtu);
  }
}

/* ---- Fixture ------------------------------------------------------------ */

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  f->dir = md_test_mkdtemp();
  f->bus = md_test_bus_start(f->dir);
  /* ble.c takes the system bus: this one. */
  g_setenv("DBUS_SYSTEM_BUS_ADDRESS", f->bus->address, TRUE);
  f->system = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
  g_assert_no_error(error);
  g_dbus_connection_set_exit_on_close(f->system, FALSE);
  g_object_add_weak_pointer(G_OBJECT(f->system), (gpointer *) &f->system);
  f->received = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  f->states = g_array_new(FALSE, FALSE, sizeof(MdBleState));
  f->c3 = g_bytes_new_static("\x15\x30\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08\x18", 13);
}

static gboolean
system_gone(gpointer data)
{
  Fixture *f = data;

  return f->system == NULL;
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  GDBusConnection *system = f->system;

  (void) data;
  g_clear_pointer(&f->ble, md_ble_free);
  g_clear_pointer(&f->bluez, md_test_bluez_free);
  /* Nothing of ble.c may keep the connection: the next test gets its
   * own bus. */
  g_object_unref(system);
  g_assert_true(md_test_bluez_wait(system_gone, f, WAIT_MS));
  md_test_bus_stop(f->bus);
  md_test_rmtree(f->dir);
  g_free(f->dir);
  g_ptr_array_unref(f->received);
  g_array_unref(f->states);
  g_clear_pointer(&f->c3, g_bytes_unref);
}

/* ---- Tests -------------------------------------------------------------- */

/* Enable=no: BlueZ is never asked anything. */
static void
test_disabled(Fixture *f, gconstpointer data)
{
  MdBleConfig config = { .enable = FALSE };
  g_autoptr(GVariant) attributes = NULL;

  bluez_start(f, NULL);
  f->ble = md_ble_new(&config, NULL, &callbacks, f);
  advertise(f);
  md_test_bluez_spin(500);
  g_assert_cmpint(md_ble_get_state(f->ble), ==, MD_BLE_STATE_OFF);
  g_assert_false(md_ble_in_use(f->ble));
  attributes = application(f);
  g_assert_cmpuint(g_variant_n_children(attributes), ==, 0);
  g_assert_cmpuint(advertisement_count(f), ==, 0);
}

static void
assert_characteristic(GVariant *attributes, const char *uuid, const char *flag,
                      gboolean write_acquired, gboolean notify_acquired)
{
  g_autoptr(GVariant) chrc = md_test_bluez_find_attribute(attributes, "characteristic", uuid);
  g_autofree const char **flags = NULL;
  const char *path = NULL;
  const char *service = NULL;
  gboolean wa = !write_acquired, na = !notify_acquired;

  g_assert_nonnull(chrc);
  g_assert_true(g_variant_lookup(chrc, "Flags", "^a&s", &flags));
  g_assert_cmpuint(g_strv_length((char **) flags), ==, 1);
  g_assert_cmpstr(flags[0], ==, flag);
  g_assert_true(g_variant_lookup(chrc, "Path", "&o", &path));
  g_assert_true(g_variant_lookup(chrc, "Service", "&o", &service));
  g_assert_cmpstr(service, ==, MD_BLE_SERVICE_PATH);
  g_assert_true(g_str_has_prefix(path, MD_BLE_SERVICE_PATH "/"));
  g_assert_true(g_variant_lookup(chrc, "WriteAcquired", "b", &wa));
  g_assert_true(g_variant_lookup(chrc, "NotifyAcquired", "b", &na));
  g_assert_cmpint(wa, ==, write_acquired);
  g_assert_cmpint(na, ==, notify_acquired);
}

/* The application as bluetoothd's database holds it: one primary 0xFFF6
 * service with C1 (write, AcquireWrite), C2 (indicate with its CCC,
 * AcquireNotify) and C3 (read); C3 reads back the additional data. */
static void
test_registration(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) service = NULL;
  g_autoptr(GVariant) ccc = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(MdTestBtpCentral) c = NULL;
  const char *path = NULL, *owner = NULL;
  gboolean primary = FALSE;
  gsize services = 0, characteristics = 0;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  wait_state(f, MD_BLE_STATE_IDLE);
  g_assert_true(md_ble_in_use(f->ble));
  g_assert_true(state_seen(f, 0, MD_BLE_STATE_IDLE));

  attributes = application(f);
  for (gsize i = 0; i < g_variant_n_children(attributes); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value(attributes, i);
    const char *kind = NULL;
    const char *app = NULL;

    g_assert_true(g_variant_lookup(entry, "Kind", "&s", &kind));
    g_assert_true(g_variant_lookup(entry, "Application", "&o", &app));
    g_assert_cmpstr(app, ==, MD_BLE_APP_PATH);
    services += g_str_equal(kind, "service");
    characteristics += g_str_equal(kind, "characteristic");
  }
  g_assert_cmpuint(services, ==, 1);
  g_assert_cmpuint(characteristics, ==, 3);
  service = md_test_bluez_find_attribute(attributes, "service", MD_TEST_MATTER_SERVICE);
  g_assert_nonnull(service);
  g_assert_true(g_variant_lookup(service, "Primary", "b", &primary));
  g_assert_true(primary);
  g_assert_true(g_variant_lookup(service, "Path", "&o", &path));
  g_assert_cmpstr(path, ==, MD_BLE_SERVICE_PATH);
  g_assert_true(g_variant_lookup(service, "Owner", "&s", &owner));
  g_assert_cmpstr(owner, ==, g_dbus_connection_get_unique_name(f->system));
  assert_characteristic(attributes, MD_TEST_MATTER_C1, "write", TRUE, FALSE);
  assert_characteristic(attributes, MD_TEST_MATTER_C2, "indicate", FALSE, TRUE);
  assert_characteristic(attributes, MD_TEST_MATTER_C3, "read", FALSE, FALSE);
  ccc = md_test_bluez_find_attribute(attributes, "ccc", NULL);
  g_assert_nonnull(ccc);
  g_assert_true(g_variant_lookup(ccc, "Characteristic", "&o", &path));
  g_assert_cmpstr(path, ==, MD_BLE_C2_PATH);

  /* A central reads C3 (a central connects only to an advertisement). */
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  c = central_connect(f, CENTRAL_A, 23, "auto");
  value =
      md_test_bluez_control(f->bluez, "Read", g_variant_new("(os)", c->path, MD_TEST_MATTER_C3));
  {
    g_autoptr(GVariant) bytes = g_variant_get_child_value(value, 0);
    gsize len;
    const guint8 *got = g_variant_get_fixed_array(bytes, &len, 1);

    g_assert_cmpmem(got, len, g_bytes_get_data(f->c3, NULL), g_bytes_get_size(f->c3));
  }
}

/* Without additional data there is no C3. */
static void
test_registration_no_c3(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) c3 = NULL;

  g_clear_pointer(&f->c3, g_bytes_unref);
  bluez_start(f, NULL);
  ble_start(f, NULL);
  wait_state(f, MD_BLE_STATE_IDLE);
  attributes = application(f);
  c3 = md_test_bluez_find_attribute(attributes, "characteristic", MD_TEST_MATTER_C3);
  g_assert_null(c3);
  g_assert_nonnull(md_test_bluez_find_attribute(attributes, "characteristic", MD_TEST_MATTER_C1));
}

/* An AD structure of type @type in @data, or NULL. */
static const guint8 *
ad_find(const guint8 *data, gsize len, guint8 type, gsize *field_len)
{
  gsize i = 0;

  while (i < len) {
    gsize l = data[i];

    g_assert_cmpuint(l, >, 0);
    g_assert_cmpuint(i + 1 + l, <=, len);
    if (data[i + 1] == type) {
      *field_len = l - 1;
      return data + i + 2;
    }
    i += 1 + l;
  }
  return NULL;
}

/* The advertising data as bluetoothd builds it, byte by byte: Flags (LE
 * General Discoverable; the fake's adapter is not discoverable itself,
 * so BR/EDR Not Supported too, as bluetoothd sets it), the complete list
 * of 16-bit service UUIDs with 0xFFF6, and the service data of 0xFFF6;
 * nothing else. Withdrawn on NULL. */
static void
test_advertisement(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) adv = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GVariant) bytes = NULL;
  g_autoptr(GVariant) service_data_dict = NULL;
  g_autoptr(GVariant) sd = NULL;
  const guint8 *ad;
  const guint8 *field;
  gsize ad_len, field_len, sd_len;
  const char *type = NULL, *owner = NULL, *path = NULL;
  gboolean discoverable = FALSE, connectable = FALSE;
  g_autofree const char **uuids = NULL;
  guint32 min = 0, max = 0;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  wait_state(f, MD_BLE_STATE_IDLE);
  g_assert_cmpuint(advertisement_count(f), ==, 0);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  adv = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_assert_nonnull(adv);
  g_variant_get(adv, "(@a{sv}@a{sv}@ay@ay)", &info, &properties, &bytes, NULL);

  g_assert_true(g_variant_lookup(info, "Owner", "&s", &owner));
  g_assert_cmpstr(owner, ==, g_dbus_connection_get_unique_name(f->system));
  g_assert_true(g_variant_lookup(info, "Path", "&o", &path));
  g_assert_cmpstr(path, ==, MD_BLE_ADVERTISEMENT_PATH);
  g_assert_true(g_variant_lookup(info, "Type", "&s", &type));
  g_assert_cmpstr(type, ==, "peripheral");
  g_assert_true(g_variant_lookup(info, "Connectable", "b", &connectable));
  g_assert_true(connectable);

  /* The properties as bluetoothd read them. */
  g_assert_true(g_variant_lookup(properties, "Discoverable", "b", &discoverable));
  g_assert_true(discoverable);
  g_assert_true(g_variant_lookup(properties, "ServiceUUIDs", "^a&s", &uuids));
  g_assert_cmpuint(g_strv_length((char **) uuids), ==, 1);
  g_assert_cmpstr(uuids[0], ==, MD_TEST_MATTER_SERVICE);
  g_assert_true(g_variant_lookup(properties, "MinInterval", "u", &min));
  g_assert_true(g_variant_lookup(properties, "MaxInterval", "u", &max));
  g_assert_cmpuint(min, ==, 20);
  g_assert_cmpuint(max, ==, 60);
  g_assert_true(g_variant_lookup(properties, "ServiceData", "@a{sv}", &service_data_dict));
  g_assert_cmpuint(g_variant_n_children(service_data_dict), ==, 1);
  sd = g_variant_lookup_value(service_data_dict, MD_TEST_MATTER_SERVICE, G_VARIANT_TYPE_BYTESTRING);
  g_assert_nonnull(sd);
  {
    const guint8 *p = g_variant_get_fixed_array(sd, &sd_len, 1);

    g_assert_cmpmem(p, sd_len, service_data, sizeof(service_data));
  }

  /* The bytes on the air. */
  ad = g_variant_get_fixed_array(bytes, &ad_len, 1);
  field = ad_find(ad, ad_len, 0x01, &field_len);
  g_assert_nonnull(field);
  g_assert_cmpuint(field_len, ==, 1);
  g_assert_cmphex(field[0], ==, 0x06);
  field = ad_find(ad, ad_len, 0x03, &field_len);
  g_assert_nonnull(field);
  {
    const guint8 expected[] = { 0xF6, 0xFF };

    g_assert_cmpmem(field, field_len, expected, sizeof(expected));
  }
  field = ad_find(ad, ad_len, 0x16, &field_len);
  g_assert_nonnull(field);
  {
    const guint8 expected[] = { 0xF6, 0xFF, 0x00, 0x00, 0x0F, 0xF1, 0xFF, 0x00, 0x80, 0x01 };

    g_assert_cmpmem(field, field_len, expected, sizeof(expected));
  }
  /* Flags, UUIDs, service data: 3 + 4 + 12 bytes, nothing more. */
  g_assert_cmpuint(ad_len, ==, 19);

  /* Withdrawn. */
  md_ble_set_advertisement(f->ble, NULL);
  wait_state(f, MD_BLE_STATE_IDLE);
  g_assert_cmpuint(advertisement_count(f), ==, 0);
}

/* A different discriminator, no additional data: the service data
 * follows; the advertisement is registered again with the new bytes. */
static void
test_advertisement_change(Fixture *f, gconstpointer data)
{
  MdBleAdvertisement adv = {
    .discriminator = 0x123,
    .vendor_id = 0x1234,
    .product_id = 0xABCD,
    .additional_data = FALSE,
  };
  const guint8 expected[] = { 0x00, 0x23, 0x01, 0x34, 0x12, 0xCD, 0xAB, 0x00 };
  gint64 deadline;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  md_ble_set_advertisement(f->ble, &adv);
  deadline = g_get_monotonic_time() + WAIT_MS * 1000;
  for (;;) {
    g_autoptr(GVariant) found = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
    g_autoptr(GVariant) properties = NULL;
    g_autoptr(GVariant) dict = NULL;
    g_autoptr(GVariant) sd = NULL;
    const guint8 *p;
    gsize len;

    g_assert_nonnull(found);
    properties = g_variant_get_child_value(found, 1);
    g_assert_true(g_variant_lookup(properties, "ServiceData", "@a{sv}", &dict));
    sd = g_variant_lookup_value(dict, MD_TEST_MATTER_SERVICE, G_VARIANT_TYPE_BYTESTRING);
    p = g_variant_get_fixed_array(sd, &len, 1);
    if (len == sizeof(expected) && memcmp(p, expected, len) == 0)
      break;
    g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    md_test_bluez_spin(50);
  }
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  g_assert_cmpuint(advertisement_count(f), ==, 1);
}

static void
advertised_interval(Fixture *f, guint32 *min, guint32 *max)
{
  g_autoptr(GVariant) adv = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_autoptr(GVariant) info = NULL;

  g_assert_nonnull(adv);
  info = g_variant_get_child_value(adv, 0);
  /* In the controller's units of 0.625 ms. */
  *min = *max = 0;
  g_variant_lookup(info, "MinInterval", "u", min);
  g_variant_lookup(info, "MaxInterval", "u", max);
}

typedef struct {
  Fixture *f;
  guint32 min;
} IntervalWait;

static gboolean
interval_is(gpointer data)
{
  IntervalWait *wait = data;
  guint32 min, max;

  if (advertisement_count(wait->f) != 1)
    return FALSE;
  advertised_interval(wait->f, &min, &max);
  return min == wait->min;
}

/* With bluetoothd's experimental properties (-E), which is when BlueZ
 * 5.66 honours the intervals: 20-60 ms for the first 30 s, then
 * 150-1200 ms (the commissioning window's phases). */
static void
test_advertisement_phases(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--experimental", NULL };
  IntervalWait wait = { f, 240 };
  guint32 min, max;
  gint64 started;
  guint from;

  bluez_start(f, args);
  ble_start(f, NULL);
  wait_state(f, MD_BLE_STATE_IDLE);
  started = g_get_monotonic_time();
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  from = f->states->len;
  advertised_interval(f, &min, &max);
  g_assert_cmpuint(min, ==, 32);
  g_assert_cmpuint(max, ==, 96);
  g_assert_true(md_test_bluez_wait(interval_is, &wait, 30000 + WAIT_MS));
  g_assert_cmpint(g_get_monotonic_time() - started, >=, 30 * G_USEC_PER_SEC);
  advertised_interval(f, &min, &max);
  g_assert_cmpuint(min, ==, 240);
  g_assert_cmpuint(max, ==, 1920);
  /* Registered again, but advertising all along for the node. */
  g_assert_cmpint(md_ble_get_state(f->ble), ==, MD_BLE_STATE_ADVERTISING);
  g_assert_cmpuint(f->states->len, ==, from);
}

/* A central on one path at one ATT MTU: handshake, a Matter message each
 * way, the advertisement withdrawn while connected and back after; the
 * central unsubscribing and leaving ends the session. */
static void
run_central(Fixture *f, const char *mode, guint16 mtu)
{
  g_autoptr(MdTestBtpCentral) c = NULL;
  const char *path_kind = g_str_equal(mode, "value") ? "value" : "fd";

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  c = central_connect(f, CENTRAL_A, mtu, mode);
  central_handshake(f, c);
  g_assert_cmpuint(c->segment, ==, MIN(mtu - 3, MD_TEST_BTP_SEGMENT_MAX));
  central_exchange(f, c);
  assert_connection(c, path_kind);
  /* One connection at a time: no advertisement meanwhile. */
  g_assert_cmpuint(advertisement_count(f), ==, 0);
  g_assert_cmpuint(f->disconnected, ==, 0);

  /* The central closes the session (4.17.3.10), then leaves. */
  md_test_btp_central_call(c, "Unsubscribe");
  wait_count(&f->disconnected, 1);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  md_test_btp_central_call(c, "Disconnect");
  md_test_bluez_spin(200);
  g_assert_cmpuint(f->disconnected, ==, 1);
  g_assert_cmpuint(f->connected, ==, 1);
  g_assert_cmpuint(advertisement_count(f), ==, 1);
}

static void
test_central_value_23(Fixture *f, gconstpointer data)
{
  run_central(f, "value", 23);
}

static void
test_central_value_247(Fixture *f, gconstpointer data)
{
  run_central(f, "value", 247);
}

static void
test_central_acquire_23(Fixture *f, gconstpointer data)
{
  run_central(f, "acquire", 23);
}

static void
test_central_acquire_247(Fixture *f, gconstpointer data)
{
  run_central(f, "acquire", 247);
}

/* The central dropping the link without unsubscribing first. */
static void
test_central_drops(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) c = NULL;
  g_autoptr(GError) error = NULL;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  c = central_connect(f, CENTRAL_A, 185, "auto");
  central_handshake(f, c);
  md_test_btp_central_call(c, "Disconnect");
  wait_count(&f->disconnected, 1);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  g_assert_false(md_ble_send(f->ble, (const guint8 *) "x", 1, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

/* A second central while one has the session: its writes are refused
 * (ATT error 0xFE, Procedure Already in Progress) on both paths
 * bluetoothd may take for it, and the first carries on. */
static void
test_second_central(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) a = NULL;
  g_autoptr(MdTestBtpCentral) b = NULL;
  g_autoptr(MdTestBtpCentral) b2 = NULL;
  const guint8 request[9] = {
    MD_TEST_BTP_HANDSHAKE_FLAGS, MD_TEST_BTP_HANDSHAKE_OPCODE, MD_TEST_BTP_VERSION, 0, 0, 0, 20, 0,
    MD_TEST_BTP_CENTRAL_WINDOW,
  };
  const char *const args[] = { "--att-timeout", "3", NULL };
  g_autofree char *message = NULL;

  bluez_start(f, args);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  /* All connect while the advertisement is on the air; b2 lets
   * bluetoothd try AcquireWrite first. */
  a = central_connect(f, CENTRAL_A, 247, "value");
  b = central_connect(f, CENTRAL_B, 23, "value");
  b2 = central_connect(f, "11:22:33:44:55:0C", 23, "auto");
  central_handshake(f, a);
  message = md_test_bluez_control_error(f->bluez, "Write",
                                        md_test_btp_central_write_args(b, request, sizeof(request)),
                                        "org.bluez.test.Error.AttError");
  g_assert_cmpstr(message, ==, "ATT error 0xfe");
  md_test_btp_central_call(b, "Disconnect");

  /* bluetoothd's AcquireWrite for b2 is refused so that it falls back to
   * WriteValue, which is refused the same way, write after write: a GATT
   * error there would leave bluetoothd 5.66 holding the write, and every
   * later one to C1 behind it unanswered (the ATT timeout is short here). */
  for (guint i = 0; i < 2; i++) {
    g_autofree char *message2 = md_test_bluez_control_error(
        f->bluez, "Write", md_test_btp_central_write_args(b2, request, sizeof(request)),
        "org.bluez.test.Error.AttError");

    g_assert_cmpstr(message2, ==, "ATT error 0xfe");
  }

  central_exchange(f, a);
  g_assert_cmpuint(f->connected, ==, 1);
  g_assert_cmpuint(f->disconnected, ==, 0);
  g_assert_cmpint(md_ble_get_state(f->ble), ==, MD_BLE_STATE_CONNECTED);

  /* a leaves; b2, still connected, gets the next session, on the socket
   * path this time. */
  md_test_btp_central_call(a, "Disconnect");
  wait_count(&f->disconnected, 1);
  md_test_bluez_clear_signals(f->bluez);
  central_handshake(f, b2);
  central_exchange(f, b2);
  assert_connection(b2, "fd");
}

/* A malformed write (a sequence number out of order, 4.17.3.6) ends the
 * session: the write fails, matterd disconnects the central
 * (4.17.3.10), disconnected() is called; the next central works. */
static void
test_malformed_write(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) a = NULL;
  g_autoptr(MdTestBtpCentral) b = NULL;
  g_autoptr(GVariant) signal = NULL;
  g_autofree char *message = NULL;
  const char *path, *reason;
  guint8 bad[5];

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  a = central_connect(f, CENTRAL_A, 23, "value");
  central_handshake(f, a);
  /* A whole one-byte SDU, well formed but for its sequence number. */
  bad[0] = MD_TEST_BTP_BEGIN | MD_TEST_BTP_END;
  bad[1] = (guint8) (a->tx_seq + 3);
  bad[2] = 1;
  bad[3] = 0;
  bad[4] = 0xAA;
  message = md_test_bluez_control_error(f->bluez, "Write",
                                        md_test_btp_central_write_args(a, bad, sizeof(bad)),
                                        "org.bluez.test.Error.AttError");
  g_assert_cmpstr(message, ==, "ATT error 0x80");
  wait_count(&f->disconnected, 1);
  signal = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  g_assert_nonnull(signal);
  g_variant_get(signal, "(&o&s)", &path, &reason);
  g_assert_cmpstr(path, ==, a->path);
  g_assert_cmpstr(reason, ==, "local");

  wait_state(f, MD_BLE_STATE_ADVERTISING);
  md_test_bluez_clear_signals(f->bluez);
  b = central_connect(f, CENTRAL_B, 247, "acquire");
  central_handshake(f, b);
  central_exchange(f, b);
  g_assert_cmpuint(f->connected, ==, 2);
  g_assert_cmpuint(f->disconnected, ==, 1);
}

/* md_ble_disconnect(): the central is disconnected, no disconnected(). */
static void
test_local_disconnect(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) c = NULL;
  g_autoptr(GVariant) signal = NULL;
  const char *path, *reason;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  c = central_connect(f, CENTRAL_A, 23, "acquire");
  central_handshake(f, c);
  md_ble_disconnect(f->ble);
  signal = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  g_assert_nonnull(signal);
  g_variant_get(signal, "(&o&s)", &path, &reason);
  g_assert_cmpstr(reason, ==, "local");
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  md_test_bluez_spin(200);
  g_assert_cmpuint(f->disconnected, ==, 0);
}

/* bluetoothd restarting with a session open and the advertisement
 * wanted: the session ends, the state goes off, and everything is
 * registered again with the new bluetoothd, where a central works. */
static void
test_bluez_restart(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) a = NULL;
  g_autoptr(MdTestBtpCentral) b = NULL;
  g_autoptr(GVariant) attributes = NULL;
  guint from;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  a = central_connect(f, CENTRAL_A, 23, "auto");
  central_handshake(f, a);
  from = f->states->len;
  bluez_stop(f);
  wait_state(f, MD_BLE_STATE_OFF);
  g_assert_cmpuint(f->disconnected, ==, 1);
  g_assert_false(md_ble_in_use(f->ble));

  bluez_start(f, NULL);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  g_assert_true(state_seen(f, from, MD_BLE_STATE_OFF));
  attributes = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(md_test_bluez_find_attribute(attributes, "service", MD_TEST_MATTER_SERVICE));
  g_assert_cmpuint(advertisement_count(f), ==, 1);
  b = central_connect(f, CENTRAL_B, 247, "auto");
  central_handshake(f, b);
  central_exchange(f, b);
}

/* bluetoothd starting after matterd, and with its adapter late. */
static void
test_bluez_late(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--no-adapter", NULL };

  ble_start(f, NULL);
  advertise(f);
  md_test_bluez_spin(300);
  g_assert_cmpint(md_ble_get_state(f->ble), ==, MD_BLE_STATE_OFF);
  bluez_start(f, args);
  wait_state(f, MD_BLE_STATE_NO_ADAPTER);
  control(f, "AddAdapter", NULL);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  g_assert_cmpuint(advertisement_count(f), ==, 1);
  /* The adapter goes away: its registrations with it. */
  control(f, "RemoveAdapter", NULL);
  wait_state(f, MD_BLE_STATE_NO_ADAPTER);
  control(f, "AddAdapter", NULL);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
}

/* The adapter powered off with a session open, then on again. */
static void
test_power_cycle(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) a = NULL;
  g_autoptr(MdTestBtpCentral) b = NULL;
  g_autoptr(GVariant) attributes = NULL;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  a = central_connect(f, CENTRAL_A, 247, "value");
  central_handshake(f, a);
  set_powered(f, FALSE);
  wait_state(f, MD_BLE_STATE_NO_ADAPTER);
  wait_count(&f->disconnected, 1);
  g_assert_false(md_ble_in_use(f->ble));
  /* matterd withdrew what it had registered on the adapter. */
  md_test_bluez_spin(300);
  attributes = application(f);
  g_assert_cmpuint(g_variant_n_children(attributes), ==, 0);
  g_assert_cmpuint(advertisement_count(f), ==, 0);

  set_powered(f, TRUE);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  g_clear_pointer(&attributes, g_variant_unref);
  attributes = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(attributes);
  g_assert_cmpuint(advertisement_count(f), ==, 1);
  b = central_connect(f, CENTRAL_B, 23, "acquire");
  central_handshake(f, b);
  central_exchange(f, b);
}

/* [Bluetooth] Adapter= names one that is not there: none is used. */
static void
test_named_adapter(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) attributes = NULL;

  bluez_start(f, NULL);
  ble_start(f, "hci1");
  advertise(f);
  wait_state(f, MD_BLE_STATE_NO_ADAPTER);
  md_test_bluez_spin(300);
  g_assert_cmpint(md_ble_get_state(f->ble), ==, MD_BLE_STATE_NO_ADAPTER);
  attributes = application(f);
  g_assert_cmpuint(g_variant_n_children(attributes), ==, 0);
  g_clear_pointer(&f->ble, md_ble_free);
  ble_start(f, "hci0");
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
}

/* md_ble_free() unregisters the advertisement and the application before
 * it returns, and drops the central. */
static void
test_free(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestBtpCentral) c = NULL;
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) signal = NULL;

  bluez_start(f, NULL);
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  c = central_connect(f, CENTRAL_A, 23, "value");
  g_clear_pointer(&f->ble, md_ble_free);
  attributes = application(f);
  g_assert_cmpuint(g_variant_n_children(attributes), ==, 0);
  g_assert_cmpuint(advertisement_count(f), ==, 0);

  /* And with a session open. */
  ble_start(f, NULL);
  advertise(f);
  wait_state(f, MD_BLE_STATE_ADVERTISING);
  md_test_btp_central_call(c, "Disconnect");
  md_test_bluez_clear_signals(f->bluez);
  g_clear_pointer(&c, md_test_btp_central_free);
  c = central_connect(f, CENTRAL_B, 23, "acquire");
  central_handshake(f, c);
  g_clear_pointer(&f->ble, md_ble_free);
  g_clear_pointer(&attributes, g_variant_unref);
  attributes = application(f);
  g_assert_cmpuint(g_variant_n_children(attributes), ==, 0);
  signal = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  g_assert_nonnull(signal);
  g_assert_cmpuint(f->disconnected, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD("/ble/disabled", test_disabled);
  ADD("/ble/registration", test_registration);
  ADD("/ble/registration/no-c3", test_registration_no_c3);
  ADD("/ble/advertisement", test_advertisement);
  ADD("/ble/advertisement/change", test_advertisement_change);
  ADD("/ble/advertisement/phases", test_advertisement_phases);
  ADD("/ble/central/value/mtu23", test_central_value_23);
  ADD("/ble/central/value/mtu247", test_central_value_247);
  ADD("/ble/central/acquire/mtu23", test_central_acquire_23);
  ADD("/ble/central/acquire/mtu247", test_central_acquire_247);
  ADD("/ble/central/drops", test_central_drops);
  ADD("/ble/central/second", test_second_central);
  ADD("/ble/central/malformed", test_malformed_write);
  ADD("/ble/central/local-disconnect", test_local_disconnect);
  ADD("/ble/bluez/restart", test_bluez_restart);
  ADD("/ble/bluez/late", test_bluez_late);
  ADD("/ble/adapter/power-cycle", test_power_cycle);
  ADD("/ble/adapter/named", test_named_adapter);
  ADD("/ble/free", test_free);
#undef ADD
  return g_test_run();
}
