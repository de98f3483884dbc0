/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-core.h"

#include <openssl/err.h>

void
md_test_assert_error_at(const char *file, int line, const char *expr, MatterError got,
                        MatterError want)
{
  if (got != want)
    g_error("%s:%d: %s: got %s, want %s", file, line, expr, matter_error_name(got),
            matter_error_name(want));
}

void
md_test_assert_no_openssl_error(void)
{
  g_assert_cmpuint(ERR_peek_error(), ==, 0);
}

void
md_test_assert_session_params_equal(const MatterSessionParams *a, const MatterSessionParams *b)
{
  g_assert_cmphex(a->present, ==, b->present);
  g_assert_cmpuint(a->idle_interval_ms, ==, b->idle_interval_ms);
  g_assert_cmpuint(a->active_interval_ms, ==, b->active_interval_ms);
  g_assert_cmpuint(a->active_threshold_ms, ==, b->active_threshold_ms);
  g_assert_cmpuint(a->data_model_revision, ==, b->data_model_revision);
  g_assert_cmpuint(a->interaction_model_revision, ==, b->interaction_model_revision);
  g_assert_cmpuint(a->specification_version, ==, b->specification_version);
  g_assert_cmpuint(a->max_paths_per_invoke, ==, b->max_paths_per_invoke);
  g_assert_cmphex(a->supported_transports, ==, b->supported_transports);
  g_assert_cmpuint(a->max_tcp_message_size, ==, b->max_tcp_message_size);
}
