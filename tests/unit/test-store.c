/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "md-test.h"
#include "store.h"

typedef struct {
  char *tmp;
  char *state_dir;
  char *db_path;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp("matterd-test-store-XXXXXX", &error);
  g_assert_no_error(error);
  f->state_dir = g_build_filename(f->tmp, "state", NULL);
  f->db_path = g_build_filename(f->state_dir, "matterd.db", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  md_test_rmtree(f->tmp);
  g_free(f->tmp);
  g_free(f->state_dir);
  g_free(f->db_path);
}

static MdStore *
open_store(Fixture *f, MdStoreOpenFlags flags)
{
  g_autoptr(GError) error = NULL;
  MdStore *store = md_store_open(f->state_dir, flags, &error);

  g_assert_no_error(error);
  g_assert_nonnull(store);
  return store;
}

static void
make_state_dir(Fixture *f)
{
  g_assert_cmpint(g_mkdir(f->state_dir, 0700), ==, 0);
}

/* Mode 0600 so the store has no reason to warn about it. */
static void
write_file(const char *path, GBytes *contents)
{
  gsize size;
  const guint8 *data = g_bytes_get_data(contents, &size);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpint(write(fd, data, size), ==, (gssize) size);
  g_assert_cmpint(close(fd), ==, 0);
}

static GBytes *
random_bytes(gsize size)
{
  guint8 *data = g_malloc(size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int_range(0, 256);
  /* Not "SQLite format 3", whatever the dice say. */
  data[0] = 0xff;
  return g_bytes_new_take(data, size);
}

static void
assert_file_is(const char *path, GBytes *expected)
{
  g_autoptr(GBytes) actual = md_test_read_file(path);

  md_test_assert_bytes_equal(actual, expected);
}

static void
assert_mode(const char *path, guint mode)
{
  GStatBuf st;

  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpuint(st.st_mode & 07777, ==, mode);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Names in @dir that start with matterd.db.corrupt-, sorted, so the
 * database comes before its -shm and -wal. */
static GPtrArray *
list_aside(const char *dir_path)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  GDir *dir = g_dir_open(dir_path, 0, NULL);
  const char *name;

  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir)) != NULL)
    if (g_str_has_prefix(name, "matterd.db.corrupt-"))
      g_ptr_array_add(names, g_strdup(name));
  g_dir_close(dir);
  g_ptr_array_sort(names, compare_names);
  return names;
}

/* Direct SQLite access, to set up and inspect what the store API cannot. */
static sqlite3 *
raw_open(const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==,
                  SQLITE_OK);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

static int
raw_exec_rc(sqlite3 *db, const char *sql)
{
  return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
  int rc = raw_exec_rc(db, sql);

  if (rc != SQLITE_OK)
    g_error("%s: %s", sql, sqlite3_errmsg(db));
}

static char *
raw_query(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *result;

  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  result = g_strdup((const char *) sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  return result;
}

static void
assert_raw_query(sqlite3 *db, const char *sql, const char *expected)
{
  g_autofree char *result = raw_query(db, sql);

  g_assert_cmpstr(result, ==, expected);
}

static void
test_create(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autofree char *wal = g_strconcat(f->db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat(f->db_path, "-shm", NULL);
  g_autofree char *version = g_strdup_printf("%d", md_store_schema_version());
  sqlite3 *db;

  g_assert_cmpint(md_store_schema_version(), >=, 1);
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_assert_cmpstr(md_store_get_path(store), ==, f->db_path);
  g_assert_false(md_store_in_transaction(store));
  g_assert_cmpint(md_store_count_fabrics(store, NULL), ==, 0);

  assert_mode(f->state_dir, 0700);
  assert_mode(f->db_path, 0600);
  db = raw_open(f->db_path);
  assert_raw_query(db, "PRAGMA user_version", version);
  assert_raw_query(db, "PRAGMA journal_mode", "wal");
  assert_raw_query(db, "PRAGMA quick_check", "ok");
  /* SQLite gives the sidecars the database's mode. */
  assert_mode(wal, 0600);
  assert_mode(shm, 0600);
  sqlite3_close(db);
}

static void
test_permissions_fixed(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autofree char *wal = g_strconcat(f->db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat(f->db_path, "-shm", NULL);
  sqlite3 *db;

  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_clear_pointer(&store, md_store_close);

  /* An open connection keeps -wal and -shm in place. */
  db = raw_open(f->db_path);
  assert_raw_query(db, "SELECT count(*) FROM node", "0");
  g_assert_cmpint(g_chmod(f->db_path, 0644), ==, 0);
  g_assert_cmpint(g_chmod(wal, 0640), ==, 0);
  g_assert_cmpint(g_chmod(shm, 0604), ==, 0);

  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*matterd.db had mode 0644*");
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*matterd.db-wal had mode 0640*");
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*matterd.db-shm had mode 0604*");
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_test_assert_expected_messages();

  assert_mode(f->db_path, 0600);
  assert_mode(wal, 0600);
  assert_mode(shm, 0600);
  sqlite3_close(db);
}

static void
test_uint64(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  static const guint64 values[] = {
    0, 1, 0xFFF1, G_MAXINT64, (guint64) G_MAXINT64 + 1, G_MAXUINT64
  };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
    guint64 value = 42;

    g_assert_true(md_store_put_uint64(store, "u", values[i], &error));
    g_assert_no_error(error);
    g_assert_true(md_store_get_uint64(store, "u", &value, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(value, ==, values[i]);
  }

  /* Stored as an SQL integer (the two's complement of UINT64_MAX). */
  db = raw_open(f->db_path);
  assert_raw_query(db, "SELECT typeof(value) FROM node WHERE key = 'u'", "integer");
  assert_raw_query(db, "SELECT value FROM node WHERE key = 'u'", "-1");
  sqlite3_close(db);
}

static void
test_string(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  static const char *const values[] = { "", "hello", "grüße, 日本", "a\tb\nc" };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  sqlite3 *db;

  for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *value = NULL;

    g_assert_true(md_store_put_string(store, "s", values[i], &error));
    g_assert_no_error(error);
    value = md_store_get_string(store, "s", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(value, ==, values[i]);
  }

  db = raw_open(f->db_path);
  assert_raw_query(db, "SELECT typeof(value) FROM node WHERE key = 's'", "text");
  sqlite3_close(db);
}

static void
test_bytes(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  static const guint8 with_nul[] = { 0x00, 0x01, 0x00, 0xff };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GBytes) large = random_bytes(100000);
  GBytes *values[] = {
    g_bytes_new(NULL, 0),
    g_bytes_new_static(with_nul, sizeof(with_nul)),
    g_bytes_ref(large),
  };
  sqlite3 *db;

  for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) value = NULL;

    g_assert_true(md_store_put_bytes(store, "b", values[i], &error));
    g_assert_no_error(error);
    value = md_store_get_bytes(store, "b", &error);
    g_assert_no_error(error);
    g_assert_nonnull(value);
    g_assert_true(g_bytes_equal(value, values[i]));
  }

  /* The empty value is an empty blob, not SQL NULL. */
  g_assert_true(md_store_put_bytes(store, "empty", values[0], NULL));
  db = raw_open(f->db_path);
  assert_raw_query(db, "SELECT typeof(value) FROM node WHERE key = 'empty'", "blob");
  assert_raw_query(db, "SELECT length(value) FROM node WHERE key = 'empty'", "0");
  sqlite3_close(db);

  for (gsize i = 0; i < G_N_ELEMENTS(values); i++)
    g_bytes_unref(values[i]);
}

static void
test_not_found(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  g_autofree char *string = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint64 value = 7;

  g_assert_false(md_store_get_uint64(store, "missing", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "missing"));
  g_assert_cmpuint(value, ==, 7);
  g_clear_error(&error);

  string = md_store_get_string(store, "missing", &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_assert_null(string);
  g_clear_error(&error);

  bytes = md_store_get_bytes(store, "missing", &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_assert_null(bytes);
}

static void
test_wrong_type(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GBytes) bytes_value = g_bytes_new_static("5", 1);
  g_autoptr(GError) error = NULL;
  guint64 value = 0;

  g_assert_true(md_store_put_uint64(store, "int", 5, NULL));
  g_assert_true(md_store_put_string(store, "str", "5", NULL));
  g_assert_true(md_store_put_bytes(store, "bin", bytes_value, NULL));

  g_assert_null(md_store_get_string(store, "int", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
  g_clear_error(&error);
  g_assert_null(md_store_get_bytes(store, "int", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
  g_clear_error(&error);

  g_assert_false(md_store_get_uint64(store, "str", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
  g_clear_error(&error);
  g_assert_null(md_store_get_bytes(store, "str", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
  g_clear_error(&error);

  g_assert_false(md_store_get_uint64(store, "bin", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
  g_clear_error(&error);
  g_assert_null(md_store_get_string(store, "bin", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
  g_clear_error(&error);

  /* A put replaces the type along with the value. */
  g_assert_true(md_store_put_string(store, "int", "now a string", NULL));
  g_assert_false(md_store_get_uint64(store, "int", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE);
}

static void
test_overwrite_delete(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  g_autofree char *string = NULL;
  guint64 value = 0;

  g_assert_true(md_store_put_uint64(store, "k", 1, NULL));
  g_assert_true(md_store_put_uint64(store, "k", 2, NULL));
  g_assert_true(md_store_get_uint64(store, "k", &value, NULL));
  g_assert_cmpuint(value, ==, 2);
  g_assert_true(md_store_put_string(store, "other", "x", NULL));

  g_assert_true(md_store_delete(store, "k", &error));
  g_assert_no_error(error);
  g_assert_false(md_store_get_uint64(store, "k", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_clear_error(&error);

  /* Missing keys delete fine; other keys stay. */
  g_assert_true(md_store_delete(store, "k", &error));
  g_assert_no_error(error);
  string = md_store_get_string(store, "other", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(string, ==, "x");
}

static void
test_persist(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autofree char *string = NULL;
  guint64 value = 0;

  g_assert_true(md_store_put_uint64(store, "u", G_MAXUINT64, NULL));
  g_assert_true(md_store_put_string(store, "s", "v", NULL));
  g_clear_pointer(&store, md_store_close);

  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_assert_true(md_store_get_uint64(store, "u", &value, NULL));
  g_assert_cmpuint(value, ==, G_MAXUINT64);
  string = md_store_get_string(store, "s", NULL);
  g_assert_cmpstr(string, ==, "v");
}

static void
test_transaction_commit(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  guint64 value = 0;
  sqlite3 *db = raw_open(f->db_path);

  g_assert_true(md_store_begin(store, &error));
  g_assert_no_error(error);
  g_assert_true(md_store_in_transaction(store));
  g_assert_true(md_store_put_uint64(store, "t/1", 1, NULL));
  g_assert_true(md_store_put_uint64(store, "t/2", 2, NULL));
  /* Readable inside, invisible outside until commit. */
  g_assert_true(md_store_get_uint64(store, "t/1", &value, NULL));
  g_assert_cmpuint(value, ==, 1);
  assert_raw_query(db, "SELECT count(*) FROM node", "0");

  g_assert_true(md_store_commit(store, &error));
  g_assert_no_error(error);
  g_assert_false(md_store_in_transaction(store));
  assert_raw_query(db, "SELECT count(*) FROM node", "2");
  sqlite3_close(db);

  g_clear_pointer(&store, md_store_close);
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_assert_true(md_store_get_uint64(store, "t/2", &value, NULL));
  g_assert_cmpuint(value, ==, 2);
}

static void
test_transaction_rollback(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  guint64 value = 0;

  /* A no-op outside a transaction. */
  md_store_rollback(store);

  g_assert_true(md_store_put_uint64(store, "k", 1, NULL));
  g_assert_true(md_store_begin(store, NULL));
  g_assert_true(md_store_put_uint64(store, "k", 2, NULL));
  g_assert_true(md_store_put_uint64(store, "new", 3, NULL));
  g_assert_true(md_store_delete(store, "k", NULL));
  md_store_rollback(store);
  g_assert_false(md_store_in_transaction(store));

  g_assert_true(md_store_get_uint64(store, "k", &value, NULL));
  g_assert_cmpuint(value, ==, 1);
  g_assert_false(md_store_get_uint64(store, "new", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

static void
test_transaction_close(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  guint64 value = 0;

  g_assert_true(md_store_put_uint64(store, "k", 1, NULL));
  g_assert_true(md_store_begin(store, NULL));
  g_assert_true(md_store_put_uint64(store, "k", 2, NULL));
  g_assert_true(md_store_put_uint64(store, "new", 3, NULL));
  g_clear_pointer(&store, md_store_close);

  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_assert_false(md_store_in_transaction(store));
  g_assert_true(md_store_get_uint64(store, "k", &value, NULL));
  g_assert_cmpuint(value, ==, 1);
  g_assert_false(md_store_get_uint64(store, "new", &value, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
}

static void
test_transaction_misuse(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  guint64 value = 0;

  g_assert_false(md_store_commit(store, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);

  g_assert_true(md_store_begin(store, NULL));
  g_assert_false(md_store_begin(store, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_assert_cmpstr(error->message, ==, "transaction already open");
  g_clear_error(&error);

  /* The first transaction is still open and commits. */
  g_assert_true(md_store_in_transaction(store));
  g_assert_true(md_store_put_uint64(store, "k", 1, NULL));
  g_assert_true(md_store_commit(store, &error));
  g_assert_no_error(error);
  g_assert_false(md_store_commit(store, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_assert_true(md_store_get_uint64(store, "k", &value, NULL));
  g_assert_cmpuint(value, ==, 1);
}

static void
test_migrate_empty(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autofree char *version = g_strdup_printf("%d", md_store_schema_version());
  GStatBuf st;
  guint64 value = 0;
  sqlite3 *db;

  /* A real database file (header, empty schema), in rollback journal mode. */
  make_state_dir(f);
  db = raw_open(f->db_path);
  raw_exec(db, "PRAGMA user_version = 0; CREATE TABLE t (x); DROP TABLE t;");
  sqlite3_close(db);
  g_assert_cmpint(g_chmod(f->db_path, 0600), ==, 0);
  g_assert_cmpint(g_stat(f->db_path, &st), ==, 0);
  g_assert_cmpint(st.st_size, >, 0);

  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_assert_cmpint(md_store_count_fabrics(store, NULL), ==, 0);
  g_assert_true(md_store_put_uint64(store, "k", 9, NULL));
  g_assert_true(md_store_get_uint64(store, "k", &value, NULL));
  g_assert_cmpuint(value, ==, 9);

  db = raw_open(f->db_path);
  assert_raw_query(db, "PRAGMA user_version", version);
  assert_raw_query(db, "PRAGMA journal_mode", "wal");
  assert_raw_query(db,
                   "SELECT group_concat(name, ',') FROM "
                   "(SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name)",
                   "acl_entry,fabric,node");
  sqlite3_close(db);
}

static void
test_version_too_new(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autofree char *sql = g_strdup_printf("PRAGMA user_version = %d; CREATE TABLE future (x);"
                                         "INSERT INTO future VALUES (1);",
                                         md_store_schema_version() + 1);
  g_autofree char *ours = g_strdup_printf("%d", md_store_schema_version());
  g_autofree char *theirs = g_strdup_printf("%d", md_store_schema_version() + 1);
  sqlite3 *db;

  /* Rollback journal mode: switching it to WAL would change the header. */
  make_state_dir(f);
  db = raw_open(f->db_path);
  raw_exec(db, sql);
  sqlite3_close(db);
  g_assert_cmpint(g_chmod(f->db_path, 0600), ==, 0);
  before = md_test_read_file(f->db_path);

  store = md_store_open(f->state_dir, MD_STORE_OPEN_RESET_CORRUPT, &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE_VERSION);
  g_test_message("%s", error->message);
  g_assert_null(store);
  g_assert_nonnull(strstr(error->message, f->db_path));
  g_assert_nonnull(strstr(error->message, ours));
  g_assert_nonnull(strstr(error->message, theirs));
  assert_file_is(f->db_path, before);
}

static void
test_corrupt_garbage(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) garbage = random_bytes(16384);
  g_autoptr(GPtrArray) aside = NULL;

  make_state_dir(f);
  write_file(f->db_path, garbage);

  store = md_store_open(f->state_dir, MD_STORE_OPEN_DEFAULT, &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT);
  g_test_message("%s", error->message);
  g_assert_null(store);
  g_assert_nonnull(strstr(error->message, f->db_path));
  g_assert_nonnull(strstr(error->message, "--reset-corrupt-state"));
  assert_file_is(f->db_path, garbage);
  aside = list_aside(f->state_dir);
  g_assert_cmpuint(aside->len, ==, 0);
}

/* Overwrites the root page of the node table in a valid database. */
static GBytes *
make_page_corrupt_db(Fixture *f)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) garbage = NULL;
  GBytes *corrupt;
  guint8 *contents;
  gsize size, page_size;

  for (guint i = 0; i < 200; i++) {
    g_autofree char *key = g_strdup_printf("key/%u", i);
    g_assert_true(md_store_put_string(store, key, "some value to fill pages with", NULL));
  }
  g_clear_pointer(&store, md_store_close);

  original = md_test_read_file(f->db_path);
  contents = g_bytes_unref_to_data(g_steal_pointer(&original), &size);
  page_size = (gsize) contents[16] << 8 | contents[17];
  g_assert_cmpuint(page_size, >=, 512);
  g_assert_cmpuint(size, >=, 3 * page_size);
  garbage = random_bytes(page_size);
  memcpy(contents + page_size, g_bytes_get_data(garbage, NULL), page_size);

  corrupt = g_bytes_new_take(contents, size);
  write_file(f->db_path, corrupt);
  return corrupt;
}

static void
test_corrupt_page(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) corrupt = make_page_corrupt_db(f);
  g_autoptr(GPtrArray) aside = NULL;
  g_autofree char *aside_path = NULL;

  store = md_store_open(f->state_dir, MD_STORE_OPEN_DEFAULT, &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT);
  g_test_message("%s", error->message);
  g_assert_null(store);
  g_assert_nonnull(strstr(error->message, f->db_path));
  g_assert_nonnull(strstr(error->message, "--reset-corrupt-state"));
  g_clear_error(&error);
  assert_file_is(f->db_path, corrupt);
  aside = list_aside(f->state_dir);
  g_assert_cmpuint(aside->len, ==, 0);
  g_clear_pointer(&aside, g_ptr_array_unref);

  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*moved it aside to*corrupt-*");
  store = open_store(f, MD_STORE_OPEN_RESET_CORRUPT);
  g_test_assert_expected_messages();
  g_assert_cmpint(md_store_count_fabrics(store, NULL), ==, 0);

  aside = list_aside(f->state_dir);
  g_assert_cmpuint(aside->len, >=, 1);
  aside_path = g_build_filename(f->state_dir, g_ptr_array_index(aside, 0), NULL);
  assert_file_is(aside_path, corrupt);
}

static void
test_reset_corrupt(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GBytes) garbage = random_bytes(8192);
  g_autoptr(GBytes) wal_garbage = random_bytes(4096);
  g_autoptr(GPtrArray) aside = NULL;
  g_autofree char *wal = g_strconcat(f->db_path, "-wal", NULL);
  g_autofree char *value = NULL;
  g_autofree char *aside_db = NULL;
  g_autofree char *aside_wal = NULL;

  make_state_dir(f);
  write_file(f->db_path, garbage);
  write_file(wal, wal_garbage);

  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*moved it aside to*matterd.db.corrupt-*");
  store = open_store(f, MD_STORE_OPEN_RESET_CORRUPT);
  g_test_assert_expected_messages();

  g_assert_true(md_store_put_string(store, "k", "fresh", NULL));
  value = md_store_get_string(store, "k", NULL);
  g_assert_cmpstr(value, ==, "fresh");

  /* matterd.db.corrupt-<stamp>, -<stamp>-shm (SQLite made one) and -wal. */
  aside = list_aside(f->state_dir);
  g_assert_cmpuint(aside->len, >=, 2);
  for (guint i = 0; i < aside->len; i++)
    g_assert_true(g_regex_match_simple("^matterd\\.db\\.corrupt-[0-9]{8}T[0-9]{6}Z(-wal|-shm)?$",
                                       g_ptr_array_index(aside, i), 0, 0));
  aside_db = g_build_filename(f->state_dir, g_ptr_array_index(aside, 0), NULL);
  aside_wal = g_strconcat(aside_db, "-wal", NULL);
  assert_file_is(aside_db, garbage);
  assert_file_is(aside_wal, wal_garbage);
}

static void
test_reset_keeps_healthy(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GPtrArray) aside = NULL;
  guint64 value = 0;

  g_assert_true(md_store_put_uint64(store, "k", 5, NULL));
  g_clear_pointer(&store, md_store_close);

  store = open_store(f, MD_STORE_OPEN_RESET_CORRUPT);
  g_assert_true(md_store_get_uint64(store, "k", &value, NULL));
  g_assert_cmpuint(value, ==, 5);
  aside = list_aside(f->state_dir);
  g_assert_cmpuint(aside->len, ==, 0);
}

static void
test_state_dir_is_file(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = g_bytes_new_static("not a directory", 15);

  write_file(f->state_dir, contents);
  store = md_store_open(f->state_dir, MD_STORE_OPEN_RESET_CORRUPT, &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_test_message("%s", error->message);
  g_assert_null(store);
  g_assert_nonnull(strstr(error->message, f->state_dir));
  assert_file_is(f->state_dir, contents);
}

static void
test_db_is_directory(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) aside = NULL;

  make_state_dir(f);
  g_assert_cmpint(g_mkdir(f->db_path, 0700), ==, 0);

  store = md_store_open(f->state_dir, MD_STORE_OPEN_RESET_CORRUPT, &error);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_test_message("%s", error->message);
  g_assert_null(store);
  g_assert_true(g_file_test(f->db_path, G_FILE_TEST_IS_DIR));
  aside = list_aside(f->state_dir);
  g_assert_cmpuint(aside->len, ==, 0);
}

#define INSERT_FABRIC_VENDOR(index, vendor)                                                       \
  "INSERT INTO fabric (fabric_index, fabric_id, node_id, vendor_id, rcac, noc, operational_key, " \
  "ipk_epoch_key) VALUES (" index ", 1, 2, " vendor ", x'01', x'02', x'03', x'04')"
#define INSERT_FABRIC(index) INSERT_FABRIC_VENDOR(index, "65521")

static void
test_count_fabrics(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_assert_cmpint(md_store_count_fabrics(store, &error), ==, 0);
  g_assert_no_error(error);

  db = raw_open(f->db_path);
  raw_exec(db, INSERT_FABRIC("1"));
  raw_exec(db, INSERT_FABRIC("254"));
  sqlite3_close(db);

  g_assert_cmpint(md_store_count_fabrics(store, &error), ==, 2);
  g_assert_no_error(error);
}

static void
test_acl_cascade(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  sqlite3 *db;

  g_clear_pointer(&store, md_store_close);
  db = raw_open(f->db_path);
  raw_exec(db, "PRAGMA foreign_keys = ON");
  raw_exec(db, INSERT_FABRIC("1"));
  raw_exec(db, INSERT_FABRIC("2"));
  raw_exec(db, "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode) VALUES "
               "(1, 0, 5, 2), (1, 1, 1, 3), (2, 0, 3, 2)");
  g_assert_cmpint(raw_exec_rc(db, "INSERT INTO acl_entry (fabric_index, position, privilege, "
                                  "auth_mode) VALUES (3, 0, 5, 2)"),
                  ==, SQLITE_CONSTRAINT_FOREIGNKEY);

  raw_exec(db, "DELETE FROM fabric WHERE fabric_index = 1");
  assert_raw_query(db, "SELECT count(*) FROM acl_entry WHERE fabric_index = 1", "0");
  assert_raw_query(db, "SELECT count(*) FROM acl_entry WHERE fabric_index = 2", "1");
  sqlite3_close(db);

  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_assert_cmpint(md_store_count_fabrics(store, NULL), ==, 1);
}

static void
test_check_constraints(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  static const char *const rejected[] = {
    INSERT_FABRIC("0"),
    INSERT_FABRIC("255"),
    INSERT_FABRIC_VENDOR("3", "65536"),
    "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode) VALUES (1, 0, 0, 2)",
    "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode) VALUES (1, 0, 6, 2)",
    "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode) VALUES (1, 0, 5, 0)",
    "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode) VALUES (1, 0, 5, 4)",
    "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode) VALUES (1, -1, 5, 2)",
  };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  sqlite3 *db = raw_open(f->db_path);

  raw_exec(db, INSERT_FABRIC("1"));
  for (gsize i = 0; i < G_N_ELEMENTS(rejected); i++) {
    g_test_message("%s", rejected[i]);
    g_assert_cmpint(raw_exec_rc(db, rejected[i]), ==, SQLITE_CONSTRAINT_CHECK);
  }
  assert_raw_query(db, "SELECT count(*) FROM acl_entry", "0");
  sqlite3_close(db);
  g_assert_cmpint(md_store_count_fabrics(store, NULL), ==, 1);
}

static void
add(const char *path, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add("/store/create", test_create);
  add("/store/permissions-fixed", test_permissions_fixed);
  add("/store/uint64", test_uint64);
  add("/store/string", test_string);
  add("/store/bytes", test_bytes);
  add("/store/not-found", test_not_found);
  add("/store/wrong-type", test_wrong_type);
  add("/store/overwrite-delete", test_overwrite_delete);
  add("/store/persist", test_persist);
  add("/store/transaction/commit", test_transaction_commit);
  add("/store/transaction/rollback", test_transaction_rollback);
  add("/store/transaction/close", test_transaction_close);
  add("/store/transaction/misuse", test_transaction_misuse);
  add("/store/migrate-empty", test_migrate_empty);
  add("/store/version-too-new", test_version_too_new);
  add("/store/corrupt/garbage", test_corrupt_garbage);
  add("/store/corrupt/page", test_corrupt_page);
  add("/store/corrupt/reset", test_reset_corrupt);
  add("/store/corrupt/reset-keeps-healthy", test_reset_keeps_healthy);
  add("/store/state-dir-is-file", test_state_dir_is_file);
  add("/store/db-is-directory", test_db_is_directory);
  add("/store/count-fabrics", test_count_fabrics);
  add("/store/acl-cascade", test_acl_cascade);
  add("/store/check-constraints", test_check_constraints);

  return g_test_run();
}
