/* SPDX-License-Identifier: Apache-2.0 */

/* Kills a process writing transactions at random moments and checks that
 * the store comes back with exactly the transactions committed before the
 * kill: none lost that were reported as committed, none half applied. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "md-test.h"
#include "store.h"

#define ROUNDS 40
#define MAX_RUN_MS 80

typedef struct {
  char *tmp;
  char *state_dir;
  char *db_path;
  guint64 last;         /* committed "last" after the previous round */
  guint64 transactions; /* reported by children, all rounds */
} Crash;

static char *
key_for(guint64 i, char which)
{
  return g_strdup_printf("txn/%" G_GUINT64_FORMAT "/%c", i, which);
}

/* "b" alternates between the two other value types. */
static GBytes *
b_bytes(guint64 i)
{
  return g_bytes_new(&i, sizeof(i));
}

static char *
b_string(guint64 i)
{
  return g_strdup_printf("%" G_GUINT64_FORMAT, i);
}

/* The child must not return into GTest; every failure ends here. */
static void G_GNUC_NORETURN
child_fail(const char *what, GError *error)
{
  dprintf(STDERR_FILENO, "child: %s: %s\n", what,
          error != NULL ? error->message : g_strerror(errno));
  _exit(2);
}

static gboolean
child_transaction(MdStore *store, guint64 i, GError **error)
{
  g_autofree char *a = key_for(i, 'a');
  g_autofree char *b = key_for(i, 'b');
  gboolean ok;

  if (!md_store_begin(store, error) || !md_store_put_uint64(store, a, i, error))
    return FALSE;
  if (i % 2 == 0) {
    g_autoptr(GBytes) value = b_bytes(i);
    ok = md_store_put_bytes(store, b, value, error);
  } else {
    g_autofree char *value = b_string(i);
    ok = md_store_put_string(store, b, value, error);
  }
  return ok && md_store_put_uint64(store, "last", i, error) && md_store_commit(store, error);
}

static void G_GNUC_NORETURN
child_run(const char *state_dir, int fd)
{
  GError *error = NULL;
  MdStore *store;
  guint64 last = 0;

  /* Don't outlive a parent that died before killing us. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);

  store = md_store_open(state_dir, MD_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    child_fail("open", error);
  if (!md_store_get_uint64(store, "last", &last, &error)) {
    if (!g_error_matches(error, MD_ERROR, MD_ERROR_NOT_FOUND))
      child_fail("get last", error);
    g_clear_error(&error);
  }

  for (guint64 i = last + 1;; i++) {
    if (!child_transaction(store, i, &error))
      child_fail("transaction", error);
    /* Reported only once committed. 8 bytes < PIPE_BUF: written whole. */
    if (write(fd, &i, sizeof(i)) != sizeof(i))
      child_fail("write", NULL);
  }
}

static void
read_available(int fd, GByteArray *records, gboolean *eof)
{
  guint8 buf[4096];
  ssize_t n = read(fd, buf, sizeof(buf));

  if (n < 0 && errno == EINTR)
    return;
  g_assert_cmpint(n, >=, 0);
  if (n == 0)
    *eof = TRUE;
  g_byte_array_append(records, buf, (guint) n);
}

/* Reads what the child reports for @run_ms, then kills it and reads the
 * rest. Returns the reported transaction numbers. */
static GArray *
run_child_for(Crash *c, guint run_ms)
{
  g_autoptr(GByteArray) records = g_byte_array_new();
  gint64 deadline = g_get_monotonic_time() + (gint64) run_ms * 1000;
  gboolean eof = FALSE;
  GArray *reported;
  int fds[2];
  int status = 0;
  pid_t pid;

  g_assert_true(g_unix_open_pipe(fds, FD_CLOEXEC, NULL));
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    close(fds[0]);
    child_run(c->state_dir, fds[1]);
  }
  close(fds[1]);

  for (;;) {
    gint64 remaining = deadline - g_get_monotonic_time();
    struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

    if (remaining <= 0 || eof)
      break;
    if (poll(&pfd, 1, (int) ((remaining + 999) / 1000)) > 0)
      read_available(fds[0], records, &eof);
  }

  g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  /* An exit means the child failed (it says why on stderr). */
  g_assert_true(WIFSIGNALED(status));
  g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);

  while (!eof)
    read_available(fds[0], records, &eof);
  close(fds[0]);

  g_assert_cmpuint(records->len % sizeof(guint64), ==, 0);
  reported = g_array_sized_new(FALSE, FALSE, sizeof(guint64), records->len / sizeof(guint64));
  g_array_append_vals(reported, records->data, records->len / sizeof(guint64));
  return reported;
}

static void
assert_integrity_ok(const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  g_assert_cmpstr((const char *) sqlite3_column_text(stmt, 0), ==, "ok");
  sqlite3_finalize(stmt);
  g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
}

static void
assert_transaction_present(MdStore *store, guint64 i)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = key_for(i, 'a');
  g_autofree char *b = key_for(i, 'b');
  guint64 value = 0;

  g_assert_true(md_store_get_uint64(store, a, &value, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(value, ==, i);
  if (i % 2 == 0) {
    g_autoptr(GBytes) expected = b_bytes(i);
    g_autoptr(GBytes) actual = md_store_get_bytes(store, b, &error);

    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(actual, expected));
  } else {
    g_autofree char *expected = b_string(i);
    g_autofree char *actual = md_store_get_string(store, b, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(actual, ==, expected);
  }
}

/* Every txn/ key belongs to a transaction i <= @last, and there are 2 *
 * @last of them (keys are unique), so each i <= @last has both, and
 * nothing of a transaction after @last is there. */
static void
assert_no_keys_after(const char *path, guint64 last)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint64 count = 0;
  int rc;

  g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint(
      sqlite3_prepare_v2(db, "SELECT key FROM node WHERE key GLOB 'txn/*'", -1, &stmt, NULL), ==,
      SQLITE_OK);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *key = (const char *) sqlite3_column_text(stmt, 0);
    g_auto(GStrv) parts = g_strsplit(key, "/", -1);
    guint64 i = 0;

    g_assert_cmpuint(g_strv_length(parts), ==, 3);
    g_assert_true(g_ascii_string_to_unsigned(parts[1], 10, 1, last, &i, NULL));
    g_assert_true(g_str_equal(parts[2], "a") || g_str_equal(parts[2], "b"));
    count++;
  }
  g_assert_cmpint(rc, ==, SQLITE_DONE);
  g_assert_cmpuint(count, ==, 2 * last);
  sqlite3_finalize(stmt);
  g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
}

static void
verify_round(Crash *c, GArray *reported)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdStore) store = NULL;
  guint64 max_reported = 0;
  guint64 last = 0;

  for (guint k = 0; k < reported->len; k++) {
    guint64 i = g_array_index(reported, guint64, k);

    g_assert_cmpuint(i, >, max_reported);
    max_reported = i;
  }

  /* Killed before the child even created the file. */
  if (!g_file_test(c->db_path, G_FILE_TEST_EXISTS)) {
    g_assert_cmpuint(reported->len, ==, 0);
    g_assert_cmpuint(c->last, ==, 0);
    return;
  }

  assert_integrity_ok(c->db_path);

  store = md_store_open(c->state_dir, MD_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error(error);
  if (!md_store_get_uint64(store, "last", &last, &error)) {
    g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
    g_clear_error(&error);
  }

  g_assert_cmpuint(last, >=, max_reported);
  g_assert_cmpuint(last, >=, c->last);
  if (reported->len > 0)
    g_assert_cmpuint(g_array_index(reported, guint64, 0), ==, c->last + 1);

  /* Older transactions are covered by assert_no_keys_after(). */
  for (guint64 i = c->last + 1; i <= last; i++)
    assert_transaction_present(store, i);
  g_clear_pointer(&store, md_store_close);
  assert_no_keys_after(c->db_path, last);

  c->last = last;
  c->transactions += reported->len;
}

static void
test_crash(void)
{
  g_autoptr(GError) error = NULL;
  Crash c = { 0 };

  c.tmp = g_dir_make_tmp("matterd-test-store-crash-XXXXXX", &error);
  g_assert_no_error(error);
  c.state_dir = g_build_filename(c.tmp, "state", NULL);
  c.db_path = g_build_filename(c.state_dir, "matterd.db", NULL);

  for (guint round = 0; round < ROUNDS; round++) {
    /* Some kills right away: before or while the child opens the store. */
    guint run_ms =
        g_random_int_range(0, 5) == 0 ? 0 : (guint) g_random_int_range(1, MAX_RUN_MS + 1);
    g_autoptr(GArray) reported = run_child_for(&c, run_ms);

    verify_round(&c, reported);
    g_test_message("round %u: killed after %u ms, %u reported, last %" G_GUINT64_FORMAT, round,
                   run_ms, reported->len, c.last);
  }
  g_test_message("%" G_GUINT64_FORMAT " transactions reported, %" G_GUINT64_FORMAT " committed",
                 c.transactions, c.last);

  md_test_rmtree(c.tmp);
  g_free(c.tmp);
  g_free(c.state_dir);
  g_free(c.db_path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/store/crash", test_crash);

  return g_test_run();
}
