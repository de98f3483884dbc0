/* SPDX-License-Identifier: Apache-2.0 */
/* Commissioning and operation of the built matterd by an independent
 * controller: matter.js (tests/interop/commission.mjs, pinned in
 * package-lock.json) commissions it over UDP on loopback with the
 * development attestation trusted, then operates it from a second process
 * over CASE, finding it through Avahi on a private system bus, restarts
 * matterd while a subscriber keeps listening (matterd must open CASE to it
 * and resume its subscription under the same id, and matter.js must take
 * the reports as that subscription's), reconnects from a fourth process to
 * find what it kept, and removes its fabric. The script prints one JSON line per step; each line is
 * checked here, so the log names the step that failed and what matter.js
 * said. Between the phases the test browses matterd's DNS-SD services as a
 * commissioner would (avahi-browse): the commissionable one by its
 * discriminator while the window is open, the operational one by its
 * compressed fabric id after commissioning, gone after RemoveFabric.
 *
 * The pase-over-btp cases commission a node that has the fake BlueZ
 * (tests/fake-bluez) on its system bus through a BTP-to-UDP bridge
 * (btp-bridge.h): PASE and the commissioning steps up to AddNOC reach
 * matterd over BTP, CASE and CommissioningComplete over UDP.
 *
 * MATTERD_INTEROP_UNTIL=STEP ends the run successfully after STEP, for steps
 * matterd cannot do yet; the later ones are listed as skipped. With
 * MATTERD_INTEROP_KNOWN_ADDRESS set (or without avahi-daemon), CASE goes to
 * matterd's address without looking it up over mDNS.
 *
 * Runs under run-interop.sh, which gives it network and mount namespaces of
 * its own (loopback with IPv4 multicast, a private /run/avahi-daemon). */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "matter/crypto.h"
#include "btp-bridge.h"
#include "md-test-app.h"
#include "md-test-node.h"

#define DISCRIMINATOR 3840
#define CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"

/* What commission.mjs needs on top of Node.js: npm ci in tests/interop. */
#define INTEROP_PEER "node_modules/@project-chip/matter.js/package.json"
#define AVAHI_POLICY "/usr/share/dbus-1/system.d/avahi-dbus.conf"
/* AVAHI_SERVER_RUNNING of org.freedesktop.Avahi.Server.GetState. */
#define AVAHI_SERVER_RUNNING 2

/* Bounds one avahi-browse, and the polls for a record to come or go. */
#define BROWSE_TIMEOUT "10"
#define BROWSE_DEADLINE_MS 15000

/* Bounds the whole controller run; its own steps time out sooner. */
#define CONTROLLER_TIMEOUT_MS 90000
#define CONTROLLER_LOG_TAIL_LINES 60

/* Every step commission.mjs reports, in order: the commissioning steps
 * (matter.js's flow) and then those of the second process. */
static const char *const steps[] = {
  "pase",
  "read-commissioning-info",
  "arm-fail-safe",
  "regulatory-config",
  "time-sync",
  "attestation",
  "csr",
  "add-trusted-root",
  "addnoc",
  "access-control",
  "case",
  "commissioning-complete",
  "case-reconnect",
  "read-basic-information",
  "read-operational-credentials",
  "read-acl",
  "write-node-label",
  "update-fabric-label",
  "subscribe-node-label",
  "app-endpoints",
  "app-toggle",
  "app-level-color",
  "app-subscribe",
  "case-after-restart",
  "read-after-restart",
  "remove-fabric",
  "case-refused",
  NULL,
};

/* The steps on a host application's light (app-*), which need
 * commission.mjs --host-light. */
#define APP_STEPS 4

/* commission.mjs's phases, each a process of its own: the test restarts
 * the node between the last two. */
typedef enum {
  PHASE_COMMISSION,
  PHASE_OPERATE,
  PHASE_AFTER_RESTART,
} Phase;

static const char *const phase_modes[] = { "commission", "operate", "after-restart" };

typedef struct {
  MdTestNode node;
  char *dir;
  MdTestBus *system_bus;
  GSubprocess *avahi;
  /* The controller runs are those of: its storage and log files are named
   * after it. NULL: "controller", the one that commissions first. */
  const char *controller;
  /* The port of --operational-address when it is not the one commissioned
   * through (a bridge's); 0: the same. */
  guint16 operational_port;
} Fixture;

static char *
interop_path(const char *name)
{
  return g_test_build_filename(G_TEST_DIST, "interop", name, NULL);
}

static char *
dev_attestation_path(const char *name)
{
  return g_test_build_filename(G_TEST_DIST, "..", "data", "dev-attestation", name, NULL);
}

static char *
node_program(void)
{
  char *node = g_strdup(g_getenv("MATTERD_INTEROP_NODE"));

  if (node == NULL)
    node = g_find_program_in_path("node");
  g_assert_nonnull(node);
  return node;
}

static void
die_with_parent(gpointer data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocessLauncher *
launcher_new(void)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);

  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  return launcher;
}

/* ---- Avahi on a private system bus ---- */

static gboolean
avahi_running(GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      bus, "org.freedesktop.Avahi", "/", "org.freedesktop.Avahi.Server", "GetState", NULL,
      G_VARIANT_TYPE("(i)"), G_DBUS_CALL_FLAGS_NONE, 1000, NULL, NULL);
  gint32 state = -1;

  if (reply != NULL)
    g_variant_get(reply, "(i)", &state);
  return state == AVAHI_SERVER_RUNNING;
}

static const char avahi_config[] = "[server]\n"
                                   "use-ipv4=yes\n"
                                   "use-ipv6=no\n"
                                   "allow-interfaces=lo\n"
                                   "enable-dbus=yes\n"
                                   "[wide-area]\n"
                                   "enable-wide-area=no\n"
                                   "[publish]\n"
                                   "publish-workstation=no\n"
                                   "publish-hinfo=no\n";

/* Starts avahi-daemon on a private system bus, for matterd to publish on;
 * FALSE, with the reason, when this machine or
 * namespace cannot have one. */
static gboolean
start_avahi(Fixture *f, char **why)
{
  g_autofree char *daemon = g_find_program_in_path("avahi-daemon");
  g_autofree char *config_path = g_build_filename(f->dir, "avahi-daemon.conf", NULL);
  g_autofree char *log_path = g_build_filename(f->dir, "avahi-daemon.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  guint64 end;

  if (g_getenv("MATTERD_INTEROP_KNOWN_ADDRESS") != NULL) {
    *why = g_strdup("MATTERD_INTEROP_KNOWN_ADDRESS is set");
    return FALSE;
  }
  if (g_getenv("MD_INTEROP_PRIVATE_AVAHI_RUN") == NULL) {
    *why = g_strdup("no private /run/avahi-daemon (not started by run-interop.sh)");
    return FALSE;
  }
  if (daemon == NULL || !g_file_test(AVAHI_POLICY, G_FILE_TEST_EXISTS)) {
    *why = g_strdup("avahi-daemon is not installed");
    return FALSE;
  }
  g_file_set_contents(config_path, avahi_config, -1, &error);
  g_assert_no_error(error);
  f->system_bus = md_test_bus_start_system(f->dir, AVAHI_POLICY);

  launcher = launcher_new();
  g_subprocess_launcher_set_stderr_file_path(launcher, log_path);
  g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", f->system_bus->address, TRUE);
  f->avahi = g_subprocess_launcher_spawn(launcher, &error, daemon, "-f", config_path,
                                         "--no-drop-root", "--no-chroot", "--no-rlimits", NULL);
  g_assert_no_error(error);

  bus = md_test_bus_connect(f->system_bus);
  for (end = md_test_now_ms() + MD_TEST_TIMEOUT_MS; md_test_now_ms() < end;) {
    if (avahi_running(bus))
      return TRUE;
    if (g_subprocess_get_identifier(f->avahi) == NULL)
      g_error("avahi-daemon exited; see %s", log_path);
    g_usleep(50 * 1000);
  }
  g_error("avahi-daemon did not come up; see %s", log_path);
  return FALSE;
}

static void
stop_avahi(Fixture *f)
{
  if (f->avahi != NULL) {
    g_subprocess_send_signal(f->avahi, SIGTERM);
    md_test_wait_process(f->avahi, MD_TEST_TIMEOUT_MS);
    g_clear_object(&f->avahi);
  }
  g_clear_pointer(&f->system_bus, md_test_bus_stop);
}

/* ---- The controller's report ---- */

typedef struct {
  guint passed;
  guint skipped;
  guint run_passed; /* the same, in the current controller run */
  guint run_skipped;
  guint next; /* index in steps[] of the step expected next */
  gboolean done;
  gboolean failed;
  GHashTable *seen; /* step name -> JsonObject of its line, once passed */
} Report;

static void
report_clear(Report *report)
{
  g_clear_pointer(&report->seen, g_hash_table_unref);
}

/* What the controller reported with @step; NULL unless it passed. */
static JsonObject *
step_details(Report *report, const char *step)
{
  return report->seen != NULL ? g_hash_table_lookup(report->seen, step) : NULL;
}

/* All steps passed or skipped so far, none failed, more to come. */
static gboolean
report_continues(const Report *report)
{
  return !report->failed && steps[report->next] != NULL;
}

static void
check_step(Report *report, JsonObject *line, const char *text)
{
  const char *step = json_object_get_string_member(line, "step");
  const char *expected = steps[report->next];

  if (json_object_has_member(line, "ok") && !json_object_get_boolean_member(line, "ok")) {
    const char *error = json_object_get_string_member_with_default(line, "error", "?");

    g_test_fail_printf("matter.js step \"%s\" failed: %s", step, error);
    g_test_message("failed step, as reported: %s", text);
    report->failed = TRUE;
    return;
  }
  if (expected == NULL || g_strcmp0(step, expected) != 0) {
    g_test_fail_printf("matter.js reported step \"%s\" where \"%s\" was due", step,
                       expected != NULL ? expected : "(the end)");
    report->failed = TRUE;
    return;
  }
  report->next++;
  if (json_object_get_boolean_member_with_default(line, "skipped", FALSE)) {
    report->skipped++;
    report->run_skipped++;
    g_test_message("SKIPPED %s: %s", step,
                   json_object_get_string_member_with_default(line, "reason", ""));
  } else {
    report->passed++;
    report->run_passed++;
    if (report->seen == NULL)
      report->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) json_object_unref);
    g_hash_table_replace(report->seen, g_strdup(step), json_object_ref(line));
    g_test_message("passed %s", step);
  }
}

static void
check_line(Report *report, const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  JsonObject *line;

  if (*text == '\0')
    return;
  g_test_message("matter.js: %s", text);
  if (!json_parser_load_from_data(parser, text, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_test_fail_printf("commission.mjs printed a line that is not a JSON object: %s", text);
    report->failed = TRUE;
    return;
  }
  line = json_node_get_object(json_parser_get_root(parser));
  if (json_object_has_member(line, "step")) {
    check_step(report, line, text);
  } else if (json_object_get_boolean_member_with_default(line, "done", FALSE)) {
    g_assert_cmpuint(json_object_get_int_member(line, "passed"), ==, report->run_passed);
    g_assert_cmpuint(json_object_get_int_member(line, "skipped"), ==, report->run_skipped);
    report->done = TRUE;
  }
}

static void
print_tail(const char *path, guint lines)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) all = NULL;
  guint n;

  if (!g_file_get_contents(path, &text, NULL, NULL))
    return;
  all = g_strsplit(text, "\n", -1);
  n = g_strv_length(all);
  g_test_message("last %u lines of matter.js's log (%s):", lines, path);
  for (guint i = n > lines ? n - lines : 0; i < n; i++)
    g_test_message("  %s", all[i]);
}

/* Runs one @phase of commission.mjs against the node at @node_port (for
 * CASE too, unless f->operational_port says otherwise) and returns its
 * exit status; @trust (NULL-terminated) are the options naming the
 * attestation roots and CD signers it trusts. Every phase uses the same
 * controller storage. */
static int
run_controller(Fixture *f, Phase phase, guint16 node_port, const char *manual_code,
               const char *const *trust, const char *until, gboolean with_mdns, Report *report)
{
  const char *mode = phase_modes[phase];
  const char *controller = f->controller != NULL ? f->controller : "controller";
  g_autofree char *node_js = node_program();
  g_autofree char *script = interop_path("commission.mjs");
  g_autofree char *state = g_build_filename(f->dir, controller, NULL);
  g_autofree char *out_name = g_strdup_printf("%s-%s.out", controller, mode);
  g_autofree char *log_name = g_strdup_printf("%s-%s.log", controller, mode);
  g_autofree char *out_path = g_build_filename(f->dir, out_name, NULL);
  g_autofree char *log_path = g_build_filename(f->dir, log_name, NULL);
  g_autofree char *port = g_strdup_printf("%u", node_port);
  g_autofree char *known =
      g_strdup_printf("127.0.0.1:%u", f->operational_port != 0 ? f->operational_port : node_port);
  g_autoptr(GSubprocessLauncher) launcher = launcher_new();
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status;

  g_ptr_array_add(argv, node_js);
  g_ptr_array_add(argv, script);
  g_ptr_array_add(argv, (char *) mode);
  g_ptr_array_add(argv, "--code");
  g_ptr_array_add(argv, (char *) manual_code);
  g_ptr_array_add(argv, "--address");
  g_ptr_array_add(argv, "127.0.0.1");
  g_ptr_array_add(argv, "--port");
  g_ptr_array_add(argv, port);
  g_ptr_array_add(argv, "--state-dir");
  g_ptr_array_add(argv, state);
  for (guint i = 0; trust[i] != NULL; i++)
    g_ptr_array_add(argv, (char *) trust[i]);
  if (!with_mdns) {
    g_ptr_array_add(argv, "--operational-address");
    g_ptr_array_add(argv, known);
  }
  if (until != NULL) {
    g_ptr_array_add(argv, "--until");
    g_ptr_array_add(argv, (char *) until);
  }
  g_ptr_array_add(argv, NULL);

  g_subprocess_launcher_set_stdout_file_path(launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path(launcher, log_path);
  g_subprocess_launcher_unsetenv(launcher, "NODE_OPTIONS");
  process = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  if (!md_test_wait_process(process, CONTROLLER_TIMEOUT_MS)) {
    g_subprocess_force_exit(process);
    md_test_wait_process(process, MD_TEST_TIMEOUT_MS);
    g_test_fail_printf("commission.mjs did not end within %u s", CONTROLLER_TIMEOUT_MS / 1000);
    report->failed = TRUE;
  }

  g_file_get_contents(out_path, &out, NULL, &error);
  g_assert_no_error(error);
  report->run_passed = report->run_skipped = 0;
  report->done = FALSE;
  lines = g_strsplit(out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    check_line(report, lines[i]);

  status = g_subprocess_get_if_exited(process) ? g_subprocess_get_exit_status(process) : -1;
  if (status != 0 || report->failed)
    print_tail(log_path, CONTROLLER_LOG_TAIL_LINES);
  return status;
}

static char *
manual_code(MdTestNode *node)
{
  g_autofree char *log = md_test_daemon_stderr(node->daemon);
  g_autoptr(GRegex) regex = g_regex_new("manual pairing code ([0-9-]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_true(g_regex_match(regex, log, 0, &match));
  return g_match_info_fetch(match, 1);
}

static gboolean
step_reached(const char *until, const char *step)
{
  for (guint i = 0; steps[i] != NULL; i++) {
    if (g_strcmp0(steps[i], step) == 0)
      return TRUE;
    if (g_strcmp0(steps[i], until) == 0)
      return FALSE;
  }
  return FALSE;
}

/* ---- DNS-SD as a commissioner sees it: avahi-browse ---- */

/* One resolved service, as avahi-browse -p prints it. */
typedef struct {
  char *name;
  char *address;
  guint16 port;
  GStrv txt; /* sorted */
} Found;

static void
found_free(Found *found)
{
  g_free(found->name);
  g_free(found->address);
  g_strfreev(found->txt);
  g_free(found);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Found, found_free)

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
  found->address = g_strdup(fields[7]);
  found->port = (guint16) g_ascii_strtoull(fields[8], NULL, 10);
  found->txt = parse_txt(fields[9]);
  return found;
}

/* The instance @name (NULL: any) that `avahi-browse -rtp @type` resolves
 * now, or NULL. -t ends once the cache is dumped and every entry resolved;
 * timeout(1) bounds a resolution that never ends. */
static Found *
browse(Fixture *f, const char *type, const char *name)
{
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", f->system_bus->address, TRUE);
  process = g_subprocess_launcher_spawn(launcher, &error, "timeout", BROWSE_TIMEOUT, "avahi-browse",
                                        "-rtp", type, NULL);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8(process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error(error);
  lines = g_strsplit(out != NULL ? out : "", "\n", -1);
  for (char **line = lines; *line != NULL; line++) {
    Found *entry = parse_resolved(*line);

    if (entry != NULL && (name == NULL || g_str_equal(entry->name, name)))
      return entry;
    g_clear_pointer(&entry, found_free);
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
    Found *found = browse(f, type, name);

    if (found != NULL)
      return found;
    g_usleep(100 * 1000);
  } while (md_test_now_ms() < end);
  g_error("avahi-browse found no %s instance %s", type, name != NULL ? name : "at all");
  return NULL;
}

/* Polls until @type has no instance @name; fails after the deadline. */
static void
wait_absent(Fixture *f, const char *type, const char *name)
{
  guint64 end = md_test_now_ms() + BROWSE_DEADLINE_MS;

  do {
    g_autoptr(Found) found = browse(f, type, name);

    if (found == NULL)
      return;
    g_usleep(100 * 1000);
  } while (md_test_now_ms() < end);
  g_error("%s instance %s was not withdrawn", type, name);
}

/* @found has exactly the TXT items @expected (NULL-terminated), compared
 * key by key so a failure names the key. */
static void
assert_txt(const Found *found, const char *const *expected)
{
  g_autofree char *got = g_strjoinv(" ", found->txt);

  g_test_message("%s: TXT %s", found->name, got);
  for (const char *const *item = expected; *item != NULL; item++) {
    gsize key_len = strcspn(*item, "=");
    const char *value = NULL;

    for (char **txt = found->txt; *txt != NULL && value == NULL; txt++)
      if (strncmp(*txt, *item, key_len + 1) == 0)
        value = *txt;
    if (value == NULL)
      g_error("%s: no TXT key %.*s (TXT: %s)", found->name, (int) key_len, *item, got);
    g_assert_cmpstr(value, ==, *item);
  }
  g_assert_cmpuint(g_strv_length(found->txt), ==, g_strv_length((char **) expected));
}

static gboolean
is_upper_hex(const char *text, gsize len)
{
  if (strlen(text) != len)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit(*p) && !(*p >= 'A' && *p <= 'F'))
      return FALSE;
  return TRUE;
}

/* While the window is open: the commissionable instance a commissioner
 * finds by the long discriminator, with the TXT keys of Core spec 4.3.1
 * (D, CM for the basic window, VP, PH). */
static void
check_commissionable(Fixture *f)
{
  g_autofree char *type = g_strdup_printf("_L%u._sub._matterc._udp", DISCRIMINATOR);
  g_autofree char *d = g_strdup_printf("D=%u", DISCRIMINATOR);
  g_autoptr(Found) found = wait_present(f, type, NULL);

  g_test_message("avahi-browse %s: instance %s at %s:%u", type, found->name, found->address,
                 found->port);
  g_assert_true(is_upper_hex(found->name, 16));
  g_assert_cmpstr(found->address, ==, "127.0.0.1");
  g_assert_cmpuint(found->port, ==, f->node.port);
  assert_txt(found, (const char *const[]){ d, "CM=1", "VP=65521+32768", "PH=1", NULL });
}

/* A number matter.js printed: a JSON number or a "0x..." string (bigints). */
static guint64
json_id(JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member(object, member);

  g_assert_nonnull(node);
  if (json_node_get_value_type(node) == G_TYPE_STRING)
    return g_ascii_strtoull(json_node_get_string(node), NULL, 0);
  return (guint64) json_node_get_int(node);
}

/* 4.3.2.2, computed here from what the controller read in Fabrics. */
static guint64
compressed_fabric_id(const char *root_public_key_hex, guint64 fabric_id)
{
  static const char info[] = "CompressedFabric";
  guint8 root_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 salt[8], out[8];
  guint64 id = 0;

  md_test_unhex_into(root_public_key_hex, root_public_key, sizeof(root_public_key));
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

/* After commissioning: "<compressed fabric id>-<node id>" on the _I
 * subtype of the fabric the controller read, with no TXT keys (matterd
 * announces no session parameters). Returns the instance name, and the
 * subtype it was found on in @type. */
static char *
check_operational(Fixture *f, Report *report, char **type_out)
{
  JsonObject *seen = step_details(report, "read-operational-credentials");
  JsonObject *fabric;
  guint64 cfid, node_id;
  char *type;
  g_autoptr(Found) found = NULL;
  char *name;

  g_assert_nonnull(seen);
  fabric = json_array_get_object_element(json_object_get_array_member(seen, "fabrics"), 0);
  cfid = compressed_fabric_id(json_object_get_string_member(fabric, "rootPublicKey"),
                              json_id(fabric, "fabricId"));
  node_id = json_id(fabric, "nodeId");
  name = g_strdup_printf("%016" G_GINT64_MODIFIER "X-%016" G_GINT64_MODIFIER "X", cfid, node_id);
  type = g_strdup_printf("_I%016" G_GINT64_MODIFIER "X._sub._matter._tcp", cfid);
  found = wait_present(f, type, name);
  g_test_message("avahi-browse %s: instance %s at %s:%u", type, found->name, found->address,
                 found->port);
  g_assert_cmpstr(found->address, ==, "127.0.0.1");
  g_assert_cmpuint(found->port, ==, f->node.port);
  assert_txt(found, (const char *const[]){ NULL });
  *type_out = type;
  return name;
}

/* ---- The whole sequence against matterd ---- */

/* How matterd's log says each CASE session came about, in order:
 * "resumed" or "established", space-separated. */
static char *
case_sessions_logged(MdTestNode *node)
{
  g_autofree char *log = md_test_daemon_stderr(node->daemon);
  g_autoptr(GRegex) regex =
      g_regex_new("CASE session [0-9]+ (resumed|established) with node", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GString) kinds = g_string_new(NULL);

  g_regex_match(regex, log, 0, &match);
  while (g_match_info_matches(match)) {
    g_autofree char *kind = g_match_info_fetch(match, 1);

    g_string_append_printf(kinds, "%s%s", kinds->len > 0 ? " " : "", kind);
    g_match_info_next(match, NULL);
  }
  return g_string_free(g_steal_pointer(&kinds), FALSE);
}

/* Whether matter.js offered a resumption record for @step's session and
 * what its log called the session; matterd's last logged session must
 * agree. Resumption is the controller's choice: either is accepted. */
static void
check_reconnect(Report *report, const char *step, const char *matterd_sessions)
{
  JsonObject *seen = step_details(report, step);
  const char *session = json_object_get_string_member(seen, "session");
  gboolean offered = json_object_get_boolean_member(seen, "resumptionOffered");
  const char *last = strrchr(matterd_sessions, ' ');

  last = last != NULL ? last + 1 : matterd_sessions;
  g_test_message("%s: matter.js %s a resumption record; its session is %s; matterd logged: %s",
                 step, offered ? "offered" : "had no", session, matterd_sessions);
  g_assert_cmpstr(last, ==, g_str_equal(session, "resumed") ? "resumed" : "established");
  if (!offered)
    g_assert_cmpstr(session, ==, "new");
}

/* One JSON line of the resume-subscription phase, parsed; NULL at its end. */
static JsonObject *
read_resume_line(GDataInputStream *out, Report *report)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *line;

  for (;;) {
    g_clear_pointer(&text, g_free);
    text = g_data_input_stream_read_line_utf8(out, NULL, NULL, &error);
    g_assert_no_error(error);
    if (text == NULL)
      return NULL;
    if (*text != '\0')
      break;
  }
  g_test_message("matter.js: %s", text);
  if (!json_parser_load_from_data(parser, text, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
    g_error("commission.mjs printed a line that is not a JSON object: %s", text);
  line = json_node_get_object(json_parser_get_root(parser));
  if (json_object_has_member(line, "ok") && !json_object_get_boolean_member(line, "ok")) {
    g_test_fail_printf("matter.js step \"%s\" failed: %s",
                       json_object_get_string_member_with_default(line, "step", "?"),
                       json_object_get_string_member_with_default(line, "error", "?"));
    report->failed = TRUE;
  }
  return json_object_ref(line);
}

/* A line of the resumed subscription: its reports came under the id it
 * had, matter.js sent no SubscribeRequest of its own and holds no other
 * subscription. */
static void
check_resumed_line(JsonObject *line, guint64 subscription_id)
{
  JsonArray *active = json_object_get_array_member(line, "active");

  g_assert_cmpuint(json_id(line, "subscriptionId"), ==, subscription_id);
  g_assert_false(json_object_get_boolean_member(line, "resubscribed"));
  g_assert_cmpuint(json_array_get_length(active), ==, 1);
  g_assert_cmpuint((guint64) json_array_get_int_element(active, 0), ==, subscription_id);
}

/* matterd's side of it: one handshake, to the address of the subscriber's
 * newest subscription (no failed attempt before it), and every kept
 * subscription of that subscriber resumed on it: the subscriber's own, and
 * the older ones of processes gone since, which matter.js refused
 * (@refused, InvalidSubscription) and matterd then forgets. */
static void
check_resumption_logged(const char *log, guint64 subscription_id, JsonArray *refused)
{
  g_autoptr(GRegex) regex = g_regex_new("Resuming subscription 0x([0-9A-F]{8})", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GHashTable) resumed = g_hash_table_new(g_int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  gint64 ours = (gint64) subscription_id;
  guint handshakes = 0;

  for (const char *at = log; (at = strstr(at, "to resume its subscriptions")) != NULL; at++)
    handshakes++;
  g_assert_cmpuint(handshakes, ==, 1);
  g_assert_null(strstr(log, "Cannot reach node"));
  g_regex_match(regex, log, 0, &match);
  while (g_match_info_matches(match)) {
    g_autofree char *hex = g_match_info_fetch(match, 1);
    gint64 id = (gint64) g_ascii_strtoull(hex, NULL, 16);

    g_array_append_val(ids, id);
    g_match_info_next(match, NULL);
  }
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add(resumed, &g_array_index(ids, gint64, i));
  g_assert_cmpuint(g_hash_table_size(resumed), ==, ids->len);
  g_assert_true(g_hash_table_contains(resumed, &ours));
  g_assert_cmpuint(ids->len, ==, 1 + json_array_get_length(refused));
  for (guint i = 0; i < json_array_get_length(refused); i++) {
    gint64 id = json_array_get_int_element(refused, i);

    g_assert_cmpint(id, !=, ours);
    g_assert_true(g_hash_table_contains(resumed, &id));
  }
  g_test_message("matterd resumed subscription 0x%08" G_GINT64_MODIFIER
                 "X in one handshake and matter.js took its reports as that subscription's; "
                 "%u older subscription(s) of the same controller resumed with it, refused",
                 subscription_id, json_array_get_length(refused));
}

/* A subscription matterd resumes itself after its restart: commission.mjs
 * subscribes to NodeLabel and keeps running (its CASE responder on the
 * same port) while the node restarts; matterd must open CASE to it and
 * resume the subscription under its old id, and matter.js must take the
 * reports as that subscription's, without subscribing again. */
static void
run_resume_subscription(Fixture *f, const char *manual_code, const char *const *trust,
                        gboolean with_mdns, Report *report)
{
  g_autofree char *node_js = node_program();
  g_autofree char *script = interop_path("commission.mjs");
  g_autofree char *state = g_build_filename(f->dir, "controller", NULL);
  g_autofree char *log_path = g_build_filename(f->dir, "controller-resume-subscription.log", NULL);
  g_autofree char *known = g_strdup_printf("127.0.0.1:%u", f->node.port);
  g_autofree char *log = NULL;
  g_autoptr(GSubprocessLauncher) launcher = launcher_new();
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) subscribed = NULL;
  g_autoptr(JsonArray) refused = NULL;
  guint64 subscription_id;

  g_ptr_array_add(argv, node_js);
  g_ptr_array_add(argv, script);
  g_ptr_array_add(argv, "resume-subscription");
  g_ptr_array_add(argv, "--state-dir");
  g_ptr_array_add(argv, state);
  for (guint i = 0; trust[i] != NULL; i++)
    g_ptr_array_add(argv, (char *) trust[i]);
  if (!with_mdns) {
    g_ptr_array_add(argv, "--operational-address");
    g_ptr_array_add(argv, known);
  }
  g_ptr_array_add(argv, NULL);

  g_subprocess_launcher_set_flags(launcher,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path(launcher, log_path);
  g_subprocess_launcher_unsetenv(launcher, "NODE_OPTIONS");
  process = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));

  subscribed = read_resume_line(out, report);
  if (subscribed == NULL || report->failed) {
    print_tail(log_path, CONTROLLER_LOG_TAIL_LINES);
    if (subscribed == NULL)
      g_test_fail_printf("commission.mjs resume-subscription ended before it subscribed");
    report->failed = TRUE;
    g_subprocess_force_exit(process);
    md_test_wait_process(process, MD_TEST_TIMEOUT_MS);
    return;
  }
  g_assert_cmpstr(json_object_get_string_member(subscribed, "step"), ==, "subscribe-for-resume");
  subscription_id = json_id(subscribed, "subscriptionId");

  md_test_node_restart(&f->node);
  g_output_stream_write_all(g_subprocess_get_stdin_pipe(process), "restarted\n", 10, NULL, NULL,
                            &error);
  g_assert_no_error(error);

  for (const char *step = "resumed-report"; step != NULL && !report->failed;) {
    g_autoptr(JsonObject) line = read_resume_line(out, report);

    if (line == NULL) {
      g_test_fail_printf("commission.mjs resume-subscription ended before \"%s\"", step);
      report->failed = TRUE;
      break;
    }
    if (report->failed)
      break;
    g_assert_cmpstr(json_object_get_string_member(line, "step"), ==, step);
    check_resumed_line(line, subscription_id);
    if (g_str_equal(step, "report-after-resume"))
      refused = json_array_ref(json_object_get_array_member(line, "ignoredIds"));
    step = g_str_equal(step, "resumed-report") ? "report-after-resume" : NULL;
  }
  if (!md_test_wait_process(process, CONTROLLER_TIMEOUT_MS))
    g_subprocess_force_exit(process);
  log = md_test_daemon_stderr(f->node.daemon);
  if (report->failed) {
    print_tail(log_path, CONTROLLER_LOG_TAIL_LINES);
    g_test_message("matterd's log after the restart:\n%s", log);
    return;
  }
  g_assert_true(g_subprocess_get_if_exited(process));
  g_assert_cmpint(g_subprocess_get_exit_status(process), ==, 0);
  check_resumption_logged(log, subscription_id, refused);
}

/* The host opens a window over D-Bus on the commissioned node; a second
 * matter.js controller, with a fabric of its own, commissions the node
 * with the codes OpenCommissioningWindow returned (an enhanced window: a
 * passcode of its own, not the device's). */
static void
run_second_commissioner(Fixture *f, const char *const *trust, gboolean with_mdns)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL, count = NULL;
  g_autofree char *window = NULL;
  const char *qr_code, *manual;
  Report second = { 0 };
  int status;

  reply = g_dbus_connection_call_sync(f->node.connection, "org.matterd", "/org/matterd",
                                      "org.matterd.Node1", "OpenCommissioningWindow",
                                      g_variant_new("(u)", 180), G_VARIANT_TYPE("(ss)"),
                                      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error(error);
  g_variant_get(reply, "(&s&s)", &qr_code, &manual);
  window = md_test_node_window(&f->node);
  g_assert_cmpstr(window, ==, "enhanced");
  g_test_message("second commissioner: window opened over D-Bus, codes %s and %s", qr_code,
                 manual);

  f->controller = "second-controller";
  status = run_controller(f, PHASE_COMMISSION, f->node.port, manual, trust, NULL, with_mdns,
                          &second);
  f->controller = NULL;
  g_assert_false(second.failed);
  g_assert_cmpint(status, ==, 0);
  g_assert_nonnull(step_details(&second, "commissioning-complete"));
  count = md_test_node_property(&f->node, "FabricCount");
  g_assert_cmpuint(g_variant_get_byte(count), ==, 2);
  g_clear_pointer(&window, g_free);
  window = md_test_node_window(&f->node);
  g_assert_cmpstr(window, ==, "closed");
  g_test_message("second commissioner: commissioned, the node is on 2 fabrics");
  report_clear(&second);

  /* The host takes the second fabric away again over D-Bus, as a
   * settings panel would; the first controller's phases go on. */
  g_clear_pointer(&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync(f->node.connection, "org.matterd", "/org/matterd/fabric2",
                                      "org.matterd.Fabric1", "Remove", NULL, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error(error);
  g_clear_pointer(&count, g_variant_unref);
  count = md_test_node_property(&f->node, "FabricCount");
  g_assert_cmpuint(g_variant_get_byte(count), ==, 1);
  g_test_message("second commissioner: its fabric removed over D-Bus");
}

static gboolean
have_program(const char *name)
{
  g_autofree char *path = g_find_program_in_path(name);

  return path != NULL;
}

static void
test_commission_and_operate(void)
{
  const char *until = g_getenv("MATTERD_INTEROP_UNTIL");
  g_autofree char *paa = dev_attestation_path("paa-cert.der");
  g_autofree char *cd_signer = dev_attestation_path("cd-signing-cert.der");
  /* Trust the development attestation; and operate the host application's
   * light the test registers before the operate phase. */
  const char *const trust[] = { "--paa", paa, "--cd-signer", cd_signer, "--host-light", NULL };
  Fixture f = { 0 };
  Report report = { 0 };
  g_autofree char *why = NULL;
  g_autofree char *code = NULL;
  g_autofree char *operational = NULL;
  g_autofree char *operational_type = NULL;
  g_autofree char *light_path =
      g_build_filename(g_getenv("MATTERD_EXAMPLES_DIR"), "light.py", NULL);
  const char *const light_argv[] = { light_path, "--session", NULL };
  g_autoptr(MdTestApp) light = NULL;
  gboolean with_mdns, with_browse;
  int status;

  if (until != NULL && *until == '\0')
    until = NULL;
  if (until != NULL && !g_strv_contains(steps, until))
    g_error("MATTERD_INTEROP_UNTIL=%s names no step", until);

  f.dir = md_test_mkdtemp();
  with_mdns = start_avahi(&f, &why);
  if (with_mdns) {
    g_autofree char *bus = g_strdup_printf("DBUS_SYSTEM_BUS_ADDRESS=%s", f.system_bus->address);
    const char *const env[] = { bus, NULL };

    g_test_message("CASE finds matterd over mDNS (_matter._tcp through avahi-daemon)");
    md_test_node_start_with_env(&f.node, CONFIG, env);
  } else {
    g_test_message("CASE goes to matterd's known address: %s", why);
    md_test_node_start(&f.node, CONFIG);
  }
  code = manual_code(&f.node);
  with_browse = with_mdns && have_program("avahi-browse");
  if (!with_browse)
    g_test_message("SKIPPED the DNS-SD checks with avahi-browse: %s",
                   !with_mdns ? why : "avahi-browse is not installed (avahi-utils)");

  if (with_browse)
    check_commissionable(&f);
  status =
      run_controller(&f, PHASE_COMMISSION, f.node.port, code, trust, until, with_mdns, &report);
  /* What the controller saw must be what matterd did. */
  if (!report.failed && step_reached(until, "addnoc"))
    g_assert_true(md_test_node_wait_for_log(&f.node, "AddNOC: fabric 1 pending"));

  if (status == 0 && report_continues(&report)) {
    g_autofree char *sessions = NULL;

    /* The operate phase ends with a host application's light, which
     * matter.js finds behind the Aggregator and toggles. */
    light = md_test_app_start(f.node.bus, f.dir, light_argv);
    g_assert_true(md_test_app_wait_output(light, "Registered"));
    status = run_controller(&f, PHASE_OPERATE, f.node.port, code, trust, until, with_mdns, &report);
    if (!report.failed && step_details(&report, "app-toggle") != NULL)
      g_assert_true(md_test_app_wait_output(light, "OnOff.Toggle()"));
    if (!report.failed && step_details(&report, "case-reconnect") != NULL) {
      sessions = case_sessions_logged(&f.node);
      check_reconnect(&report, "case-reconnect", sessions);
    }
    if (with_browse && !report.failed && step_details(&report, "read-operational-credentials"))
      operational = check_operational(&f, &report, &operational_type);
    if (status == 0 && report_continues(&report))
      run_second_commissioner(&f, trust, with_mdns);
  }
  if (status == 0 && report_continues(&report)) {
    /* SIGTERM, then the same state directory and port: the fabric, its
     * labels and the resumption records must have been kept. The restart
     * is that of the resume-subscription phase, with a subscriber
     * listening. */
    run_resume_subscription(&f, code, trust, with_mdns, &report);
  }
  if (status == 0 && report_continues(&report)) {
    g_autofree char *sessions = NULL;

    status = run_controller(&f, PHASE_AFTER_RESTART, f.node.port, code, trust, until, with_mdns,
                            &report);
    if (!report.failed && step_details(&report, "case-after-restart") != NULL) {
      sessions = case_sessions_logged(&f.node);
      check_reconnect(&report, "case-after-restart", sessions);
    }
    if (operational != NULL && !report.failed && step_details(&report, "remove-fabric") != NULL) {
      wait_absent(&f, operational_type, operational);
      wait_absent(&f, "_matter._tcp", operational);
      g_test_message("%s withdrawn after RemoveFabric", operational);
    }
  }

  if (!report.failed) {
    g_assert_cmpint(status, ==, 0);
    g_assert_true(report.done);
    g_assert_null(steps[report.next]);
  }
  if (until != NULL)
    g_test_message("MATTERD_INTEROP_UNTIL=%s: %u steps passed, %u not run yet", until,
                   report.passed, report.skipped);

  report_clear(&report);
  g_clear_pointer(&light, md_test_app_free);
  md_test_node_stop(&f.node);
  stop_avahi(&f);
  md_test_rmtree(f.dir);
  g_free(f.dir);
}

/* ---- The reference: commission.mjs against a matter.js device ---- */

#define DEVICE_PORT "5540"

/* Starts device.mjs (@run names its output files) and waits for its line
 * saying it is up; returns its manual pairing code. */
static char *
start_device(Fixture *f, const char *run, GSubprocess **device)
{
  g_autofree char *node_js = node_program();
  g_autofree char *script = interop_path("device.mjs");
  g_autofree char *state = g_build_filename(f->dir, "device", NULL);
  g_autofree char *out_name = g_strdup_printf("device-%s.out", run);
  g_autofree char *log_name = g_strdup_printf("device-%s.log", run);
  g_autofree char *out_path = g_build_filename(f->dir, out_name, NULL);
  g_autofree char *log_path = g_build_filename(f->dir, log_name, NULL);
  g_autoptr(GSubprocessLauncher) launcher = launcher_new();
  g_autoptr(GError) error = NULL;
  guint64 end;

  g_subprocess_launcher_set_stdout_file_path(launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path(launcher, log_path);
  *device = g_subprocess_launcher_spawn(launcher, &error, node_js, script, "--state-dir", state,
                                        "--port", DEVICE_PORT, "--passcode", "20202021",
                                        "--discriminator", "3840", NULL);
  g_assert_no_error(error);
  for (end = md_test_now_ms() + MD_TEST_TIMEOUT_MS; md_test_now_ms() < end;) {
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();

    if (g_file_get_contents(out_path, &out, NULL, NULL) && strchr(out, '\n') != NULL) {
      JsonObject *ready;

      json_parser_load_from_data(parser, out, -1, &error);
      g_assert_no_error(error);
      ready = json_node_get_object(json_parser_get_root(parser));
      g_assert_true(json_object_get_boolean_member(ready, "ready"));
      return g_strdup(json_object_get_string_member(ready, "manualPairingCode"));
    }
    if (g_subprocess_get_identifier(*device) == NULL) {
      print_tail(log_path, CONTROLLER_LOG_TAIL_LINES);
      g_error("device.mjs exited before it was up");
    }
    g_usleep(50 * 1000);
  }
  print_tail(log_path, CONTROLLER_LOG_TAIL_LINES);
  g_error("device.mjs was not up within %u s", MD_TEST_TIMEOUT_MS / 1000);
  return NULL;
}

static void
stop_device(GSubprocess *device)
{
  g_subprocess_send_signal(device, SIGTERM);
  g_assert_true(md_test_wait_process(device, MD_TEST_TIMEOUT_MS));
  g_assert_true(g_subprocess_get_if_exited(device));
  g_assert_cmpint(g_subprocess_get_exit_status(device), ==, 0);
}

/* Every step, CASE and the restart included, against matter.js itself:
 * proves the controller side of the test, so a failure against matterd is
 * matterd's. */
static void
test_reference_device(void)
{
  Fixture f = { 0 };
  Report report = { 0 };
  g_autoptr(GSubprocess) device = NULL;
  g_autoptr(GSubprocess) restarted = NULL;
  g_autofree char *code = NULL;
  g_autofree char *code_again = NULL;
  const char *const trust[] = { "--trust-matterjs-test-pki", NULL };
  guint16 port = (guint16) atoi(DEVICE_PORT);

  f.dir = md_test_mkdtemp();
  code = start_device(&f, "first", &device);
  /* The device answers mDNS itself. */
  for (Phase phase = PHASE_COMMISSION; phase <= PHASE_OPERATE; phase++) {
    g_assert_cmpint(run_controller(&f, phase, port, code, trust, NULL, TRUE, &report), ==, 0);
    g_assert_false(report.failed);
    g_assert_true(report.done);
  }
  stop_device(device);
  code_again = start_device(&f, "restarted", &restarted);
  g_assert_cmpint(run_controller(&f, PHASE_AFTER_RESTART, port, code, trust, NULL, TRUE, &report),
                  ==, 0);
  g_assert_false(report.failed);
  g_assert_true(report.done);
  g_assert_null(steps[report.next]);
  /* Only the steps of a host application's light, which the matter.js
   * device has not. */
  g_assert_cmpuint(report.skipped, ==, APP_STEPS);
  g_test_message(
      "matter.js device after its restart: matter.js %s a resumption record; its "
      "session is %s",
      json_object_get_boolean_member(step_details(&report, "case-after-restart"),
                                     "resumptionOffered")
          ? "offered"
          : "had no",
      json_object_get_string_member(step_details(&report, "case-after-restart"), "session"));

  stop_device(restarted);
  report_clear(&report);
  md_test_rmtree(f.dir);
  g_free(f.dir);
}

/* ---- matter.js over BTP, through a bridge ---- */

#define BRIDGE_CENTRAL "11:22:33:44:55:66"
/* The central's receive window, below matterd's: both ends' window rules
 * are at work. */
#define BRIDGE_WINDOW 4

/* How the fake BlueZ carries the bridge's central. */
typedef struct {
  const char *mode; /* Control1.Connect's: the BlueZ I/O path */
  guint16 mtu;      /* ATT MTU */
} BtpPath;

static const BtpPath btp_value_247 = { "value", 247 };
static const BtpPath btp_acquire_23 = { "acquire", 23 };

static void
wait_bluetooth_state(MdTestNode *node, const char *state)
{
  guint64 end = md_test_now_ms() + MD_TEST_TIMEOUT_MS;
  g_autofree char *last = NULL;

  do {
    g_autoptr(GVariant) value = md_test_node_property(node, "BluetoothState");

    g_clear_pointer(&last, g_free);
    last = g_variant_dup_string(value, NULL);
    if (g_str_equal(last, state))
      return;
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(20 * 1000);
  } while (md_test_now_ms() < end);
  g_error("BluetoothState stayed \"%s\", not \"%s\"; matterd's log:\n%s", last, state,
          md_test_daemon_stderr(node->daemon));
}

/* The session matterd's log says PASE ran on: "BLE connection N" or an
 * address. */
static char *
pase_peer_logged(MdTestNode *node)
{
  g_autofree char *log = md_test_daemon_stderr(node->daemon);
  g_autoptr(GRegex) regex =
      g_regex_new("PASE session [0-9]+ established with ([^\n]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_regex_match(regex, log, 0, &match))
    return NULL;
  return g_match_info_fetch(match, 1);
}

/* matter.js commissions matterd through a BTP-to-UDP bridge (btp-bridge.h):
 * it sends its PASE and commissioning messages over UDP to the bridge,
 * which carries them to matterd over BTP through the fake BlueZ's central,
 * so PASE, attestation, the CSR and AddNOC run over matterd's BLE
 * transport as with a phone; then matter.js opens CASE over UDP to
 * matterd's own address for CommissioningComplete. matter.js's MRP is
 * satisfied over the bridge: matterd acknowledges R-flagged messages on
 * every transport and sets no R flag over BTP. */
static void
test_pase_over_btp(gconstpointer data)
{
  const BtpPath *path = data;
  g_autofree char *paa = dev_attestation_path("paa-cert.der");
  g_autofree char *cd_signer = dev_attestation_path("cd-signing-cert.der");
  const char *const trust[] = { "--paa", paa, "--cd-signer", cd_signer, NULL };
  Fixture f = { 0 };
  Report report = { 0 };
  MdTestBluez *bluez;
  g_autoptr(MdTestBtpBridge) bridge = NULL;
  g_autofree char *bus_env = NULL;
  g_autofree char *code = NULL;
  g_autofree char *pase_peer = NULL;
  g_autofree char *sessions = NULL;
  g_autoptr(GVariant) fabrics = NULL;
  g_autofree char *window = NULL;
  const MdTestBtpBridgeStats *stats;
  int status;

  f.dir = md_test_mkdtemp();
  f.system_bus = md_test_bus_start(f.dir);
  bluez = md_test_bluez_start(f.system_bus, f.dir, NULL);
  bus_env = g_strdup_printf("DBUS_SYSTEM_BUS_ADDRESS=%s", f.system_bus->address);
  md_test_node_start_with_env(&f.node, CONFIG, (const char *const[]){ bus_env, NULL });
  wait_bluetooth_state(&f.node, "advertising");
  code = manual_code(&f.node);

  bridge = md_test_btp_bridge_new(bluez, BRIDGE_CENTRAL, path->mtu, path->mode, BRIDGE_WINDOW);
  g_assert_cmpuint(md_test_btp_bridge_get_segment_size(bridge), ==, MIN(path->mtu - 3, 244));
  g_assert_cmpuint(md_test_btp_bridge_get_window(bridge), ==, BRIDGE_WINDOW);
  wait_bluetooth_state(&f.node, "connected");

  /* Commissioning through the bridge; CASE to matterd's UDP port. */
  f.operational_port = f.node.port;
  status = run_controller(&f, PHASE_COMMISSION, md_test_btp_bridge_get_port(bridge), code, trust,
                          NULL, FALSE, &report);
  stats = md_test_btp_bridge_get_stats(bridge);
  g_test_message("BTP bridge: %u datagrams sent as SDUs (largest %u bytes), %u SDUs back "
                 "(largest %u); %u writes (%u stand-alone acknowledgements, %u waits for the "
                 "window), %u indications; session %s",
                 stats->datagrams_in, stats->largest_sdu_out, stats->sdus_in, stats->largest_sdu_in,
                 stats->writes, stats->standalone_acks, stats->window_waits, stats->indications,
                 md_test_btp_bridge_is_open(bridge) ? "still open"
                                                    : md_test_btp_bridge_get_end(bridge));
  if (md_test_btp_bridge_failed(bridge))
    g_test_fail_printf("the BTP session failed: %s", md_test_btp_bridge_get_end(bridge));
  if (report.failed || status != 0) {
    g_autofree char *log = md_test_daemon_stderr(f.node.daemon);

    g_test_message("matterd's log:\n%s", log);
  }
  g_assert_false(report.failed);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(report.done);
  g_assert_cmpstr(steps[report.next], ==, "case-reconnect");
  g_assert_cmpuint(report.skipped, ==, 0);

  /* PASE ran over BTP, and the bridge carried messages of more than one
   * segment both ways (the certificates). */
  pase_peer = pase_peer_logged(&f.node);
  g_assert_nonnull(pase_peer);
  g_assert_true(g_str_has_prefix(pase_peer, "BLE connection "));
  g_assert_cmpuint(stats->largest_sdu_out, >, md_test_btp_bridge_get_segment_size(bridge));
  g_assert_cmpuint(stats->largest_sdu_in, >, md_test_btp_bridge_get_segment_size(bridge));
  g_assert_true(md_test_node_wait_for_log(&f.node, "AddNOC: fabric 1 pending"));
  /* CASE over UDP, and commissioning complete: one fabric, no window. */
  sessions = case_sessions_logged(&f.node);
  g_assert_cmpstr(sessions, ==, "established");
  fabrics = md_test_node_property(&f.node, "FabricCount");
  g_assert_cmpuint(g_variant_get_byte(fabrics), ==, 1);
  window = md_test_node_window(&f.node);
  g_assert_cmpstr(window, ==, "closed");
  g_test_message("matter.js commissioned matterd with PASE over %s (%s path, ATT MTU %u) and "
                 "CASE over UDP",
                 pase_peer, path->mode, path->mtu);

  /* The central leaves: matterd sees the link go, and with its window
   * closed it does not advertise again. */
  g_clear_pointer(&bridge, md_test_btp_bridge_free);
  g_assert_true(md_test_node_wait_for_log(&f.node, "BLE connection 1 ended"));
  wait_bluetooth_state(&f.node, "idle");

  report_clear(&report);
  md_test_node_stop(&f.node);
  g_assert_cmpint(md_test_bluez_stop(bluez, SIGTERM), ==, 0);
  md_test_bluez_free(bluez);
  md_test_bus_stop(f.system_bus);
  md_test_rmtree(f.dir);
  g_free(f.dir);
}

int
main(int argc, char **argv)
{
  g_autofree char *peer = NULL;

  /* matter.js logs in UTF-8 (arrows for the direction of each message),
   * which the log keeps only in a UTF-8 locale. */
  setlocale(LC_ALL, "C.UTF-8");
  g_test_init(&argc, &argv, NULL);
  peer = interop_path(INTEROP_PEER);
  /* Exit status 77 tells meson the test was skipped. */
  if (!g_file_test(peer, G_FILE_TEST_EXISTS)) {
    g_printerr("SKIP: the matter.js interop peer is not installed (%s is missing): "
               "run `scripts/dev test`, or `npm ci` in tests/interop\n",
               peer);
    return 77;
  }
  g_test_add_func("/interop/matterjs/reference-device", test_reference_device);
  g_test_add_func("/interop/matterjs/commission-and-operate", test_commission_and_operate);
  g_test_add_data_func("/interop/matterjs/pase-over-btp/value-mtu247", &btp_value_247,
                       test_pase_over_btp);
  g_test_add_data_func("/interop/matterjs/pase-over-btp/acquire-mtu23", &btp_acquire_23,
                       test_pase_over_btp);
  return g_test_run();
}
