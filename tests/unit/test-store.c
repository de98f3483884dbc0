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
                   "acl_entry,fabric,group_key_set,group_map,group_membership,node,resumption");
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
#define INSERT_RESUMPTION(id, cats, secret, sequence)                              \
  "INSERT INTO resumption (resumption_id, fabric_index, peer_node_id, peer_cats, " \
  "shared_secret, sequence) VALUES (" id ", 1, 7, " cats ", " secret ", " sequence ")"

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
    INSERT_RESUMPTION("zeroblob(15)", "NULL", "zeroblob(32)", "1"),
    INSERT_RESUMPTION("zeroblob(17)", "NULL", "zeroblob(32)", "1"),
    INSERT_RESUMPTION("zeroblob(16)", "NULL", "zeroblob(31)", "1"),
    INSERT_RESUMPTION("zeroblob(16)", "x'01'", "zeroblob(32)", "1"),
    INSERT_RESUMPTION("zeroblob(16)", "x'010100000002'", "zeroblob(32)", "1"),
    INSERT_RESUMPTION("zeroblob(16)", "x'0101000000020000000300000004000000'", "zeroblob(32)", "1"),
    INSERT_RESUMPTION("zeroblob(16)", "NULL", "zeroblob(32)", "-1"),
    "INSERT INTO group_membership VALUES (1, 0, 1, '')",
    "INSERT INTO group_membership VALUES (1, 65536, 1, '')",
    "INSERT INTO group_membership VALUES (1, 1, -1, '')",
    "INSERT INTO group_membership VALUES (1, 1, 65536, '')",
    "INSERT INTO group_membership VALUES (1, 1, 1, 'seventeen bytes!!')",
  };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  sqlite3 *db = raw_open(f->db_path);

  raw_exec(db, INSERT_FABRIC("1"));
  for (gsize i = 0; i < G_N_ELEMENTS(rejected); i++) {
    g_test_message("%s", rejected[i]);
    g_assert_cmpint(raw_exec_rc(db, rejected[i]), ==, SQLITE_CONSTRAINT_CHECK);
  }
  assert_raw_query(db, "SELECT count(*) FROM acl_entry", "0");
  assert_raw_query(db, "SELECT count(*) FROM resumption", "0");
  assert_raw_query(db, "SELECT count(*) FROM group_membership", "0");
  raw_exec(db, "INSERT INTO group_membership VALUES (1, 65535, 65535, 'sixteen bytes!!!')");
  /* The one the cases above vary is fine as it is. */
  raw_exec(db, INSERT_RESUMPTION("zeroblob(16)", "x'0101000000'", "zeroblob(32)", "1"));
  sqlite3_close(db);
  g_assert_cmpint(md_store_count_fabrics(store, NULL), ==, 1);
}

static void
test_resumption_cascade(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  sqlite3 *db;

  g_clear_pointer(&store, md_store_close);
  db = raw_open(f->db_path);
  raw_exec(db, "PRAGMA foreign_keys = ON");
  raw_exec(db, INSERT_FABRIC("1"));
  raw_exec(db, INSERT_FABRIC("2"));
  raw_exec(db, "INSERT INTO resumption VALUES (zeroblob(16), 1, 7, NULL, zeroblob(32), 1), "
               "(x'01000000000000000000000000000000', 1, 8, NULL, zeroblob(32), 2), "
               "(x'02000000000000000000000000000000', 2, 7, NULL, zeroblob(32), 3)");
  /* No fabric 3; a second record of a peer; a sequence already taken. */
  g_assert_cmpint(raw_exec_rc(db, "INSERT INTO resumption VALUES "
                                  "(x'03000000000000000000000000000000', 3, 7, NULL, "
                                  "zeroblob(32), 4)"),
                  ==, SQLITE_CONSTRAINT_FOREIGNKEY);
  g_assert_cmpint(raw_exec_rc(db, "INSERT INTO resumption VALUES "
                                  "(x'03000000000000000000000000000000', 1, 7, NULL, "
                                  "zeroblob(32), 4)"),
                  ==, SQLITE_CONSTRAINT_UNIQUE);
  g_assert_cmpint(raw_exec_rc(db, "INSERT INTO resumption VALUES "
                                  "(x'03000000000000000000000000000000', 1, 9, NULL, "
                                  "zeroblob(32), 3)"),
                  ==, SQLITE_CONSTRAINT_UNIQUE);

  raw_exec(db, "DELETE FROM fabric WHERE fabric_index = 1");
  assert_raw_query(db, "SELECT count(*) FROM resumption WHERE fabric_index = 1", "0");
  assert_raw_query(db, "SELECT count(*) FROM resumption WHERE fabric_index = 2", "1");
  sqlite3_close(db);
}

/* ---- fabric-scoped rows, through the node's storage interface ---- */

static MdNodeStorage
node_storage(MdStore *store)
{
  MdNodeStorage storage;

  md_store_get_node_storage(store, &storage);
  return storage;
}

static GBytes *
filled_bytes(guint8 value, gsize len)
{
  guint8 data[64];

  g_assert_cmpuint(len, <=, sizeof(data));
  memset(data, value, len);
  return g_bytes_new(data, len);
}

/* A fabric whose every field depends on @index, so two never agree. */
static MdFabricRecord *
make_fabric(guint8 index)
{
  MdFabricRecord *fabric = g_new0(MdFabricRecord, 1);

  fabric->fabric_index = index;
  /* Above G_MAXINT64: SQL keeps it as its two's complement. */
  fabric->fabric_id = G_MAXUINT64 - index;
  fabric->node_id = 0x0000000100000000 + index;
  fabric->vendor_id = 0xFFF1;
  fabric->label = g_strdup_printf("fabric %u", index);
  fabric->rcac = filled_bytes(0x10 + index, 40);
  fabric->icac = index % 2 == 1 ? filled_bytes(0x20 + index, 41) : NULL;
  fabric->noc = filled_bytes(0x30 + index, 42);
  fabric->operational_key = filled_bytes(0x40 + index, MATTER_P256_PRIVATE_KEY_LEN);
  fabric->ipk_epoch_key = filled_bytes(0x50 + index, MATTER_AES128_KEY_LEN);
  fabric->vid_verification_statement = index % 2 == 1 ? filled_bytes(0x60 + index, 33) : NULL;
  fabric->vvsc = index % 2 == 1 ? filled_bytes(0x70 + index, 44) : NULL;
  fabric->acl_extension = index % 2 == 0 ? filled_bytes(0x60 + index, 20) : NULL;
  return fabric;
}

static void
assert_optional_bytes_equal(GBytes *actual, GBytes *expected)
{
  if (expected == NULL)
    g_assert_null(actual);
  else
    md_test_assert_bytes_equal(actual, expected);
}

static void
assert_fabric_equal(const MdFabricRecord *actual, const MdFabricRecord *expected)
{
  g_assert_cmpuint(actual->fabric_index, ==, expected->fabric_index);
  g_assert_cmpuint(actual->fabric_id, ==, expected->fabric_id);
  g_assert_cmpuint(actual->node_id, ==, expected->node_id);
  g_assert_cmpuint(actual->vendor_id, ==, expected->vendor_id);
  g_assert_cmpstr(actual->label, ==, expected->label);
  md_test_assert_bytes_equal(actual->rcac, expected->rcac);
  assert_optional_bytes_equal(actual->icac, expected->icac);
  md_test_assert_bytes_equal(actual->noc, expected->noc);
  md_test_assert_bytes_equal(actual->operational_key, expected->operational_key);
  md_test_assert_bytes_equal(actual->ipk_epoch_key, expected->ipk_epoch_key);
  assert_optional_bytes_equal(actual->vid_verification_statement,
                              expected->vid_verification_statement);
  assert_optional_bytes_equal(actual->vvsc, expected->vvsc);
  assert_optional_bytes_equal(actual->acl_extension, expected->acl_extension);
}

static void
put_fabric(MdNodeStorage *storage, guint8 index)
{
  g_autoptr(MdFabricRecord) fabric = make_fabric(index);
  g_autoptr(GError) error = NULL;

  g_assert_true(md_node_storage_put_fabric(storage, fabric, &error));
  g_assert_no_error(error);
}

static GPtrArray *
load_fabrics(MdNodeStorage *storage)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *fabrics = md_node_storage_load_fabrics(storage, &error);

  g_assert_no_error(error);
  g_assert_nonnull(fabrics);
  return fabrics;
}

static GArray *
load_acl(MdNodeStorage *storage)
{
  g_autoptr(GError) error = NULL;
  GArray *entries = md_node_storage_load_acl(storage, &error);

  g_assert_no_error(error);
  g_assert_nonnull(entries);
  return entries;
}

static GArray *
load_key_sets(MdNodeStorage *storage)
{
  g_autoptr(GError) error = NULL;
  GArray *sets = md_node_storage_load_group_key_sets(storage, &error);

  g_assert_no_error(error);
  g_assert_nonnull(sets);
  return sets;
}

static GArray *
load_key_map(MdNodeStorage *storage)
{
  g_autoptr(GError) error = NULL;
  GArray *entries = md_node_storage_load_group_key_map(storage, &error);

  g_assert_no_error(error);
  g_assert_nonnull(entries);
  return entries;
}

static void
test_fabric_round_trip(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(MdFabricRecord) one = make_fabric(1);
  g_autoptr(MdFabricRecord) two = make_fabric(2);
  g_autoptr(MdFabricRecord) last = make_fabric(254);
  g_autoptr(GPtrArray) fabrics = NULL;

  /* Out of order: loads are by fabric index. */
  put_fabric(&storage, 254);
  put_fabric(&storage, 2);
  put_fabric(&storage, 1);
  g_assert_cmpint(md_node_storage_count_fabrics(&storage, NULL), ==, 3);
  g_clear_pointer(&store, md_store_close);

  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  storage = node_storage(store);
  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 3);
  assert_fabric_equal(g_ptr_array_index(fabrics, 0), one);
  assert_fabric_equal(g_ptr_array_index(fabrics, 1), two);
  assert_fabric_equal(g_ptr_array_index(fabrics, 2), last);
}

static MatterAclEntry
make_acl_entry(MatterAclPrivilege privilege, MatterAclAuthMode auth_mode, gsize subjects,
               gsize targets)
{
  MatterAclEntry entry = { .privilege = privilege, .auth_mode = auth_mode };

  entry.subject_count = subjects;
  for (gsize i = 0; i < subjects; i++)
    entry.subjects[i] = i == 0 ? matter_acl_cat_subject(0xABCD0001) : 0x1122334455667700 + i;
  entry.target_count = targets;
  for (gsize i = 0; i < targets; i++) {
    MatterAclTarget *target = &entry.targets[i];

    /* Every combination the encoding has a flag for. */
    target->has_cluster = i != 1;
    target->cluster = target->has_cluster ? 0xFFF1FC00 + (guint32) i : 0;
    target->has_endpoint = i != 0;
    target->endpoint = target->has_endpoint ? (guint16) (0xFF00 + i) : 0;
    target->has_device_type = i == 2;
    target->device_type = target->has_device_type ? 0xFFF10001 : 0;
  }
  return entry;
}

static void
assert_acl_entry_equal(const MatterAclEntry *actual, guint8 fabric_index,
                       const MatterAclEntry *expected)
{
  g_assert_cmpuint(actual->fabric_index, ==, fabric_index);
  g_assert_cmpint(actual->privilege, ==, expected->privilege);
  g_assert_cmpint(actual->auth_mode, ==, expected->auth_mode);
  g_assert_cmpuint(actual->subject_count, ==, expected->subject_count);
  for (gsize i = 0; i < expected->subject_count; i++)
    g_assert_cmpuint(actual->subjects[i], ==, expected->subjects[i]);
  g_assert_cmpuint(actual->target_count, ==, expected->target_count);
  for (gsize i = 0; i < expected->target_count; i++) {
    const MatterAclTarget *a = &actual->targets[i], *e = &expected->targets[i];

    g_assert_cmpint(a->has_cluster, ==, e->has_cluster);
    g_assert_cmpuint(a->cluster, ==, e->cluster);
    g_assert_cmpint(a->has_endpoint, ==, e->has_endpoint);
    g_assert_cmpuint(a->endpoint, ==, e->endpoint);
    g_assert_cmpint(a->has_device_type, ==, e->has_device_type);
    g_assert_cmpuint(a->device_type, ==, e->device_type);
  }
}

static void
put_acl(MdNodeStorage *storage, guint8 fabric_index, const MatterAclEntry *entries, gsize count)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(md_node_storage_put_acl(storage, fabric_index, entries, count, &error));
  g_assert_no_error(error);
}

static void
test_acl_round_trip(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MatterAclEntry entries[] = {
    make_acl_entry(MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_ACL_AUTH_CASE, 1, 0),
    make_acl_entry(MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_AUTH_GROUP, 0, MATTER_ACL_TARGETS_MAX),
    make_acl_entry(MATTER_ACL_PRIVILEGE_OPERATE, MATTER_ACL_AUTH_CASE, MATTER_ACL_SUBJECTS_MAX, 1),
  };
  const MatterAclEntry other =
      make_acl_entry(MATTER_ACL_PRIVILEGE_MANAGE, MATTER_ACL_AUTH_CASE, 2, 2);
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GArray) loaded = NULL;
  sqlite3 *db;

  put_fabric(&storage, 1);
  put_fabric(&storage, 2);
  put_acl(&storage, 2, &other, 1);
  put_acl(&storage, 1, entries, G_N_ELEMENTS(entries));

  loaded = load_acl(&storage);
  g_assert_cmpuint(loaded->len, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS(entries); i++)
    assert_acl_entry_equal(&g_array_index(loaded, MatterAclEntry, i), 1, &entries[i]);
  assert_acl_entry_equal(&g_array_index(loaded, MatterAclEntry, 3), 2, &other);
  g_clear_pointer(&loaded, g_array_unref);

  /* The documented encoding: version 1, little-endian records; empty
   * lists are NULL. */
  db = raw_open(f->db_path);
  assert_raw_query(db,
                   "SELECT hex(subjects) FROM acl_entry WHERE fabric_index = 1 AND position = 0",
                   "010100CDABFDFFFFFF");
  assert_raw_query(db, "SELECT hex(targets) FROM acl_entry WHERE fabric_index = 1 AND position = 2",
                   "010100FCF1FF000000000000");
  assert_raw_query(db, "SELECT hex(targets) FROM acl_entry WHERE fabric_index = 1 AND position = 1",
                   "01"
                   "0100FCF1FF000000000000"
                   "020000000001FF00000000"
                   "0702FCF1FF02FF0100F1FF");
  assert_raw_query(db,
                   "SELECT typeof(subjects) || typeof(targets) FROM acl_entry "
                   "WHERE fabric_index = 1 AND position = 1",
                   "nullblob");
  sqlite3_close(db);

  /* A put replaces the fabric's entries, and only its. */
  put_acl(&storage, 1, &entries[2], 1);
  loaded = load_acl(&storage);
  g_assert_cmpuint(loaded->len, ==, 2);
  assert_acl_entry_equal(&g_array_index(loaded, MatterAclEntry, 0), 1, &entries[2]);
  assert_acl_entry_equal(&g_array_index(loaded, MatterAclEntry, 1), 2, &other);
  g_clear_pointer(&loaded, g_array_unref);

  put_acl(&storage, 1, NULL, 0);
  loaded = load_acl(&storage);
  g_assert_cmpuint(loaded->len, ==, 1);
  assert_acl_entry_equal(&g_array_index(loaded, MatterAclEntry, 0), 2, &other);
}

static MdGroupKeySetRecord
make_key_set(guint8 fabric_index, guint16 key_set_id, guint key_count)
{
  MdGroupKeySetRecord set = {
    .fabric_index = fabric_index,
    .key_set_id = key_set_id,
    .security_policy = key_set_id % 2,
    .epoch_key_count = key_count,
  };

  for (guint n = 0; n < key_count; n++) {
    memset(set.epoch_keys[n], 0xA0 + key_set_id + n, MATTER_AES128_KEY_LEN);
    set.epoch_start_times[n] = G_MAXUINT64 - 1000 * n - key_set_id;
  }
  return set;
}

static void
assert_key_set_equal(const MdGroupKeySetRecord *actual, const MdGroupKeySetRecord *expected)
{
  g_assert_cmpuint(actual->fabric_index, ==, expected->fabric_index);
  g_assert_cmpuint(actual->key_set_id, ==, expected->key_set_id);
  g_assert_cmpuint(actual->security_policy, ==, expected->security_policy);
  g_assert_cmpuint(actual->epoch_key_count, ==, expected->epoch_key_count);
  for (guint n = 0; n < expected->epoch_key_count; n++) {
    g_assert_cmpmem(actual->epoch_keys[n], MATTER_AES128_KEY_LEN, expected->epoch_keys[n],
                    MATTER_AES128_KEY_LEN);
    g_assert_cmpuint(actual->epoch_start_times[n], ==, expected->epoch_start_times[n]);
  }
}

static void
put_key_set(MdNodeStorage *storage, const MdGroupKeySetRecord *set)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(md_node_storage_put_group_key_set(storage, set, &error));
  g_assert_no_error(error);
}

static void
test_group_key_set_round_trip(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdGroupKeySetRecord sets[] = {
    make_key_set(1, 1, 3),
    make_key_set(1, 0xFFFF, 1),
    make_key_set(2, 7, 2),
  };
  const MdGroupKeySetRecord updated = make_key_set(1, 0xFFFF, 3);
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GArray) loaded = NULL;
  g_autoptr(GError) error = NULL;

  put_fabric(&storage, 1);
  put_fabric(&storage, 2);
  put_key_set(&storage, &sets[2]);
  put_key_set(&storage, &sets[1]);
  put_key_set(&storage, &sets[0]);
  loaded = load_key_sets(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS(sets); i++)
    assert_key_set_equal(&g_array_index(loaded, MdGroupKeySetRecord, i), &sets[i]);
  g_clear_pointer(&loaded, g_array_unref);

  /* In place, by fabric and key set id. */
  put_key_set(&storage, &updated);
  g_assert_true(md_node_storage_delete_group_key_set(&storage, 1, 1, &error));
  g_assert_no_error(error);
  /* A missing one is no error. */
  g_assert_true(md_node_storage_delete_group_key_set(&storage, 1, 1, &error));
  g_assert_no_error(error);
  g_assert_true(md_node_storage_delete_group_key_set(&storage, 2, 0xFFFF, &error));
  g_assert_no_error(error);
  loaded = load_key_sets(&storage);
  g_assert_cmpuint(loaded->len, ==, 2);
  assert_key_set_equal(&g_array_index(loaded, MdGroupKeySetRecord, 0), &updated);
  assert_key_set_equal(&g_array_index(loaded, MdGroupKeySetRecord, 1), &sets[2]);
}

static void
put_key_map(MdNodeStorage *storage, guint8 fabric_index, const MdGroupKeyMapRecord *entries,
            gsize count)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(md_node_storage_put_group_key_map(storage, fabric_index, entries, count, &error));
  g_assert_no_error(error);
}

static void
assert_key_map_entry(GArray *entries, guint i, guint8 fabric_index, guint16 group_id,
                     guint16 key_set_id)
{
  const MdGroupKeyMapRecord *entry = &g_array_index(entries, MdGroupKeyMapRecord, i);

  g_assert_cmpuint(entry->fabric_index, ==, fabric_index);
  g_assert_cmpuint(entry->group_id, ==, group_id);
  g_assert_cmpuint(entry->key_set_id, ==, key_set_id);
}

static void
test_group_key_map_round_trip(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  /* Not sorted: the map keeps the order it was written in. */
  const MdGroupKeyMapRecord map[] = {
    { .group_id = 0xFFFF, .key_set_id = 1 },
    { .group_id = 2, .key_set_id = 0xFFFF },
    { .group_id = 1, .key_set_id = 1 },
  };
  const MdGroupKeyMapRecord other = { .group_id = 9, .key_set_id = 9 };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GArray) loaded = NULL;

  put_fabric(&storage, 1);
  put_fabric(&storage, 3);
  put_key_map(&storage, 3, &other, 1);
  put_key_map(&storage, 1, map, G_N_ELEMENTS(map));
  loaded = load_key_map(&storage);
  g_assert_cmpuint(loaded->len, ==, 4);
  assert_key_map_entry(loaded, 0, 1, 0xFFFF, 1);
  assert_key_map_entry(loaded, 1, 1, 2, 0xFFFF);
  assert_key_map_entry(loaded, 2, 1, 1, 1);
  assert_key_map_entry(loaded, 3, 3, 9, 9);
  g_clear_pointer(&loaded, g_array_unref);

  put_key_map(&storage, 1, &map[1], 1);
  loaded = load_key_map(&storage);
  g_assert_cmpuint(loaded->len, ==, 2);
  assert_key_map_entry(loaded, 0, 1, 2, 0xFFFF);
  assert_key_map_entry(loaded, 1, 3, 9, 9);
}

static MdGroupMembershipRecord
make_membership(guint8 fabric_index, guint16 group_id, guint16 endpoint, const char *name)
{
  MdGroupMembershipRecord membership = {
    .fabric_index = fabric_index,
    .group_id = group_id,
    .endpoint = endpoint,
  };

  g_strlcpy(membership.name, name, sizeof(membership.name));
  return membership;
}

static void
put_membership(MdNodeStorage *storage, const MdGroupMembershipRecord *membership)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(md_node_storage_put_group_membership(storage, membership, &error));
  g_assert_no_error(error);
}

static GArray *
load_memberships(MdNodeStorage *storage)
{
  g_autoptr(GError) error = NULL;
  GArray *rows = md_node_storage_load_group_memberships(storage, &error);

  g_assert_no_error(error);
  g_assert_nonnull(rows);
  return rows;
}

static void
assert_membership(GArray *rows, guint i, const MdGroupMembershipRecord *expected)
{
  const MdGroupMembershipRecord *row = &g_array_index(rows, MdGroupMembershipRecord, i);

  g_assert_cmpuint(row->fabric_index, ==, expected->fabric_index);
  g_assert_cmpuint(row->group_id, ==, expected->group_id);
  g_assert_cmpuint(row->endpoint, ==, expected->endpoint);
  g_assert_cmpstr(row->name, ==, expected->name);
}

static void
test_group_membership_round_trip(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  /* Written out of order: they load by fabric, group, endpoint. */
  const MdGroupMembershipRecord rows[] = {
    make_membership(3, 1, 0xFFFF, ""),
    make_membership(1, 0xFFFF, 2, "sixteen bytes!!!"),
    make_membership(1, 7, 9, "Küche"),
    make_membership(1, 7, 0, "Küche"),
  };
  const MdGroupMembershipRecord renamed = make_membership(1, 7, 9, "salon");
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GArray) loaded = NULL;
  g_autoptr(GError) error = NULL;

  put_fabric(&storage, 1);
  put_fabric(&storage, 3);
  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
    put_membership(&storage, &rows[i]);
  loaded = load_memberships(&storage);
  g_assert_cmpuint(loaded->len, ==, 4);
  assert_membership(loaded, 0, &rows[3]);
  assert_membership(loaded, 1, &rows[2]);
  assert_membership(loaded, 2, &rows[1]);
  assert_membership(loaded, 3, &rows[0]);
  g_clear_pointer(&loaded, g_array_unref);

  /* A put of the same fabric, group and endpoint renames it in place. */
  put_membership(&storage, &renamed);
  g_assert_true(md_node_storage_delete_group_membership(&storage, 1, 0xFFFF, 2, &error));
  g_assert_no_error(error);
  /* A missing one is no error. */
  g_assert_true(md_node_storage_delete_group_membership(&storage, 1, 0xFFFF, 2, &error));
  g_assert_no_error(error);
  g_assert_true(md_node_storage_delete_group_membership(&storage, 1, 7, 1, &error));
  g_assert_no_error(error);
  loaded = load_memberships(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  assert_membership(loaded, 0, &rows[3]);
  assert_membership(loaded, 1, &renamed);
  assert_membership(loaded, 2, &rows[0]);

  /* It persists, and goes with its fabric. */
  g_clear_pointer(&store, md_store_close);
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  storage = node_storage(store);
  g_clear_pointer(&loaded, g_array_unref);
  loaded = load_memberships(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  g_assert_true(md_node_storage_delete_fabric(&storage, 1, NULL));
  g_clear_pointer(&loaded, g_array_unref);
  loaded = load_memberships(&storage);
  g_assert_cmpuint(loaded->len, ==, 1);
  assert_membership(loaded, 0, &rows[0]);
}

static void
test_group_membership_refused(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  MdGroupMembershipRecord bad[] = {
    make_membership(1, 0, 1, "zero"),
    make_membership(0, 1, 1, "no fabric index"),
    make_membership(1, 1, 1, "a"),
    make_membership(2, 1, 1, "no such fabric"),
  };
  g_autoptr(GArray) loaded = NULL;

  put_fabric(&storage, 1);
  /* Seventeen bytes, no terminating NUL in the array. */
  memset(bad[2].name, 'x', sizeof(bad[2].name));
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;

    g_test_message("row %" G_GSIZE_FORMAT, i);
    g_assert_false(md_node_storage_put_group_membership(&storage, &bad[i], &error));
    g_assert_nonnull(error);
    g_assert_true(i == 3 ? error->code == MD_ERROR_STORE : error->code == MD_ERROR_FAILED);
  }
  loaded = load_memberships(&storage);
  g_assert_cmpuint(loaded->len, ==, 0);
}

static void
test_group_membership_corrupt(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  static const char *const rows[] = {
    "INSERT INTO group_membership VALUES (1, 5, 1, x'41')",
    "INSERT INTO group_membership VALUES (1, 5, 1, 'a' || char(0) || 'b')",
    "INSERT INTO group_membership VALUES (1, 5, 1, CAST(x'ff' AS TEXT))",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
    MdNodeStorage storage = node_storage(store);
    g_autoptr(GError) error = NULL;
    sqlite3 *db = raw_open(f->db_path);

    g_test_message("%s", rows[i]);
    raw_exec(db, "DELETE FROM group_membership; DELETE FROM fabric");
    raw_exec(db, INSERT_FABRIC("1"));
    raw_exec(db, rows[i]);
    sqlite3_close(db);
    g_assert_null(md_node_storage_load_group_memberships(&storage, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT);
    g_assert_nonnull(strstr(error->message, "group 5 of fabric 1 on endpoint 1"));
  }
}

/* A record whose every field depends on its arguments; @cats tags. */
static MdResumptionRecord
make_resumption(guint8 fabric_index, guint64 peer_node_id, guint64 sequence, guint cats)
{
  MdResumptionRecord record = {
    .fabric_index = fabric_index,
    .peer_node_id = peer_node_id,
    .sequence = sequence,
  };

  memset(record.resumption_id, (int) (0x10 + sequence), MD_RESUMPTION_ID_LEN);
  record.resumption_id[0] = fabric_index;
  memset(record.shared_secret, (int) (0x80 + sequence), MD_RESUMPTION_SECRET_LEN);
  for (guint i = 0; i < cats; i++)
    record.peer_cats[i] = 0xFFFF0001u - 0x10000u * i - (guint32) sequence;
  return record;
}

static void
assert_resumption_equal(const MdResumptionRecord *actual, const MdResumptionRecord *expected)
{
  g_assert_cmpmem(actual->resumption_id, MD_RESUMPTION_ID_LEN, expected->resumption_id,
                  MD_RESUMPTION_ID_LEN);
  g_assert_cmpmem(actual->shared_secret, MD_RESUMPTION_SECRET_LEN, expected->shared_secret,
                  MD_RESUMPTION_SECRET_LEN);
  g_assert_cmpuint(actual->fabric_index, ==, expected->fabric_index);
  g_assert_cmpuint(actual->peer_node_id, ==, expected->peer_node_id);
  for (guint i = 0; i < G_N_ELEMENTS(expected->peer_cats); i++)
    g_assert_cmpuint(actual->peer_cats[i], ==, expected->peer_cats[i]);
  g_assert_cmpuint(actual->sequence, ==, expected->sequence);
}

static void
put_resumption(MdNodeStorage *storage, const MdResumptionRecord *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(md_node_storage_put_resumption(storage, record, &error));
  g_assert_no_error(error);
}

static GArray *
load_resumptions(MdNodeStorage *storage)
{
  g_autoptr(GError) error = NULL;
  GArray *records = md_node_storage_load_resumptions(storage, &error);

  g_assert_no_error(error);
  g_assert_nonnull(records);
  return records;
}

#define RESUMPTION(records, i) (&g_array_index((records), MdResumptionRecord, (i)))

static void
test_resumption_round_trip(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  /* Put out of sequence order; node ids above G_MAXINT64 and 0..3 tags. */
  const MdResumptionRecord records[] = {
    make_resumption(2, 0x0000000100000001, 40, 0),
    make_resumption(1, G_MAXUINT64 - 16, 10, 3),
    make_resumption(1, 0x0000000100000002, G_MAXINT64, 1),
    make_resumption(2, G_MAXUINT64 - 16, 20, 2),
  };
  const gsize order[] = { 1, 3, 0, 2 };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GArray) loaded = NULL;
  g_autoptr(GError) error = NULL;

  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, 0);
  g_clear_pointer(&loaded, g_array_unref);
  put_fabric(&storage, 1);
  put_fabric(&storage, 2);
  for (gsize i = 0; i < G_N_ELEMENTS(records); i++)
    put_resumption(&storage, &records[i]);

  /* Across a restart, in ascending sequence. */
  g_clear_pointer(&store, md_store_close);
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  storage = node_storage(store);
  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, G_N_ELEMENTS(records));
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    assert_resumption_equal(RESUMPTION(loaded, i), &records[order[i]]);
  g_clear_pointer(&loaded, g_array_unref);

  /* Deleting one leaves the others; a missing one is no error. */
  g_assert_true(md_node_storage_delete_resumption(&storage, records[3].resumption_id, &error));
  g_assert_no_error(error);
  g_assert_true(md_node_storage_delete_resumption(&storage, records[3].resumption_id, &error));
  g_assert_no_error(error);
  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  assert_resumption_equal(RESUMPTION(loaded, 0), &records[1]);
  assert_resumption_equal(RESUMPTION(loaded, 1), &records[0]);
  assert_resumption_equal(RESUMPTION(loaded, 2), &records[2]);
}

static void
test_resumption_upsert(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord first = make_resumption(1, 0x55, 1, 2);
  const MdResumptionRecord other_peer = make_resumption(1, 0x56, 2, 0);
  const MdResumptionRecord other_fabric = make_resumption(2, 0x55, 3, 1);
  /* The same peer: new id, secret and sequence, and fewer tags. */
  const MdResumptionRecord second = make_resumption(1, 0x55, 4, 1);
  MdResumptionRecord again = second;
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GArray) loaded = NULL;

  put_fabric(&storage, 1);
  put_fabric(&storage, 2);
  put_resumption(&storage, &first);
  put_resumption(&storage, &other_peer);
  put_resumption(&storage, &other_fabric);
  put_resumption(&storage, &second);

  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  assert_resumption_equal(RESUMPTION(loaded, 0), &other_peer);
  assert_resumption_equal(RESUMPTION(loaded, 1), &other_fabric);
  assert_resumption_equal(RESUMPTION(loaded, 2), &second);
  g_clear_pointer(&loaded, g_array_unref);
  /* The old id is gone with the old row. */
  g_assert_true(md_node_storage_delete_resumption(&storage, first.resumption_id, NULL));
  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  g_clear_pointer(&loaded, g_array_unref);

  /* The same id again for its own peer is an update too. */
  again.sequence = 5;
  memset(again.shared_secret, 0xEE, sizeof(again.shared_secret));
  put_resumption(&storage, &again);
  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, 3);
  assert_resumption_equal(RESUMPTION(loaded, 2), &again);
}

static void
test_resumption_refused(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  const MdResumptionRecord kept = make_resumption(1, 0x55, 1, 0);
  MdResumptionRecord record = make_resumption(1, 0x66, 2, 0);
  g_autoptr(GArray) loaded = NULL;
  g_autoptr(GError) error = NULL;

  /* A fabric that is not there. */
  g_assert_false(md_node_storage_put_resumption(&storage, &record, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);

  put_fabric(&storage, 1);
  put_resumption(&storage, &kept);
  /* Another peer's id or sequence. */
  memcpy(record.resumption_id, kept.resumption_id, MD_RESUMPTION_ID_LEN);
  g_assert_false(md_node_storage_put_resumption(&storage, &record, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  record = make_resumption(1, 0x66, 1, 0);
  record.resumption_id[1] = 0xFF;
  g_assert_false(md_node_storage_put_resumption(&storage, &record, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);

  /* Records the store could not read back. */
  record = make_resumption(1, 0x66, 2, 0);
  record.peer_cats[1] = 7;
  g_assert_false(md_node_storage_put_resumption(&storage, &record, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);
  record = make_resumption(1, 0x66, (guint64) G_MAXINT64 + 1, 0);
  g_assert_false(md_node_storage_put_resumption(&storage, &record, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);
  record = make_resumption(0, 0x66, 2, 0);
  g_assert_false(md_node_storage_put_resumption(&storage, &record, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);

  loaded = load_resumptions(&storage);
  g_assert_cmpuint(loaded->len, ==, 1);
  assert_resumption_equal(RESUMPTION(loaded, 0), &kept);
}

/* Fabric @index with an ACL entry, a key set, a map entry and a
 * resumption record (the one test_rows_corrupt() names). */
static void
put_fabric_with_rows(MdNodeStorage *storage, guint8 index)
{
  const MatterAclEntry entry =
      make_acl_entry(MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_ACL_AUTH_CASE, 1, 1);
  const MdGroupKeySetRecord set = make_key_set(index, 5, 2);
  const MdGroupKeyMapRecord map = { .group_id = 0x100 + index, .key_set_id = 5 };
  const MdResumptionRecord resumption = make_resumption(index, 0x1234, index, 2);
  const MdGroupMembershipRecord membership = make_membership(index, 0x100 + index, 2, "kitchen");

  put_fabric(storage, index);
  put_acl(storage, index, &entry, 1);
  put_key_set(storage, &set);
  put_key_map(storage, index, &map, 1);
  put_resumption(storage, &resumption);
  put_membership(storage, &membership);
}

static void
assert_rows_of(MdNodeStorage *storage, guint8 index, guint expected)
{
  g_autoptr(GArray) acl = load_acl(storage);
  g_autoptr(GArray) sets = load_key_sets(storage);
  g_autoptr(GArray) map = load_key_map(storage);
  g_autoptr(GArray) resumptions = load_resumptions(storage);
  g_autoptr(GArray) groups = load_memberships(storage);
  guint found[5] = { 0 };

  for (guint i = 0; i < acl->len; i++)
    found[0] += g_array_index(acl, MatterAclEntry, i).fabric_index == index;
  for (guint i = 0; i < sets->len; i++)
    found[1] += g_array_index(sets, MdGroupKeySetRecord, i).fabric_index == index;
  for (guint i = 0; i < map->len; i++)
    found[2] += g_array_index(map, MdGroupKeyMapRecord, i).fabric_index == index;
  for (guint i = 0; i < resumptions->len; i++)
    found[3] += RESUMPTION(resumptions, i)->fabric_index == index;
  for (guint i = 0; i < groups->len; i++)
    found[4] += g_array_index(groups, MdGroupMembershipRecord, i).fabric_index == index;
  for (guint i = 0; i < G_N_ELEMENTS(found); i++)
    g_assert_cmpuint(found[i], ==, expected);
}

static void
test_fabric_update_keeps_rows(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(MdFabricRecord) updated = make_fabric(1);
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GError) error = NULL;

  put_fabric_with_rows(&storage, 1);
  /* An UpdateNOC: new certificates and key, no ICAC any more. */
  g_clear_pointer(&updated->label, g_free);
  updated->label = g_strdup("renamed");
  g_clear_pointer(&updated->noc, g_bytes_unref);
  updated->noc = filled_bytes(0xEE, 50);
  g_clear_pointer(&updated->icac, g_bytes_unref);
  g_clear_pointer(&updated->operational_key, g_bytes_unref);
  updated->operational_key = filled_bytes(0xDD, MATTER_P256_PRIVATE_KEY_LEN);
  g_assert_true(md_node_storage_put_fabric(&storage, updated, &error));
  g_assert_no_error(error);

  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 1);
  assert_fabric_equal(g_ptr_array_index(fabrics, 0), updated);
  assert_rows_of(&storage, 1, 1);
}

static void
test_delete_fabric(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(MdFabricRecord) two = make_fabric(2);
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GError) error = NULL;

  put_fabric_with_rows(&storage, 1);
  put_fabric_with_rows(&storage, 2);
  g_assert_true(md_node_storage_delete_fabric(&storage, 1, &error));
  g_assert_no_error(error);
  /* A missing one is no error. */
  g_assert_true(md_node_storage_delete_fabric(&storage, 1, &error));
  g_assert_no_error(error);
  g_assert_true(md_node_storage_delete_fabric(&storage, 200, &error));
  g_assert_no_error(error);

  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 1);
  assert_fabric_equal(g_ptr_array_index(fabrics, 0), two);
  assert_rows_of(&storage, 1, 0);
  assert_rows_of(&storage, 2, 1);
}

static void
test_rows_rollback(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(MdFabricRecord) one = make_fabric(1);
  g_autoptr(MdFabricRecord) renamed = make_fabric(1);
  const MdResumptionRecord kept = make_resumption(1, 0x77, 100, 1);
  const MdResumptionRecord resumption = make_resumption(1, 0x78, 101, 0);
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GArray) sets = NULL;
  g_autoptr(GArray) resumptions = NULL;

  put_fabric(&storage, 1);
  put_resumption(&storage, &kept);
  g_assert_true(md_node_storage_begin(&storage, NULL));
  put_fabric_with_rows(&storage, 2);
  g_free(renamed->label);
  renamed->label = g_strdup("renamed");
  g_assert_true(md_node_storage_put_fabric(&storage, renamed, NULL));
  put_acl(&storage, 1, NULL, 0);
  put_resumption(&storage, &resumption);
  g_assert_true(md_node_storage_delete_resumption(&storage, kept.resumption_id, NULL));
  /* Visible inside the transaction... */
  sets = load_key_sets(&storage);
  g_assert_cmpuint(sets->len, ==, 1);
  g_clear_pointer(&sets, g_array_unref);
  resumptions = load_resumptions(&storage);
  g_assert_cmpuint(resumptions->len, ==, 2);
  g_clear_pointer(&resumptions, g_array_unref);
  md_node_storage_rollback(&storage);

  /* ...and gone after it. */
  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 1);
  assert_fabric_equal(g_ptr_array_index(fabrics, 0), one);
  assert_rows_of(&storage, 2, 0);
  resumptions = load_resumptions(&storage);
  g_assert_cmpuint(resumptions->len, ==, 1);
  assert_resumption_equal(RESUMPTION(resumptions, 0), &kept);
}

/* A put of several rows is all or nothing, in a transaction or not. */
static void
test_rows_put_atomic(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MatterAclEntry entries[] = {
    make_acl_entry(MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_AUTH_CASE, 0, 0),
    make_acl_entry(MATTER_ACL_PRIVILEGE_OPERATE, MATTER_ACL_AUTH_CASE, 0, 0),
  };
  const MdGroupKeyMapRecord map[] = { { .group_id = 1, .key_set_id = 1 },
                                      { .group_id = 2, .key_set_id = 1 } };
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  put_fabric_with_rows(&storage, 1);
  /* The second row of any put fails. */
  db = raw_open(f->db_path);
  raw_exec(db, "CREATE TRIGGER fail_acl BEFORE INSERT ON acl_entry WHEN NEW.position = 1 "
               "BEGIN SELECT RAISE(ABORT, 'injected'); END;"
               "CREATE TRIGGER fail_map BEFORE INSERT ON group_map WHEN NEW.position = 1 "
               "BEGIN SELECT RAISE(ABORT, 'injected'); END;");
  sqlite3_close(db);

  g_assert_false(md_node_storage_put_acl(&storage, 1, entries, 2, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_assert_nonnull(strstr(error->message, "injected"));
  g_clear_error(&error);
  g_assert_false(md_node_storage_put_group_key_map(&storage, 1, map, 2, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  assert_rows_of(&storage, 1, 1);

  /* Inside a transaction the rest of it goes on. */
  g_assert_true(md_node_storage_begin(&storage, NULL));
  g_assert_false(md_node_storage_put_acl(&storage, 1, entries, 2, &error));
  g_clear_error(&error);
  put_acl(&storage, 1, entries, 1);
  g_assert_true(md_node_storage_commit(&storage, &error));
  g_assert_no_error(error);
  assert_rows_of(&storage, 1, 1);
}

static void
test_rows_refused(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  g_autoptr(MdFabricRecord) fabric = make_fabric(1);
  MatterAclEntry entry = make_acl_entry(MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_AUTH_CASE, 0, 1);
  MdGroupKeySetRecord set = make_key_set(1, 1, 1);
  const MdGroupKeyMapRecord map = { .group_id = 1, .key_set_id = 1 };
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GError) error = NULL;

  /* Rows of a fabric that is not there. */
  g_assert_false(md_node_storage_put_acl(&storage, 1, &entry, 1, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  g_assert_false(md_node_storage_put_group_key_set(&storage, &set, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  g_assert_false(md_node_storage_put_group_key_map(&storage, 1, &map, 1, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);

  /* Records the store could not read back. */
  g_clear_pointer(&fabric->operational_key, g_bytes_unref);
  fabric->operational_key = filled_bytes(1, MATTER_P256_PRIVATE_KEY_LEN - 1);
  g_assert_false(md_node_storage_put_fabric(&storage, fabric, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);
  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 0);

  put_fabric(&storage, 1);
  entry.targets[0] = (MatterAclTarget){ 0 };
  g_assert_false(md_node_storage_put_acl(&storage, 1, &entry, 1, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);
  set.key_set_id = 0;
  g_assert_false(md_node_storage_put_group_key_set(&storage, &set, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  g_clear_error(&error);
  set.key_set_id = 1;
  set.epoch_key_count = 0;
  g_assert_false(md_node_storage_put_group_key_set(&storage, &set, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_FAILED);
  assert_rows_of(&storage, 1, 0);
}

/* The schema-1 tables, as a matterd of that version created them. */
#define SCHEMA_1                                                                                \
  "CREATE TABLE node (key TEXT PRIMARY KEY NOT NULL, value NOT NULL) WITHOUT ROWID;"            \
  "CREATE TABLE fabric (fabric_index INTEGER PRIMARY KEY CHECK (fabric_index BETWEEN 1 AND "    \
  "254), fabric_id INTEGER NOT NULL, node_id INTEGER NOT NULL, vendor_id INTEGER NOT NULL "     \
  "CHECK (vendor_id BETWEEN 0 AND 65535), label TEXT NOT NULL DEFAULT '', rcac BLOB NOT NULL, " \
  "icac BLOB, noc BLOB NOT NULL, operational_key BLOB NOT NULL, ipk_epoch_key BLOB NOT NULL);"  \
  "CREATE TABLE acl_entry (fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON "  \
  "DELETE CASCADE, position INTEGER NOT NULL CHECK (position >= 0), privilege INTEGER NOT "     \
  "NULL CHECK (privilege BETWEEN 1 AND 5), auth_mode INTEGER NOT NULL CHECK (auth_mode "        \
  "BETWEEN 1 AND 3), subjects BLOB, targets BLOB, PRIMARY KEY (fabric_index, position));"       \
  "PRAGMA user_version = 1;"

static void
test_migrate_from_1(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  MdNodeStorage storage;
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GArray) acl = NULL;
  g_autoptr(GArray) sets = NULL;
  g_autofree char *version = g_strdup_printf("%d", md_store_schema_version());
  g_autofree char *migrated =
      g_strdup_printf("*Migrated*from schema version 1 to %d*", md_store_schema_version());
  const MdFabricRecord *fabric;
  const MatterAclEntry *entry;
  sqlite3 *db;

  make_state_dir(f);
  db = raw_open(f->db_path);
  raw_exec(db, SCHEMA_1);
  raw_exec(db, "INSERT INTO fabric (fabric_index, fabric_id, node_id, vendor_id, label, rcac, "
               "noc, operational_key, ipk_epoch_key) VALUES (3, -1, 1234, 65521, 'home', x'01', "
               "x'02', zeroblob(32), zeroblob(16));"
               "INSERT INTO acl_entry VALUES (3, 0, 5, 2, x'013412000000000000', NULL);"
               "INSERT INTO node VALUES ('k', 7);");
  sqlite3_close(db);
  g_assert_cmpint(g_chmod(f->db_path, 0600), ==, 0);

  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, migrated);
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_test_assert_expected_messages();
  storage = node_storage(store);

  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 1);
  fabric = g_ptr_array_index(fabrics, 0);
  g_assert_cmpuint(fabric->fabric_index, ==, 3);
  g_assert_cmpuint(fabric->fabric_id, ==, G_MAXUINT64);
  g_assert_cmpuint(fabric->node_id, ==, 1234);
  g_assert_cmpstr(fabric->label, ==, "home");
  g_assert_null(fabric->icac);
  g_assert_cmpuint(g_bytes_get_size(fabric->operational_key), ==, MATTER_P256_PRIVATE_KEY_LEN);
  g_assert_null(fabric->vid_verification_statement);
  g_assert_null(fabric->vvsc);
  g_assert_null(fabric->acl_extension);

  acl = load_acl(&storage);
  g_assert_cmpuint(acl->len, ==, 1);
  entry = &g_array_index(acl, MatterAclEntry, 0);
  g_assert_cmpuint(entry->fabric_index, ==, 3);
  g_assert_cmpint(entry->privilege, ==, MATTER_ACL_PRIVILEGE_ADMINISTER);
  g_assert_cmpuint(entry->subject_count, ==, 1);
  g_assert_cmpuint(entry->subjects[0], ==, 0x1234);
  g_assert_cmpuint(entry->target_count, ==, 0);

  /* The new tables work and cascade from the migrated fabric. */
  put_fabric_with_rows(&storage, 4);
  sets = load_key_sets(&storage);
  g_assert_cmpuint(sets->len, ==, 1);
  g_assert_true(md_node_storage_delete_fabric(&storage, 4, NULL));
  assert_rows_of(&storage, 4, 0);
  db = raw_open(f->db_path);
  assert_raw_query(db, "PRAGMA user_version", version);
  assert_raw_query(db, "SELECT value FROM node WHERE key = 'k'", "7");
  sqlite3_close(db);
}

/* What migration 2 added, as a matterd of that version ran it. */
#define SCHEMA_2                                                                                  \
  "ALTER TABLE fabric ADD COLUMN vid_verification_statement BLOB;"                                \
  "ALTER TABLE fabric ADD COLUMN vvsc BLOB;"                                                      \
  "ALTER TABLE fabric ADD COLUMN acl_extension BLOB CHECK (acl_extension IS NULL OR "             \
  "length(acl_extension) BETWEEN 1 AND 128);"                                                     \
  "CREATE TABLE group_key_set (fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) "   \
  "ON DELETE CASCADE, key_set_id INTEGER NOT NULL CHECK (key_set_id BETWEEN 1 AND 65535), "       \
  "security_policy INTEGER NOT NULL CHECK (security_policy BETWEEN 0 AND 1), epoch_key0 BLOB "    \
  "NOT NULL CHECK (length(epoch_key0) = 16), epoch_start0 INTEGER NOT NULL, epoch_key1 BLOB "     \
  "CHECK (epoch_key1 IS NULL OR length(epoch_key1) = 16), epoch_start1 INTEGER, epoch_key2 BLOB " \
  "CHECK (epoch_key2 IS NULL OR length(epoch_key2) = 16), epoch_start2 INTEGER, PRIMARY KEY "     \
  "(fabric_index, key_set_id));"                                                                  \
  "CREATE TABLE group_map (fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON "    \
  "DELETE CASCADE, position INTEGER NOT NULL CHECK (position >= 0), group_id INTEGER NOT NULL "   \
  "CHECK (group_id BETWEEN 1 AND 65535), key_set_id INTEGER NOT NULL CHECK (key_set_id BETWEEN "  \
  "1 AND 65535), PRIMARY KEY (fabric_index, position));"                                          \
  "PRAGMA user_version = 2;"

static void
test_migrate_from_2(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = NULL;
  MdNodeStorage storage;
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GArray) acl = NULL;
  g_autoptr(GArray) sets = NULL;
  g_autoptr(GArray) map = NULL;
  g_autoptr(GArray) resumptions = NULL;
  g_autofree char *version = g_strdup_printf("%d", md_store_schema_version());
  g_autofree char *migrated =
      g_strdup_printf("*Migrated*from schema version 2 to %d*", md_store_schema_version());
  const MdResumptionRecord record = make_resumption(3, 0x99, 1, 3);
  const MdFabricRecord *fabric;
  const MdGroupKeySetRecord *set;
  sqlite3 *db;

  make_state_dir(f);
  db = raw_open(f->db_path);
  raw_exec(db, SCHEMA_1);
  raw_exec(db, SCHEMA_2);
  raw_exec(db, "INSERT INTO fabric (fabric_index, fabric_id, node_id, vendor_id, label, rcac, "
               "noc, operational_key, ipk_epoch_key, acl_extension) VALUES (3, 5, 1234, 65521, "
               "'home', x'01', x'02', zeroblob(32), zeroblob(16), x'1518');"
               "INSERT INTO acl_entry VALUES (3, 0, 5, 2, x'013412000000000000', NULL);"
               "INSERT INTO group_key_set VALUES (3, 42, 1, zeroblob(16), 99, NULL, NULL, NULL, "
               "NULL);"
               "INSERT INTO group_map VALUES (3, 0, 257, 42);"
               "INSERT INTO node VALUES ('k', 7);");
  sqlite3_close(db);
  g_assert_cmpint(g_chmod(f->db_path, 0600), ==, 0);

  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, migrated);
  store = open_store(f, MD_STORE_OPEN_DEFAULT);
  g_test_assert_expected_messages();
  storage = node_storage(store);

  fabrics = load_fabrics(&storage);
  g_assert_cmpuint(fabrics->len, ==, 1);
  fabric = g_ptr_array_index(fabrics, 0);
  g_assert_cmpuint(fabric->fabric_index, ==, 3);
  g_assert_cmpuint(fabric->node_id, ==, 1234);
  g_assert_cmpstr(fabric->label, ==, "home");
  g_assert_cmpuint(g_bytes_get_size(fabric->acl_extension), ==, 2);
  acl = load_acl(&storage);
  g_assert_cmpuint(acl->len, ==, 1);
  g_assert_cmpuint(g_array_index(acl, MatterAclEntry, 0).subjects[0], ==, 0x1234);
  sets = load_key_sets(&storage);
  g_assert_cmpuint(sets->len, ==, 1);
  set = &g_array_index(sets, MdGroupKeySetRecord, 0);
  g_assert_cmpuint(set->key_set_id, ==, 42);
  g_assert_cmpuint(set->epoch_start_times[0], ==, 99);
  map = load_key_map(&storage);
  g_assert_cmpuint(map->len, ==, 1);
  g_assert_cmpuint(g_array_index(map, MdGroupKeyMapRecord, 0).group_id, ==, 257);
  resumptions = load_resumptions(&storage);
  g_assert_cmpuint(resumptions->len, ==, 0);
  g_clear_pointer(&resumptions, g_array_unref);

  /* The new tables work and cascade from the migrated fabric. */
  {
    const MdGroupMembershipRecord membership = make_membership(3, 257, 2, "hall");
    g_autoptr(GArray) groups = NULL;

    put_membership(&storage, &membership);
    groups = load_memberships(&storage);
    g_assert_cmpuint(groups->len, ==, 1);
    assert_membership(groups, 0, &membership);
  }
  put_resumption(&storage, &record);
  resumptions = load_resumptions(&storage);
  g_assert_cmpuint(resumptions->len, ==, 1);
  assert_resumption_equal(RESUMPTION(resumptions, 0), &record);
  g_assert_true(md_node_storage_delete_fabric(&storage, 3, NULL));
  assert_rows_of(&storage, 3, 0);
  db = raw_open(f->db_path);
  assert_raw_query(db, "PRAGMA user_version", version);
  assert_raw_query(db, "SELECT value FROM node WHERE key = 'k'", "7");
  sqlite3_close(db);
}

/* Blobs are literals: SQL's || would make them text. */
/* put_fabric_with_rows()'s resumption record of fabric 1. */
#define RESUMPTION_ROW "resumption record of node 0x0000000000001234 on fabric 1"

typedef struct {
  const char *sql;  /* run with CHECK constraints off, on a valid fabric 1 with rows */
  const char *load; /* "fabrics", "acl", "key sets", "key map" or "resumptions" */
  const char *row;  /* how the error names the row */
} CorruptCase;

static const CorruptCase corrupt_cases[] = {
  { "UPDATE fabric SET operational_key = zeroblob(31)", "fabrics", "fabric 1" },
  { "UPDATE fabric SET ipk_epoch_key = 'text'", "fabrics", "fabric 1" },
  { "UPDATE fabric SET label = x'ff'", "fabrics", "fabric 1" },
  { "UPDATE fabric SET label = '"
    "0123456789012345678901234567890123"
    "'",
    "fabrics", "fabric 1" },
  { "UPDATE fabric SET vendor_id = 65536", "fabrics", "fabric 1" },
  { "UPDATE fabric SET icac = x''", "fabrics", "fabric 1" },
  { "UPDATE fabric SET node_id = 'one'", "fabrics", "fabric 1" },
  { "UPDATE acl_entry SET privilege = 6", "acl", "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET auth_mode = 0", "acl", "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET subjects = x'020100CDABFDFFFFFF'", "acl",
    "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET subjects = x'010100CDABFDFFFFFF00'", "acl",
    "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET subjects = "
    "x'0100000000000000000000000000000000000000000000000000000000000000000000000000000000'",
    "acl", "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET subjects = x''", "acl", "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET targets = x'010800000000000000000000'", "acl",
    "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET targets = x'010000000000000000000000'", "acl",
    "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET targets = x'010201000000000000000000'", "acl",
    "access control entry 0 of fabric 1" },
  { "UPDATE acl_entry SET targets = 5", "acl", "access control entry 0 of fabric 1" },
  { "UPDATE group_key_set SET security_policy = 2", "key sets", "group key set 5 of fabric 1" },
  { "UPDATE group_key_set SET epoch_key0 = zeroblob(15)", "key sets",
    "group key set 5 of fabric 1" },
  { "UPDATE group_key_set SET epoch_key1 = NULL", "key sets", "group key set 5 of fabric 1" },
  { "UPDATE group_key_set SET epoch_key2 = zeroblob(16), epoch_start2 = 1, epoch_key1 = NULL, "
    "epoch_start1 = NULL",
    "key sets", "group key set 5 of fabric 1" },
  { "UPDATE group_key_set SET epoch_start0 = 'soon'", "key sets", "group key set 5 of fabric 1" },
  { "UPDATE group_map SET key_set_id = 0", "key map", "group key map entry 0 of fabric 1" },
  { "UPDATE group_map SET group_id = 65536", "key map", "group key map entry 0 of fabric 1" },
  { "UPDATE resumption SET shared_secret = zeroblob(31)", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET shared_secret = 'text'", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET resumption_id = zeroblob(17)", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET resumption_id = '0123456789abcdef'", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET fabric_index = 255", "resumptions",
    "resumption record of node 0x0000000000001234 on fabric 255" },
  { "UPDATE resumption SET peer_node_id = 'one'", "resumptions",
    "resumption record of node 0x0000000000000000 on fabric 1" },
  { "UPDATE resumption SET peer_cats = x'0100000000'", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET peer_cats = x'0201000000'", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET peer_cats = x'01'", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET peer_cats = x'010100000002'", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET peer_cats = x'0101000000020000000300000004000000'", "resumptions",
    RESUMPTION_ROW },
  { "UPDATE resumption SET peer_cats = 5", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET sequence = -1", "resumptions", RESUMPTION_ROW },
  { "UPDATE resumption SET sequence = 1.5", "resumptions", RESUMPTION_ROW },
};

static gboolean
load_fails(MdNodeStorage *storage, const char *what, GError **error)
{
  g_autoptr(GPtrArray) fabrics = NULL;
  g_autoptr(GArray) rows = NULL;

  if (g_str_equal(what, "fabrics"))
    return (fabrics = md_node_storage_load_fabrics(storage, error)) == NULL;
  if (g_str_equal(what, "acl"))
    rows = md_node_storage_load_acl(storage, error);
  else if (g_str_equal(what, "key sets"))
    rows = md_node_storage_load_group_key_sets(storage, error);
  else if (g_str_equal(what, "key map"))
    rows = md_node_storage_load_group_key_map(storage, error);
  else
    rows = md_node_storage_load_resumptions(storage, error);
  return rows == NULL;
}

/* The store stays open: its quick_check at open would (rightly) refuse a
 * database with rows that break CHECK constraints. */
static void
test_rows_corrupt(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  g_autoptr(MdStore) store = open_store(f, MD_STORE_OPEN_DEFAULT);
  MdNodeStorage storage = node_storage(store);
  const MdResumptionRecord resumption = make_resumption(1, 0x1234, 1, 2);

  for (gsize i = 0; i < G_N_ELEMENTS(corrupt_cases); i++) {
    const CorruptCase *c = &corrupt_cases[i];
    g_autoptr(GError) error = NULL;
    sqlite3 *db;

    g_test_message("%s", c->sql);
    g_assert_true(md_node_storage_delete_fabric(&storage, 1, NULL));
    /* A case may have moved the record off fabric 1, out of the cascade. */
    g_assert_true(md_node_storage_delete_resumption(&storage, resumption.resumption_id, NULL));
    put_fabric_with_rows(&storage, 1);
    g_assert_false(load_fails(&storage, c->load, &error));
    g_assert_no_error(error);

    db = raw_open(f->db_path);
    raw_exec(db, "PRAGMA ignore_check_constraints = ON");
    raw_exec(db, c->sql);
    g_assert_cmpint(sqlite3_changes(db), ==, 1);
    sqlite3_close(db);

    g_assert_true(load_fails(&storage, c->load, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, c->row));
  }
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
  add("/store/resumption-cascade", test_resumption_cascade);
  add("/store/rows/fabric-round-trip", test_fabric_round_trip);
  add("/store/rows/acl-round-trip", test_acl_round_trip);
  add("/store/rows/group-key-set-round-trip", test_group_key_set_round_trip);
  add("/store/rows/group-key-map-round-trip", test_group_key_map_round_trip);
  add("/store/rows/group-membership-round-trip", test_group_membership_round_trip);
  add("/store/rows/group-membership-refused", test_group_membership_refused);
  add("/store/rows/group-membership-corrupt", test_group_membership_corrupt);
  add("/store/rows/resumption-round-trip", test_resumption_round_trip);
  add("/store/rows/resumption-upsert", test_resumption_upsert);
  add("/store/rows/resumption-refused", test_resumption_refused);
  add("/store/rows/fabric-update-keeps-rows", test_fabric_update_keeps_rows);
  add("/store/rows/delete-fabric", test_delete_fabric);
  add("/store/rows/rollback", test_rows_rollback);
  add("/store/rows/put-atomic", test_rows_put_atomic);
  add("/store/rows/refused", test_rows_refused);
  add("/store/rows/migrate-from-1", test_migrate_from_1);
  add("/store/rows/migrate-from-2", test_migrate_from_2);
  add("/store/rows/corrupt", test_rows_corrupt);

  return g_test_run();
}
