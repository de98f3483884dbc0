/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define DB_NAME "matterd.db"
#define BUSY_TIMEOUT_MS 5000

struct _MdStore {
  sqlite3 *db;
  char *path;
  gboolean in_transaction;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* Schema scripts: version N is migrations[N - 1]. Only ever append; a
 * released script never changes, or databases it wrote would disagree with
 * the code that reads them. Scripts run with foreign keys off, so a later
 * one can rebuild a table the way SQLite's ALTER TABLE documentation
 * describes; PRAGMA foreign_key_check runs before each commit. */
static const char *const migrations[] = {
  /* 1: node key-values, fabrics and their access control entries. */
  "CREATE TABLE node ("
  "  key TEXT PRIMARY KEY NOT NULL,"
  "  value NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE fabric ("
  "  fabric_index INTEGER PRIMARY KEY CHECK (fabric_index BETWEEN 1 AND 254),"
  "  fabric_id INTEGER NOT NULL,"
  "  node_id INTEGER NOT NULL,"
  "  vendor_id INTEGER NOT NULL CHECK (vendor_id BETWEEN 0 AND 65535),"
  "  label TEXT NOT NULL DEFAULT '',"
  "  rcac BLOB NOT NULL,"
  "  icac BLOB,"
  "  noc BLOB NOT NULL,"
  "  operational_key BLOB NOT NULL,"
  "  ipk_epoch_key BLOB NOT NULL"
  ");"
  "CREATE TABLE acl_entry ("
  "  fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL CHECK (position >= 0),"
  /* View, ProxyView, Operate, Manage, Administer */
  "  privilege INTEGER NOT NULL CHECK (privilege BETWEEN 1 AND 5),"
  /* PASE, CASE, Group */
  "  auth_mode INTEGER NOT NULL CHECK (auth_mode BETWEEN 1 AND 3),"
  "  subjects BLOB,"
  "  targets BLOB,"
  "  PRIMARY KEY (fabric_index, position)"
  ");",
  /* 2: the Vendor ID Verification fields of a fabric (Operational
   * Credentials revision 2) and Group Key Management's key sets and map.
   * The IPK stays with its fabric (ipk_epoch_key): key set 0 is not here. */
  "ALTER TABLE fabric ADD COLUMN vid_verification_statement BLOB;"
  "ALTER TABLE fabric ADD COLUMN vvsc BLOB;"
  "CREATE TABLE group_key_set ("
  "  fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON DELETE CASCADE,"
  "  key_set_id INTEGER NOT NULL CHECK (key_set_id BETWEEN 1 AND 65535),"
  /* TrustFirst, CacheAndSync */
  "  security_policy INTEGER NOT NULL CHECK (security_policy BETWEEN 0 AND 1),"
  "  epoch_key0 BLOB NOT NULL CHECK (length(epoch_key0) = 16),"
  "  epoch_start0 INTEGER NOT NULL,"
  "  epoch_key1 BLOB CHECK (epoch_key1 IS NULL OR length(epoch_key1) = 16),"
  "  epoch_start1 INTEGER,"
  "  epoch_key2 BLOB CHECK (epoch_key2 IS NULL OR length(epoch_key2) = 16),"
  "  epoch_start2 INTEGER,"
  "  PRIMARY KEY (fabric_index, key_set_id)"
  ");"
  "CREATE TABLE group_map ("
  "  fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL CHECK (position >= 0),"
  "  group_id INTEGER NOT NULL CHECK (group_id BETWEEN 1 AND 65535),"
  "  key_set_id INTEGER NOT NULL CHECK (key_set_id BETWEEN 1 AND 65535),"
  "  PRIMARY KEY (fabric_index, position)"
  ");",
};

int
md_store_schema_version(void)
{
  return (int) G_N_ELEMENTS(migrations);
}

static gboolean
is_corrupt_rc(int rc)
{
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static void set_sqlite_error(GError **error, sqlite3 *db, int rc, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* "<what>: <sqlite's message>", as MD_ERROR_STORE_CORRUPT when SQLite
 * found the file damaged and MD_ERROR_STORE otherwise. */
static void
set_sqlite_error(GError **error, sqlite3 *db, int rc, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start(args, format);
  what = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, MD_ERROR, is_corrupt_rc(rc) ? MD_ERROR_STORE_CORRUPT : MD_ERROR_STORE,
              "%s: %s", what, db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static gboolean
exec_sql(sqlite3 *db, const char *sql, GError **error)
{
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK) {
    set_sqlite_error(error, db, rc, "%s", sql);
    return FALSE;
  }
  return TRUE;
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v3(db, sql, -1, 0, &stmt, NULL);

  if (rc != SQLITE_OK) {
    set_sqlite_error(error, db, rc, "%s", sql);
    sqlite3_finalize(stmt);
    return NULL;
  }
  return stmt;
}

/* Runs @sql, which yields one row, and gives the row's first column. */
static gboolean
query_int(sqlite3 *db, const char *sql, sqlite3_int64 *value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare(db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    set_sqlite_error(error, db, rc, "%s", sql);
    return FALSE;
  }
  *value = sqlite3_column_int64(stmt, 0);
  return TRUE;
}

static char *
query_text(sqlite3 *db, const char *sql, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare(db, sql, error);
  const unsigned char *text;
  int rc;

  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    set_sqlite_error(error, db, rc, "%s", sql);
    return NULL;
  }
  text = sqlite3_column_text(stmt, 0);
  return g_strdup(text != NULL ? (const char *) text : "");
}

static gboolean
restrict_mode(const char *path, const struct stat *st, int fd, GError **error)
{
  int r;

  if ((st->st_mode & 07777 & ~0600) == 0)
    return TRUE;
  r = fd >= 0 ? fchmod(fd, 0600) : g_chmod(path, 0600);
  if (r < 0) {
    int errsv = errno;
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Cannot restrict %s to mode 0600: %s", path,
                g_strerror(errsv));
    return FALSE;
  }
  g_warning("%s had mode %04o, changed it to 0600", path, (unsigned) (st->st_mode & 07777));
  return TRUE;
}

/* SQLite would create the file with 0644 & ~umask. Creating it here makes it
 * 0600 from the start, and SQLite gives -wal and -shm the mode of the
 * database file. Files left with wider modes are tightened, since -wal
 * holds the same keys as the database. */
static gboolean
prepare_files(const char *path, GError **error)
{
  static const char *const sidecars[] = { "-wal", "-shm" };
  struct stat st;
  int fd;

  fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    int errsv = errno;
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Cannot open %s: %s", path, g_strerror(errsv));
    return FALSE;
  }
  if (fstat(fd, &st) < 0) {
    int errsv = errno;
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Cannot stat %s: %s", path, g_strerror(errsv));
    close(fd);
    return FALSE;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "%s is not a regular file", path);
    close(fd);
    return FALSE;
  }
  if (!restrict_mode(path, &st, fd, error)) {
    close(fd);
    return FALSE;
  }
  /* Closing before SQLite opens the file: closing any descriptor of a file
   * drops the process's POSIX locks on it, SQLite's included. */
  close(fd);

  for (gsize i = 0; i < G_N_ELEMENTS(sidecars); i++) {
    g_autofree char *sidecar = g_strconcat(path, sidecars[i], NULL);

    if (g_lstat(sidecar, &st) < 0)
      continue; /* SQLite reports anything worse than a missing file */
    if (S_ISREG(st.st_mode) && !restrict_mode(sidecar, &st, -1, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_version(sqlite3 *db, sqlite3_int64 *version, GError **error)
{
  if (!query_int(db, "PRAGMA user_version", version, error))
    return FALSE;
  if (*version < 0 || *version > md_store_schema_version()) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_VERSION,
                "schema version %" G_GINT64_FORMAT ", but this matterd knows versions up to %d "
                "only; it was written by a newer matterd",
                (gint64) *version, md_store_schema_version());
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_integrity(sqlite3 *db, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare(db, "PRAGMA quick_check", error);
  const unsigned char *text;
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    set_sqlite_error(error, db, rc, "PRAGMA quick_check");
    return FALSE;
  }
  /* "ok" when healthy; otherwise the problems found, one per line. */
  text = sqlite3_column_text(stmt, 0);
  if (text == NULL || !g_str_equal((const char *) text, "ok")) {
    g_auto(GStrv) lines = g_strsplit(text != NULL ? (const char *) text : "no result", "\n", -1);
    g_autofree char *problems = g_strjoinv("; ", lines);

    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "PRAGMA quick_check: %s", problems);
    return FALSE;
  }
  return TRUE;
}

static gboolean
configure(sqlite3 *db, GError **error)
{
  g_autofree char *mode = query_text(db, "PRAGMA journal_mode = WAL", error);

  if (mode == NULL)
    return FALSE;
  /* SQLite keeps the old mode, without an error, where WAL cannot work
   * (no shared memory on the file system, for one). */
  if (g_ascii_strcasecmp(mode, "wal") != 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "cannot switch to WAL journal, still in %s mode",
                mode);
    return FALSE;
  }
  /* FULL syncs the WAL at every commit: a commit survives power loss, not
   * just a crash of matterd. secure_delete zeroes freed content, which
   * includes keys of removed fabrics. */
  return exec_sql(db, "PRAGMA synchronous = FULL", error) &&
         exec_sql(db, "PRAGMA secure_delete = ON", error);
}

static gboolean
run_migration(sqlite3 *db, int version, GError **error)
{
  g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d", version);
  g_autoptr(sqlite3_stmt) fk_check = NULL;
  int rc;

  /* IMMEDIATE takes the write lock up front, so a concurrent writer waits
   * (busy_timeout) rather than failing half-way. */
  if (!exec_sql(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!exec_sql(db, migrations[version - 1], error) ||
      (fk_check = prepare(db, "PRAGMA foreign_key_check", error)) == NULL)
    goto fail;
  rc = sqlite3_step(fk_check);
  if (rc == SQLITE_ROW) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE,
                "migration to schema version %d leaves a dangling reference from table %s", version,
                (const char *) sqlite3_column_text(fk_check, 0));
    goto fail;
  } else if (rc != SQLITE_DONE) {
    set_sqlite_error(error, db, rc, "PRAGMA foreign_key_check");
    goto fail;
  }
  g_clear_pointer(&fk_check, sqlite3_finalize);
  if (!exec_sql(db, bump, error) || !exec_sql(db, "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer(&fk_check, sqlite3_finalize);
  g_prefix_error(error, "migration to schema version %d: ", version);
  if (!sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
migrate(sqlite3 *db, const char *path, int from, GError **error)
{
  int to = md_store_schema_version();

  if (from == to)
    return TRUE;
  /* Off while the scripts run (see migrations[]); it cannot change inside
   * a transaction. */
  if (!exec_sql(db, "PRAGMA foreign_keys = OFF", error))
    return FALSE;
  for (int version = from + 1; version <= to; version++)
    if (!run_migration(db, version, error))
      return FALSE;
  if (from == 0)
    g_message("Created %s with schema version %d", path, to);
  else
    g_message("Migrated %s from schema version %d to %d", path, from, to);
  return TRUE;
}

static gboolean
enable_foreign_keys(sqlite3 *db, GError **error)
{
  sqlite3_int64 on = 0;

  if (!exec_sql(db, "PRAGMA foreign_keys = ON", error) ||
      !query_int(db, "PRAGMA foreign_keys", &on, error))
    return FALSE;
  /* A build with SQLITE_OMIT_FOREIGN_KEY ignores the pragma silently. */
  if (on != 1) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_STORE, "SQLite does not enforce foreign keys");
    return FALSE;
  }
  return TRUE;
}

/* Everything up to the migrations only reads, so a database this build
 * must refuse (corrupt, or from a newer matterd) is left as it was. That
 * includes not checkpointing its WAL on close. */
static gboolean
check_and_migrate(sqlite3 *db, const char *path, GError **error)
{
  sqlite3_int64 version = 0;

  sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  if (!check_version(db, &version, error) || !check_integrity(db, error) || !configure(db, error) ||
      !migrate(db, path, (int) version, error) || !enable_foreign_keys(db, error))
    return FALSE;

  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
  return TRUE;
}

static sqlite3 *
open_db(const char *path, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3 *db = NULL;
  int rc;

  if (!prepare_files(path, error))
    return NULL;

  /* No SQLITE_OPEN_CREATE: prepare_files() made the file. */
  rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    set_sqlite_error(&local_error, db, rc, "sqlite3_open_v2");
  else
    check_and_migrate(db, path, &local_error);
  if (local_error == NULL)
    return db;

  sqlite3_close(db);
  if (g_error_matches(local_error, MD_ERROR, MD_ERROR_STORE_CORRUPT))
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                "Database %s is corrupt (%s). Start matterd with --reset-corrupt-state to move it "
                "aside and start from an empty state; the node then has to be commissioned again",
                path, local_error->message);
  else if (g_error_matches(local_error, MD_ERROR, MD_ERROR_STORE_VERSION))
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_VERSION, "Database %s has %s", path,
                local_error->message);
  else
    g_set_error(error, MD_ERROR, local_error->code, "Cannot use database %s: %s", path,
                local_error->message);
  return NULL;
}

static gboolean
aside_name_taken(const char *aside)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *name = g_strconcat(aside, suffixes[i], NULL);

    if (g_file_test(name, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
      return TRUE;
  }
  return FALSE;
}

/* Renames the database and its -wal and -shm to <path>.corrupt-<UTC time>,
 * keeping them for inspection. The -wal goes first: a -wal left next to a
 * new database of the same name must not be replayed into it. */
static gboolean
move_aside(const char *path, GError **error)
{
  static const char *const suffixes[] = { "-wal", "-shm", "" };
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
  g_autofree char *aside = g_strdup_printf("%s.corrupt-%s", path, stamp);

  /* Two resets within a second must not overwrite the first copy. */
  for (guint n = 1; aside_name_taken(aside); n++) {
    g_free(aside);
    aside = g_strdup_printf("%s.corrupt-%s.%u", path, stamp, n);
  }

  for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *from = g_strconcat(path, suffixes[i], NULL);
    g_autofree char *to = g_strconcat(aside, suffixes[i], NULL);

    if (g_rename(from, to) < 0 && errno != ENOENT) {
      int errsv = errno;
      g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Cannot move corrupt %s aside to %s: %s", from,
                  to, g_strerror(errsv));
      return FALSE;
    }
  }
  g_warning("Database %s was corrupt; moved it aside to %s and starting from an empty state", path,
            aside);
  return TRUE;
}

MdStore *
md_store_open(const char *state_dir, MdStoreOpenFlags flags, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  MdStore *store;
  sqlite3 *db;

  g_return_val_if_fail(state_dir != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (g_mkdir_with_parents(state_dir, 0700) < 0) {
    int errsv = errno;
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Cannot create state directory %s: %s", state_dir,
                g_strerror(errsv));
    return NULL;
  }
  path = g_build_filename(state_dir, DB_NAME, NULL);

  db = open_db(path, &local_error);
  /* Only a file SQLite itself judged damaged is moved aside; one that
   * cannot be read at all (permissions, I/O errors) is left alone. */
  if (db == NULL && (flags & MD_STORE_OPEN_RESET_CORRUPT) &&
      g_error_matches(local_error, MD_ERROR, MD_ERROR_STORE_CORRUPT)) {
    if (!move_aside(path, error))
      return NULL;
    g_clear_error(&local_error);
    db = open_db(path, &local_error);
  }
  if (db == NULL) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return NULL;
  }

  store = g_new0(MdStore, 1);
  store->db = db;
  store->path = g_steal_pointer(&path);
  g_debug("Opened %s", store->path);
  return store;
}

void
md_store_close(MdStore *store)
{
  int rc;

  if (store == NULL)
    return;
  md_store_rollback(store);
  /* The last connection to close checkpoints the WAL into the database. */
  rc = sqlite3_close(store->db);
  if (rc != SQLITE_OK)
    g_warning("Cannot close %s: %s", store->path, sqlite3_errstr(rc));
  g_free(store->path);
  g_free(store);
}

const char *
md_store_get_path(MdStore *store)
{
  g_return_val_if_fail(store != NULL, NULL);
  return store->path;
}

gboolean
md_store_begin(MdStore *store, GError **error)
{
  g_return_val_if_fail(store != NULL, FALSE);

  if (store->in_transaction) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_FAILED, "transaction already open");
    return FALSE;
  }
  if (!exec_sql(store->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  store->in_transaction = TRUE;
  return TRUE;
}

gboolean
md_store_commit(MdStore *store, GError **error)
{
  g_return_val_if_fail(store != NULL, FALSE);

  if (!store->in_transaction) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_FAILED, "no transaction open");
    return FALSE;
  }
  store->in_transaction = FALSE;
  if (sqlite3_get_autocommit(store->db)) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_STORE,
                        "transaction was rolled back after an earlier error");
    return FALSE;
  }
  if (!exec_sql(store->db, "COMMIT", error)) {
    if (!sqlite3_get_autocommit(store->db))
      sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    g_prefix_error(error, "transaction rolled back: ");
    return FALSE;
  }
  return TRUE;
}

void
md_store_rollback(MdStore *store)
{
  g_return_if_fail(store != NULL);

  if (!store->in_transaction)
    return;
  store->in_transaction = FALSE;
  if (!sqlite3_get_autocommit(store->db) &&
      sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
    g_warning("Cannot roll back a transaction on %s: %s", store->path, sqlite3_errmsg(store->db));
}

gboolean
md_store_in_transaction(MdStore *store)
{
  g_return_val_if_fail(store != NULL, FALSE);
  return store->in_transaction;
}

/* SQLite rolls a transaction back by itself after some errors (a full disk,
 * I/O errors). Writing on in autocommit mode would commit the rest of the
 * caller's transaction piecemeal, so refuse until the caller ends it. */
static gboolean
check_transaction(MdStore *store, GError **error)
{
  if (store->in_transaction && sqlite3_get_autocommit(store->db)) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_STORE,
                        "transaction was rolled back after an earlier error");
    return FALSE;
  }
  return TRUE;
}

static sqlite3_stmt *
prepare_with_key(MdStore *store, const char *sql, const char *key, GError **error)
{
  sqlite3_stmt *stmt = prepare(store->db, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  rc = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot look up key “%s”", key);
    sqlite3_finalize(stmt);
    return NULL;
  }
  return stmt;
}

static sqlite3_stmt *
prepare_put(MdStore *store, const char *key, GError **error)
{
  if (!check_transaction(store, error))
    return NULL;
  return prepare_with_key(store, "INSERT OR REPLACE INTO node (key, value) VALUES (?1, ?2)", key,
                          error);
}

/* @bind_rc is the result of binding the value. */
static gboolean
finish_put(MdStore *store, sqlite3_stmt *stmt, const char *key, int bind_rc, GError **error)
{
  int rc = bind_rc == SQLITE_OK ? sqlite3_step(stmt) : bind_rc;

  if (rc != SQLITE_DONE) {
    set_sqlite_error(error, store->db, rc, "Cannot write key “%s”", key);
    return FALSE;
  }
  return TRUE;
}

static const char *
type_name(int type)
{
  switch (type) {
  case SQLITE_INTEGER:
    return "integer";
  case SQLITE_FLOAT:
    return "float";
  case SQLITE_TEXT:
    return "string";
  case SQLITE_BLOB:
    return "byte string";
  default:
    return "null";
  }
}

/* Returns the statement positioned on the key's row, whose value has @type. */
static sqlite3_stmt *
lookup(MdStore *store, const char *key, int type, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt =
      prepare_with_key(store, "SELECT value FROM node WHERE key = ?1", key, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No value stored for key “%s”", key);
    return NULL;
  } else if (rc != SQLITE_ROW) {
    set_sqlite_error(error, store->db, rc, "Cannot read key “%s”", key);
    return NULL;
  }
  if (sqlite3_column_type(stmt, 0) != type) {
    g_set_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE, "Key “%s” holds a %s, not a %s", key,
                type_name(sqlite3_column_type(stmt, 0)), type_name(type));
    return NULL;
  }
  return g_steal_pointer(&stmt);
}

gboolean
md_store_put_uint64(MdStore *store, const char *key, guint64 value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail(store != NULL && key != NULL, FALSE);

  stmt = prepare_put(store, key, error);
  /* SQLite integers are signed 64-bit; values above G_MAXINT64 are kept as
   * their two's complement and cast back in md_store_get_uint64(). */
  return stmt != NULL &&
         finish_put(store, stmt, key, sqlite3_bind_int64(stmt, 2, (sqlite3_int64) value), error);
}

gboolean
md_store_get_uint64(MdStore *store, const char *key, guint64 *value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail(store != NULL && key != NULL && value != NULL, FALSE);

  stmt = lookup(store, key, SQLITE_INTEGER, error);
  if (stmt == NULL)
    return FALSE;
  *value = (guint64) sqlite3_column_int64(stmt, 0);
  return TRUE;
}

gboolean
md_store_put_string(MdStore *store, const char *key, const char *value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail(store != NULL && key != NULL && value != NULL, FALSE);

  stmt = prepare_put(store, key, error);
  return stmt != NULL &&
         finish_put(store, stmt, key,
                    sqlite3_bind_text64(stmt, 2, value, strlen(value), SQLITE_STATIC, SQLITE_UTF8),
                    error);
}

char *
md_store_get_string(MdStore *store, const char *key, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const unsigned char *text;

  g_return_val_if_fail(store != NULL && key != NULL, NULL);

  stmt = lookup(store, key, SQLITE_TEXT, error);
  if (stmt == NULL)
    return NULL;
  /* NULL for a TEXT value only when SQLite ran out of memory. */
  text = sqlite3_column_text(stmt, 0);
  if (text == NULL) {
    set_sqlite_error(error, store->db, SQLITE_NOMEM, "Cannot read key “%s”", key);
    return NULL;
  }
  return g_strndup((const char *) text, sqlite3_column_bytes(stmt, 0));
}

gboolean
md_store_put_bytes(MdStore *store, const char *key, GBytes *value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gconstpointer data;
  gsize size;

  g_return_val_if_fail(store != NULL && key != NULL && value != NULL, FALSE);

  stmt = prepare_put(store, key, error);
  if (stmt == NULL)
    return FALSE;
  /* A NULL pointer would bind SQL NULL, not an empty blob. */
  data = g_bytes_get_data(value, &size);
  return finish_put(store, stmt, key,
                    sqlite3_bind_blob64(stmt, 2, data != NULL ? data : "", size, SQLITE_STATIC),
                    error);
}

GBytes *
md_store_get_bytes(MdStore *store, const char *key, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const void *data;

  g_return_val_if_fail(store != NULL && key != NULL, NULL);

  stmt = lookup(store, key, SQLITE_BLOB, error);
  if (stmt == NULL)
    return NULL;
  /* Blob before bytes, as SQLite documents; NULL for an empty blob. */
  data = sqlite3_column_blob(stmt, 0);
  return g_bytes_new(data, sqlite3_column_bytes(stmt, 0));
}

gboolean
md_store_delete(MdStore *store, const char *key, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail(store != NULL && key != NULL, FALSE);

  if (!check_transaction(store, error))
    return FALSE;
  stmt = prepare_with_key(store, "DELETE FROM node WHERE key = ?1", key, error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) {
    set_sqlite_error(error, store->db, rc, "Cannot delete key “%s”", key);
    return FALSE;
  }
  return TRUE;
}

int
md_store_count_fabrics(MdStore *store, GError **error)
{
  sqlite3_int64 count;

  g_return_val_if_fail(store != NULL, -1);

  if (!query_int(store->db, "SELECT count(*) FROM fabric", &count, error)) {
    g_prefix_error(error, "Cannot count fabrics: ");
    return -1;
  }
  return (int) count;
}

/* ---- the node's storage interface ---- */

static gboolean
node_begin(gpointer store, GError **error)
{
  return md_store_begin(store, error);
}

static gboolean
node_commit(gpointer store, GError **error)
{
  return md_store_commit(store, error);
}

static void
node_rollback(gpointer store)
{
  md_store_rollback(store);
}

static gboolean
node_get_uint64(gpointer store, const char *key, guint64 *value, GError **error)
{
  return md_store_get_uint64(store, key, value, error);
}

static gboolean
node_put_uint64(gpointer store, const char *key, guint64 value, GError **error)
{
  return md_store_put_uint64(store, key, value, error);
}

static GBytes *
node_get_bytes(gpointer store, const char *key, GError **error)
{
  return md_store_get_bytes(store, key, error);
}

static gboolean
node_put_bytes(gpointer store, const char *key, GBytes *value, GError **error)
{
  return md_store_put_bytes(store, key, value, error);
}

static int
node_count_fabrics(gpointer store, GError **error)
{
  return md_store_count_fabrics(store, error);
}

void
md_store_get_node_storage(MdStore *store, MdNodeStorage *storage)
{
  static const MdNodeStorageOps ops = {
    .begin = node_begin,
    .commit = node_commit,
    .rollback = node_rollback,
    .get_uint64 = node_get_uint64,
    .put_uint64 = node_put_uint64,
    .get_bytes = node_get_bytes,
    .put_bytes = node_put_bytes,
    .count_fabrics = node_count_fabrics,
  };

  storage->ops = &ops;
  storage->user_data = store;
}
