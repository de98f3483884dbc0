/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The commissioning window (Core spec 5.4.2) and the passcode behind it.
 *
 * The passcode, the PBKDF salt and iterations and the SPAKE2+ verifier
 * (w0, L) are chosen at first start (a random valid passcode unless the
 * configuration names one) and kept in the store. A basic window opens at
 * start while the node has no fabric and closes after its timeout or
 * after MD_PASE_MAX_FAILED_ATTEMPTS failed PASE attempts.
 *
 * A PASE attempt counts from the moment the node sends Pake2: that is when
 * the passcode is put to the test, since the initiator can check cB itself
 * and learn whether its guess was right, however it then ends the
 * handshake. The count is stored before Pake2 leaves and taken back only
 * when Pake3 verifies; any other end (a malformed or wrong Pake3, silence,
 * no acknowledgement, a closed session, a restart) leaves it counted.
 * Handshakes that end before Pake2 tested no passcode and do not count.
 * Attempts in flight count against the limit too, so concurrent
 * handshakes can never test more than MD_PASE_MAX_FAILED_ATTEMPTS
 * passcodes in one window. */

#include <glib.h>

#include "matter/payload.h"
#include "matter/spake2p.h"
#include "node.h"

/* Core spec 5.4.2.7 (commissioning attempts): the window closes after 20
 * failed PASE attempts. */
#define MD_PASE_MAX_FAILED_ATTEMPTS 20
#define MD_PASE_ITERATIONS 1000
#define MD_PASE_SALT_LEN 32
/* Core spec 5.4.2.3: a window lasts 3 to 15 minutes. */
#define MD_WINDOW_TIMEOUT_MIN 180
#define MD_WINDOW_TIMEOUT_MAX 900

typedef enum {
  MD_WINDOW_CLOSED,
  MD_WINDOW_BASIC,
  MD_WINDOW_ENHANCED,
} MdWindowKind;

const char *md_window_kind_to_string(MdWindowKind kind);

/* What a PASE responder needs. */
typedef struct {
  guint8 w0[MATTER_SPAKE2P_W_LEN];
  guint8 L[MATTER_SPAKE2P_POINT_LEN];
  guint8 salt[MD_PASE_SALT_LEN];
  gsize salt_len; /* 16..32 */
  guint32 iterations;
} MdPaseVerifier;

/* The shortest salt an administrator's verifier may come with (PBKDF
 * parameters: 16..32 bytes, iterations MATTER_PAYLOAD_ITERATIONS_MIN..MAX). */
#define MD_PASE_SALT_MIN 16

/* Loads the passcode verifier, or chooses and stores one at first start
 * (@params: the configured passcode, the window's timeout). Identity and
 * fabrics come from @node. */
MdCommissioning *md_commissioning_new(MdNode *node, const MdNodeStorage *storage,
                                      const MdNodeParams *params, GError **error);
void md_commissioning_free(MdCommissioning *commissioning);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdCommissioning, md_commissioning_free)

/* Opens the window at start when the node belongs to no fabric and the
 * attempt limit was not reached. */
void md_commissioning_start(MdCommissioning *commissioning, guint64 now_ms);

/* Opens a basic window for @timeout seconds (180..900), on behalf of
 * @fabric_index (0: none), and logs the codes to commission with. Resets
 * the failed-attempt count. */
gboolean md_commissioning_open_basic(MdCommissioning *commissioning, guint timeout,
                                     guint8 fabric_index, guint64 now_ms, GError **error);
/* Opens an enhanced window for @timeout seconds (180..900) with an
 * administrator's verifier, on behalf of @fabric_index (0: none). The
 * verifier is kept in memory only and wiped on close. @discriminator is
 * the one the window is advertised with. Resets the failed-attempt
 * count. */
gboolean md_commissioning_open_enhanced(MdCommissioning *commissioning,
                                        const MdPaseVerifier *verifier, guint16 discriminator,
                                        guint timeout, guint8 fabric_index, guint64 now_ms,
                                        GError **error);
/* Opens an enhanced window for @timeout seconds with a fresh random
 * passcode and verifier, for the host (D-Bus): unlike an administrator's,
 * its passcode is known, so md_commissioning_get_window_codes() gives the
 * codes to commission with. The passcode lives in memory only and is
 * wiped on close. */
gboolean md_commissioning_open_enhanced_fresh(MdCommissioning *commissioning, guint timeout,
                                              guint64 now_ms, GError **error);
/* Closes the open window (nothing when closed); logs @reason. */
void md_commissioning_close(MdCommissioning *commissioning, const char *reason);
/* The fabric that opened the window, 0 when none did (the node itself, or
 * a window opened over D-Bus). */
guint8 md_commissioning_get_opener(MdCommissioning *commissioning);

/* When the open window's time runs out (MD_NODE_NEVER when none is open);
 * md_commissioning_process() closes it then. */
guint64 md_commissioning_next_deadline(MdCommissioning *commissioning);
void md_commissioning_process(MdCommissioning *commissioning, guint64 now_ms);

MdWindowKind md_commissioning_get_window(MdCommissioning *commissioning);
/* The discriminator the open window is found by: an enhanced window's
 * own, else the node's. */
guint16 md_commissioning_get_discriminator(MdCommissioning *commissioning);
/* The verifier while a window is open, else NULL. */
const MdPaseVerifier *md_commissioning_get_verifier(MdCommissioning *commissioning);
/* Attempts that ended without a verified Pake3, and those counted in all
 * (failed plus in flight). */
guint md_commissioning_get_failed_attempts(MdCommissioning *commissioning);
guint md_commissioning_get_counted_attempts(MdCommissioning *commissioning);

/* Before sending Pake2: counts the attempt and stores the count. FALSE,
 * and Pake2 must not be sent, when no window is open, when the limit is
 * spent (by failures and attempts in flight) or when the count cannot be
 * stored. */
gboolean md_commissioning_attempt_begin(MdCommissioning *commissioning, GError **error);
/* An attempt that began has ended: @verified when Pake3 verified (the
 * attempt is taken back), else it stays counted and, once the limit is
 * reached with nothing in flight, the window closes. */
void md_commissioning_attempt_end(MdCommissioning *commissioning, gboolean verified);

/* Factory reset: a new passcode (the configured one, else random) and
 * verifier and a fresh attempt count, stored in the caller's transaction;
 * apply_reset() after it committed closes the window and makes them live,
 * drop_reset() after a failure forgets them. */
gboolean md_commissioning_stage_reset(MdCommissioning *commissioning, GError **error);
/* Whether the node can be commissioned over BLE too: the onboarding
 * payloads then name it among their rendezvous methods (Core spec
 * 5.1.1.3), beside on-network. */
void md_commissioning_set_ble(MdCommissioning *commissioning, gboolean ble);
/* Whether the passcode is the configuration's (a reset keeps it). */
gboolean md_commissioning_passcode_configured(MdCommissioning *commissioning);
void md_commissioning_apply_reset(MdCommissioning *commissioning);
void md_commissioning_drop_reset(MdCommissioning *commissioning);

/* The codes of the open window: the node's own for a basic window, those
 * of an enhanced window opened with md_commissioning_open_enhanced_fresh();
 * MD_ERROR_NOT_FOUND when closed or when an administrator's verifier
 * opened it. */
gboolean md_commissioning_get_window_codes(MdCommissioning *commissioning,
                                           char qr_code[MATTER_PAYLOAD_QR_SIZE],
                                           char manual_code[MATTER_PAYLOAD_MANUAL_SIZE],
                                           GError **error);
/* The onboarding payloads for this node's basic window (on-network
 * rendezvous, and BLE when set). */
gboolean md_commissioning_get_codes(MdCommissioning *commissioning,
                                    char qr_code[MATTER_PAYLOAD_QR_SIZE],
                                    char manual_code[MATTER_PAYLOAD_MANUAL_SIZE], GError **error);
