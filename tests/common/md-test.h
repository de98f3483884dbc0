/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Test helpers that run real components: a private dbus-daemon, a
 * NOTIFY_SOCKET listener standing in for the service manager, the built
 * matterd and matterctl. Everything lives in one temporary directory per
 * test. Also the small assertions many tests share: hex, files, JSON. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* A fresh temporary directory, removed recursively by md_test_rmtree(). */
char *md_test_mkdtemp(void);
void md_test_rmtree(const char *path);

/* Waits for @process to exit, at most @timeout_ms; returns FALSE on time-out. */
gboolean md_test_wait_process(GSubprocess *process, guint timeout_ms);

typedef struct {
  GSubprocess *process;
  char *address;
  gboolean system; /* matterd runs without --session on it */
} MdTestBus;

/* Starts `dbus-daemon --session` listening in @dir. */
MdTestBus *md_test_bus_start(const char *dir);
/* Starts a system-type bus in @dir whose policy is enforced: the stock
 * default policy plus the policy file @include. */
MdTestBus *md_test_bus_start_system(const char *dir, const char *include);
void md_test_bus_stop(MdTestBus *bus);
GDBusConnection *md_test_bus_connect(MdTestBus *bus);

typedef struct {
  GSocket *socket;
  char *path;
  GPtrArray *messages; /* every datagram received, in order */
} MdTestNotify;

MdTestNotify *md_test_notify_new(const char *dir);
void md_test_notify_free(MdTestNotify *notify);
/* Waits until a received datagram has the line @line (e.g. "READY=1");
 * returns that datagram, or NULL after @timeout_ms. */
const char *md_test_notify_wait(MdTestNotify *notify, const char *line, guint timeout_ms);

typedef struct {
  GSubprocess *process;
  char *state_dir;
  char *log_path; /* stderr goes here */
} MdTestDaemon;

/* Gives @state_dir the development attestation set shipped in
 * data/dev-attestation (vendor 0xFFF1, product 0x8000), unless it has one. */
void md_test_install_dev_attestation(const char *state_dir);
/* Writes a fresh development set for @vendor_id/@product_id into
 * <@state_dir>/attestation with the built matterctl (MATTERCTL_BINARY). */
void md_test_generate_attestation(const char *state_dir, guint16 vendor_id, guint16 product_id);

/* Runs the built matterd (MATTERD_BINARY) on @bus (session type) with
 * NOTIFY_SOCKET pointing at @notify, state in @state_dir and @args
 * (NULL-terminated, may be NULL) appended. stderr goes to a file. Extra
 * environment: @env, NULL-terminated "KEY=VALUE" strings, may be NULL.
 * On a session-type @bus matterd gets no system bus (so no avahi-daemon)
 * unless @env names one in DBUS_SYSTEM_BUS_ADDRESS. */
MdTestDaemon *md_test_daemon_spawn(MdTestBus *bus, MdTestNotify *notify, const char *state_dir,
                                   const char *const *args, const char *const *env);
/* The same with the state directory exactly as the test left it: no
 * attestation set is installed first. md_test_daemon_spawn() installs the
 * development set when the state directory has none. */
MdTestDaemon *md_test_daemon_spawn_bare(MdTestBus *bus, MdTestNotify *notify,
                                        const char *state_dir, const char *const *args,
                                        const char *const *env);
/* Sends @signal (0: none) and waits for the exit; returns the exit status,
 * or -1 when it died of a signal or did not exit in time. */
int md_test_daemon_stop(MdTestDaemon *daemon, int signal);
/* The daemon's stderr so far. */
char *md_test_daemon_stderr(MdTestDaemon *daemon);
void md_test_daemon_free(MdTestDaemon *daemon);

/* python-dbusmock (Debian's python3-dbusmock) can be run. */
gboolean md_test_dbusmock_available(void);
/* Runs python-dbusmock's @template_name (e.g. "polkitd") on @bus and waits
 * until it owns @name. Its D-Bus mock interface (org.freedesktop.DBus.Mock)
 * controls it and tells what it was asked. */
GSubprocess *md_test_dbusmock_start(MdTestBus *bus, const char *template_name, const char *name);
void md_test_dbusmock_stop(GSubprocess *mock);

/* Timeouts generous enough for sanitizer builds on a loaded machine; they
 * bound a wait, they do not assert speed. */
#define MD_TEST_TIMEOUT_MS 30000

/* ---- Hex and files ---------------------------------------------------- */

/* Decodes @hex (white space ignored) into a new buffer of *@len bytes. */
guint8 *md_test_unhex(const char *hex, gsize *len);
/* Decodes @hex into @out, which it must fill exactly. */
void md_test_unhex_into(const char *hex, guint8 *out, gsize size);
GBytes *md_test_bytes_hex(const char *hex);
/* Asserts that @got holds the bytes @hex spells. */
void md_test_assert_hex(const guint8 *got, gsize got_len, const char *hex);
void md_test_assert_bytes_equal(GBytes *actual, GBytes *expected);
/* The contents of @path, which must be readable. */
GBytes *md_test_read_file(const char *path);

/* ---- matterctl -------------------------------------------------------- */

/* How a run of the built matterctl (MATTERCTL_BINARY) ended. */
typedef struct {
  int status;        /* exit status; it must exit, not die */
  char *out;         /* stdout when it is text (UTF-8, no NUL), else NULL */
  GBytes *out_bytes; /* stdout as it is */
  char *err;
} MdTestCtlResult;

void md_test_ctl_result_clear(MdTestCtlResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MdTestCtlResult, md_test_ctl_result_clear)

/* Runs matterctl in the C locale with the arguments in @args
 * (NULL-terminated, without the binary) and @input (NULL: nothing) on its
 * standard input. */
MdTestCtlResult md_test_ctl_runv(GBytes *input, const char *const *args);
#define md_test_ctl_run(...) md_test_ctl_runv(NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define md_test_ctl_run_input(input, ...) \
  md_test_ctl_runv(input, (const char *const[]){ __VA_ARGS__, NULL })

/* Exit status @status, nothing on stdout, and one line "matterctl: ..." on
 * stderr that contains @needle. */
void md_test_ctl_assert_error(const MdTestCtlResult *result, int status, const char *needle);
/* Stdout, which must be text. */
const char *md_test_ctl_text(const MdTestCtlResult *result);
/* The single JSON object, on one line and nothing else, that a run with
 * exit status @status printed; @parser holds it. */
JsonObject *md_test_ctl_parse_object(JsonParser *parser, const MdTestCtlResult *result, int status);

/* The value after "LABEL:" on its line of @text, e.g. "QR code". */
char *md_test_field(const char *text, const char *label);
/* Asserts that @array holds the strings @expected (NULL-terminated). */
void md_test_assert_strings(JsonArray *array, const char *const *expected);
