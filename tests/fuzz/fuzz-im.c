/* SPDX-License-Identifier: Apache-2.0 */
/* The Interaction Model decoders (im.h). The first byte picks the message
 * (an IM opcode, as the engine dispatches on it), the rest is its payload.
 * Everything a decoder accepts is walked to its end, data elements are
 * opened, and decoded requests are encoded again and must decode to the
 * same paths. Nothing may crash or read out of bounds. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/im.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

static void
open_data(const MatterImData *data)
{
  MatterTlvReader r;

  require(matter_im_data_reader(data, &r) == MATTER_OK);
}

static void
walk_attribute_reports(MatterImIter *iter)
{
  MatterImAttributeReport report;

  while (matter_im_next_attribute_report(iter, &report) == MATTER_OK)
    if (!report.is_status)
      open_data(&report.data.data);
}

static void
walk_event_reports(MatterImIter *iter)
{
  MatterImEventReport report;

  while (matter_im_next_event_report(iter, &report) == MATTER_OK)
    if (!report.is_status)
      open_data(&report.data.data);
}

static void
check_read(const uint8_t *buf, size_t len)
{
  static uint8_t out[4096];
  MatterImReadRequest req, again;
  size_t out_len;

  if (matter_im_read_request_decode(buf, len, &req) != MATTER_OK)
    return;
  require(matter_im_read_request_encode(&req, out, sizeof(out), &out_len) == MATTER_OK);
  require(matter_im_read_request_decode(out, out_len, &again) == MATTER_OK);
  require(again.attribute_path_count == req.attribute_path_count);
  require(again.event_path_count == req.event_path_count);
  require(again.data_version_filter_count == req.data_version_filter_count);
  for (size_t i = 0; i < req.attribute_path_count; i++)
    require(memcmp(&again.attribute_paths[i], &req.attribute_paths[i],
                   sizeof(req.attribute_paths[i])) == 0);
}

static void
check_write(const uint8_t *buf, size_t len)
{
  MatterImWriteRequest req;
  MatterImAttributeData item;

  if (matter_im_write_request_decode(buf, len, &req) != MATTER_OK)
    return;
  while (matter_im_next_attribute_data(&req.writes, &item) == MATTER_OK)
    open_data(&item.data);
}

static void
check_invoke(const uint8_t *buf, size_t len)
{
  MatterImInvokeRequest req;
  MatterImCommandData cmd;
  size_t n = 0;

  if (matter_im_invoke_request_decode(buf, len, &req) != MATTER_OK)
    return;
  while (matter_im_next_command_data(&req.invokes, &cmd) == MATTER_OK) {
    if (cmd.has_fields)
      open_data(&cmd.fields);
    n++;
  }
  require(n == req.invoke_count);
}

static void
check_responses(const uint8_t *buf, size_t len)
{
  MatterImReportData report;
  MatterImWriteResponse write;
  MatterImInvokeResponseMessage invoke;
  MatterImAttributeStatus status;
  MatterImInvokeResponse response;
  MatterImSubscribeResponse subscribe;

  if (matter_im_report_data_decode(buf, len, &report) == MATTER_OK) {
    walk_attribute_reports(&report.attribute_reports);
    walk_event_reports(&report.event_reports);
  }
  if (matter_im_write_response_decode(buf, len, &write) == MATTER_OK)
    while (matter_im_next_attribute_status(&write.responses, &status) == MATTER_OK)
      ;
  if (matter_im_invoke_response_decode(buf, len, &invoke) == MATTER_OK)
    while (matter_im_next_invoke_response(&invoke.responses, &response) == MATTER_OK)
      if (!response.is_status && response.command.has_fields)
        open_data(&response.command.fields);
  (void) matter_im_subscribe_response_decode(buf, len, &subscribe);
}

/* A stored subscription record (what a restarted node reads back): one
 * that decodes encodes to something that decodes again alike. */
static void
check_subscription_record(const uint8_t *buf, size_t len)
{
  static MatterImSubscriptionRecord record, again;
  static uint8_t out[MATTER_IM_SUBSCRIPTION_RECORD_MAX];
  size_t out_len;

  if (matter_im_subscription_record_decode(buf, len, &record) != MATTER_OK)
    return;
  require(matter_im_subscription_record_encode(&record, out, sizeof(out), &out_len) == MATTER_OK);
  require(matter_im_subscription_record_decode(out, out_len, &again) == MATTER_OK);
  require(again.subscription_id == record.subscription_id &&
          again.fabric_index == record.fabric_index && again.peer_node_id == record.peer_node_id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  MatterImSubscribeRequest subscribe;
  uint16_t timeout;
  uint8_t status;

  if (size < 1)
    return 0;
  switch (data[0]) {
  case MATTER_IM_OPCODE_READ_REQUEST:
    check_read(data + 1, size - 1);
    break;
  case MATTER_IM_OPCODE_SUBSCRIBE_REQUEST:
    (void) matter_im_subscribe_request_decode(data + 1, size - 1, &subscribe);
    break;
  case MATTER_IM_OPCODE_WRITE_REQUEST:
    check_write(data + 1, size - 1);
    break;
  case MATTER_IM_OPCODE_INVOKE_REQUEST:
    check_invoke(data + 1, size - 1);
    break;
  case MATTER_IM_OPCODE_TIMED_REQUEST:
    (void) matter_im_timed_request_decode(data + 1, size - 1, &timeout);
    break;
  case MATTER_IM_OPCODE_STATUS_RESPONSE:
    (void) matter_im_status_response_decode(data + 1, size - 1, &status);
    break;
  case 0xFF: /* not an opcode: a stored subscription record */
    check_subscription_record(data + 1, size - 1);
    break;
  default:
    check_responses(data + 1, size - 1);
    break;
  }
  return 0;
}
