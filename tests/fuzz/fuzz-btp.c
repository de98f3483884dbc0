/* SPDX-License-Identifier: Apache-2.0 */
/* The BTP engine (matter/btp.h) fed what a central writes to C1, with the
 * link's and the clock's events in between.
 *
 * Input: a 7-byte preamble, then chunks.
 *   byte 0    bit 0: the first chunk is the handshake request itself
 *                    (fuzzed); otherwise a valid request is built from
 *                    bytes 3..5 and written first
 *             bit 1: the central subscribes before it writes the request
 *             bit 2: every indication is confirmed before send() returns
 *   bytes 1-2 the link's ATT_MTU (little endian)
 *   bytes 3-4 the request's BTP Segment Size
 *   byte 5    the request's window
 *   byte 6    bit 0: the central subscribes after the request
 *             bits 1-7: send() fails the N-th time (0: never)
 * Each chunk starts with a byte L:
 *   L < 248  a C1 write of the next L bytes
 *   248      the indication in flight is confirmed
 *   249      the clock advances by 100 ms times the next byte, timers run
 *   250      the clock advances to the next deadline, timers run
 *   251      the node sends an SDU of the next two bytes' length
 *   252, 253 the central unsubscribes, subscribes
 *   254      the ATT_MTU changes to the next two bytes
 *   255      the node closes, resets and a new central connects
 * At the end every timer runs out. Beyond memory errors the harness traps
 * on broken rules: an indication over the segment size or while another
 * is in flight, closed() twice for one session, an SDU out of bounds. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/btp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  MatterBtp btp;
  uint64_t now;
  bool in_flight;
  bool auto_done;
  unsigned closed_count;
  unsigned sends;
  unsigned fail_at;
} Harness;

static void
check(bool ok)
{
  if (!ok)
    __builtin_trap();
}

/* Reads every byte, so that the sanitizers see a bad pointer or length. */
static void
touch(const uint8_t *p, size_t len)
{
  volatile uint8_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum = (uint8_t) (sum + p[i]);
  (void) sum;
}

static MatterError
on_send(void *user_data, const uint8_t *packet, size_t len)
{
  Harness *h = user_data;

  check(!h->in_flight);
  check(len >= 1 && len <= MATTER_BTP_SEGMENT_MAX);
  check(h->btp.state == MATTER_BTP_STATE_OPEN);
  check(len <= h->btp.segment_size);
  touch(packet, len);
  if (++h->sends == h->fail_at)
    return MATTER_ERROR_NO_MEMORY;
  h->in_flight = true;
  if (h->auto_done) {
    h->in_flight = false;
    matter_btp_send_done(&h->btp, h->now);
  }
  return MATTER_OK;
}

static void
on_received(void *user_data, const uint8_t *sdu, size_t len)
{
  Harness *h = user_data;
  static const uint8_t reply[] = { 0x15, 0x18 };

  check(len >= 1 && len <= MATTER_BTP_SDU_MAX);
  touch(sdu, len);
  /* Answer some, as a message layer would. */
  if (len & 1)
    matter_btp_send(&h->btp, reply, sizeof(reply), h->now);
}

static void
on_closed(void *user_data, MatterError reason)
{
  Harness *h = user_data;

  check(h->btp.state == MATTER_BTP_STATE_CLOSED);
  check(reason != MATTER_OK);
  check(++h->closed_count == 1);
}

static const MatterBtpCallbacks callbacks = {
  .send = on_send,
  .received = on_received,
  .closed = on_closed,
};

static void
connect_central(Harness *h, uint16_t att_mtu)
{
  h->in_flight = false;
  h->closed_count = 0;
  matter_btp_connect(&h->btp, att_mtu, h->now);
}

/* Runs the timers; afterwards nothing may be due any more, or a caller
 * scheduling on the deadline would spin. */
static void
process(Harness *h)
{
  matter_btp_process(&h->btp, h->now);
  check(matter_btp_next_deadline(&h->btp) > h->now);
}

static void
run_timers(Harness *h)
{
  uint64_t next = matter_btp_next_deadline(&h->btp);

  if (next == MATTER_BTP_NEVER)
    return;
  if (next > h->now)
    h->now = next;
  process(h);
}

static void
confirm(Harness *h)
{
  if (!h->in_flight)
    return;
  h->in_flight = false;
  matter_btp_send_done(&h->btp, h->now);
}

static void
send_sdu(Harness *h, size_t len)
{
  static uint8_t sdu[MATTER_BTP_SDU_MAX + 1];

  for (size_t i = 0; i < sizeof(sdu); i++)
    sdu[i] = (uint8_t) i;
  matter_btp_send(&h->btp, sdu, len, h->now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static Harness h;
  uint8_t request[9];
  uint16_t att_mtu;
  uint8_t mode;

  if (size < 7)
    return 0;
  memset(&h, 0, sizeof(h));
  h.now = 1000;
  matter_btp_init(&h.btp, &callbacks, &h);
  mode = data[0];
  h.auto_done = (mode & 4) != 0;
  h.fail_at = data[6] >> 1;
  att_mtu = (uint16_t) (data[1] | (data[2] << 8));
  connect_central(&h, att_mtu);
  if (mode & 2)
    matter_btp_subscribed(&h.btp, true, h.now);
  if ((mode & 1) == 0) {
    request[0] = 0x65;
    request[1] = 0x6C;
    request[2] = 0x04;
    request[3] = request[4] = request[5] = 0;
    request[6] = data[3];
    request[7] = data[4];
    request[8] = data[5];
    matter_btp_receive(&h.btp, request, sizeof(request), h.now);
    if (data[6] & 1)
      matter_btp_subscribed(&h.btp, true, h.now);
  }
  data += 7;
  size -= 7;

  while (size > 0) {
    uint8_t op = *data++;
    size_t arg = 0;

    size--;
    if (op < 248) {
      size_t len = op < size ? op : size;

      /* A copy of its own, so that reading past it is caught. */
      uint8_t *copy = len > 0 ? malloc(len) : NULL;
      if (len > 0 && copy == NULL)
        return 0;
      if (len > 0)
        memcpy(copy, data, len);
      matter_btp_receive(&h.btp, copy, len, h.now);
      free(copy);
      data += len;
      size -= len;
      continue;
    }
    if (op == 249 || op == 251 || op == 254) {
      unsigned n = op == 249 ? 1 : 2;

      for (unsigned i = 0; i < n && size > 0; i++, size--)
        arg |= (size_t) *data++ << (8 * i);
    }
    switch (op) {
    case 248:
      confirm(&h);
      break;
    case 249:
      h.now += 100 * arg;
      process(&h);
      break;
    case 250:
      run_timers(&h);
      break;
    case 251:
      send_sdu(&h, arg % (MATTER_BTP_SDU_MAX + 2));
      break;
    case 252:
      matter_btp_subscribed(&h.btp, false, h.now);
      break;
    case 253:
      matter_btp_subscribed(&h.btp, true, h.now);
      break;
    case 254:
      matter_btp_set_att_mtu(&h.btp, (uint16_t) arg);
      break;
    default:
      matter_btp_close(&h.btp);
      check(h.btp.state == MATTER_BTP_STATE_CLOSED || h.btp.state == MATTER_BTP_STATE_IDLE);
      matter_btp_reset(&h.btp);
      connect_central(&h, att_mtu);
      break;
    }
  }

  /* Let every timer run out, confirming what goes. */
  for (int i = 0; i < 64 && matter_btp_next_deadline(&h.btp) != MATTER_BTP_NEVER; i++) {
    confirm(&h);
    run_timers(&h);
  }
  check(matter_btp_next_deadline(&h.btp) == MATTER_BTP_NEVER);
  return 0;
}
