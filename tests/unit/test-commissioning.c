/* SPDX-License-Identifier: Apache-2.0 */
/* The node's commissioning window and the PASE attempt count, on an
 * in-memory storage that can fail any of its calls, with time passed in:
 * no SQLite, no sockets, no timers. */

#include <glib.h>
#include <string.h>

#include "commissioning.h"
#include "md-error.h"
#include "md-test-storage.h"
#include "pase-server.h"

#define KEY_ATTEMPTS "commissioning/failed-attempts"
#define KEY_PASSCODE "commissioning/passcode"
#define KEY_DISCRIMINATOR "discriminator"
#define MAX_ATTEMPTS MD_PASE_MAX_FAILED_ATTEMPTS
#define TIMEOUT_S 300

typedef struct {
  MdTestStorage *storage;
  MatterSession secure[MD_NODE_HANDSHAKES_MAX + 4];
  MatterSession unsecured[4];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager exchanges;
  MdNodeParams params;
  MdNode *node;
  guint window_changes;
} Fixture;

static MatterError
discard(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  return MATTER_OK;
}

static void
on_changed(MdNodeChange change, gpointer user_data)
{
  Fixture *f = user_data;

  if (change == MD_NODE_CHANGE_WINDOW)
    f->window_changes++;
}

static const MdNodeHost host = { .changed = on_changed };

/* A node on @f's storage, as a (re)start of matterd would make it. */
static MdNode *
node_new(Fixture *f, GError **error)
{
  static const MatterExchangeCallbacks callbacks = { .send = discard };

  g_assert_cmpint(matter_session_table_init(&f->sessions, f->secure, G_N_ELEMENTS(f->secure),
                                            f->unsecured, G_N_ELEMENTS(f->unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&f->exchanges, &f->sessions, f->slots,
                                               G_N_ELEMENTS(f->slots), &callbacks, NULL, NULL),
                  ==, MATTER_OK);
  return md_node_new(&f->params, md_test_storage_get(f->storage), NULL, &f->exchanges,
                     &f->sessions, &host, f, error);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  memset(f, 0, sizeof(*f));
  f->storage = md_test_storage_new();
  f->params = (MdNodeParams) {
    .vendor_id = 0xFFF1,
    .product_id = 0x8000,
    .supported_fabrics = 5,
    .window_timeout = TIMEOUT_S,
  };
  if (data != NULL) {
    f->params.has_passcode = TRUE;
    f->params.passcode = GPOINTER_TO_UINT(data);
  }
  f->node = node_new(f, &error);
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->node, md_node_free);
  matter_session_table_clear(&f->sessions);
  md_test_storage_free(f->storage);
}

static void
restart(Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer(&f->node, md_node_free);
  f->node = node_new(f, &error);
  g_assert_no_error(error);
}

static MdCommissioning *
commissioning(Fixture *f)
{
  return md_node_get_commissioning(f->node);
}

static void
assert_codes_equal(MdCommissioning *a_commissioning, const char *qr, const char *manual)
{
  char qr_again[MATTER_PAYLOAD_QR_SIZE], manual_again[MATTER_PAYLOAD_MANUAL_SIZE];
  g_autoptr(GError) error = NULL;

  g_assert_true(md_commissioning_get_codes(a_commissioning, qr_again, manual_again, &error));
  g_assert_cmpstr(qr_again, ==, qr);
  g_assert_cmpstr(manual_again, ==, manual);
}

/* First start chooses a passcode and discriminator and keeps them. */
static void
test_identity_kept(Fixture *f, gconstpointer data)
{
  char qr[MATTER_PAYLOAD_QR_SIZE], manual[MATTER_PAYLOAD_MANUAL_SIZE];
  g_autoptr(GError) error = NULL;
  MatterSetupPayload payload;

  g_assert_true(md_test_storage_has(f->storage, KEY_PASSCODE));
  g_assert_true(md_test_storage_has(f->storage, KEY_DISCRIMINATOR));
  g_assert_true(md_commissioning_get_codes(commissioning(f), qr, manual, &error));
  g_assert_cmpint(matter_payload_qr_decode(qr, &payload), ==, MATTER_OK);
  g_assert_true(matter_payload_passcode_valid(payload.passcode));
  g_assert_cmpuint(payload.discriminator, ==, md_node_get_discriminator(f->node));
  g_assert_cmpuint(payload.vendor_id, ==, 0xFFF1);
  restart(f);
  assert_codes_equal(commissioning(f), qr, manual);
}

/* Any storage call failing while the verifier is first stored leaves the
 * node unmade and the store without a half-written verifier. */
static void
test_first_start_storage_failures(Fixture *f, gconstpointer data)
{
  guint calls;

  g_clear_pointer(&f->node, md_node_free);
  md_test_storage_free(f->storage);
  f->storage = md_test_storage_new();
  /* How many storage calls a first start makes. */
  g_clear_pointer(&f->node, md_node_free);
  f->node = node_new(f, NULL);
  g_assert_nonnull(f->node);
  calls = md_test_storage_calls(f->storage);
  g_clear_pointer(&f->node, md_node_free);
  for (guint n = 1; n <= calls; n++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(MdNode) node = NULL;

    md_test_storage_free(f->storage);
    f->storage = md_test_storage_new();
    md_test_storage_fail_at(f->storage, n);
    node = node_new(f, &error);
    g_assert_null(node);
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
    g_assert_false(md_test_storage_in_transaction(f->storage));
    /* The verifier is all there or not at all. */
    g_assert_cmpint(md_test_storage_has(f->storage, KEY_PASSCODE), ==,
                    md_test_storage_has(f->storage, "commissioning/L"));
    g_assert_cmpint(md_test_storage_has(f->storage, KEY_PASSCODE), ==,
                    md_test_storage_has(f->storage, KEY_ATTEMPTS));
  }
}

/* A configured passcode wins, and a changed one gets a new verifier. */
static void
test_configured_passcode(Fixture *f, gconstpointer data)
{
  char qr[MATTER_PAYLOAD_QR_SIZE], manual[MATTER_PAYLOAD_MANUAL_SIZE];
  MatterSetupPayload payload;

  g_assert_true(md_commissioning_get_codes(commissioning(f), qr, manual, NULL));
  g_assert_cmpint(matter_payload_qr_decode(qr, &payload), ==, MATTER_OK);
  g_assert_cmpuint(payload.passcode, ==, 20202021);
  f->params.passcode = 34567890;
  restart(f);
  g_assert_true(md_commissioning_get_codes(commissioning(f), qr, manual, NULL));
  g_assert_cmpint(matter_payload_qr_decode(qr, &payload), ==, MATTER_OK);
  g_assert_cmpuint(payload.passcode, ==, 34567890);
  g_assert_cmpuint(md_test_storage_uint64(f->storage, KEY_PASSCODE), ==, 34567890);
}

/* The window opens at start without fabrics and closes at its deadline. */
static void
test_window_deadline(Fixture *f, gconstpointer data)
{
  guint64 start = 1000;

  g_assert_cmpuint(md_node_next_deadline(f->node), ==, MD_NODE_NEVER);
  md_node_start(f->node, start);
  g_assert_cmpint(md_commissioning_get_window(commissioning(f)), ==, MD_WINDOW_BASIC);
  g_assert_nonnull(md_commissioning_get_verifier(commissioning(f)));
  g_assert_cmpuint(f->window_changes, ==, 1);
  g_assert_cmpuint(md_node_next_deadline(f->node), ==, start + TIMEOUT_S * 1000);
  md_node_process(f->node, start + TIMEOUT_S * 1000 - 1);
  g_assert_cmpint(md_commissioning_get_window(commissioning(f)), ==, MD_WINDOW_BASIC);
  md_node_process(f->node, start + TIMEOUT_S * 1000);
  g_assert_cmpint(md_commissioning_get_window(commissioning(f)), ==, MD_WINDOW_CLOSED);
  g_assert_null(md_commissioning_get_verifier(commissioning(f)));
  g_assert_cmpuint(f->window_changes, ==, 2);
  /* Nothing is due but General Diagnostics' hourly operational-hours save. */
  g_assert_cmpuint(md_node_next_deadline(f->node), ==, start + 3600 * 1000);
}

/* A node with a fabric opens no window at start. */
static void
test_no_window_with_fabric(Fixture *f, gconstpointer data)
{
  md_test_storage_set_fabrics(f->storage, 1);
  restart(f);
  md_node_start(f->node, 0);
  g_assert_cmpint(md_commissioning_get_window(commissioning(f)), ==, MD_WINDOW_CLOSED);
  g_assert_cmpuint(f->window_changes, ==, 0);
}

static gboolean
begin(Fixture *f)
{
  g_autoptr(GError) error = NULL;

  return md_commissioning_attempt_begin(commissioning(f), &error);
}

/* Each attempt is stored as it begins; a verified one is taken back; the
 * window closes once 20 failed and none is in flight. */
static void
test_attempts_counted(Fixture *f, gconstpointer data)
{
  MdCommissioning *c;

  md_node_start(f->node, 0);
  c = commissioning(f);
  g_assert_true(begin(f));
  g_assert_cmpuint(md_test_storage_uint64(f->storage, KEY_ATTEMPTS), ==, 1);
  md_commissioning_attempt_end(c, TRUE);
  g_assert_cmpuint(md_test_storage_uint64(f->storage, KEY_ATTEMPTS), ==, 0);
  g_assert_cmpuint(md_commissioning_get_counted_attempts(c), ==, 0);

  for (guint i = 1; i < MAX_ATTEMPTS; i++) {
    g_assert_true(begin(f));
    md_commissioning_attempt_end(c, FALSE);
  }
  g_assert_cmpuint(md_commissioning_get_failed_attempts(c), ==, MAX_ATTEMPTS - 1);
  /* The last attempt in flight: no more may begin, the window stays open
   * until it ends. */
  g_assert_true(begin(f));
  g_assert_false(begin(f));
  g_assert_cmpuint(md_test_storage_uint64(f->storage, KEY_ATTEMPTS), ==, MAX_ATTEMPTS);
  g_assert_cmpint(md_commissioning_get_window(c), ==, MD_WINDOW_BASIC);
  md_commissioning_attempt_end(c, FALSE);
  g_assert_cmpint(md_commissioning_get_window(c), ==, MD_WINDOW_CLOSED);
  g_assert_false(begin(f));

  /* After a restart the window stays closed. */
  restart(f);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "Not opening a commissioning window*");
  md_node_start(f->node, 0);
  g_test_assert_expected_messages();
  g_assert_cmpint(md_commissioning_get_window(commissioning(f)), ==, MD_WINDOW_CLOSED);
}

/* The last attempt, if right, keeps the window open. */
static void
test_last_attempt_verified(Fixture *f, gconstpointer data)
{
  MdCommissioning *c;

  md_node_start(f->node, 0);
  c = commissioning(f);
  for (guint i = 1; i < MAX_ATTEMPTS; i++) {
    g_assert_true(begin(f));
    md_commissioning_attempt_end(c, FALSE);
  }
  g_assert_true(begin(f));
  md_commissioning_attempt_end(c, TRUE);
  g_assert_cmpint(md_commissioning_get_window(c), ==, MD_WINDOW_BASIC);
  g_assert_cmpuint(md_commissioning_get_counted_attempts(c), ==, MAX_ATTEMPTS - 1);
}

/* An attempt that cannot be stored does not begin (Pake2 is not sent),
 * and nothing is counted. */
static void
test_attempt_not_stored(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  MdCommissioning *c;

  md_node_start(f->node, 0);
  c = commissioning(f);
  md_test_storage_fail_at(f->storage, 1);
  g_assert_false(md_commissioning_attempt_begin(c, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_assert_cmpuint(md_commissioning_get_counted_attempts(c), ==, 0);
  g_assert_cmpuint(md_test_storage_uint64(f->storage, KEY_ATTEMPTS), ==, 0);
}

/* Attempts in flight when matterd stops count as failed at the next start. */
static void
test_in_flight_counted_after_restart(Fixture *f, gconstpointer data)
{
  md_node_start(f->node, 0);
  for (guint i = 0; i < 3; i++)
    g_assert_true(begin(f));
  restart(f);
  g_assert_cmpuint(md_commissioning_get_failed_attempts(commissioning(f)), ==, 3);
  g_assert_cmpuint(md_commissioning_get_counted_attempts(commissioning(f)), ==, 3);
}

/* Opening a window anew gives a fresh allowance; attempts in flight count
 * in it. */
static void
test_open_resets_allowance(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  MdCommissioning *c;

  md_node_start(f->node, 0);
  c = commissioning(f);
  for (guint i = 0; i < 5; i++) {
    g_assert_true(begin(f));
    md_commissioning_attempt_end(c, FALSE);
  }
  g_assert_true(begin(f));
  g_assert_true(md_commissioning_open_basic(c, 180, 0, 10, &error));
  g_assert_cmpuint(md_commissioning_get_counted_attempts(c), ==, 1);
  g_assert_cmpuint(md_test_storage_uint64(f->storage, KEY_ATTEMPTS), ==, 1);
  md_commissioning_attempt_end(c, TRUE);
  g_assert_cmpuint(md_commissioning_get_counted_attempts(c), ==, 0);
  g_assert_cmpuint(md_node_next_deadline(f->node), ==, 10 + 180 * 1000);
  g_assert_false(md_commissioning_open_basic(c, 100, 0, 10, &error));
}

/* The discriminator a window is found by: an enhanced window's own while
 * it is open, the node's otherwise. */
static void
test_window_discriminator(Fixture *f, gconstpointer data)
{
  MdCommissioning *c = commissioning(f);
  const guint16 own = md_node_get_discriminator(f->node);
  const guint16 other = own == 1234 ? 1235 : 1234;
  MdPaseVerifier verifier = { .salt_len = 16, .iterations = 1000 };
  g_autoptr(GError) error = NULL;

  md_node_start(f->node, 0);
  g_assert_cmpint(md_commissioning_get_window(c), ==, MD_WINDOW_BASIC);
  g_assert_cmpuint(md_commissioning_get_discriminator(c), ==, own);
  md_commissioning_close(c, "test");
  g_assert_true(md_commissioning_open_enhanced(c, &verifier, other, 180, 1, 10, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(md_commissioning_get_discriminator(c), ==, other);
  md_commissioning_close(c, "test");
  g_assert_cmpuint(md_commissioning_get_discriminator(c), ==, own);
}

static void
add_test(const char *path, void (*func)(Fixture *, gconstpointer), guint passcode)
{
  g_test_add(path, Fixture, GUINT_TO_POINTER(passcode), fixture_setup, func, fixture_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/commissioning/identity-kept", test_identity_kept, 0);
  add_test("/commissioning/first-start-storage-failures", test_first_start_storage_failures, 0);
  add_test("/commissioning/configured-passcode", test_configured_passcode, 20202021);
  add_test("/commissioning/window-deadline", test_window_deadline, 0);
  add_test("/commissioning/no-window-with-fabric", test_no_window_with_fabric, 0);
  add_test("/commissioning/attempts/counted", test_attempts_counted, 0);
  add_test("/commissioning/attempts/last-verified", test_last_attempt_verified, 0);
  add_test("/commissioning/attempts/not-stored", test_attempt_not_stored, 0);
  add_test("/commissioning/attempts/in-flight-after-restart", test_in_flight_counted_after_restart,
           0);
  add_test("/commissioning/attempts/open-resets", test_open_resets_allowance, 0);
  add_test("/commissioning/window-discriminator", test_window_discriminator, 0);
  return g_test_run();
}
