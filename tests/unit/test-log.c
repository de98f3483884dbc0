/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

typedef struct {
  GLogLevelFlags level;
  GHashTable *fields;
} Captured;

static GLogWriterOutput
capture(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  Captured *captured = user_data;

  captured->level = level;
  g_hash_table_remove_all(captured->fields);
  for (gsize i = 0; i < n_fields; i++)
    g_hash_table_insert(captured->fields, g_strdup(fields[i].key), g_strdup(fields[i].value));
  return G_LOG_WRITER_HANDLED;
}

static Captured captured;

static void
test_matter_fields(void)
{
  md_log_matter(G_LOG_LEVEL_MESSAGE, 1, 0x1122334455667788, 4242, "Session %u up", 7u);
  g_assert_cmpint(captured.level & G_LOG_LEVEL_MASK, ==, G_LOG_LEVEL_MESSAGE);
  g_assert_cmpstr(g_hash_table_lookup(captured.fields, "MESSAGE"), ==, "Session 7 up");
  g_assert_cmpstr(g_hash_table_lookup(captured.fields, "GLIB_DOMAIN"), ==, "matterd");
  g_assert_cmpstr(g_hash_table_lookup(captured.fields, "MATTER_FABRIC_INDEX"), ==, "1");
  g_assert_cmpstr(g_hash_table_lookup(captured.fields, "MATTER_NODE_ID"), ==,
                  "1122334455667788");
  g_assert_cmpstr(g_hash_table_lookup(captured.fields, "MATTER_SESSION_ID"), ==, "4242");
}

static void
test_absent_fields_left_out(void)
{
  md_log_matter(G_LOG_LEVEL_WARNING, MD_LOG_NONE, 0, MD_LOG_NONE, "no fabric");
  g_assert_cmpint(captured.level & G_LOG_LEVEL_MASK, ==, G_LOG_LEVEL_WARNING);
  g_assert_false(g_hash_table_contains(captured.fields, "MATTER_FABRIC_INDEX"));
  g_assert_false(g_hash_table_contains(captured.fields, "MATTER_SESSION_ID"));
  g_assert_cmpstr(g_hash_table_lookup(captured.fields, "MATTER_NODE_ID"), ==,
                  "0000000000000000");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  captured.fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_log_set_writer_func(capture, &captured, NULL);

  g_test_add_func("/log/matter-fields", test_matter_fields);
  g_test_add_func("/log/absent-fields-left-out", test_absent_fields_left_out);
  return g_test_run();
}
