/* SPDX-License-Identifier: Apache-2.0 */
/* DNS-SD advertising of the built matterd through a real avahi-daemon,
 * seen as a commissioner sees it: avahi-browse -rtp on a private system
 * bus, inside the test's own network and mount namespace
 * (run-in-netns.sh), mDNS over IPv4 on loopback only. The commissionable
 * service with its subtypes and TXT keys while a window is open, gone when
 * it closes; the operational service of a fabric found in the store; and
 * matterd following avahi-daemon when it starts late or restarts. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "matter/attestation.h"
#include "matter/crypto.h"
#include "matter/im.h"
#include "md-test-ca.h"
#include "md-test-core.h"
#include "md-test-node.h"
#include "node-storage.h"
#include "store.h"

#define PASSCODE 20202021
#define WRONG_PASSCODE 20202022
#define CONFIG "[Node]\nDiscriminator=840\n[Commissioning]\nPasscode=20202021\n"
#define CONFIG_NO_DNSSD CONFIG "[Network]\nDnsSd=no\n"
#define AVAHI_DBUS_POLICY "/usr/share/dbus-1/system.d/avahi-dbus.conf"

/* The development attestation set's vendor and product (data/dev-attestation). */
#define DEV_VENDOR_ID 65521
#define DEV_PRODUCT_ID 32768

#define FABRIC_ID G_GUINT64_CONSTANT(0x2906C908D115D362)
#define NODE_ID G_GUINT64_CONSTANT(0x00000000000000A7)
#define ADMIN_NODE_ID G_GUINT64_CONSTANT(0x000000000001B669)
#define ADMIN_VENDOR_ID 0xFFF2

/* Commands a commissioner sends up to AddNOC: data_model/1.4.2/clusters/
 * GeneralCommissioningCluster.xml and OperationalCredentialCluster.xml. */
#define ROOT_ENDPOINT 0
#define CLUSTER_GENERAL_COMMISSIONING 0x0030
#define CMD_ARM_FAIL_SAFE 0x00
#define CMD_ARM_FAIL_SAFE_RESPONSE 0x01
#define CLUSTER_OPCREDS 0x003E
#define CMD_CSR_REQUEST 0x04
#define CMD_CSR_RESPONSE 0x05
#define CMD_ADD_NOC 0x06
#define CMD_NOC_RESPONSE 0x08
#define CMD_ADD_TRUSTED_ROOT 0x0B

/* A record is on the network in well under a second here (probing on
 * loopback); the bound is for loaded sanitizer machines. */
#define BROWSE_DEADLINE_MS 15000
/* How long a record that must not appear is looked for. */
#define ABSENCE_MS 2000

/* The avahi-daemon configuration of TESTING-ENV: IPv4 mDNS on loopback,
 * nothing published but what clients ask for. */
static const char avahi_config[] = "[server]\n"
                                   "use-ipv4=yes\n"
                                   "use-ipv6=no\n"
                                   "allow-interfaces=lo\n"
                                   "enable-dbus=yes\n"
                                   "[wide-area]\n"
                                   "enable-wide-area=no\n"
                                   "[publish]\n"
                                   "publish-hinfo=no\n"
                                   "publish-workstation=no\n";

typedef struct {
  char *dir;
  MdTestBus *system_bus;
  char *system_env; /* DBUS_SYSTEM_BUS_ADDRESS=... */
  GSubprocess *avahi;
  char *avahi_log;
  guint avahi_starts;
  MdTestNode node;
  gboolean node_started;
} Fixture;

/* One resolved service, as avahi-browse -p prints it. */
typedef struct {
  char *name;
  char *host;
  char *address;
  guint16 port;
  GStrv txt; /* sorted */
} Found;

static void
found_free(Found *found)
{
  g_free(found->name);
  g_free(found->host);
  g_free(found->address);
  g_strfreev(found->txt);
  g_free(found);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Found, found_free)

/* ---- avahi-daemon ---- */

static void
die_with_parent(gpointer user_data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static char *
read_text(const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return g_strdup("");
  return text;
}

static gboolean
wait_for_text(const char *path, const char *text, guint timeout_ms)
{
  guint64 end = md_test_now_ms() + timeout_ms;

  while (md_test_now_ms() < end) {
    g_autofree char *log = read_text(path);

    if (strstr(log, text) != NULL)
      return TRUE;
    g_usleep(20 * 1000);
  }
  return FALSE;
}

static void
avahi_start(Fixture *f)
{
  g_autofree char *config_path = g_build_filename(f->dir, "avahi-daemon.conf", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GError) error = NULL;

  g_file_set_contents(config_path, avahi_config, -1, &error);
  g_assert_no_error(error);
  g_free(f->avahi_log);
  f->avahi_log = g_strdup_printf("%s/avahi-daemon-%u.log", f->dir, ++f->avahi_starts);
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stderr_file_path(launcher, f->avahi_log);
  g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", f->system_bus->address, TRUE);
  f->avahi = g_subprocess_launcher_spawn(launcher, &error, "avahi-daemon", "-f", config_path,
                                         "--no-drop-root", "--no-chroot", "--no-rlimits", NULL);
  g_assert_no_error(error);
  if (!wait_for_text(f->avahi_log, "Server startup complete", MD_TEST_TIMEOUT_MS)) {
    g_autofree char *log = read_text(f->avahi_log);

    g_error("avahi-daemon did not start:\n%s", log);
  }
}

static void
avahi_stop(Fixture *f)
{
  if (f->avahi == NULL)
    return;
  g_subprocess_send_signal(f->avahi, SIGTERM);
  g_assert_true(md_test_wait_process(f->avahi, MD_TEST_TIMEOUT_MS));
  g_clear_object(&f->avahi);
}

/* ---- avahi-browse ---- */

/* For g_ptr_array_sort(), which passes pointers to the elements. */
static gint
compare_strings(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

static GStrv
parse_txt(const char *field)
{
  g_autoptr(GRegex) regex = g_regex_new("\"([^\"]*)\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new();

  g_regex_match(regex, field, 0, &match);
  while (g_match_info_matches(match)) {
    g_ptr_array_add(items, g_match_info_fetch(match, 1));
    g_match_info_next(match, NULL);
  }
  g_ptr_array_sort(items, compare_strings);
  g_ptr_array_add(items, NULL);
  return (GStrv) g_ptr_array_free(g_steal_pointer(&items), FALSE);
}

/* "=;lo;IPv4;NAME;TYPE;local;HOST;ADDRESS;PORT;TXT" */
static Found *
parse_resolved(const char *line)
{
  g_auto(GStrv) fields = g_strsplit(line, ";", 10);
  Found *found;

  if (g_strv_length(fields) < 10 || !g_str_equal(fields[0], "="))
    return NULL;
  found = g_new0(Found, 1);
  found->name = g_strdup(fields[3]);
  found->host = g_strdup(fields[6]);
  found->address = g_strdup(fields[7]);
  found->port = (guint16) g_ascii_strtoull(fields[8], NULL, 10);
  found->txt = parse_txt(fields[9]);
  return found;
}

static GSubprocess *
spawn_browse(Fixture *f, const char *type)
{
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", f->system_bus->address, TRUE);
  /* -t ends once the cache is dumped and every entry resolved (about a
   * second); timeout(1) bounds a resolution that never ends. */
  process = g_subprocess_launcher_spawn(launcher, &error, "timeout", "10", "avahi-browse", "-rtpk",
                                        type, NULL);
  g_assert_no_error(error);
  return process;
}

/* The resolved entries a browse printed (Found, one per name). */
static GPtrArray *
collect_browse(GSubprocess *process)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify) found_free);

  g_subprocess_communicate_utf8(process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error(error);
  lines = g_strsplit(out != NULL ? out : "", "\n", -1);
  for (char **line = lines; *line != NULL; line++) {
    Found *entry = parse_resolved(*line);
    gboolean known = FALSE;

    if (entry == NULL)
      continue;
    for (guint i = 0; i < found->len && !known; i++)
      known = g_str_equal(((Found *) found->pdata[i])->name, entry->name);
    if (known)
      found_free(entry);
    else
      g_ptr_array_add(found, entry);
  }
  return found;
}

/* What `avahi-browse -rtp` resolves now for each of @types at once
 * (NULL-terminated): one GPtrArray of Found per type. */
static GPtrArray *
browse_all(Fixture *f, const char *const *types)
{
  g_autoptr(GPtrArray) processes = g_ptr_array_new_with_free_func(g_object_unref);
  GPtrArray *results = g_ptr_array_new_with_free_func((GDestroyNotify) g_ptr_array_unref);

  for (const char *const *type = types; *type != NULL; type++)
    g_ptr_array_add(processes, spawn_browse(f, *type));
  for (guint i = 0; i < processes->len; i++)
    g_ptr_array_add(results, collect_browse(processes->pdata[i]));
  return results;
}

static GPtrArray *
browse(Fixture *f, const char *type)
{
  g_autoptr(GSubprocess) process = spawn_browse(f, type);

  return collect_browse(process);
}

static Found *
take_named(GPtrArray *found, const char *name)
{
  for (guint i = 0; i < found->len; i++) {
    Found *entry = found->pdata[i];

    if (name == NULL || g_str_equal(entry->name, name))
      return g_ptr_array_steal_index(found, i);
  }
  return NULL;
}

/* Polls until @type has an instance @name (NULL: any); fails after the
 * deadline. */
static Found *
wait_present(Fixture *f, const char *type, const char *name)
{
  guint64 end = md_test_now_ms() + BROWSE_DEADLINE_MS;

  do {
    g_autoptr(GPtrArray) found = browse(f, type);
    Found *entry = take_named(found, name);

    if (entry != NULL)
      return entry;
    g_usleep(100 * 1000);
  } while (md_test_now_ms() < end);
  g_error("no %s instance %s appeared", type, name != NULL ? name : "at all");
  return NULL;
}

/* Polls until @type has no instance @name (NULL: none at all). */
static void
wait_absent(Fixture *f, const char *type, const char *name)
{
  guint64 end = md_test_now_ms() + BROWSE_DEADLINE_MS;

  do {
    g_autoptr(GPtrArray) found = browse(f, type);
    g_autoptr(Found) entry = take_named(found, name);

    if (entry == NULL)
      return;
    g_usleep(100 * 1000);
  } while (md_test_now_ms() < end);
  g_error("%s instance %s did not go away", type, name != NULL ? name : "(any)");
}

/* @type never shows an instance @name (NULL: any) for ABSENCE_MS. */
static void
assert_stays_absent(Fixture *f, const char *type, const char *name)
{
  guint64 end = md_test_now_ms() + ABSENCE_MS;

  do {
    g_autoptr(GPtrArray) found = browse(f, type);
    g_autoptr(Found) entry = take_named(found, name);

    if (entry != NULL)
      g_error("%s instance %s is published", type, entry->name);
    g_usleep(100 * 1000);
  } while (md_test_now_ms() < end);
}

static void
assert_txt(const Found *found, const char *const *expected)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new();
  g_autofree char *want = NULL;
  g_autofree char *got = g_strjoinv(" ", found->txt);

  for (const char *const *item = expected; *item != NULL; item++)
    g_ptr_array_add(sorted, (gpointer) *item);
  g_ptr_array_sort(sorted, compare_strings);
  g_ptr_array_add(sorted, NULL);
  want = g_strjoinv(" ", (char **) sorted->pdata);
  g_assert_cmpstr(got, ==, want);
}

static gboolean
is_instance_id(const char *name)
{
  if (strlen(name) != 16)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isdigit(*p) && !(*p >= 'A' && *p <= 'F'))
      return FALSE;
  return TRUE;
}

/* ---- Fixture ---- */

static gboolean
have_program(const char *name)
{
  g_autofree char *path = g_find_program_in_path(name);

  return path != NULL;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  memset(f, 0, sizeof(*f));
  if (g_strcmp0(g_getenv("MD_TEST_MDNS"), "1") != 0) {
    g_test_skip("needs a network namespace of its own with mDNS on loopback (run-in-netns.sh "
                "as root)");
    return;
  }
  if (!have_program("avahi-daemon") || !have_program("avahi-browse")) {
    g_test_skip("needs avahi-daemon and avahi-browse (avahi-utils)");
    return;
  }
  f->dir = md_test_mkdtemp();
  f->system_bus = md_test_bus_start_system(f->dir, AVAHI_DBUS_POLICY);
  f->system_env = g_strdup_printf("DBUS_SYSTEM_BUS_ADDRESS=%s", f->system_bus->address);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  if (f->node_started)
    md_test_node_stop(&f->node);
  if (f->avahi != NULL && g_test_failed()) {
    g_autofree char *log = read_text(f->avahi_log);

    g_test_message("avahi-daemon's stderr:\n%s", log);
  }
  avahi_stop(f);
  md_test_bus_stop(f->system_bus);
  md_test_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->system_env);
  g_free(f->avahi_log);
}

static void
node_start(Fixture *f, const char *config, const MdTestNodeOptions *extra)
{
  const char *const env[] = { f->system_env, NULL };
  MdTestNodeOptions options = { 0 };

  if (extra != NULL)
    options = *extra;
  options.env = env;
  md_test_node_start_full(&f->node, config, &options);
  f->node_started = TRUE;
}

static guint
count_log(Fixture *f, const char *text)
{
  return md_test_node_count_log(&f->node, text);
}

/* ---- The commissionable service ---- */

static Found *
wait_commissionable(Fixture *f, const char *name)
{
  Found *found = wait_present(f, "_matterc._udp", name);

  g_assert_true(is_instance_id(found->name));
  g_assert_cmpuint(found->port, ==, f->node.port);
  /* Avahi's own host name and its address on the one interface it serves. */
  g_assert_true(g_str_has_suffix(found->host, ".local"));
  g_assert_cmpstr(found->address, ==, "127.0.0.1");
  return found;
}

/* 20 wrong passcodes close the window (Core spec 5.4.2.7). */
static void
close_window_by_failed_attempts(Fixture *f)
{
  const MdTestPaseOptions options = { .passcode = WRONG_PASSCODE };

  for (guint i = 0; i < 20; i++) {
    MdTestPaseOutcome outcome;

    md_test_commissioner_pase(f->node.commissioner, &options, &outcome);
    g_assert_cmpint(outcome.state, !=, MATTER_PASE_STATE_ESTABLISHED);
  }
  g_assert_true(md_test_node_wait_for_log(&f->node, "Commissioning window closed"));
}

/* The window open at first start, as a commissioner finds it: the
 * subtypes and TXT keys of 4.3.1, a new instance name when the node boots
 * again, and nothing once the window closed. */
static void
test_commissionable(Fixture *f, gconstpointer data)
{
  static const char *const subtypes[] = { "_L840", "_S3", "_V65521", "_CM" };
  static const char *const types[] = { "_L840._sub._matterc._udp",
                                       "_S3._sub._matterc._udp",
                                       "_V65521._sub._matterc._udp",
                                       "_CM._sub._matterc._udp",
                                       "_L841._sub._matterc._udp",
                                       "_matter._tcp",
                                       NULL };
  g_autoptr(Found) first = NULL;
  g_autoptr(Found) second = NULL;
  g_autoptr(GPtrArray) results = NULL;

  if (f->dir == NULL)
    return;
  avahi_start(f);
  node_start(f, CONFIG, NULL);

  first = wait_commissionable(f, NULL);
  assert_txt(first, (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "PH=1", NULL });
  /* Announced together with the service: there by now. */
  results = browse_all(f, types);
  for (gsize i = 0; i < G_N_ELEMENTS(subtypes); i++) {
    g_autoptr(Found) found = take_named(results->pdata[i], first->name);

    g_assert_nonnull(found);
    g_assert_cmpuint(found->port, ==, f->node.port);
  }
  /* Another discriminator's subtype does not find it, and a node in no
   * fabric has no operational service. */
  g_assert_cmpuint(((GPtrArray *) results->pdata[4])->len, ==, 0);
  g_assert_cmpuint(((GPtrArray *) results->pdata[5])->len, ==, 0);
  g_assert_cmpuint(count_log(f, "DNS-SD: published commissionable service"), ==, 1);

  /* 4.3.1: a new instance name when the node boots. */
  md_test_node_restart(&f->node);
  wait_absent(f, "_matterc._udp", first->name);
  second = wait_commissionable(f, NULL);
  g_assert_cmpstr(second->name, !=, first->name);
  assert_txt(second, (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "PH=1", NULL });

  close_window_by_failed_attempts(f);
  wait_absent(f, "_CM._sub._matterc._udp", NULL);
  g_clear_pointer(&results, g_ptr_array_unref);
  results =
      browse_all(f, (const char *const[]){ "_matterc._udp", "_L840._sub._matterc._udp", NULL });
  g_assert_cmpuint(((GPtrArray *) results->pdata[0])->len, ==, 0);
  g_assert_cmpuint(((GPtrArray *) results->pdata[1])->len, ==, 0);
}

/* avahi-daemon restarts: the records come back under the same name (it
 * may not change while the window is open), and no warning is logged. */
static void
test_avahi_restart(Fixture *f, gconstpointer data)
{
  g_autoptr(Found) before = NULL;
  g_autoptr(Found) after = NULL;

  if (f->dir == NULL)
    return;
  avahi_start(f);
  node_start(f, CONFIG, NULL);
  before = wait_commissionable(f, NULL);

  avahi_stop(f);
  g_assert_true(md_test_node_wait_for_log(&f->node, "DNS-SD: avahi-daemon went away"));
  avahi_start(f);
  after = wait_commissionable(f, before->name);
  assert_txt(after, (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "PH=1", NULL });
  g_assert_cmpuint(count_log(f, "DNS-SD: published commissionable service"), ==, 2);
  g_assert_cmpuint(count_log(f, "avahi-daemon is not running"), ==, 0);
}

/* matterd starts before avahi-daemon: one warning, matterd serves on, and
 * its records appear once avahi-daemon runs. */
static void
test_avahi_late(Fixture *f, gconstpointer data)
{
  g_autoptr(Found) found = NULL;
  g_autofree char *window = NULL;

  if (f->dir == NULL)
    return;
  node_start(f, CONFIG, NULL);
  g_assert_true(md_test_node_wait_for_log(&f->node, "DNS-SD: avahi-daemon is not running"));
  window = md_test_node_window(&f->node);
  g_assert_cmpstr(window, ==, "basic");

  avahi_start(f);
  found = wait_commissionable(f, NULL);
  assert_txt(found, (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "PH=1", NULL });
  g_assert_cmpuint(count_log(f, "avahi-daemon is not running"), ==, 1);
  g_assert_cmpuint(count_log(f, "cannot reach avahi-daemon"), ==, 0);
}

/* DnsSd=no: nothing published, nothing said about avahi-daemon. */
static void
test_disabled(Fixture *f, gconstpointer data)
{
  if (f->dir == NULL)
    return;
  avahi_start(f);
  node_start(f, CONFIG_NO_DNSSD, NULL);
  assert_stays_absent(f, "_matterc._udp", NULL);
  g_assert_cmpuint(count_log(f, "DNS-SD"), ==, 0);
}

/* ---- The operational service ---- */

typedef struct {
  guint64 fabric_id;
  guint64 node_id;
  guint64 compressed_fabric_id;
} FabricSeed;

/* 4.3.2.2, computed here on its own to check the daemon's. */
static guint64
compressed_fabric_id(const guint8 root_public_key[MATTER_P256_PUBLIC_KEY_LEN], guint64 fabric_id)
{
  static const char info[] = "CompressedFabric";
  guint8 salt[8], out[8];
  guint64 id = 0;

  for (int i = 0; i < 8; i++)
    salt[i] = (guint8) (fabric_id >> (56 - 8 * i));
  g_assert_cmpint(matter_hkdf_sha256(root_public_key + 1, MATTER_P256_PUBLIC_KEY_LEN - 1, salt,
                                     sizeof(salt), (const guint8 *) info, sizeof(info) - 1, out,
                                     sizeof(out)),
                  ==, MATTER_OK);
  for (int i = 0; i < 8; i++)
    id = id << 8 | out[i];
  return id;
}

/* A committed fabric as CommissioningComplete leaves it: a row of the
 * store with a chain the node validates at start. */
static void
write_fabric(const char *state_dir, gpointer user_data)
{
  FabricSeed *seed = user_data;
  g_autoptr(MdTestCa) ca = md_test_ca_new(seed->fabric_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], priv[MATTER_P256_PRIVATE_KEY_LEN];
  static const guint8 ipk[MATTER_AES128_KEY_LEN] = {
    0x4a, 0x71, 0xcd, 0xd7, 0xb2, 0xa3, 0xca, 0x90, 0x24, 0xf9, 0x6f, 0x3c, 0x96, 0xa1, 0x9d, 0xee
  };
  MatterP256Key *key = NULL;
  MdFabricRecord record = { 0 };
  MdNodeStorage storage;

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_private(key, priv), ==, MATTER_OK);
  matter_p256_free(key);

  record.fabric_index = 1;
  record.fabric_id = seed->fabric_id;
  record.node_id = seed->node_id;
  record.vendor_id = DEV_VENDOR_ID;
  record.label = "dnssd";
  record.rcac = ca->rcac;
  record.noc = md_test_ca_issue_noc(ca, pub, seed->node_id, 0, NULL, 0);
  record.operational_key = g_bytes_new(priv, sizeof(priv));
  record.ipk_epoch_key = g_bytes_new_static(ipk, sizeof(ipk));

  store = md_store_open(state_dir, MD_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error(error);
  md_store_get_node_storage(store, &storage);
  g_assert_true(md_node_storage_begin(&storage, &error));
  g_assert_true(md_node_storage_put_fabric(&storage, &record, &error));
  g_assert_true(md_node_storage_commit(&storage, &error));
  g_assert_no_error(error);

  seed->compressed_fabric_id = compressed_fabric_id(ca->public_key, seed->fabric_id);
  matter_secure_zero(priv, sizeof(priv));
  g_bytes_unref(record.noc);
  g_bytes_unref(record.operational_key);
  g_bytes_unref(record.ipk_epoch_key);
}

/* A fabric in the store at start: "<compressed fabric id>-<node id>" on
 * _matter._tcp with the _I subtype; no window, so nothing on
 * _matterc._udp. */
static void
test_operational(Fixture *f, gconstpointer data)
{
  FabricSeed seed = { .fabric_id = FABRIC_ID, .node_id = NODE_ID };
  const MdTestNodeOptions options = { .prepare_state = write_fabric, .user_data = &seed };
  g_autofree char *name = NULL;
  g_autofree char *subtype = NULL;
  g_autoptr(Found) found = NULL;
  g_autoptr(Found) by_fabric = NULL;
  g_autoptr(GPtrArray) results = NULL;

  if (f->dir == NULL)
    return;
  avahi_start(f);
  node_start(f, CONFIG, &options);
  name = g_strdup_printf("%016" G_GINT64_MODIFIER "X-%016" G_GINT64_MODIFIER "X",
                         seed.compressed_fabric_id, seed.node_id);
  subtype =
      g_strdup_printf("_I%016" G_GINT64_MODIFIER "X._sub._matter._tcp", seed.compressed_fabric_id);

  found = wait_present(f, "_matter._tcp", name);
  g_assert_cmpuint(found->port, ==, f->node.port);
  g_assert_cmpstr(found->address, ==, "127.0.0.1");
  /* The node announces no session parameters: no TXT keys at all. */
  assert_txt(found, (const char *const[]){ NULL });
  /* The subtype is in the same entry group; a node in a fabric opens no
   * window by itself, so there is no commissionable service. */
  results = browse_all(f, (const char *const[]){ subtype, "_matterc._udp", NULL });
  by_fabric = take_named(results->pdata[0], name);
  g_assert_nonnull(by_fabric);
  g_assert_cmpuint(by_fabric->port, ==, f->node.port);
  g_assert_cmpuint(((GPtrArray *) results->pdata[1])->len, ==, 0);
  g_assert_cmpuint(count_log(f, "DNS-SD: published operational service"), ==, 1);
}

typedef struct {
  Fixture *fixture;
  FabricSeed seed;
  char *name;
  GSubprocess *squatter;
} Collision;

/* The fabric, and another publisher holding its operational name before
 * matterd starts. */
static void
write_fabric_and_squat(const char *state_dir, gpointer user_data)
{
  Collision *c = user_data;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  g_autoptr(Found) found = NULL;

  write_fabric(state_dir, &c->seed);
  c->name = g_strdup_printf("%016" G_GINT64_MODIFIER "X-%016" G_GINT64_MODIFIER "X",
                            c->seed.compressed_fabric_id, c->seed.node_id);
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", c->fixture->system_bus->address,
                               TRUE);
  c->squatter = g_subprocess_launcher_spawn(launcher, &error, "avahi-publish", "-s", c->name,
                                            "_matter._tcp", "9", NULL);
  g_assert_no_error(error);
  found = wait_present(c->fixture, "_matter._tcp", c->name);
  g_assert_cmpuint(found->port, ==, 9);
}

/* 4.3.2.1: the operational name is the node's identity, so a collision
 * is logged and the same name tried again, never another one; once the
 * other publisher is gone, the node's own record is there. */
static void
test_operational_collision(Fixture *f, gconstpointer data)
{
  Collision c = { .fixture = f, .seed = { .fabric_id = FABRIC_ID, .node_id = NODE_ID } };
  const MdTestNodeOptions options = { .prepare_state = write_fabric_and_squat, .user_data = &c };
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *warning = NULL;
  gboolean ours = FALSE;
  guint64 end;

  if (f->dir == NULL || !have_program("avahi-publish"))
    return;
  avahi_start(f);
  node_start(f, CONFIG, &options);
  g_assert_true(md_test_node_wait_for_log(&f->node, "DNS-SD: another host publishes"));
  warning = g_strdup_printf("another host publishes %s._matter._tcp", c.name);
  g_assert_cmpuint(count_log(f, warning), ==, 1);

  g_subprocess_send_signal(c.squatter, SIGTERM);
  g_assert_true(md_test_wait_process(c.squatter, MD_TEST_TIMEOUT_MS));
  g_clear_object(&c.squatter);
  /* The retry comes a few seconds later, under the same name. */
  end = md_test_now_ms() + BROWSE_DEADLINE_MS;
  do {
    g_clear_pointer(&all, g_ptr_array_unref);
    all = browse(f, "_matter._tcp");
    ours = all->len == 1 && ((Found *) all->pdata[0])->port == f->node.port;
  } while (!ours && md_test_now_ms() < end);
  g_assert_true(ours);
  g_assert_cmpstr(((Found *) all->pdata[0])->name, ==, c.name);
  g_free(c.name);
}

/* ---- A fabric the fail-safe holds ---- */

typedef struct {
  guint8 buf[1024];
  gsize len;
  MatterTlvWriter w;
} Fields;

static MatterTlvWriter *
fields_begin(Fields *f)
{
  matter_tlv_writer_init(&f->w, f->buf, sizeof(f->buf));
  matter_tlv_start_structure(&f->w, matter_tlv_tag_anonymous());
  return &f->w;
}

static void
fields_end(Fields *f)
{
  matter_tlv_end_container(&f->w);
  g_assert_cmpint(matter_tlv_writer_finish(&f->w, &f->len), ==, MATTER_OK);
}

static void
invoke(Fixture *f, MatterSession *session, guint32 cluster, guint32 command, const guint8 *fields,
       gsize len, MdTestInvokeAnswer *answer)
{
  md_test_commissioner_invoke(f->node.commissioner, session, ROOT_ENDPOINT, cluster, command,
                              fields, len, FALSE, answer);
}

static void
arm_fail_safe(Fixture *f, MatterSession *session, guint16 seconds)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_arm_fail_safe_fields(fields, seconds, 1);
  MatterTlvReader r;
  guint8 code;

  invoke(f, session, CLUSTER_GENERAL_COMMISSIONING, CMD_ARM_FAIL_SAFE, fields, len, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_ARM_FAIL_SAFE_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  g_assert_cmpuint(code, ==, 0);
}

/* The key a CSRRequest's NOCSR is for, its signature checked with the
 * installed DAC's key. */
static void
csr_request(Fixture *f, MatterSession *session, guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_autofree char *dac_path =
      g_test_build_filename(G_TEST_DIST, "..", "data", "dev-attestation", "dac-cert.der", NULL);
  g_autoptr(GBytes) dac = md_test_read_file(dac_path);
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  guint8 nonce[MATTER_CSR_NONCE_LEN];
  MatterAttestationCertInfo info;
  MatterNocsrElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  Fields fields;

  g_assert_cmpint(matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                                MATTER_ATTESTATION_DAC, &info),
                  ==, MATTER_OK);
  for (gsize i = 0; i < sizeof(nonce); i++)
    nonce[i] = (guint8) g_random_int();
  matter_tlv_put_bytes(fields_begin(&fields), matter_tlv_tag_context(0), nonce, sizeof(nonce));
  fields_end(&fields);
  invoke(f, session, CLUSTER_OPCREDS, CMD_CSR_REQUEST, fields.buf, fields.len, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_CSR_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_nocsr_response_verify(info.public_key, elements, elements_len,
                                               session->attestation_challenge, signature, nonce,
                                               &decoded, public_key),
                  ==, MATTER_OK);
}

static void
add_trusted_root(Fixture *f, MatterSession *session, GBytes *rcac)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  Fields fields;

  matter_tlv_put_bytes(fields_begin(&fields), matter_tlv_tag_context(0),
                       g_bytes_get_data(rcac, NULL), g_bytes_get_size(rcac));
  fields_end(&fields);
  invoke(f, session, CLUSTER_OPCREDS, CMD_ADD_TRUSTED_ROOT, fields.buf, fields.len, &answer);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status.status, ==, MATTER_IM_STATUS_SUCCESS);
}

static void
add_noc(Fixture *f, MatterSession *session, GBytes *noc)
{
  static const guint8 ipk[MATTER_AES128_KEY_LEN] = {
    0x4a, 0x71, 0xcd, 0xd7, 0xb2, 0xa3, 0xca, 0x90, 0x24, 0xf9, 0x6f, 0x3c, 0x96, 0xa1, 0x9d, 0xee
  };
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  MatterTlvWriter *w;
  MatterTlvReader r;
  Fields fields;
  guint8 code;

  w = fields_begin(&fields);
  matter_tlv_put_bytes(w, matter_tlv_tag_context(0), g_bytes_get_data(noc, NULL),
                       g_bytes_get_size(noc));
  matter_tlv_put_bytes(w, matter_tlv_tag_context(2), ipk, sizeof(ipk));
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), ADMIN_NODE_ID);
  matter_tlv_put_uint(w, matter_tlv_tag_context(4), ADMIN_VENDOR_ID);
  fields_end(&fields);
  invoke(f, session, CLUSTER_OPCREDS, CMD_ADD_NOC, fields.buf, fields.len, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_NOC_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  g_assert_cmpuint(code, ==, 0);
}

/* After AddNOC, before CommissioningComplete: the pending fabric is
 * published so the commissioner can find the node for CASE, while the
 * commissionable service stays as it was; the PASE session closing drops
 * the fabric, and its record goes with it. */
static void
test_pending_fabric(Fixture *f, gconstpointer data)
{
  const MdTestPaseOptions pase = { .passcode = PASSCODE };
  g_autoptr(MdTestCa) ca = NULL;
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(Found) commissionable = NULL;
  g_autoptr(Found) operational = NULL;
  g_autoptr(Found) still = NULL;
  guint8 operational_key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autofree char *name = NULL;
  MdTestPaseOutcome outcome;
  MatterSession *session;

  if (f->dir == NULL)
    return;
  avahi_start(f);
  node_start(f, CONFIG, NULL);
  commissionable = wait_commissionable(f, NULL);

  md_test_commissioner_pase(f->node.commissioner, &pase, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  session = outcome.session;
  ca = md_test_ca_new(FABRIC_ID);
  arm_fail_safe(f, session, 60);
  csr_request(f, session, operational_key);
  add_trusted_root(f, session, ca->rcac);
  noc = md_test_ca_issue_noc(ca, operational_key, NODE_ID, 0, NULL, 0);
  add_noc(f, session, noc);

  name = g_strdup_printf("%016" G_GINT64_MODIFIER "X-%016" G_GINT64_MODIFIER "X",
                         compressed_fabric_id(ca->public_key, FABRIC_ID), NODE_ID);
  operational = wait_present(f, "_matter._tcp", name);
  g_assert_cmpuint(operational->port, ==, f->node.port);
  /* Not committed: still the hint of a node in no fabric, and the same
   * commissionable record, not announced again. */
  still = wait_commissionable(f, commissionable->name);
  assert_txt(still, (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "PH=1", NULL });
  g_assert_cmpuint(count_log(f, "DNS-SD: published commissionable service"), ==, 1);
  g_assert_cmpuint(count_log(f, "DNS-SD: published operational service"), ==, 1);

  matter_exchange_manager_close_session(&f->node.commissioner->exchanges, session,
                                        md_test_now_ms());
  md_test_commissioner_run_for(f->node.commissioner, 300);
  g_assert_true(md_test_node_wait_for_log(&f->node, "Dropping the fabric the fail-safe held"));
  wait_absent(f, "_matter._tcp", name);
  g_clear_pointer(&still, found_free);
  still = wait_commissionable(f, commissionable->name);
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

  add_test("/dnssd/commissionable", test_commissionable);
  add_test("/dnssd/avahi-restart", test_avahi_restart);
  add_test("/dnssd/avahi-late", test_avahi_late);
  add_test("/dnssd/disabled", test_disabled);
  add_test("/dnssd/operational", test_operational);
  add_test("/dnssd/operational-collision", test_operational_collision);
  add_test("/dnssd/pending-fabric", test_pending_fabric);
  return g_test_run();
}
