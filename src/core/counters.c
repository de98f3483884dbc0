/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/counters.h"

#include "matter/crypto.h"

/* Half the counter space: how far ahead a rolling counter may jump. */
#define HALF_RANGE (UINT32_C(1) << 31)

MatterError
matter_counters_random(const MatterRandomSource *rng, void *buf, size_t len)
{
  if (!buf && len > 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (rng && rng->fill)
    return rng->fill(rng->user_data, buf, len);
  return matter_random(buf, len);
}

MatterError
matter_counters_initial_value(const MatterRandomSource *rng, uint32_t *value)
{
  uint8_t bytes[4];
  MatterError err;

  if (!value)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_counters_random(rng, bytes, sizeof(bytes));
  if (err != MATTER_OK)
    return err;
  /* Crypto_DRBG(len = 28) + 1: 28 random bits, then one. */
  *value = ((uint32_t) bytes[0] | (uint32_t) bytes[1] << 8 | (uint32_t) bytes[2] << 16 |
            (uint32_t) (bytes[3] & 0x0F) << 24) +
           1;
  return MATTER_OK;
}

MatterError
matter_message_counter_init(MatterMessageCounter *counter, bool rollover,
                            const MatterRandomSource *rng)
{
  if (!counter)
    return MATTER_ERROR_INVALID_ARGUMENT;
  counter->rollover = rollover;
  counter->exhausted = false;
  return matter_counters_initial_value(rng, &counter->value);
}

MatterError
matter_message_counter_next(MatterMessageCounter *counter, uint32_t *value)
{
  if (!counter || !value)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (counter->exhausted)
    return MATTER_ERROR_COUNTER_EXHAUSTED;
  *value = counter->value;
  if (counter->value == UINT32_MAX && !counter->rollover)
    counter->exhausted = true;
  else
    counter->value++;
  return MATTER_OK;
}

void
matter_replay_window_init(MatterReplayWindow *window, uint32_t max_counter)
{
  window->max_counter = max_counter;
  window->bitmap = UINT32_MAX;
  window->initialized = true;
}

/* How far @counter lies behind the maximum, modulo 2^32 (0 for the
 * maximum itself). */
static uint32_t
distance_behind(const MatterReplayWindow *window, uint32_t counter)
{
  return window->max_counter - counter;
}

static bool
is_ahead(const MatterReplayWindow *window, MatterReplayPolicy policy, uint32_t counter)
{
  uint32_t ahead = counter - window->max_counter;

  if (policy == MATTER_REPLAY_UNICAST)
    return counter > window->max_counter;
  return ahead != 0 && ahead < HALF_RANGE;
}

static bool
in_window(uint32_t behind)
{
  return behind >= 1 && behind <= MATTER_MSG_COUNTER_WINDOW_SIZE;
}

static bool
bit_is_set(const MatterReplayWindow *window, uint32_t behind)
{
  return (window->bitmap >> (behind - 1)) & 1;
}

MatterError
matter_replay_window_check(const MatterReplayWindow *window, MatterReplayPolicy policy,
                           uint32_t counter)
{
  uint32_t behind;

  if (!window->initialized || is_ahead(window, policy, counter))
    return MATTER_OK;
  behind = distance_behind(window, counter);
  if (behind == 0)
    return MATTER_ERROR_DUPLICATE_MESSAGE;
  if (in_window(behind))
    return bit_is_set(window, behind) ? MATTER_ERROR_DUPLICATE_MESSAGE : MATTER_OK;
  /* Behind the window: a replay for encrypted messages, a restarted peer
   * for unencrypted ones. */
  return policy == MATTER_REPLAY_UNENCRYPTED ? MATTER_OK : MATTER_ERROR_DUPLICATE_MESSAGE;
}

static void
advance(MatterReplayWindow *window, uint32_t counter)
{
  uint32_t shift = counter - window->max_counter;
  uint32_t bitmap = shift < 32 ? window->bitmap << shift : 0;

  /* The old maximum is now shift counters behind the new one. */
  if (shift <= MATTER_MSG_COUNTER_WINDOW_SIZE)
    bitmap |= UINT32_C(1) << (shift - 1);
  window->bitmap = bitmap;
  window->max_counter = counter;
}

void
matter_replay_window_commit(MatterReplayWindow *window, MatterReplayPolicy policy, uint32_t counter)
{
  uint32_t behind;

  if (!window->initialized) {
    matter_replay_window_init(window, counter);
    return;
  }
  if (is_ahead(window, policy, counter)) {
    advance(window, counter);
    return;
  }
  behind = distance_behind(window, counter);
  if (in_window(behind)) {
    window->bitmap |= UINT32_C(1) << (behind - 1);
    return;
  }
  if (policy == MATTER_REPLAY_UNENCRYPTED && behind != 0) {
    /* The peer restarted: start over from its new counter. */
    window->max_counter = counter;
    window->bitmap = 0;
  }
}

static bool
step_valid(uint32_t step)
{
  return step >= 1 && step < HALF_RANGE;
}

MatterError
matter_counter_reservation_init(MatterCounterReservation *reservation, uint32_t step,
                                const MatterRandomSource *rng)
{
  uint32_t start;
  MatterError err;

  if (!reservation || !step_valid(step))
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_counters_initial_value(rng, &start);
  if (err != MATTER_OK)
    return err;
  return matter_counter_reservation_resume(reservation, step, start);
}

MatterError
matter_counter_reservation_resume(MatterCounterReservation *reservation, uint32_t step,
                                  uint32_t stored_bound)
{
  if (!reservation || !step_valid(step))
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* Nothing is reserved until a new bound is stored. */
  reservation->next = stored_bound;
  reservation->bound = stored_bound;
  reservation->step = step;
  return MATTER_OK;
}

MatterError
matter_counter_reservation_next(MatterCounterReservation *reservation, uint32_t *value)
{
  if (!reservation || !value)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (reservation->next == reservation->bound)
    return MATTER_ERROR_COUNTER_PERSIST;
  *value = reservation->next++;
  return MATTER_OK;
}

uint32_t
matter_counter_reservation_wanted(const MatterCounterReservation *reservation)
{
  return reservation->next + reservation->step;
}

void
matter_counter_reservation_confirm(MatterCounterReservation *reservation, uint32_t bound)
{
  uint32_t reach = bound - reservation->next;

  /* Only a bound ahead of the current one extends the reservation. */
  if (reach > reservation->bound - reservation->next && reach < HALF_RANGE)
    reservation->bound = bound;
}
