/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-core.h"

#include <openssl/err.h>

#include "matter/tlv.h"

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

gsize
md_test_arm_fail_safe_fields(guint8 *buf, guint16 seconds, guint64 breadcrumb)
{
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, MD_TEST_FIELDS_MAX);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), seconds);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(1), breadcrumb);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

gsize
md_test_set_regulatory_config_fields(guint8 *buf, guint8 config, const char *country,
                                     guint64 breadcrumb)
{
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, MD_TEST_FIELDS_MAX);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), config);
  matter_tlv_put_string(&w, matter_tlv_tag_context(1), country);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(2), breadcrumb);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}
