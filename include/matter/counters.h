/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Message counters (Core spec 4.5): the counters a sender vends, the
 * reception state a receiver keeps per peer to detect duplicates and
 * replays, and reservations that let a counter survive a restart without
 * a write per message.
 *
 * Sending: every counter starts at Crypto_DRBG(len = 28) + 1, i.e. in
 * 1..2^28 (4.5.1.1). A message takes the current value and the counter
 * then moves on by one. A secure unicast session's counter never wraps:
 * the message that carries 0xFFFFFFFF is the session's last (4.5.5), after
 * which the counter reports MATTER_ERROR_COUNTER_EXHAUSTED and the session
 * has to be closed. The global unencrypted and group counters roll over.
 *
 * Receiving: a window holds the largest counter accepted from the peer and
 * a bitmap of the MATTER_MSG_COUNTER_WINDOW_SIZE counters just below it
 * (4.5.4.1): bit n set means max - 1 - n was received. Three policies:
 * - UNICAST, encrypted unicast sessions (4.5.4.2.1): only counters above
 *   the maximum are new; the maximum, set bits and anything behind the
 *   window are duplicates; no rollover.
 * - GROUP, encrypted group messages (4.5.4.2.2): counters up to 2^31 - 1
 *   ahead (mod 2^32) are new, the half behind is duplicate except unset
 *   bits of the window.
 * - UNENCRYPTED (4.5.4.3): only the maximum and set bits are duplicates;
 *   a counter behind the window is taken as the peer having restarted and
 *   moves the window back to it.
 * Checking and recording are separate so the caller records a counter only
 * once the message has been authenticated. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"

#define MATTER_MSG_COUNTER_WINDOW_SIZE 32
/* Initial counters lie in 1..MATTER_MSG_COUNTER_INIT_MAX. */
#define MATTER_MSG_COUNTER_INIT_MAX (UINT32_C(1) << 28)

/* Where random bytes come from. With @fill NULL it is the crypto module's
 * DRBG (matter_random()); tests put a deterministic source here. */
typedef struct {
  MatterError (*fill)(void *user_data, uint8_t *buf, size_t len);
  void *user_data;
} MatterRandomSource;

MatterError matter_counters_random(const MatterRandomSource *rng, void *buf, size_t len);
/* A fresh initial counter value, 1..2^28. */
MatterError matter_counters_initial_value(const MatterRandomSource *rng, uint32_t *value);

/* An outgoing message counter. */
typedef struct {
  uint32_t value; /* the counter the next message carries */
  bool rollover;  /* wraps (unencrypted, group) rather than ending */
  bool exhausted; /* a non-rolling counter sent 0xFFFFFFFF */
} MatterMessageCounter;

/* Starts at a random value; @rollover as above. */
MatterError matter_message_counter_init(MatterMessageCounter *counter, bool rollover,
                                        const MatterRandomSource *rng);
/* The counter for the next message, then advances.
 * MATTER_ERROR_COUNTER_EXHAUSTED once a non-rolling counter is spent. */
MatterError matter_message_counter_next(MatterMessageCounter *counter, uint32_t *value);

typedef enum {
  MATTER_REPLAY_UNICAST,
  MATTER_REPLAY_GROUP,
  MATTER_REPLAY_UNENCRYPTED,
} MatterReplayPolicy;

typedef struct {
  uint32_t max_counter;
  uint32_t bitmap;  /* bit n: max_counter - 1 - n was received */
  bool initialized; /* false until synchronized with the peer */
} MatterReplayWindow;

/* Synchronizes the window at @max_counter with every bit set, so only
 * counters after it are new (4.5.4.4). Secure unicast sessions start with
 * max_counter 0. */
void matter_replay_window_init(MatterReplayWindow *window, uint32_t max_counter);
/* MATTER_OK when @counter is new, MATTER_ERROR_DUPLICATE_MESSAGE otherwise.
 * An uninitialized window takes any counter as new (the first message
 * synchronizes it when recorded). */
MatterError matter_replay_window_check(const MatterReplayWindow *window, MatterReplayPolicy policy,
                                       uint32_t counter);
/* Records @counter, which matter_replay_window_check() found new. */
void matter_replay_window_commit(MatterReplayWindow *window, MatterReplayPolicy policy,
                                 uint32_t counter);

/* A counter that has to survive restarts without reusing a value (the
 * group counters must, 4.5.1.3; the global unencrypted counter may) but
 * that is not stored for every message: the owner stores an upper bound,
 * hands out values below it, and stores a new bound @step ahead only when
 * it reaches the stored one. After a restart it resumes at the stored
 * bound, above every value the previous run could have used.
 *
 *   matter_counter_reservation_resume(&r, 1000, stored) or _init()
 *   while (matter_counter_reservation_next(&r, &v) == MATTER_ERROR_COUNTER_PERSIST) {
 *     bound = matter_counter_reservation_wanted(&r);
 *     store bound; on failure do not send
 *     matter_counter_reservation_confirm(&r, bound);
 *   }
 *
 * Values roll over; the bound is compared modulo 2^32. */
typedef struct {
  uint32_t next;  /* the next value to hand out */
  uint32_t bound; /* the stored bound: values from next up to it are reserved */
  uint32_t step;  /* how far ahead each stored bound reaches */
} MatterCounterReservation;

/* First start (nothing stored): a random initial value. @step is in
 * 1..2^31 - 1. */
MatterError matter_counter_reservation_init(MatterCounterReservation *reservation, uint32_t step,
                                            const MatterRandomSource *rng);
/* Later starts: resume at the bound the previous run stored. */
MatterError matter_counter_reservation_resume(MatterCounterReservation *reservation, uint32_t step,
                                              uint32_t stored_bound);
/* The next value, or MATTER_ERROR_COUNTER_PERSIST (nothing handed out)
 * when the reserved range is used up. */
MatterError matter_counter_reservation_next(MatterCounterReservation *reservation, uint32_t *value);
/* The bound to store before calling matter_counter_reservation_confirm(). */
uint32_t matter_counter_reservation_wanted(const MatterCounterReservation *reservation);
/* @bound has been stored durably. */
void matter_counter_reservation_confirm(MatterCounterReservation *reservation, uint32_t bound);
