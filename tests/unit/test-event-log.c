/* SPDX-License-Identifier: Apache-2.0 */
/* The event log: records in their rings, what a full ring drops, event
 * numbers across a restart, timestamps, and what a reader finds by event
 * number and fabric. */

#include <glib.h>
#include <string.h>

#include "matter/event-log.h"
#include "matter/im.h"
#include "md-test-core.h"

#define assert_error md_test_assert_error

typedef struct {
  uint8_t memory[MATTER_EVENT_PRIORITIES][256];
  MatterEventLog log;
  uint64_t stored; /* the limit the "storage" holds */
  guint reserves;
  gboolean fail_reserve;
  gboolean know_utc;
  uint64_t utc_ms;
} Fixture;

static bool
reserve(void *user_data, uint64_t limit)
{
  Fixture *f = user_data;

  f->reserves++;
  if (f->fail_reserve)
    return false;
  f->stored = limit;
  return true;
}

static bool
utc(void *user_data, uint64_t *posix_ms)
{
  Fixture *f = user_data;

  *posix_ms = f->utc_ms;
  return f->know_utc;
}

static const MatterEventLogOwner owner = { .reserve = reserve, .utc_ms = utc };

/* Starts (or restarts) the log from what the storage holds. */
static void
start(Fixture *f, uint64_t step)
{
  MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES];

  for (int i = 0; i < MATTER_EVENT_PRIORITIES; i++)
    buffers[i] = (MatterEventBuffer) { f->memory[i], sizeof(f->memory[i]) };
  assert_error(matter_event_log_init(&f->log, buffers, f->stored, step, &owner, f), MATTER_OK);
}

/* Fields { 0: @value } as pre-encoded TLV. */
static uint64_t
emit(Fixture *f, uint32_t event, uint8_t priority, uint8_t fabric, uint8_t value, uint64_t now)
{
  const uint8_t fields[] = { 0x15, 0x24, 0x00, value, 0x18 };
  MatterEvent e = { .endpoint = 1, .cluster = 0x28, .event = event, .priority = priority,
                    .fabric_index = fabric, .fields = fields, .fields_len = sizeof(fields) };
  uint64_t number = UINT64_MAX;

  assert_error(matter_event_log_emit(&f->log, &e, now, &number), MATTER_OK);
  return number;
}

/* The numbers a reader of @fabric finds from @min on. */
static GArray *
numbers_from(Fixture *f, uint64_t min, uint8_t fabric)
{
  GArray *numbers = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  MatterEventInfo info;

  while (matter_event_log_next(&f->log, min, fabric, &info) == MATTER_OK) {
    g_array_append_val(numbers, info.number);
    min = info.number + 1;
  }
  return numbers;
}

static guint
count_from(Fixture *f, uint64_t min, uint8_t fabric)
{
  g_autoptr(GArray) numbers = numbers_from(f, min, fabric);

  return numbers->len;
}

/* The EventDataIB of @info, decoded through the report decoder's view;
 * its data points into a buffer the next call reuses. */
static MatterImEventData
data_of(Fixture *f, const MatterEventInfo *info, uint8_t *buf, size_t size)
{
  static uint8_t report[MATTER_EVENT_DATA_MAX + 64];
  MatterTlvWriter w;
  MatterImReportData msg;
  MatterImEventReport item;
  size_t len;

  assert_error(matter_event_log_copy(&f->log, info, buf, size), MATTER_OK);
  matter_tlv_writer_init(&w, report, sizeof(report));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_array(&w, matter_tlv_tag_context(2));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_element(&w, matter_tlv_tag_context(1), buf, info->len);
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  assert_error(matter_im_report_data_decode(report, len, &msg), MATTER_OK);
  assert_error(matter_im_next_event_report(&msg.event_reports, &item), MATTER_OK);
  g_assert_false(item.is_status);
  return item.data;
}

static void
test_encoding(void)
{
  g_autofree Fixture *f = g_new0(Fixture, 1);
  MatterEventInfo info;
  MatterImEventData data;
  MatterTlvReader fields;
  uint8_t buf[MATTER_EVENT_DATA_MAX];
  uint8_t v;

  start(f, 10);
  emit(f, 7, MATTER_EVENT_PRIORITY_CRITICAL, 0, 42, 5000);
  f->know_utc = TRUE;
  f->utc_ms = UINT64_C(1700000000000);
  emit(f, 8, MATTER_EVENT_PRIORITY_INFO, 0, 43, 6000);

  assert_error(matter_event_log_next(&f->log, 0, 0, &info), MATTER_OK);
  g_assert_cmpuint(info.number, ==, 0);
  data = data_of(f, &info, buf, sizeof(buf));
  g_assert_true(data.path.has_endpoint && data.path.has_cluster && data.path.has_event);
  g_assert_cmpuint(data.path.endpoint, ==, 1);
  g_assert_cmphex(data.path.cluster, ==, 0x28);
  g_assert_cmpuint(data.path.event, ==, 7);
  g_assert_cmpuint(data.event_number, ==, 0);
  g_assert_cmpuint(data.priority, ==, MATTER_EVENT_PRIORITY_CRITICAL);
  g_assert_true(data.has_system_timestamp);
  g_assert_false(data.has_epoch_timestamp);
  g_assert_cmpuint(data.system_timestamp, ==, 5000);
  assert_error(matter_im_data_reader(&data.data, &fields), MATTER_OK);
  assert_error(matter_tlv_enter(&fields), MATTER_OK);
  assert_error(matter_tlv_get_context_u8(&fields, 0, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 42);

  assert_error(matter_event_log_next(&f->log, 1, 0, &info), MATTER_OK);
  data = data_of(f, &info, buf, sizeof(buf));
  g_assert_true(data.has_epoch_timestamp);
  g_assert_false(data.has_system_timestamp);
  g_assert_cmpuint(data.epoch_timestamp, ==, UINT64_C(1700000000000));
  g_assert_cmpuint(data.priority, ==, MATTER_EVENT_PRIORITY_INFO);
  assert_error(matter_event_log_copy(&f->log, &info, buf, info.len - 1),
               MATTER_ERROR_BUFFER_TOO_SMALL);
}

/* A full ring drops its oldest events, and only its own: the other
 * priorities keep theirs. */
static void
test_ring_overwrite(void)
{
  g_autofree Fixture *f = g_new0(Fixture, 1);
  g_autoptr(GArray) numbers = NULL;
  uint64_t critical;
  guint i, debug_events = 40;

  start(f, 1000);
  critical = emit(f, 1, MATTER_EVENT_PRIORITY_CRITICAL, 0, 0, 0);
  for (i = 0; i < debug_events; i++)
    emit(f, 2, MATTER_EVENT_PRIORITY_DEBUG, 0, (uint8_t) i, i);
  numbers = numbers_from(f, 0, 0);
  /* Each debug record is its header and a small EventDataIB: the ring of
   * 256 bytes holds the last few, in order, after the critical one. */
  g_assert_cmpuint(numbers->len, >, 2);
  g_assert_cmpuint(numbers->len, <, debug_events);
  g_assert_cmpuint(g_array_index(numbers, uint64_t, 0), ==, critical);
  for (i = 1; i < numbers->len; i++)
    g_assert_cmpuint(g_array_index(numbers, uint64_t, i), ==,
                     debug_events - (numbers->len - 1) + i);
  g_assert_cmpuint(f->log.rings[MATTER_EVENT_PRIORITY_DEBUG].count, ==, numbers->len - 1);
  g_assert_cmpuint(f->log.rings[MATTER_EVENT_PRIORITY_CRITICAL].count, ==, 1);
}

/* Numbers are reserved in steps; a restart resumes at the stored limit,
 * above every number of the run before, however far it got. */
static void
test_numbers_across_restart(void)
{
  g_autofree Fixture *f = g_new0(Fixture, 1);
  uint64_t last = 0;

  start(f, 5);
  for (int i = 0; i < 7; i++)
    last = emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 0, 0, 0);
  g_assert_cmpuint(last, ==, 6);
  /* 0..4, then 5..9. */
  g_assert_cmpuint(f->reserves, ==, 2);
  g_assert_cmpuint(f->stored, ==, 10);

  start(f, 5);
  g_assert_cmpuint(matter_event_log_next_number(&f->log), ==, 10);
  g_assert_cmpuint(emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 0, 0, 0), ==, 10);
  g_assert_cmpuint(f->stored, ==, 15);
  /* The old run's events are gone with its memory. */
  g_assert_cmpuint(count_from(f, 0, 0), ==, 1);

  /* A limit that cannot be stored loses the event, not a number. */
  for (int i = 0; i < 4; i++)
    emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 0, 0, 0);
  f->fail_reserve = TRUE;
  {
    const uint8_t fields[] = { 0x15, 0x18 };
    MatterEvent e = { .priority = MATTER_EVENT_PRIORITY_INFO, .fields = fields,
                      .fields_len = sizeof(fields) };

    assert_error(matter_event_log_emit(&f->log, &e, 0, NULL), MATTER_ERROR_COUNTER_PERSIST);
  }
  g_assert_cmpuint(matter_event_log_next_number(&f->log), ==, 15);
  g_assert_cmpuint(f->log.rings[MATTER_EVENT_PRIORITY_INFO].count, ==, 5);
  f->fail_reserve = FALSE;
  g_assert_cmpuint(emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 0, 0, 0), ==, 15);
}

/* Readers start at an event number, and see their own fabric's events
 * and those of no fabric. */
static void
test_filters(void)
{
  g_autofree Fixture *f = g_new0(Fixture, 1);
  g_autoptr(GArray) all_fabric1 = NULL, from2 = NULL, fabric2 = NULL, none = NULL;

  start(f, 100);
  emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 0, 0, 0);     /* 0 */
  emit(f, 1, MATTER_EVENT_PRIORITY_CRITICAL, 1, 0, 0); /* 1: fabric 1 */
  emit(f, 1, MATTER_EVENT_PRIORITY_DEBUG, 2, 0, 0);    /* 2: fabric 2 */
  emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 1, 0, 0);     /* 3: fabric 1 */
  all_fabric1 = numbers_from(f, 0, 1);
  g_assert_cmpuint(all_fabric1->len, ==, 3);
  g_assert_cmpuint(g_array_index(all_fabric1, uint64_t, 0), ==, 0);
  g_assert_cmpuint(g_array_index(all_fabric1, uint64_t, 1), ==, 1);
  g_assert_cmpuint(g_array_index(all_fabric1, uint64_t, 2), ==, 3);
  from2 = numbers_from(f, 2, 1);
  g_assert_cmpuint(from2->len, ==, 1);
  g_assert_cmpuint(g_array_index(from2, uint64_t, 0), ==, 3);
  fabric2 = numbers_from(f, 0, 2);
  g_assert_cmpuint(fabric2->len, ==, 2);
  g_assert_cmpuint(g_array_index(fabric2, uint64_t, 1), ==, 2);
  none = numbers_from(f, 4, 1);
  g_assert_cmpuint(none->len, ==, 0);
}

/* A removed fabric's events: shown to no one, the others untouched. */
static void
test_forget_fabric(void)
{
  g_autofree Fixture *f = g_new0(Fixture, 1);
  g_autoptr(GArray) fabric1 = NULL, fabric2 = NULL;

  start(f, 100);
  emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 0, 0, 0);     /* 0 */
  emit(f, 1, MATTER_EVENT_PRIORITY_CRITICAL, 1, 0, 0); /* 1: fabric 1 */
  emit(f, 1, MATTER_EVENT_PRIORITY_DEBUG, 2, 0, 0);    /* 2: fabric 2 */
  emit(f, 1, MATTER_EVENT_PRIORITY_INFO, 1, 0, 0);     /* 3: fabric 1 */
  matter_event_log_forget_fabric(&f->log, 1);
  fabric1 = numbers_from(f, 0, 1);
  g_assert_cmpuint(fabric1->len, ==, 1);
  g_assert_cmpuint(g_array_index(fabric1, uint64_t, 0), ==, 0);
  fabric2 = numbers_from(f, 0, 2);
  g_assert_cmpuint(fabric2->len, ==, 2);
  g_assert_cmpuint(count_from(f, 0, MATTER_EVENT_FABRIC_FORGOTTEN), ==, 1);
  /* Numbers go on. */
  g_assert_cmpuint(matter_event_log_next_number(&f->log), ==, 4);
}

static MatterError
encode_big(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  static const uint8_t blob[MATTER_EVENT_DATA_MAX];

  matter_tlv_start_structure(w, tag);
  matter_tlv_put_bytes(w, matter_tlv_tag_context(0), blob, sizeof(blob));
  return matter_tlv_end_container(w);
}

/* Bad events change nothing and take no number. */
static void
test_invalid(void)
{
  g_autofree Fixture *f = g_new0(Fixture, 1);
  const uint8_t not_a_structure[] = { 0x24, 0x00, 0x01 };
  MatterEvent bad_priority = { .priority = 3, .fields = not_a_structure, .fields_len = 3 };
  MatterEvent bad_fields = { .priority = 0, .fields = not_a_structure, .fields_len = 3 };
  MatterEvent too_big = { .priority = 0, .encode = encode_big };

  start(f, 100);
  assert_error(matter_event_log_emit(&f->log, &bad_priority, 0, NULL),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_event_log_emit(&f->log, &bad_fields, 0, NULL), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_event_log_emit(&f->log, &too_big, 0, NULL), MATTER_ERROR_BUFFER_TOO_SMALL);
  g_assert_cmpuint(matter_event_log_next_number(&f->log), ==, 0);
  g_assert_cmpuint(f->reserves, ==, 0);
  g_assert_cmpuint(count_from(f, 0, 0), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/event-log/encoding", test_encoding);
  g_test_add_func("/event-log/ring-overwrite", test_ring_overwrite);
  g_test_add_func("/event-log/numbers-across-restart", test_numbers_across_restart);
  g_test_add_func("/event-log/filters", test_filters);
  g_test_add_func("/event-log/forget-fabric", test_forget_fabric);
  g_test_add_func("/event-log/invalid", test_invalid);
  return g_test_run();
}
