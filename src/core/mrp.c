/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/mrp.h"

#include <string.h>

#include "matter/session.h"

/* Keeps the product below in 64 bits: interval (22 bits), margin (4),
 * base^k (3k) and jitter (19). MRP never gets that far: k is at most
 * MATTER_MRP_MAX_TRANSMISSIONS - 2. */
#define BACKOFF_EXPONENT_MAX 6
#define JITTER_ONE (UINT64_C(1) << 16)

static uint64_t
power(uint64_t base, unsigned exponent)
{
  uint64_t result = 1;

  while (exponent-- > 0)
    result *= base;
  return result;
}

uint64_t
matter_mrp_backoff_ms(uint32_t interval_ms, unsigned send_count, uint16_t jitter)
{
  unsigned exponent = 0;
  uint64_t num, den;

  if (interval_ms > MATTER_SESSION_INTERVAL_MAX_MS)
    interval_ms = MATTER_SESSION_INTERVAL_MAX_MS;
  if (send_count > MATTER_MRP_BACKOFF_THRESHOLD)
    exponent = send_count - MATTER_MRP_BACKOFF_THRESHOLD;
  if (exponent > BACKOFF_EXPONENT_MAX)
    exponent = BACKOFF_EXPONENT_MAX;
  /* 1 + jitter / 2^16 * 1/4 = (4 * 2^16 + jitter) / (4 * 2^16) */
  num = (uint64_t) interval_ms * MATTER_MRP_BACKOFF_MARGIN_NUM *
        power(MATTER_MRP_BACKOFF_BASE_NUM, exponent) *
        (MATTER_MRP_BACKOFF_JITTER_DEN * JITTER_ONE + MATTER_MRP_BACKOFF_JITTER_NUM * jitter);
  den = (uint64_t) MATTER_MRP_BACKOFF_MARGIN_DEN * power(MATTER_MRP_BACKOFF_BASE_DEN, exponent) *
        MATTER_MRP_BACKOFF_JITTER_DEN * JITTER_ONE;
  return num / den;
}

MatterError
matter_mrp_retransmission_start(MatterMrpRetransmission *retrans, uint32_t counter,
                                const uint8_t *msg, size_t len)
{
  if (!retrans || !msg || len == 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (len > sizeof(retrans->msg))
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(retrans->msg, msg, len);
  retrans->len = len;
  retrans->counter = counter;
  retrans->send_count = 0;
  retrans->next_ms = MATTER_MRP_NEVER;
  retrans->active = true;
  return MATTER_OK;
}

void
matter_mrp_retransmission_sent(MatterMrpRetransmission *retrans, uint64_t now_ms,
                               uint64_t timeout_ms)
{
  retrans->send_count++;
  retrans->next_ms = now_ms + timeout_ms;
}

static void
retransmission_clear(MatterMrpRetransmission *retrans)
{
  retrans->active = false;
  retrans->len = 0;
  retrans->next_ms = MATTER_MRP_NEVER;
}

bool
matter_mrp_retransmission_ack(MatterMrpRetransmission *retrans, uint32_t counter)
{
  if (!retrans->active || retrans->counter != counter)
    return false;
  retransmission_clear(retrans);
  return true;
}

MatterMrpAction
matter_mrp_retransmission_poll(MatterMrpRetransmission *retrans, uint64_t now_ms)
{
  if (!retrans->active || now_ms < retrans->next_ms)
    return MATTER_MRP_WAIT;
  if (retrans->send_count >= MATTER_MRP_MAX_TRANSMISSIONS) {
    retransmission_clear(retrans);
    return MATTER_MRP_GIVE_UP;
  }
  return MATTER_MRP_RESEND;
}

uint64_t
matter_mrp_retransmission_deadline(const MatterMrpRetransmission *retrans)
{
  return retrans->active ? retrans->next_ms : MATTER_MRP_NEVER;
}

bool
matter_mrp_ack_track(MatterMrpAck *ack, uint32_t counter, uint64_t now_ms, uint32_t *flush)
{
  bool replaced_unsent = ack->pending && !ack->standalone_sent && ack->counter != counter;

  if (replaced_unsent)
    *flush = ack->counter;
  ack->pending = true;
  ack->standalone_sent = false;
  ack->counter = counter;
  ack->deadline_ms = now_ms + MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS;
  return replaced_unsent;
}

bool
matter_mrp_ack_piggyback(MatterMrpAck *ack, uint32_t *counter)
{
  if (!ack->pending)
    return false;
  *counter = ack->counter;
  ack->pending = false;
  return true;
}

bool
matter_mrp_ack_unsent(const MatterMrpAck *ack, uint32_t *counter)
{
  if (!ack->pending || ack->standalone_sent)
    return false;
  *counter = ack->counter;
  return true;
}

bool
matter_mrp_ack_due(const MatterMrpAck *ack, uint64_t now_ms, uint32_t *counter)
{
  return now_ms >= ack->deadline_ms && matter_mrp_ack_unsent(ack, counter);
}

void
matter_mrp_ack_standalone_sent(MatterMrpAck *ack, uint32_t counter)
{
  if (ack->pending && ack->counter == counter)
    ack->standalone_sent = true;
}

uint64_t
matter_mrp_ack_deadline(const MatterMrpAck *ack)
{
  return ack->pending && !ack->standalone_sent ? ack->deadline_ms : MATTER_MRP_NEVER;
}
