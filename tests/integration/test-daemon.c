/* SPDX-License-Identifier: Apache-2.0 */
/* The built matterd on a private dbus-daemon, with a NOTIFY_SOCKET of the
 * test's own standing in for systemd. */

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>

#include "matter/payload.h"
#include "md-test.h"

typedef struct {
  char *dir;
  char *state_dir;
  char *config_path;
  MdTestBus *bus;
  MdTestNotify *notify;
  GDBusConnection *connection;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = md_test_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->config_path = g_build_filename(f->dir, "matterd.conf", NULL);
  f->bus = md_test_bus_start(f->dir);
  f->notify = md_test_notify_new(f->dir);
  f->connection = md_test_bus_connect(f->bus);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_object(&f->connection);
  md_test_notify_free(f->notify);
  md_test_bus_stop(f->bus);
  md_test_rmtree(f->dir);
  g_free(f->config_path);
  g_free(f->state_dir);
  g_free(f->dir);
}

static void
write_config(Fixture *f, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents(f->config_path, text, -1, &error);
  g_assert_no_error(error);
}

static MdTestDaemon *
start_daemon(Fixture *f, const char *const *args)
{
  MdTestDaemon *daemon = md_test_daemon_spawn(f->bus, f->notify, f->state_dir, args, NULL);

  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
  return daemon;
}

static GVariant *
get_all_properties(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
    f->connection, "org.matterd", "/org/matterd", "org.freedesktop.DBus.Properties", "GetAll",
    g_variant_new("(s)", "org.matterd.Node1"), G_VARIANT_TYPE("(a{sv})"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error(error);
  return g_variant_get_child_value(reply, 0);
}

static guint16
get_uint16_property(GVariant *props, const char *name)
{
  guint16 value = 0;

  g_assert_true(g_variant_lookup(props, name, "q", &value));
  return value;
}

static char *
run_gdbus(Fixture *f, const char *const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  g_subprocess_launcher_setenv(launcher, "DBUS_SESSION_BUS_ADDRESS", f->bus->address, TRUE);
  process = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8(process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_get_successful(process));
  return out;
}

/* The window's codes are logged, and they commission this node: decode
 * them. @passcode 0: any valid one. Returns the passcode. */
static guint32
assert_logged_codes(MdTestDaemon *daemon, guint16 vendor_id, guint16 product_id,
                    guint16 discriminator, guint32 passcode)
{
  g_autofree char *log = md_test_daemon_stderr(daemon);
  g_autoptr(GRegex) regex = g_regex_new("commission with QR code (MT:[0-9A-Z.-]+) or manual "
                                        "pairing code ([0-9]+)",
                                        0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *qr = NULL;
  g_autofree char *manual = NULL;
  MatterSetupPayload from_qr, from_manual;

  if (!g_regex_match(regex, log, 0, &match))
    g_error("no commissioning codes in matterd's log:\n%s", log);
  qr = g_match_info_fetch(match, 1);
  manual = g_match_info_fetch(match, 2);
  g_assert_cmpint(matter_payload_qr_decode(qr, &from_qr), ==, MATTER_OK);
  g_assert_cmpint(matter_payload_manual_decode(manual, &from_manual), ==, MATTER_OK);
  g_assert_cmpuint(from_qr.vendor_id, ==, vendor_id);
  g_assert_cmpuint(from_qr.product_id, ==, product_id);
  g_assert_cmpuint(from_qr.discriminator, ==, discriminator);
  g_assert_cmpuint(from_qr.rendezvous, ==, MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK);
  g_assert_true(matter_payload_passcode_valid(from_qr.passcode));
  g_assert_cmpuint(from_manual.passcode, ==, from_qr.passcode);
  g_assert_cmpuint(from_manual.discriminator, ==, discriminator >> 8);
  if (passcode != 0)
    g_assert_cmpuint(from_qr.passcode, ==, passcode);
  return from_qr.passcode;
}

static void
assert_exits_with(Fixture *f, const char *const *args, int code, const char *in_stderr)
{
  MdTestDaemon *daemon = md_test_daemon_spawn(f->bus, f->notify, f->state_dir, args, NULL);
  g_autofree char *log = NULL;

  g_assert_cmpint(md_test_daemon_stop(daemon, 0), ==, code);
  log = md_test_daemon_stderr(daemon);
  if (strstr(log, in_stderr) == NULL)
    g_error("expected \"%s\" in matterd's stderr:\n%s", in_stderr, log);
  g_assert_null(md_test_notify_wait(f->notify, "READY=1", 0));
  md_test_daemon_free(daemon);
}

static void
test_lifecycle(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };
  const char *const introspect[] = { "gdbus", "introspect", "--session", "--dest", "org.matterd",
                                     "--object-path", "/org/matterd", NULL };
  const char *const introspect_root[] = { "gdbus", "introspect", "--session", "--dest",
                                          "org.matterd", "--object-path", "/", NULL };
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GVariant) managed = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *remote_error = NULL;
  MdTestDaemon *daemon;
  const char *window = NULL;
  gboolean commissioned = TRUE;
  guchar fabric_count = 0xff, supported = 0;
  guint32 sessions = 99;

  write_config(f, "[Node]\nVendorId=0xFFF2\nProductId=0x8001\nDiscriminator=3840\n"
                  "SupportedFabrics=5\n[Network]\nPort=0\n");
  md_test_generate_attestation(f->state_dir, 0xFFF2, 0x8001);
  daemon = start_daemon(f, args);

  owner = g_dbus_connection_call_sync(f->connection, "org.freedesktop.DBus",
                                      "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                      "GetNameOwner", g_variant_new("(s)", "org.matterd"),
                                      G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                      &error);
  g_assert_no_error(error);

  /* The ObjectManager on "/", as BlueZ and iwd have it. */
  /* READY comes with the window the node opened at start in its status. */
  g_assert_nonnull(
    md_test_notify_wait(f->notify, "STATUS=Running, commissioning window open", 0));

  xml = run_gdbus(f, introspect_root);
  g_assert_nonnull(strstr(xml, "interface org.freedesktop.DBus.ObjectManager"));
  g_clear_pointer(&xml, g_free);
  xml = run_gdbus(f, introspect);
  g_assert_nonnull(strstr(xml, "interface org.matterd.Node1"));
  g_assert_nonnull(strstr(xml, "OpenCommissioningWindow("));
  g_assert_nonnull(strstr(xml, "readonly q Discriminator = 3840;"));

  props = get_all_properties(f);
  g_assert_cmpuint(get_uint16_property(props, "VendorId"), ==, 0xFFF2);
  g_assert_cmpuint(get_uint16_property(props, "ProductId"), ==, 0x8001);
  g_assert_cmpuint(get_uint16_property(props, "Discriminator"), ==, 3840);
  g_assert_true(g_variant_lookup(props, "CommissioningWindow", "&s", &window));
  g_assert_cmpstr(window, ==, "basic");
  g_assert_true(g_variant_lookup(props, "Commissioned", "b", &commissioned));
  g_assert_false(commissioned);
  g_assert_true(g_variant_lookup(props, "FabricCount", "y", &fabric_count));
  g_assert_cmpuint(fabric_count, ==, 0);
  g_assert_true(g_variant_lookup(props, "SupportedFabrics", "y", &supported));
  g_assert_cmpuint(supported, ==, 5);
  g_assert_true(g_variant_lookup(props, "SessionCount", "u", &sessions));
  g_assert_cmpuint(sessions, ==, 0);

  managed = g_dbus_connection_call_sync(f->connection, "org.matterd", "/",
                                        "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                        NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error(error);

  reply = g_dbus_connection_call_sync(f->connection, "org.matterd", "/org/matterd",
                                      "org.matterd.Node1", "OpenCommissioningWindow",
                                      g_variant_new("(u)", 180), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                      NULL, &error);
  /* The window the node opened at start is still open. */
  g_assert_null(reply);
  remote_error = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(remote_error, ==, "org.matterd.Error.Busy");

  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  g_assert_nonnull(md_test_notify_wait(f->notify, "STOPPING=1", MD_TEST_TIMEOUT_MS));
  assert_logged_codes(daemon, 0xFFF2, 0x8001, 3840, 0);
  md_test_daemon_free(daemon);
}

static guint16
run_and_read_discriminator(Fixture *f)
{
  MdTestDaemon *daemon = start_daemon(f, NULL);
  g_autoptr(GVariant) props = get_all_properties(f);
  guint16 discriminator = get_uint16_property(props, "Discriminator");

  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  md_test_daemon_free(daemon);
  g_ptr_array_set_size(f->notify->messages, 0);
  return discriminator;
}

static void
test_discriminator_persists(Fixture *f, gconstpointer data)
{
  guint16 first = run_and_read_discriminator(f);
  guint16 second = run_and_read_discriminator(f);

  g_assert_cmpuint(first, <=, 4095);
  g_assert_cmpuint(first, ==, second);
}

static guint32
run_and_read_passcode(Fixture *f, const char *const *args, guint32 expected)
{
  MdTestDaemon *daemon = start_daemon(f, args);
  guint32 passcode;

  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  passcode = assert_logged_codes(daemon, 0xFFF1, 0x8000, 1234, expected);
  md_test_daemon_free(daemon);
  g_ptr_array_set_size(f->notify->messages, 0);
  return passcode;
}

/* A random passcode is chosen once and kept; a configured one wins. */
static void
test_passcode(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };
  guint32 first, second;

  write_config(f, "[Node]\nDiscriminator=1234\n");
  first = run_and_read_passcode(f, args, 0);
  second = run_and_read_passcode(f, args, 0);
  g_assert_cmpuint(first, ==, second);

  write_config(f, "[Node]\nDiscriminator=1234\n[Commissioning]\nPasscode=20202021\n");
  run_and_read_passcode(f, args, 20202021);
  write_config(f, "[Node]\nDiscriminator=1234\n[Commissioning]\nPasscode=12345678\n");
  assert_exits_with(f, args, 2, "Passcode=12345678 is not allowed");
}

static void
test_state_permissions(Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename(f->state_dir, "matterd.db", NULL);
  MdTestDaemon *daemon = start_daemon(f, NULL);
  struct stat st;

  g_assert_cmpint(g_stat(f->state_dir, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0700);
  g_assert_cmpint(g_stat(db, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_cmpint(md_test_daemon_stop(daemon, SIGINT), ==, 0);
  md_test_daemon_free(daemon);
}

static void
test_bad_config(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };
  const char *const missing[] = { "--config", "/nonexistent/matterd.conf", NULL };
  const char *const bad_port[] = { "--port", "70000", NULL };

  write_config(f, "[Node]\nVendorId=0x1FFFF\n");
  assert_exits_with(f, args, 2, "[Node] VendorId=0x1FFFF is out of range (0x0001..0xFFFE)");
  write_config(f, "[Node]\nSupportedFabrics=many\n");
  assert_exits_with(f, args, 2, "SupportedFabrics=many is not a number");
  write_config(f, "this is not a key file\n");
  assert_exits_with(f, args, 2, f->config_path);
  assert_exits_with(f, missing, 2, "/nonexistent/matterd.conf");
  assert_exits_with(f, bad_port, 2, "--port 70000 is out of range");
}

static void
test_unknown_key_warns(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };
  g_autofree char *log = NULL;
  MdTestDaemon *daemon;

  write_config(f, "[Node]\nVendorID=1\n[Radio]\nPower=3\n");
  daemon = start_daemon(f, args);
  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  log = md_test_daemon_stderr(daemon);
  g_assert_nonnull(strstr(log, "unknown key VendorID in [Node] ignored"));
  g_assert_nonnull(strstr(log, "unknown group [Radio] ignored"));
  md_test_daemon_free(daemon);
}

static void
test_name_taken(Fixture *f, gconstpointer data)
{
  g_autofree char *other_state = g_build_filename(f->dir, "other", NULL);
  MdTestDaemon *first = start_daemon(f, NULL);
  MdTestDaemon *second = md_test_daemon_spawn(f->bus, NULL, other_state, NULL, NULL);
  g_autofree char *log = NULL;

  g_assert_cmpint(md_test_daemon_stop(second, 0), ==, 1);
  log = md_test_daemon_stderr(second);
  g_assert_nonnull(strstr(log, "org.matterd is owned by another process"));
  md_test_daemon_free(second);

  g_assert_cmpint(md_test_daemon_stop(first, SIGTERM), ==, 0);
  md_test_daemon_free(first);
}

static void
test_corrupt_state(Fixture *f, gconstpointer data)
{
  const char *const reset[] = { "--reset-corrupt-state", NULL };
  g_autofree char *db = g_build_filename(f->state_dir, "matterd.db", NULL);
  g_autofree char *kept = NULL;
  g_autoptr(GError) error = NULL;
  const char garbage[] = "this is not an SQLite database, and it must not be overwritten";
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean found_aside = FALSE;
  MdTestDaemon *daemon;

  g_assert_cmpint(g_mkdir(f->state_dir, 0700), ==, 0);
  g_file_set_contents(db, garbage, -1, &error);
  g_assert_no_error(error);

  assert_exits_with(f, NULL, 1, "--reset-corrupt-state");
  g_file_get_contents(db, &kept, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(kept, ==, garbage);

  daemon = start_daemon(f, reset);
  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  md_test_daemon_free(daemon);

  dir = g_dir_open(f->state_dir, 0, &error);
  g_assert_no_error(error);
  while ((name = g_dir_read_name(dir)) != NULL) {
    if (g_str_has_prefix(name, "matterd.db.corrupt-") && !g_str_has_suffix(name, "-wal") &&
        !g_str_has_suffix(name, "-shm")) {
      g_autofree char *path = g_build_filename(f->state_dir, name, NULL);
      g_autofree char *aside = NULL;

      g_file_get_contents(path, &aside, NULL, &error);
      g_assert_no_error(error);
      g_assert_cmpstr(aside, ==, garbage);
      found_aside = TRUE;
    }
  }
  g_assert_true(found_aside);
}

static void
test_watchdog(Fixture *f, gconstpointer data)
{
  const char *const env[] = { "WATCHDOG_USEC=200000", NULL };
  MdTestDaemon *daemon = md_test_daemon_spawn(f->bus, f->notify, f->state_dir, NULL, env);

  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
  g_assert_nonnull(md_test_notify_wait(f->notify, "WATCHDOG=1", MD_TEST_TIMEOUT_MS));
  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  md_test_daemon_free(daemon);
}

static void
test_bus_lost(Fixture *f, gconstpointer data)
{
  MdTestDaemon *daemon = start_daemon(f, NULL);
  g_autofree char *log = NULL;

  g_clear_object(&f->connection);
  md_test_bus_stop(f->bus);
  f->bus = NULL;
  g_assert_cmpint(md_test_daemon_stop(daemon, 0), ==, 1);
  log = md_test_daemon_stderr(daemon);
  g_assert_nonnull(strstr(log, "D-Bus:"));
  md_test_daemon_free(daemon);
}

static void
test_dev_attestation_warns(Fixture *f, gconstpointer data)
{
  MdTestDaemon *daemon = start_daemon(f, NULL);
  g_autofree char *log = NULL;
  g_autofree char *origin = g_build_filename(f->state_dir, "attestation", NULL);

  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  log = md_test_daemon_stderr(daemon);
  g_assert_nonnull(strstr(log, "Running with DEVELOPMENT attestation credentials"));
  g_assert_nonnull(strstr(log, origin));
  md_test_daemon_free(daemon);
}

static char *
dev_file(const char *name)
{
  return g_test_build_filename(G_TEST_DIST, "..", "data", "dev-attestation", name, NULL);
}

static void
test_attestation_from_config(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };
  g_autofree char *dac = dev_file("dac-cert.der");
  g_autofree char *pai = dev_file("pai-cert.der");
  g_autofree char *key = dev_file("dac-key.pem");
  g_autofree char *cd = dev_file("cd.der");
  g_autofree char *config = g_strdup_printf("[Attestation]\nDACCertificate=%s\nPAICertificate=%s\n"
                                            "DACPrivateKey=%s\nCertificationDeclaration=%s\n",
                                            dac, pai, key, cd);
  g_autofree char *log = NULL;
  MdTestDaemon *daemon;

  write_config(f, config);
  /* No set in the state directory: the configured files are the ones used. */
  daemon = md_test_daemon_spawn_bare(f->bus, f->notify, f->state_dir, args, NULL);
  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
  g_assert_cmpint(md_test_daemon_stop(daemon, SIGTERM), ==, 0);
  log = md_test_daemon_stderr(daemon);
  g_assert_nonnull(strstr(log, "credentials (test vendor id) from the configuration"));
  md_test_daemon_free(daemon);
}

static void
test_attestation_vendor_mismatch(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };

  write_config(f, "[Node]\nVendorId=0xFFF2\n");
  assert_exits_with(f, args, 2,
                    "is for vendor 0xFFF1 product 0x8000, but [Node] configures vendor 0xFFF2");
}

/* Replaces one file of the state directory's set with that of another set. */
static void
swap_in_foreign(Fixture *f, const char *name)
{
  g_autofree char *other = g_build_filename(f->dir, "other", NULL);
  g_autofree char *from = g_build_filename(other, "attestation", name, NULL);
  g_autofree char *to = g_build_filename(f->state_dir, "attestation", name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  md_test_install_dev_attestation(f->state_dir);
  md_test_generate_attestation(other, 0xFFF1, 0x8000);
  g_file_get_contents(from, &contents, &len, &error);
  g_assert_no_error(error);
  g_file_set_contents(to, contents, (gssize) len, &error);
  g_assert_no_error(error);
}

static void
test_attestation_foreign_pai(Fixture *f, gconstpointer data)
{
  swap_in_foreign(f, "pai-cert.der");
  assert_exits_with(f, NULL, 1, "was not issued by the PAI");
}

static void
test_attestation_foreign_key(Fixture *f, gconstpointer data)
{
  swap_in_foreign(f, "dac-key.pem");
  assert_exits_with(f, NULL, 1, "is not the DAC's");
}

static void
test_attestation_broken_file(Fixture *f, gconstpointer data)
{
  g_autofree char *cd = g_build_filename(f->state_dir, "attestation", "cd.der", NULL);
  g_autoptr(GError) error = NULL;

  md_test_install_dev_attestation(f->state_dir);
  g_file_set_contents(cd, "not a CMS", -1, &error);
  g_assert_no_error(error);
  assert_exits_with(f, NULL, 1, "Unusable Certification Declaration");
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

  add_test("/daemon/lifecycle", test_lifecycle);
  add_test("/daemon/discriminator-persists", test_discriminator_persists);
  add_test("/daemon/state-permissions", test_state_permissions);
  add_test("/daemon/passcode", test_passcode);
  add_test("/daemon/bad-config", test_bad_config);
  add_test("/daemon/unknown-key-warns", test_unknown_key_warns);
  add_test("/daemon/name-taken", test_name_taken);
  add_test("/daemon/corrupt-state", test_corrupt_state);
  add_test("/daemon/watchdog", test_watchdog);
  add_test("/daemon/bus-lost", test_bus_lost);
  add_test("/daemon/attestation/development-warns", test_dev_attestation_warns);
  add_test("/daemon/attestation/from-config", test_attestation_from_config);
  add_test("/daemon/attestation/vendor-mismatch", test_attestation_vendor_mismatch);
  add_test("/daemon/attestation/foreign-pai", test_attestation_foreign_pai);
  add_test("/daemon/attestation/foreign-key", test_attestation_foreign_key);
  add_test("/daemon/attestation/broken-file", test_attestation_broken_file);
  return g_test_run();
}
