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
  /* Access Control's Extension entry of the fabric (at most one). */
  "ALTER TABLE fabric ADD COLUMN acl_extension BLOB"
  "  CHECK (acl_extension IS NULL OR length(acl_extension) BETWEEN 1 AND 128);"
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
  /* 3: CASE session resumption records (Core spec 4.14.2), one per peer
   * of a fabric. peer_cats is NULL (no tags) or a list blob of 1..3 tags
   * (see "fabric-scoped rows" below). sequence grows with every record
   * written and is unique, so the oldest record of a fabric, the one to
   * evict, is always one row; its index also serves the load's ORDER BY.
   * The (fabric_index, peer_node_id) index serves the cascade too. */
  "CREATE TABLE resumption ("
  "  resumption_id BLOB PRIMARY KEY NOT NULL CHECK (length(resumption_id) = 16),"
  "  fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON DELETE CASCADE,"
  "  peer_node_id INTEGER NOT NULL,"
  "  peer_cats BLOB CHECK (peer_cats IS NULL OR length(peer_cats) IN (5, 9, 13)),"
  "  shared_secret BLOB NOT NULL CHECK (length(shared_secret) = 32),"
  "  sequence INTEGER NOT NULL UNIQUE CHECK (sequence >= 0),"
  "  UNIQUE (fabric_index, peer_node_id)"
  ");",
  /* 4: the Groups clusters' memberships (the Group Table), one row per
   * endpoint of a group of a fabric; the name is the group's, repeated on
   * each of its rows, up to 16 bytes of UTF-8. */
  "CREATE TABLE group_membership ("
  "  fabric_index INTEGER NOT NULL REFERENCES fabric (fabric_index) ON DELETE CASCADE,"
  "  group_id INTEGER NOT NULL CHECK (group_id BETWEEN 1 AND 65535),"
  "  endpoint INTEGER NOT NULL CHECK (endpoint BETWEEN 0 AND 65535),"
  "  name TEXT NOT NULL DEFAULT '' CHECK (length(CAST(name AS BLOB)) <= 16),"
  "  PRIMARY KEY (fabric_index, group_id, endpoint)"
  ") WITHOUT ROWID;",
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

/* ---- fabric-scoped rows ----
 *
 * Every row read back is checked the way a put checks its record before
 * writing, and a row that fails is MD_ERROR_STORE_CORRUPT naming the row: a
 * damaged or hand-edited row must stop the node, not become a fabric with a
 * short key. Because the same checks run before each put, the store never
 * writes a row it would refuse to read.
 *
 * Access control subjects and targets, and the CASE Authenticated Tags of
 * a resumption record's peer, are BLOBs in an encoding of this store's
 * own, versioned by their first byte so a later schema can change it
 * (ACL_BLOB_VERSION):
 *   subjects:  0x01, then each subject as 8 bytes, little-endian;
 *   targets:   0x01, then each target as ACL_TARGET_LEN bytes: a flags byte
 *              (ACL_TARGET_*), the cluster id (4 bytes LE), the endpoint
 *              (2 bytes LE) and the device type (4 bytes LE); a field whose
 *              flag is clear is zero;
 *   peer_cats: 0x01, then each tag as 4 bytes LE, in the record's order;
 *              none is 0.
 * An empty list ("any subject of the auth mode", "every target", "no
 * tags") is SQL NULL. */

#define ACL_BLOB_VERSION 1
#define ACL_SUBJECT_LEN 8
#define ACL_TARGET_LEN 11
#define ACL_TARGET_CLUSTER 0x01
#define ACL_TARGET_ENDPOINT 0x02
#define ACL_TARGET_DEVICE_TYPE 0x04
#define ACL_TARGET_FLAGS (ACL_TARGET_CLUSTER | ACL_TARGET_ENDPOINT | ACL_TARGET_DEVICE_TYPE)
#define FABRIC_LABEL_MAX 32
#define RESUMPTION_CAT_LEN 4

static void set_corrupt(GError **error, const char *row, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void
set_corrupt(GError **error, const char *row, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start(args, format);
  why = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "Stored %s is corrupt: %s", row, why);
}

static void set_invalid(GError **error, const char *row, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/* A record a put refuses: the caller's bug, not the database's. */
static void
set_invalid(GError **error, const char *row, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start(args, format);
  why = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Refusing to store %s: %s", row, why);
}

static gboolean
bytes_len_is(GBytes *bytes, gsize len)
{
  return bytes != NULL && g_bytes_get_size(bytes) == len;
}

/* NULL when the record may be stored, else why not. */
static const char *
check_fabric(const MdFabricRecord *fabric)
{
  if (fabric->fabric_index < 1 || fabric->fabric_index > 254)
    return "fabric index outside 1..254";
  if (fabric->label != NULL &&
      (strlen(fabric->label) > FABRIC_LABEL_MAX || !g_utf8_validate(fabric->label, -1, NULL)))
    return "label is not UTF-8 of up to 32 bytes";
  if (fabric->rcac == NULL || g_bytes_get_size(fabric->rcac) == 0)
    return "no root certificate";
  if (fabric->icac != NULL && g_bytes_get_size(fabric->icac) == 0)
    return "empty intermediate certificate";
  if (fabric->noc == NULL || g_bytes_get_size(fabric->noc) == 0)
    return "no operational certificate";
  if (!bytes_len_is(fabric->operational_key, MATTER_P256_PRIVATE_KEY_LEN))
    return "operational key is not a P-256 private key of 32 bytes";
  if (!bytes_len_is(fabric->ipk_epoch_key, MATTER_AES128_KEY_LEN))
    return "IPK epoch key is not 16 bytes";
  if (fabric->acl_extension != NULL && (g_bytes_get_size(fabric->acl_extension) == 0 ||
                                        g_bytes_get_size(fabric->acl_extension) > 128))
    return "access control extension is not 1..128 bytes";
  return NULL;
}

static const char *
check_acl_entry(const MatterAclEntry *entry)
{
  if (entry->privilege < MATTER_ACL_PRIVILEGE_VIEW ||
      entry->privilege > MATTER_ACL_PRIVILEGE_ADMINISTER)
    return "privilege outside 1..5";
  if (entry->auth_mode < MATTER_ACL_AUTH_PASE || entry->auth_mode > MATTER_ACL_AUTH_GROUP)
    return "auth mode outside 1..3";
  if (entry->subject_count > MATTER_ACL_SUBJECTS_MAX)
    return "more subjects than an entry holds";
  if (entry->target_count > MATTER_ACL_TARGETS_MAX)
    return "more targets than an entry holds";
  for (gsize i = 0; i < entry->target_count; i++) {
    const MatterAclTarget *target = &entry->targets[i];

    if (!target->has_cluster && !target->has_endpoint && !target->has_device_type)
      return "a target that names nothing";
  }
  return NULL;
}

static const char *
check_group_key_set(const MdGroupKeySetRecord *set)
{
  if (set->fabric_index < 1 || set->fabric_index > 254)
    return "fabric index outside 1..254";
  if (set->key_set_id == 0)
    return "key set 0 is the fabric's IPK";
  /* GroupKeySecurityPolicyEnum: TrustFirst, CacheAndSync. */
  if (set->security_policy > 1)
    return "security policy outside 0..1";
  if (set->epoch_key_count < 1 || set->epoch_key_count > MD_GROUP_EPOCH_KEYS_MAX)
    return "epoch key count outside 1..3";
  return NULL;
}

static const char *
check_group_key_map(const MdGroupKeyMapRecord *entry)
{
  if (entry->group_id == 0)
    return "group id 0";
  if (entry->key_set_id == 0)
    return "key set id 0";
  return NULL;
}

static const char *
check_resumption(const MdResumptionRecord *record)
{
  if (record->fabric_index < 1 || record->fabric_index > 254)
    return "fabric index outside 1..254";
  if (record->sequence > G_MAXINT64)
    return "sequence above 2^63 - 1";
  /* The encoding keeps tags, not their positions: a gap would not come back. */
  for (gsize i = 1; i < G_N_ELEMENTS(record->peer_cats); i++)
    if (record->peer_cats[i] != 0 && record->peer_cats[i - 1] == 0)
      return "a CASE Authenticated Tag follows an absent one";
  return NULL;
}

/* A SAVEPOINT nests inside md_store_begin()'s transaction and is one of
 * its own outside it, so a put of several rows is all or nothing either
 * way. */
static gboolean
savepoint_begin(MdStore *store, GError **error)
{
  return check_transaction(store, error) && exec_sql(store->db, "SAVEPOINT rows", error);
}

static gboolean
savepoint_end(MdStore *store, gboolean ok, GError **error)
{
  if (ok && exec_sql(store->db, "RELEASE rows", error))
    return TRUE;
  /* Fails only when SQLite already rolled the whole transaction back,
   * which check_transaction() reports at the next write. */
  sqlite3_exec(store->db, "ROLLBACK TO rows; RELEASE rows", NULL, NULL, NULL);
  return FALSE;
}

/* Steps a write statement once; @what names it for the message. */
static gboolean
step_done(MdStore *store, sqlite3_stmt *stmt, const char *what, GError **error)
{
  int rc = sqlite3_step(stmt);

  if (rc != SQLITE_DONE) {
    set_sqlite_error(error, store->db, rc, "Cannot write %s", what);
    return FALSE;
  }
  return TRUE;
}

/* Binds @bytes, or SQL NULL for NULL. A zero-length blob needs a non-NULL
 * pointer, or it would bind NULL too. */
static int
bind_bytes(sqlite3_stmt *stmt, int col, GBytes *bytes)
{
  gconstpointer data;
  gsize size;

  if (bytes == NULL)
    return sqlite3_bind_null(stmt, col);
  data = g_bytes_get_data(bytes, &size);
  return sqlite3_bind_blob64(stmt, col, data != NULL ? data : "", size, SQLITE_STATIC);
}

/* Reads an INTEGER column within @min..@max. */
static gboolean
column_int(sqlite3_stmt *stmt, int col, sqlite3_int64 min, sqlite3_int64 max, sqlite3_int64 *value,
           const char *row, GError **error)
{
  if (sqlite3_column_type(stmt, col) != SQLITE_INTEGER) {
    set_corrupt(error, row, "%s holds a value of type %s, not an integer",
                sqlite3_column_name(stmt, col), type_name(sqlite3_column_type(stmt, col)));
    return FALSE;
  }
  *value = sqlite3_column_int64(stmt, col);
  if (*value < min || *value > max) {
    set_corrupt(error, row,
                "%s %" G_GINT64_FORMAT " is outside %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                sqlite3_column_name(stmt, col), (gint64) *value, (gint64) min, (gint64) max);
    return FALSE;
  }
  return TRUE;
}

/* Reads a BLOB column; SQL NULL gives NULL where @nullable. A @secret is
 * copied into memory that is wiped when the GBytes goes. */
static gboolean
column_bytes(sqlite3_stmt *stmt, int col, gboolean nullable, gboolean secret, GBytes **value,
             const char *row, GError **error)
{
  int type = sqlite3_column_type(stmt, col);
  const void *data;
  gsize size;

  *value = NULL;
  if (type == SQLITE_NULL && nullable)
    return TRUE;
  if (type != SQLITE_BLOB) {
    set_corrupt(error, row, "%s holds a value of type %s, not a byte string",
                sqlite3_column_name(stmt, col), type_name(type));
    return FALSE;
  }
  /* Blob before bytes, as SQLite documents; NULL for an empty blob. */
  data = sqlite3_column_blob(stmt, col);
  size = sqlite3_column_bytes(stmt, col);
  *value = secret ? md_secret_bytes_new(data, size) : g_bytes_new(data, size);
  return TRUE;
}

static gboolean
column_label(sqlite3_stmt *stmt, int col, char **label, const char *row, GError **error)
{
  const unsigned char *text;

  if (sqlite3_column_type(stmt, col) != SQLITE_TEXT) {
    set_corrupt(error, row, "label holds a value of type %s, not a string",
                type_name(sqlite3_column_type(stmt, col)));
    return FALSE;
  }
  text = sqlite3_column_text(stmt, col);
  *label = g_strndup(text != NULL ? (const char *) text : "", sqlite3_column_bytes(stmt, col));
  return TRUE;
}

/* Steps a load statement: TRUE while it gives rows; FALSE at the end,
 * or with *@failed and @error set when it cannot read on. */
static gboolean
next_row(MdStore *store, sqlite3_stmt *stmt, const char *table, gboolean *failed, GError **error)
{
  int rc = sqlite3_step(stmt);

  *failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
  if (*failed)
    set_sqlite_error(error, store->db, rc, "Cannot read table %s", table);
  return rc == SQLITE_ROW;
}

#define FABRIC_COLUMNS                                                                     \
  "fabric_index, fabric_id, node_id, vendor_id, label, rcac, icac, noc, operational_key, " \
  "ipk_epoch_key, vid_verification_statement, vvsc, acl_extension"

static MdFabricRecord *
read_fabric(sqlite3_stmt *stmt, GError **error)
{
  g_autoptr(MdFabricRecord) fabric = g_new0(MdFabricRecord, 1);
  g_autofree char *row =
      g_strdup_printf("fabric %" G_GINT64_FORMAT, (gint64) sqlite3_column_int64(stmt, 0));
  sqlite3_int64 index, fabric_id, node_id, vendor_id;
  const char *why;

  if (!column_int(stmt, 0, 1, 254, &index, row, error) ||
      !column_int(stmt, 1, G_MININT64, G_MAXINT64, &fabric_id, row, error) ||
      !column_int(stmt, 2, G_MININT64, G_MAXINT64, &node_id, row, error) ||
      !column_int(stmt, 3, 0, G_MAXUINT16, &vendor_id, row, error) ||
      !column_label(stmt, 4, &fabric->label, row, error) ||
      !column_bytes(stmt, 5, FALSE, FALSE, &fabric->rcac, row, error) ||
      !column_bytes(stmt, 6, TRUE, FALSE, &fabric->icac, row, error) ||
      !column_bytes(stmt, 7, FALSE, FALSE, &fabric->noc, row, error) ||
      !column_bytes(stmt, 8, FALSE, TRUE, &fabric->operational_key, row, error) ||
      !column_bytes(stmt, 9, FALSE, TRUE, &fabric->ipk_epoch_key, row, error) ||
      !column_bytes(stmt, 10, TRUE, FALSE, &fabric->vid_verification_statement, row, error) ||
      !column_bytes(stmt, 11, TRUE, FALSE, &fabric->vvsc, row, error) ||
      !column_bytes(stmt, 12, TRUE, FALSE, &fabric->acl_extension, row, error))
    return NULL;
  fabric->fabric_index = (guint8) index;
  /* Signed in SQL, as md_store_put_uint64() keeps them. */
  fabric->fabric_id = (guint64) fabric_id;
  fabric->node_id = (guint64) node_id;
  fabric->vendor_id = (guint16) vendor_id;
  if ((why = check_fabric(fabric)) != NULL) {
    set_corrupt(error, row, "%s", why);
    return NULL;
  }
  return g_steal_pointer(&fabric);
}

static GPtrArray *
store_load_fabrics(gpointer user_data, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(GPtrArray) fabrics =
      g_ptr_array_new_with_free_func((GDestroyNotify) md_fabric_record_free);
  g_autoptr(sqlite3_stmt) stmt =
      prepare(store->db, "SELECT " FABRIC_COLUMNS " FROM fabric ORDER BY fabric_index", error);
  gboolean failed = FALSE;

  if (stmt == NULL)
    return NULL;
  while (next_row(store, stmt, "fabric", &failed, error)) {
    MdFabricRecord *fabric = read_fabric(stmt, error);

    if (fabric == NULL)
      return NULL;
    g_ptr_array_add(fabrics, fabric);
  }
  return failed ? NULL : g_steal_pointer(&fabrics);
}

static gboolean
store_put_fabric(gpointer user_data, const MdFabricRecord *fabric, GError **error)
{
  /* An upsert, not INSERT OR REPLACE: a replace deletes the row first, and
   * the delete would cascade to the fabric's ACL and group rows. */
  static const char sql[] =
      "INSERT INTO fabric (" FABRIC_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
      "?11, ?12, ?13) ON CONFLICT (fabric_index) DO UPDATE SET fabric_id = excluded.fabric_id, "
      "node_id = excluded.node_id, vendor_id = excluded.vendor_id, label = excluded.label, "
      "rcac = excluded.rcac, icac = excluded.icac, noc = excluded.noc, "
      "operational_key = excluded.operational_key, ipk_epoch_key = excluded.ipk_epoch_key, "
      "vid_verification_statement = excluded.vid_verification_statement, vvsc = excluded.vvsc, "
      "acl_extension = excluded.acl_extension";
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *row = g_strdup_printf("fabric %u", fabric->fabric_index);
  const char *label = fabric->label != NULL ? fabric->label : "";
  const char *why = check_fabric(fabric);
  int rc;

  if (why != NULL) {
    set_invalid(error, row, "%s", why);
    return FALSE;
  }
  if (!check_transaction(store, error) || (stmt = prepare(store->db, sql, error)) == NULL)
    return FALSE;
  rc = sqlite3_bind_int(stmt, 1, fabric->fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 2, (sqlite3_int64) fabric->fabric_id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 3, (sqlite3_int64) fabric->node_id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 4, fabric->vendor_id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 5, label, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 6, fabric->rcac);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 7, fabric->icac);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 8, fabric->noc);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 9, fabric->operational_key);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 10, fabric->ipk_epoch_key);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 11, fabric->vid_verification_statement);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 12, fabric->vvsc);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 13, fabric->acl_extension);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot write %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

/* Deletes @sql's rows of the fabric bound as ?1. */
static gboolean
delete_fabric_rows(MdStore *store, const char *sql, guint8 fabric_index, const char *what,
                   GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare(store->db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_bind_int(stmt, 1, fabric_index);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot delete %s of fabric %u", what, fabric_index);
    return FALSE;
  }
  return step_done(store, stmt, what, error);
}

static gboolean
store_delete_fabric(gpointer user_data, guint8 fabric_index, GError **error)
{
  MdStore *store = user_data;

  /* The fabric's ACL, group and resumption rows go with it: ON DELETE
   * CASCADE, and enable_foreign_keys() made sure SQLite enforces it. */
  return check_transaction(store, error) &&
         delete_fabric_rows(store, "DELETE FROM fabric WHERE fabric_index = ?1", fabric_index,
                            "fabric", error);
}

static GBytes *
encode_subjects(const MatterAclEntry *entry)
{
  guint8 *blob;
  gsize len = 1 + entry->subject_count * ACL_SUBJECT_LEN;

  if (entry->subject_count == 0)
    return NULL;
  blob = g_malloc(len);
  blob[0] = ACL_BLOB_VERSION;
  for (gsize i = 0; i < entry->subject_count; i++) {
    guint64 le = GUINT64_TO_LE(entry->subjects[i]);
    memcpy(blob + 1 + i * ACL_SUBJECT_LEN, &le, ACL_SUBJECT_LEN);
  }
  return g_bytes_new_take(blob, len);
}

static GBytes *
encode_targets(const MatterAclEntry *entry)
{
  guint8 *blob;
  gsize len = 1 + entry->target_count * ACL_TARGET_LEN;

  if (entry->target_count == 0)
    return NULL;
  blob = g_malloc(len);
  blob[0] = ACL_BLOB_VERSION;
  for (gsize i = 0; i < entry->target_count; i++) {
    const MatterAclTarget *target = &entry->targets[i];
    guint8 *out = blob + 1 + i * ACL_TARGET_LEN;
    guint32 cluster = GUINT32_TO_LE(target->has_cluster ? target->cluster : 0);
    guint16 endpoint = GUINT16_TO_LE(target->has_endpoint ? target->endpoint : 0);
    guint32 device_type = GUINT32_TO_LE(target->has_device_type ? target->device_type : 0);

    out[0] = (target->has_cluster ? ACL_TARGET_CLUSTER : 0) |
             (target->has_endpoint ? ACL_TARGET_ENDPOINT : 0) |
             (target->has_device_type ? ACL_TARGET_DEVICE_TYPE : 0);
    memcpy(out + 1, &cluster, 4);
    memcpy(out + 5, &endpoint, 2);
    memcpy(out + 7, &device_type, 4);
  }
  return g_bytes_new_take(blob, len);
}

/* The records of a versioned list blob (see above): how many @record_len
 * records follow the version byte, at most @max. */
static gboolean
list_blob_records(GBytes *blob, gsize record_len, gsize max, const char *name, gsize *count,
                  const char *row, GError **error)
{
  gsize size;
  const guint8 *data = blob != NULL ? g_bytes_get_data(blob, &size) : NULL;

  *count = 0;
  if (blob == NULL)
    return TRUE;
  if (size < 1 || data[0] != ACL_BLOB_VERSION) {
    set_corrupt(error, row, "%s are not in encoding version %d", name, ACL_BLOB_VERSION);
    return FALSE;
  }
  if ((size - 1) % record_len != 0 || (size - 1) / record_len > max) {
    set_corrupt(error, row,
                "%s are %" G_GSIZE_FORMAT " bytes, not up to %" G_GSIZE_FORMAT
                " records of %" G_GSIZE_FORMAT,
                name, size - 1, max, record_len);
    return FALSE;
  }
  *count = (size - 1) / record_len;
  return TRUE;
}

static gboolean
decode_subjects(GBytes *blob, MatterAclEntry *entry, const char *row, GError **error)
{
  const guint8 *data;

  if (!list_blob_records(blob, ACL_SUBJECT_LEN, MATTER_ACL_SUBJECTS_MAX, "subjects",
                         &entry->subject_count, row, error))
    return FALSE;
  data = blob != NULL ? (const guint8 *) g_bytes_get_data(blob, NULL) + 1 : NULL;
  for (gsize i = 0; i < entry->subject_count; i++) {
    guint64 le;

    memcpy(&le, data + i * ACL_SUBJECT_LEN, ACL_SUBJECT_LEN);
    entry->subjects[i] = GUINT64_FROM_LE(le);
  }
  return TRUE;
}

static gboolean
decode_target(const guint8 *in, MatterAclTarget *target, const char *row, GError **error)
{
  guint8 flags = in[0];
  guint32 cluster, device_type;
  guint16 endpoint;

  memcpy(&cluster, in + 1, 4);
  memcpy(&endpoint, in + 5, 2);
  memcpy(&device_type, in + 7, 4);
  target->has_cluster = (flags & ACL_TARGET_CLUSTER) != 0;
  target->has_endpoint = (flags & ACL_TARGET_ENDPOINT) != 0;
  target->has_device_type = (flags & ACL_TARGET_DEVICE_TYPE) != 0;
  target->cluster = GUINT32_FROM_LE(cluster);
  target->endpoint = GUINT16_FROM_LE(endpoint);
  target->device_type = GUINT32_FROM_LE(device_type);
  /* encode_targets() writes nothing else: anything else is damage. */
  if ((flags & ~ACL_TARGET_FLAGS) != 0 || flags == 0 ||
      (!target->has_cluster && target->cluster != 0) ||
      (!target->has_endpoint && target->endpoint != 0) ||
      (!target->has_device_type && target->device_type != 0)) {
    set_corrupt(error, row, "a target with flags 0x%02x does not decode", flags);
    return FALSE;
  }
  return TRUE;
}

static gboolean
decode_targets(GBytes *blob, MatterAclEntry *entry, const char *row, GError **error)
{
  const guint8 *data;

  if (!list_blob_records(blob, ACL_TARGET_LEN, MATTER_ACL_TARGETS_MAX, "targets",
                         &entry->target_count, row, error))
    return FALSE;
  data = blob != NULL ? (const guint8 *) g_bytes_get_data(blob, NULL) + 1 : NULL;
  for (gsize i = 0; i < entry->target_count; i++)
    if (!decode_target(data + i * ACL_TARGET_LEN, &entry->targets[i], row, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_acl_entry(sqlite3_stmt *stmt, MatterAclEntry *entry, GError **error)
{
  g_autofree char *row = g_strdup_printf(
      "access control entry %" G_GINT64_FORMAT " of fabric %" G_GINT64_FORMAT,
      (gint64) sqlite3_column_int64(stmt, 1), (gint64) sqlite3_column_int64(stmt, 0));
  g_autoptr(GBytes) subjects = NULL;
  g_autoptr(GBytes) targets = NULL;
  sqlite3_int64 index, position, privilege, auth_mode;
  const char *why;

  memset(entry, 0, sizeof(*entry));
  if (!column_int(stmt, 0, 1, 254, &index, row, error) ||
      !column_int(stmt, 1, 0, G_MAXINT64, &position, row, error) ||
      !column_int(stmt, 2, 0, G_MAXUINT8, &privilege, row, error) ||
      !column_int(stmt, 3, 0, G_MAXUINT8, &auth_mode, row, error) ||
      !column_bytes(stmt, 4, TRUE, FALSE, &subjects, row, error) ||
      !column_bytes(stmt, 5, TRUE, FALSE, &targets, row, error) ||
      !decode_subjects(subjects, entry, row, error) || !decode_targets(targets, entry, row, error))
    return FALSE;
  entry->fabric_index = (guint8) index;
  entry->privilege = (MatterAclPrivilege) privilege;
  entry->auth_mode = (MatterAclAuthMode) auth_mode;
  if ((why = check_acl_entry(entry)) != NULL) {
    set_corrupt(error, row, "%s", why);
    return FALSE;
  }
  return TRUE;
}

static GArray *
store_load_acl(gpointer user_data, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(MatterAclEntry));
  g_autoptr(sqlite3_stmt) stmt =
      prepare(store->db,
              "SELECT fabric_index, position, privilege, auth_mode, subjects, targets "
              "FROM acl_entry ORDER BY fabric_index, position",
              error);
  gboolean failed = FALSE;

  if (stmt == NULL)
    return NULL;
  while (next_row(store, stmt, "acl_entry", &failed, error)) {
    MatterAclEntry entry;

    if (!read_acl_entry(stmt, &entry, error))
      return NULL;
    g_array_append_val(entries, entry);
  }
  return failed ? NULL : g_steal_pointer(&entries);
}

static gboolean
insert_acl_entry(MdStore *store, sqlite3_stmt *stmt, guint8 fabric_index, gsize position,
                 const MatterAclEntry *entry, const char *row, GError **error)
{
  g_autoptr(GBytes) subjects = encode_subjects(entry);
  g_autoptr(GBytes) targets = encode_targets(entry);
  int rc;

  sqlite3_reset(stmt);
  rc = sqlite3_bind_int(stmt, 1, fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 2, (sqlite3_int64) position);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 3, entry->privilege);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 4, entry->auth_mode);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 5, subjects);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 6, targets);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot write %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

/* The rows' own fabric_index fields are not used: every row is @fabric_index's. */
static gboolean
put_acl_rows(MdStore *store, guint8 fabric_index, const MatterAclEntry *entries, gsize count,
             GError **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;

  if (!delete_fabric_rows(store, "DELETE FROM acl_entry WHERE fabric_index = ?1", fabric_index,
                          "access control entries", error))
    return FALSE;
  insert = prepare(store->db,
                   "INSERT INTO acl_entry (fabric_index, position, privilege, auth_mode, "
                   "subjects, targets) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                   error);
  if (insert == NULL)
    return FALSE;
  for (gsize i = 0; i < count; i++) {
    g_autofree char *row =
        g_strdup_printf("access control entry %" G_GSIZE_FORMAT " of fabric %u", i, fabric_index);

    if (!insert_acl_entry(store, insert, fabric_index, i, &entries[i], row, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
store_put_acl(gpointer user_data, guint8 fabric_index, const MatterAclEntry *entries, gsize count,
              GError **error)
{
  MdStore *store = user_data;

  for (gsize i = 0; i < count; i++) {
    const char *why = check_acl_entry(&entries[i]);

    if (why != NULL) {
      g_autofree char *row =
          g_strdup_printf("access control entry %" G_GSIZE_FORMAT " of fabric %u", i, fabric_index);
      set_invalid(error, row, "%s", why);
      return FALSE;
    }
  }
  if (!savepoint_begin(store, error))
    return FALSE;
  return savepoint_end(store, put_acl_rows(store, fabric_index, entries, count, error), error);
}

/* Epoch keys are wiped when the caller frees the array. */
static void
group_key_set_clear(gpointer data)
{
  matter_secure_zero(data, sizeof(MdGroupKeySetRecord));
}

static GArray *
group_key_set_array_new(void)
{
  GArray *sets = g_array_new(FALSE, TRUE, sizeof(MdGroupKeySetRecord));

  g_array_set_clear_func(sets, group_key_set_clear);
  return sets;
}

/* Reads epoch key @n (columns 3 + 2n and 4 + 2n) into @set; *@present
 * says whether the row has one. */
static gboolean
read_epoch_key(sqlite3_stmt *stmt, guint n, MdGroupKeySetRecord *set, gboolean *present,
               const char *row, GError **error)
{
  int key_col = 3 + 2 * (int) n, start_col = 4 + 2 * (int) n;
  g_autoptr(GBytes) key = NULL;
  sqlite3_int64 start;

  *present = FALSE;
  if (!column_bytes(stmt, key_col, n > 0, TRUE, &key, row, error))
    return FALSE;
  if (key == NULL) {
    if (sqlite3_column_type(stmt, start_col) != SQLITE_NULL) {
      set_corrupt(error, row, "epoch start time %u without its key", n);
      return FALSE;
    }
    return TRUE;
  }
  if (!bytes_len_is(key, MATTER_AES128_KEY_LEN)) {
    set_corrupt(error, row, "epoch key %u is not 16 bytes", n);
    return FALSE;
  }
  if (!column_int(stmt, start_col, G_MININT64, G_MAXINT64, &start, row, error))
    return FALSE;
  memcpy(set->epoch_keys[n], g_bytes_get_data(key, NULL), MATTER_AES128_KEY_LEN);
  set->epoch_start_times[n] = (guint64) start;
  *present = TRUE;
  return TRUE;
}

static gboolean
read_group_key_set(sqlite3_stmt *stmt, MdGroupKeySetRecord *set, GError **error)
{
  g_autofree char *row = g_strdup_printf(
      "group key set %" G_GINT64_FORMAT " of fabric %" G_GINT64_FORMAT,
      (gint64) sqlite3_column_int64(stmt, 1), (gint64) sqlite3_column_int64(stmt, 0));
  sqlite3_int64 index, key_set_id, policy;
  const char *why;

  if (!column_int(stmt, 0, 1, 254, &index, row, error) ||
      !column_int(stmt, 1, 1, G_MAXUINT16, &key_set_id, row, error) ||
      !column_int(stmt, 2, 0, G_MAXUINT8, &policy, row, error))
    return FALSE;
  set->fabric_index = (guint8) index;
  set->key_set_id = (guint16) key_set_id;
  set->security_policy = (guint8) policy;
  set->epoch_key_count = 0;
  for (guint n = 0; n < MD_GROUP_EPOCH_KEYS_MAX; n++) {
    gboolean present;

    if (!read_epoch_key(stmt, n, set, &present, row, error))
      return FALSE;
    if (present && set->epoch_key_count != n) {
      set_corrupt(error, row, "epoch key %u follows a missing one", n);
      return FALSE;
    }
    if (present)
      set->epoch_key_count = n + 1;
  }
  if ((why = check_group_key_set(set)) != NULL) {
    set_corrupt(error, row, "%s", why);
    return FALSE;
  }
  return TRUE;
}

static GArray *
store_load_group_key_sets(gpointer user_data, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(GArray) sets = group_key_set_array_new();
  g_autoptr(sqlite3_stmt) stmt = prepare(
      store->db,
      "SELECT fabric_index, key_set_id, security_policy, epoch_key0, epoch_start0, epoch_key1, "
      "epoch_start1, epoch_key2, epoch_start2 FROM group_key_set ORDER BY fabric_index, key_set_id",
      error);
  gboolean failed = FALSE;

  if (stmt == NULL)
    return NULL;
  while (next_row(store, stmt, "group_key_set", &failed, error)) {
    MdGroupKeySetRecord set = { 0 };
    gboolean ok = read_group_key_set(stmt, &set, error);

    if (ok)
      g_array_append_val(sets, set);
    matter_secure_zero(&set, sizeof(set));
    if (!ok)
      return NULL;
  }
  return failed ? NULL : g_steal_pointer(&sets);
}

static int
bind_epoch_key(sqlite3_stmt *stmt, const MdGroupKeySetRecord *set, guint n)
{
  int key_col = 4 + 2 * (int) n, start_col = 5 + 2 * (int) n;
  int rc;

  if (n >= set->epoch_key_count) {
    rc = sqlite3_bind_null(stmt, key_col);
    return rc == SQLITE_OK ? sqlite3_bind_null(stmt, start_col) : rc;
  }
  /* SQLITE_TRANSIENT copies into SQLite's memory, which it does not wipe;
   * STATIC reads the caller's record, which outlives the step. */
  rc = sqlite3_bind_blob(stmt, key_col, set->epoch_keys[n], MATTER_AES128_KEY_LEN, SQLITE_STATIC);
  return rc == SQLITE_OK
             ? sqlite3_bind_int64(stmt, start_col, (sqlite3_int64) set->epoch_start_times[n])
             : rc;
}

static gboolean
store_put_group_key_set(gpointer user_data, const MdGroupKeySetRecord *set, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *row =
      g_strdup_printf("group key set %u of fabric %u", set->key_set_id, set->fabric_index);
  const char *why = check_group_key_set(set);
  int rc;

  if (why != NULL) {
    set_invalid(error, row, "%s", why);
    return FALSE;
  }
  if (!check_transaction(store, error))
    return FALSE;
  stmt = prepare(store->db,
                 "INSERT INTO group_key_set (fabric_index, key_set_id, security_policy, "
                 "epoch_key0, epoch_start0, epoch_key1, epoch_start1, epoch_key2, epoch_start2) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                 "ON CONFLICT (fabric_index, key_set_id) DO UPDATE SET "
                 "security_policy = excluded.security_policy, epoch_key0 = excluded.epoch_key0, "
                 "epoch_start0 = excluded.epoch_start0, epoch_key1 = excluded.epoch_key1, "
                 "epoch_start1 = excluded.epoch_start1, epoch_key2 = excluded.epoch_key2, "
                 "epoch_start2 = excluded.epoch_start2",
                 error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_bind_int(stmt, 1, set->fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 2, set->key_set_id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 3, set->security_policy);
  for (guint n = 0; n < MD_GROUP_EPOCH_KEYS_MAX && rc == SQLITE_OK; n++)
    rc = bind_epoch_key(stmt, set, n);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot write %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

static gboolean
store_delete_group_key_set(gpointer user_data, guint8 fabric_index, guint16 key_set_id,
                           GError **error)
{
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *row = g_strdup_printf("group key set %u of fabric %u", key_set_id, fabric_index);
  int rc;

  if (!check_transaction(store, error))
    return FALSE;
  stmt = prepare(store->db, "DELETE FROM group_key_set WHERE fabric_index = ?1 AND key_set_id = ?2",
                 error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_bind_int(stmt, 1, fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 2, key_set_id);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot delete %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

static gboolean
read_group_key_map(sqlite3_stmt *stmt, MdGroupKeyMapRecord *entry, GError **error)
{
  g_autofree char *row = g_strdup_printf(
      "group key map entry %" G_GINT64_FORMAT " of fabric %" G_GINT64_FORMAT,
      (gint64) sqlite3_column_int64(stmt, 1), (gint64) sqlite3_column_int64(stmt, 0));
  sqlite3_int64 index, position, group_id, key_set_id;

  if (!column_int(stmt, 0, 1, 254, &index, row, error) ||
      !column_int(stmt, 1, 0, G_MAXINT64, &position, row, error) ||
      !column_int(stmt, 2, 1, G_MAXUINT16, &group_id, row, error) ||
      !column_int(stmt, 3, 1, G_MAXUINT16, &key_set_id, row, error))
    return FALSE;
  entry->fabric_index = (guint8) index;
  entry->group_id = (guint16) group_id;
  entry->key_set_id = (guint16) key_set_id;
  return TRUE;
}

static GArray *
store_load_group_key_map(gpointer user_data, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(MdGroupKeyMapRecord));
  g_autoptr(sqlite3_stmt) stmt = prepare(store->db,
                                         "SELECT fabric_index, position, group_id, key_set_id "
                                         "FROM group_map ORDER BY fabric_index, position",
                                         error);
  gboolean failed = FALSE;

  if (stmt == NULL)
    return NULL;
  while (next_row(store, stmt, "group_map", &failed, error)) {
    MdGroupKeyMapRecord entry;

    if (!read_group_key_map(stmt, &entry, error))
      return NULL;
    g_array_append_val(entries, entry);
  }
  return failed ? NULL : g_steal_pointer(&entries);
}

static gboolean
put_group_map_rows(MdStore *store, guint8 fabric_index, const MdGroupKeyMapRecord *entries,
                   gsize count, GError **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;

  if (!delete_fabric_rows(store, "DELETE FROM group_map WHERE fabric_index = ?1", fabric_index,
                          "group key map", error))
    return FALSE;
  insert = prepare(store->db,
                   "INSERT INTO group_map (fabric_index, position, group_id, key_set_id) "
                   "VALUES (?1, ?2, ?3, ?4)",
                   error);
  if (insert == NULL)
    return FALSE;
  for (gsize i = 0; i < count; i++) {
    g_autofree char *row =
        g_strdup_printf("group key map entry %" G_GSIZE_FORMAT " of fabric %u", i, fabric_index);
    int rc;

    sqlite3_reset(insert);
    rc = sqlite3_bind_int(insert, 1, fabric_index);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(insert, 2, (sqlite3_int64) i);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int(insert, 3, entries[i].group_id);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int(insert, 4, entries[i].key_set_id);
    if (rc != SQLITE_OK) {
      set_sqlite_error(error, store->db, rc, "Cannot write %s", row);
      return FALSE;
    }
    if (!step_done(store, insert, row, error))
      return FALSE;
  }
  return TRUE;
}

/* As put_acl: the entries' own fabric_index fields are not used. */
static gboolean
store_put_group_key_map(gpointer user_data, guint8 fabric_index, const MdGroupKeyMapRecord *entries,
                        gsize count, GError **error)
{
  MdStore *store = user_data;

  for (gsize i = 0; i < count; i++) {
    const char *why = check_group_key_map(&entries[i]);

    if (why != NULL) {
      g_autofree char *row =
          g_strdup_printf("group key map entry %" G_GSIZE_FORMAT " of fabric %u", i, fabric_index);
      set_invalid(error, row, "%s", why);
      return FALSE;
    }
  }
  if (!savepoint_begin(store, error))
    return FALSE;
  return savepoint_end(store, put_group_map_rows(store, fabric_index, entries, count, error),
                       error);
}

/* ---- group memberships ---- */

static const char *
check_group_membership(const MdGroupMembershipRecord *membership)
{
  gsize len = strnlen(membership->name, sizeof(membership->name));

  if (membership->fabric_index < 1 || membership->fabric_index > 254)
    return "fabric index outside 1..254";
  if (membership->group_id == 0)
    return "group id 0";
  if (len > MD_GROUP_NAME_MAX)
    return "a name of more than 16 bytes";
  if (!g_utf8_validate(membership->name, (gssize) len, NULL))
    return "a name that is not UTF-8";
  return NULL;
}

static gboolean
read_group_membership(sqlite3_stmt *stmt, MdGroupMembershipRecord *membership, GError **error)
{
  g_autofree char *row = g_strdup_printf(
      "group %" G_GINT64_FORMAT " of fabric %" G_GINT64_FORMAT " on endpoint %" G_GINT64_FORMAT,
      (gint64) sqlite3_column_int64(stmt, 1), (gint64) sqlite3_column_int64(stmt, 0),
      (gint64) sqlite3_column_int64(stmt, 2));
  sqlite3_int64 index, group_id, endpoint;
  const unsigned char *name;
  int len;

  if (!column_int(stmt, 0, 1, 254, &index, row, error) ||
      !column_int(stmt, 1, 1, G_MAXUINT16, &group_id, row, error) ||
      !column_int(stmt, 2, 0, G_MAXUINT16, &endpoint, row, error))
    return FALSE;
  if (sqlite3_column_type(stmt, 3) != SQLITE_TEXT) {
    set_corrupt(error, row, "name holds a value of type %s, not a string",
                type_name(sqlite3_column_type(stmt, 3)));
    return FALSE;
  }
  name = sqlite3_column_text(stmt, 3);
  len = sqlite3_column_bytes(stmt, 3);
  if (len > MD_GROUP_NAME_MAX || memchr(name, 0, len) != NULL ||
      !g_utf8_validate((const char *) name, len, NULL)) {
    set_corrupt(error, row, "name is not a group name of up to 16 bytes of UTF-8");
    return FALSE;
  }
  *membership = (MdGroupMembershipRecord){
    .fabric_index = (guint8) index,
    .group_id = (guint16) group_id,
    .endpoint = (guint16) endpoint,
  };
  memcpy(membership->name, name, len);
  return TRUE;
}

static GArray *
store_load_group_memberships(gpointer user_data, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(MdGroupMembershipRecord));
  g_autoptr(sqlite3_stmt) stmt =
      prepare(store->db,
              "SELECT fabric_index, group_id, endpoint, name FROM group_membership "
              "ORDER BY fabric_index, group_id, endpoint",
              error);
  gboolean failed = FALSE;

  if (stmt == NULL)
    return NULL;
  while (next_row(store, stmt, "group_membership", &failed, error)) {
    MdGroupMembershipRecord membership;

    if (!read_group_membership(stmt, &membership, error))
      return NULL;
    g_array_append_val(rows, membership);
  }
  return failed ? NULL : g_steal_pointer(&rows);
}

static gboolean
store_put_group_membership(gpointer user_data, const MdGroupMembershipRecord *membership,
                           GError **error)
{
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *row =
      g_strdup_printf("group %u of fabric %u on endpoint %u", membership->group_id,
                      membership->fabric_index, membership->endpoint);
  const char *why = check_group_membership(membership);
  int rc;

  if (why != NULL) {
    set_invalid(error, row, "%s", why);
    return FALSE;
  }
  if (!check_transaction(store, error))
    return FALSE;
  stmt =
      prepare(store->db,
              "INSERT INTO group_membership (fabric_index, group_id, endpoint, name) "
              "VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (fabric_index, group_id, endpoint) DO UPDATE SET name = excluded.name",
              error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_bind_int(stmt, 1, membership->fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 2, membership->group_id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 3, membership->endpoint);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 4, membership->name, -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot write %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

static gboolean
store_delete_group_membership(gpointer user_data, guint8 fabric_index, guint16 group_id,
                              guint16 endpoint, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *row =
      g_strdup_printf("group %u of fabric %u on endpoint %u", group_id, fabric_index, endpoint);
  int rc;

  if (!check_transaction(store, error))
    return FALSE;
  stmt = prepare(store->db,
                 "DELETE FROM group_membership "
                 "WHERE fabric_index = ?1 AND group_id = ?2 AND endpoint = ?3",
                 error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_bind_int(stmt, 1, fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 2, group_id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 3, endpoint);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot delete %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

/* ---- resumption records ---- */

#define RESUMPTION_COLUMNS \
  "resumption_id, fabric_index, peer_node_id, peer_cats, shared_secret, sequence"

/* Rows are named by their peer: the resumption id says nothing to a reader. */
static char *
resumption_row_name(gint64 fabric_index, guint64 peer_node_id)
{
  return g_strdup_printf("resumption record of node 0x%016" G_GINT64_MODIFIER
                         "X on fabric %" G_GINT64_FORMAT,
                         peer_node_id, fabric_index);
}

/* Every record of the array is wiped as the array drops it. */
static void
resumption_clear(gpointer data)
{
  matter_secure_zero(data, sizeof(MdResumptionRecord));
}

static GArray *
resumption_array_new(void)
{
  GArray *records = g_array_new(FALSE, TRUE, sizeof(MdResumptionRecord));

  g_array_set_clear_func(records, resumption_clear);
  return records;
}

static GBytes *
encode_cats(const MdResumptionRecord *record)
{
  guint8 blob[1 + MATTER_CERT_MAX_CATS * RESUMPTION_CAT_LEN];
  gsize count = 0;

  while (count < MATTER_CERT_MAX_CATS && record->peer_cats[count] != 0) {
    guint32 le = GUINT32_TO_LE(record->peer_cats[count]);

    memcpy(blob + 1 + count * RESUMPTION_CAT_LEN, &le, RESUMPTION_CAT_LEN);
    count++;
  }
  if (count == 0)
    return NULL;
  blob[0] = ACL_BLOB_VERSION;
  return g_bytes_new(blob, 1 + count * RESUMPTION_CAT_LEN);
}

static gboolean
decode_cats(GBytes *blob, MdResumptionRecord *record, const char *row, GError **error)
{
  const guint8 *data;
  gsize count;

  if (!list_blob_records(blob, RESUMPTION_CAT_LEN, MATTER_CERT_MAX_CATS, "peer CATs", &count, row,
                         error))
    return FALSE;
  /* encode_cats() writes no tags as NULL, and no tag as 0. */
  if (blob != NULL && count == 0) {
    set_corrupt(error, row, "peer CATs are an empty list");
    return FALSE;
  }
  data = blob != NULL ? (const guint8 *) g_bytes_get_data(blob, NULL) + 1 : NULL;
  for (gsize i = 0; i < count; i++) {
    guint32 le;

    memcpy(&le, data + i * RESUMPTION_CAT_LEN, RESUMPTION_CAT_LEN);
    record->peer_cats[i] = GUINT32_FROM_LE(le);
    if (record->peer_cats[i] == 0) {
      set_corrupt(error, row, "peer CAT %" G_GSIZE_FORMAT " is 0", i);
      return FALSE;
    }
  }
  return TRUE;
}

/* Copies a BLOB column of exactly @len bytes into @out. */
static gboolean
column_fixed_bytes(sqlite3_stmt *stmt, int col, gboolean secret, guint8 *out, gsize len,
                   const char *row, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;

  if (!column_bytes(stmt, col, FALSE, secret, &bytes, row, error))
    return FALSE;
  if (!bytes_len_is(bytes, len)) {
    set_corrupt(error, row, "%s is not %" G_GSIZE_FORMAT " bytes", sqlite3_column_name(stmt, col),
                len);
    return FALSE;
  }
  memcpy(out, g_bytes_get_data(bytes, NULL), len);
  return TRUE;
}

static gboolean
read_resumption(sqlite3_stmt *stmt, MdResumptionRecord *record, GError **error)
{
  g_autofree char *row =
      resumption_row_name(sqlite3_column_int64(stmt, 1), (guint64) sqlite3_column_int64(stmt, 2));
  g_autoptr(GBytes) cats = NULL;
  sqlite3_int64 index, node_id, sequence;
  const char *why;

  if (!column_fixed_bytes(stmt, 0, FALSE, record->resumption_id, MD_RESUMPTION_ID_LEN, row,
                          error) ||
      !column_int(stmt, 1, 1, 254, &index, row, error) ||
      !column_int(stmt, 2, G_MININT64, G_MAXINT64, &node_id, row, error) ||
      !column_bytes(stmt, 3, TRUE, FALSE, &cats, row, error) ||
      !decode_cats(cats, record, row, error) ||
      !column_fixed_bytes(stmt, 4, TRUE, record->shared_secret, MD_RESUMPTION_SECRET_LEN, row,
                          error) ||
      !column_int(stmt, 5, 0, G_MAXINT64, &sequence, row, error))
    return FALSE;
  record->fabric_index = (guint8) index;
  /* Signed in SQL, as md_store_put_uint64() keeps them. */
  record->peer_node_id = (guint64) node_id;
  record->sequence = (guint64) sequence;
  if ((why = check_resumption(record)) != NULL) {
    set_corrupt(error, row, "%s", why);
    return FALSE;
  }
  return TRUE;
}

static GArray *
store_load_resumptions(gpointer user_data, GError **error)
{
  MdStore *store = user_data;
  g_autoptr(GArray) records = resumption_array_new();
  g_autoptr(sqlite3_stmt) stmt =
      prepare(store->db, "SELECT " RESUMPTION_COLUMNS " FROM resumption ORDER BY sequence", error);
  gboolean failed = FALSE;

  if (stmt == NULL)
    return NULL;
  while (next_row(store, stmt, "resumption", &failed, error)) {
    MdResumptionRecord record = { 0 };
    gboolean ok = read_resumption(stmt, &record, error);

    if (ok)
      g_array_append_val(records, record);
    matter_secure_zero(&record, sizeof(record));
    if (!ok)
      return NULL;
  }
  return failed ? NULL : g_steal_pointer(&records);
}

static gboolean
store_put_resumption(gpointer user_data, const MdResumptionRecord *record, GError **error)
{
  /* The peer's row takes the new id, secret, tags and sequence. */
  static const char sql[] =
      "INSERT INTO resumption (" RESUMPTION_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT (fabric_index, peer_node_id) DO UPDATE SET "
      "resumption_id = excluded.resumption_id, peer_cats = excluded.peer_cats, "
      "shared_secret = excluded.shared_secret, sequence = excluded.sequence";
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GBytes) cats = encode_cats(record);
  g_autofree char *row = resumption_row_name(record->fabric_index, record->peer_node_id);
  const char *why = check_resumption(record);
  int rc;

  if (why != NULL) {
    set_invalid(error, row, "%s", why);
    return FALSE;
  }
  if (!check_transaction(store, error) || (stmt = prepare(store->db, sql, error)) == NULL)
    return FALSE;
  rc = sqlite3_bind_blob(stmt, 1, record->resumption_id, MD_RESUMPTION_ID_LEN, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(stmt, 2, record->fabric_index);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 3, (sqlite3_int64) record->peer_node_id);
  if (rc == SQLITE_OK)
    rc = bind_bytes(stmt, 4, cats);
  /* STATIC, as bind_epoch_key() binds keys: SQLite's own copy would not be wiped. */
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_blob(stmt, 5, record->shared_secret, MD_RESUMPTION_SECRET_LEN, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 6, (sqlite3_int64) record->sequence);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot write %s", row);
    return FALSE;
  }
  return step_done(store, stmt, row, error);
}

static gboolean
store_delete_resumption(gpointer user_data, const guint8 resumption_id[MD_RESUMPTION_ID_LEN],
                        GError **error)
{
  MdStore *store = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!check_transaction(store, error))
    return FALSE;
  stmt = prepare(store->db, "DELETE FROM resumption WHERE resumption_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_bind_blob(stmt, 1, resumption_id, MD_RESUMPTION_ID_LEN, SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    set_sqlite_error(error, store->db, rc, "Cannot delete a resumption record");
    return FALSE;
  }
  return step_done(store, stmt, "a resumption record", error);
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
    .load_fabrics = store_load_fabrics,
    .put_fabric = store_put_fabric,
    .delete_fabric = store_delete_fabric,
    .load_acl = store_load_acl,
    .put_acl = store_put_acl,
    .load_group_key_sets = store_load_group_key_sets,
    .put_group_key_set = store_put_group_key_set,
    .delete_group_key_set = store_delete_group_key_set,
    .load_group_key_map = store_load_group_key_map,
    .put_group_key_map = store_put_group_key_map,
    .load_group_memberships = store_load_group_memberships,
    .put_group_membership = store_put_group_membership,
    .delete_group_membership = store_delete_group_membership,
    .load_resumptions = store_load_resumptions,
    .put_resumption = store_put_resumption,
    .delete_resumption = store_delete_resumption,
  };

  storage->ops = &ops;
  storage->user_data = store;
}
