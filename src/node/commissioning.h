/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The commissioning window (Core spec 5.4.2) and the passcode behind it.
 *
 * The passcode, the PBKDF salt and iterations and the SPAKE2+ verifier
 * (w0, L) are chosen at first start (a random valid passcode unless the
 * configuration names one) and kept in the store. A basic window opens at
 * start while the node has no fabric and closes after its timeout or
 * after MD_PASE_MAX_FAILED_ATTEMPTS failed PASE
 * attempts; the count of failed attempts is persisted, so restarting
 * matterd does not hand an attacker a fresh allowance. */

#include <glib.h>

#include "config.h"
#include "matter/payload.h"
#include "matter/spake2p.h"
#include "node.h"
#include "store.h"

/* Core spec 5.4.2.7 (commissioning attempts): the window closes after 20
 * failed PASE attempts. */
#define MD_PASE_MAX_FAILED_ATTEMPTS 20
#define MD_PASE_ITERATIONS 1000
#define MD_PASE_SALT_LEN 32

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
  guint32 iterations;
} MdPaseVerifier;

typedef struct _MdCommissioning MdCommissioning;

typedef void (*MdCommissioningChangedFunc)(MdCommissioning *commissioning, gpointer user_data);

MdCommissioning *md_commissioning_new(MdNode *node, MdStore *store, const MdConfig *config,
                                      GError **error);
void md_commissioning_free(MdCommissioning *commissioning);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdCommissioning, md_commissioning_free)

/* Called whenever the window opens or closes. */
void md_commissioning_set_changed_func(MdCommissioning *commissioning,
                                       MdCommissioningChangedFunc func, gpointer user_data);

/* Opens the window at start when the node belongs to no fabric and the
 * attempt limit was not reached. */
void md_commissioning_start(MdCommissioning *commissioning);

/* Opens a basic window for @timeout seconds (180..900) and logs the codes
 * to commission with. Resets the failed-attempt count. */
gboolean md_commissioning_open_basic(MdCommissioning *commissioning, guint timeout,
                                     GError **error);
void md_commissioning_close(MdCommissioning *commissioning, const char *reason);

MdWindowKind md_commissioning_get_window(MdCommissioning *commissioning);
/* The verifier while a window is open, else NULL. */
const MdPaseVerifier *md_commissioning_get_verifier(MdCommissioning *commissioning);
guint md_commissioning_get_failed_attempts(MdCommissioning *commissioning);

/* A PASE attempt whose verification failed (a wrong passcode): counted and
 * persisted; at the limit the window closes. */
void md_commissioning_pase_failed(MdCommissioning *commissioning);

/* The onboarding payloads for this node (on-network rendezvous). */
gboolean md_commissioning_get_codes(MdCommissioning *commissioning,
                                    char qr_code[MATTER_PAYLOAD_QR_SIZE],
                                    char manual_code[MATTER_PAYLOAD_MANUAL_SIZE], GError **error);
