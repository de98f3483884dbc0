/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "commissioning.h"

#include <string.h>

#include "matter/crypto.h"
#include "md-error.h"

#define KEY_PASSCODE "commissioning/passcode"
#define KEY_SALT "commissioning/salt"
#define KEY_ITERATIONS "commissioning/iterations"
#define KEY_W0 "commissioning/w0"
#define KEY_L "commissioning/L"
#define KEY_FAILED_ATTEMPTS "commissioning/failed-attempts"

struct _MdCommissioning {
  MdNode *node;                 /* not owned */
  const MdNodeStorage *storage; /* not owned */
  guint default_timeout;
  gboolean has_configured_passcode;
  guint32 configured_passcode;

  guint32 passcode;
  MdPaseVerifier verifier;
  gboolean ble; /* the onboarding payload names BLE too */
  /* A factory reset's new passcode and verifier, stored in its
   * transaction and made live once that committed. */
  gboolean has_staged;
  guint32 staged_passcode;
  MdPaseVerifier staged_verifier;
  /* Attempts counted in this window: those that failed plus those in
   * flight (Pake2 sent, Pake3 not verified yet). The store holds this
   * sum, so a restart takes every attempt in flight as failed. */
  guint counted_attempts;
  guint attempts_in_flight;

  MdWindowKind window;
  guint64 closes_at_ms; /* MD_NODE_NEVER while closed */
  /* An enhanced window's: never stored. */
  MdPaseVerifier enhanced;
  guint16 enhanced_discriminator;
  /* The passcode behind an enhanced window the host opened; 0 when an
   * administrator brought its own verifier. */
  guint32 enhanced_passcode;
  guint8 opener_fabric;
};

const char *
md_window_kind_to_string(MdWindowKind kind)
{
  switch (kind) {
  case MD_WINDOW_BASIC:
    return "basic";
  case MD_WINDOW_ENHANCED:
    return "enhanced";
  case MD_WINDOW_CLOSED:
  default:
    return "closed";
  }
}

/* A uniformly random passcode that the rules allow, from the DRBG: the
 * passcode is the secret PASE rests on. */
static gboolean
random_passcode(guint32 *passcode, GError **error)
{
  guint8 bytes[4];

  do {
    if (matter_random(bytes, sizeof(bytes)) != MATTER_OK) {
      g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot choose a passcode: no randomness");
      return FALSE;
    }
    /* 27 bits cover 1..99999998; redrawing the rest keeps it uniform. */
    *passcode = (guint32) (bytes[0] | bytes[1] << 8 | bytes[2] << 16 | (bytes[3] & 0x07) << 24);
  } while (*passcode > MATTER_PAYLOAD_PASSCODE_MAX || !matter_payload_passcode_valid(*passcode));
  matter_secure_zero(bytes, sizeof(bytes));
  return TRUE;
}

static gboolean
get_blob(const MdNodeStorage *storage, const char *key, guint8 *out, gsize len, GError **error)
{
  g_autoptr(GBytes) bytes = md_node_storage_get_bytes(storage, key, error);

  if (bytes == NULL)
    return FALSE;
  if (g_bytes_get_size(bytes) != len) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "Stored %s has %zu bytes, not %zu", key,
                g_bytes_get_size(bytes), len);
    return FALSE;
  }
  memcpy(out, g_bytes_get_data(bytes, NULL), len);
  return TRUE;
}

static gboolean
put_blob(const MdNodeStorage *storage, const char *key, const guint8 *data, gsize len,
         GError **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new(data, len);

  return md_node_storage_put_bytes(storage, key, bytes, error);
}

/* Reads passcode and verifier; FALSE with MD_ERROR_NOT_FOUND on first start. */
static gboolean
load_verifier(MdCommissioning *self, GError **error)
{
  guint64 passcode, iterations;

  if (!md_node_storage_get_uint64(self->storage, KEY_PASSCODE, &passcode, error) ||
      !md_node_storage_get_uint64(self->storage, KEY_ITERATIONS, &iterations, error) ||
      !get_blob(self->storage, KEY_SALT, self->verifier.salt, MD_PASE_SALT_LEN, error) ||
      !get_blob(self->storage, KEY_W0, self->verifier.w0, MATTER_SPAKE2P_W_LEN, error) ||
      !get_blob(self->storage, KEY_L, self->verifier.L, MATTER_SPAKE2P_POINT_LEN, error))
    return FALSE;
  if (!matter_payload_passcode_valid((guint32) passcode) ||
      iterations < MATTER_PAYLOAD_ITERATIONS_MIN || iterations > MATTER_PAYLOAD_ITERATIONS_MAX) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "Stored passcode parameters are invalid");
    return FALSE;
  }
  self->passcode = (guint32) passcode;
  self->verifier.iterations = (guint32) iterations;
  self->verifier.salt_len = MD_PASE_SALT_LEN;
  return TRUE;
}

/* A new random salt and the verifier of @passcode. */
static gboolean
compute_verifier(guint32 passcode, MdPaseVerifier *v, GError **error)
{
  MatterError err;

  v->salt_len = sizeof(v->salt);
  v->iterations = MD_PASE_ITERATIONS;
  err = matter_random(v->salt, sizeof(v->salt));
  if (err == MATTER_OK)
    err = matter_payload_compute_verifier(passcode, v->salt, sizeof(v->salt), v->iterations,
                                          v->w0, v->L);
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot compute the passcode verifier");
    return FALSE;
  }
  return TRUE;
}

/* Stores @passcode and @v, and a fresh attempt count, in the caller's
 * transaction. */
static gboolean
put_verifier(MdCommissioning *self, guint32 passcode, const MdPaseVerifier *v, GError **error)
{
  return md_node_storage_put_uint64(self->storage, KEY_PASSCODE, passcode, error) &&
         md_node_storage_put_uint64(self->storage, KEY_ITERATIONS, v->iterations, error) &&
         put_blob(self->storage, KEY_SALT, v->salt, sizeof(v->salt), error) &&
         put_blob(self->storage, KEY_W0, v->w0, sizeof(v->w0), error) &&
         put_blob(self->storage, KEY_L, v->L, sizeof(v->L), error) &&
         md_node_storage_put_uint64(self->storage, KEY_FAILED_ATTEMPTS, 0, error);
}

/* A new salt and verifier for @passcode, stored in one transaction. */
static gboolean
create_verifier(MdCommissioning *self, guint32 passcode, GError **error)
{
  if (!compute_verifier(passcode, &self->verifier, error))
    return FALSE;
  self->passcode = passcode;
  if (!md_node_storage_begin(self->storage, error))
    return FALSE;
  if (!put_verifier(self, passcode, &self->verifier, error)) {
    md_node_storage_rollback(self->storage);
    return FALSE;
  }
  return md_node_storage_commit(self->storage, error);
}

static gboolean
load_failed_attempts(MdCommissioning *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint64 count = 0;

  if (!md_node_storage_get_uint64(self->storage, KEY_FAILED_ATTEMPTS, &count, &local_error) &&
      !g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  self->counted_attempts = (guint) MIN(count, MD_PASE_MAX_FAILED_ATTEMPTS);
  return TRUE;
}

MdCommissioning *
md_commissioning_new(MdNode *node, const MdNodeStorage *storage, const MdNodeParams *params,
                     GError **error)
{
  g_autoptr(MdCommissioning) self = g_new0(MdCommissioning, 1);
  g_autoptr(GError) local_error = NULL;

  self->node = node;
  self->storage = storage;
  self->default_timeout = params->window_timeout;
  self->has_configured_passcode = params->has_passcode;
  self->configured_passcode = params->passcode;
  self->closes_at_ms = MD_NODE_NEVER;

  if (!load_verifier(self, &local_error)) {
    if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
      g_propagate_error(error, g_steal_pointer(&local_error));
      return NULL;
    }
    guint32 passcode = params->passcode;

    if (!params->has_passcode && !random_passcode(&passcode, error))
      return NULL;
    if (!create_verifier(self, passcode, error))
      return NULL;
    g_message("Chose the passcode for this node and stored its verifier");
  } else if (params->has_passcode && params->passcode != self->passcode) {
    if (!create_verifier(self, params->passcode, error))
      return NULL;
    g_message("The configured passcode changed: stored a new verifier");
  }
  if (!load_failed_attempts(self, error))
    return NULL;
  return g_steal_pointer(&self);
}

void
md_commissioning_free(MdCommissioning *self)
{
  if (self == NULL)
    return;
  matter_secure_zero(&self->verifier, sizeof(self->verifier));
  matter_secure_zero(&self->staged_verifier, sizeof(self->staged_verifier));
  matter_secure_zero(&self->enhanced, sizeof(self->enhanced));
  self->passcode = self->staged_passcode = self->enhanced_passcode = 0;
  g_free(self);
}

static void
set_window(MdCommissioning *self, MdWindowKind kind)
{
  if (self->window == kind)
    return;
  self->window = kind;
  md_node_changed(self->node, MD_NODE_CHANGE_WINDOW);
}

static gboolean
encode_codes(MdCommissioning *self, guint32 passcode, guint16 discriminator,
             char qr_code[MATTER_PAYLOAD_QR_SIZE], char manual_code[MATTER_PAYLOAD_MANUAL_SIZE],
             GError **error)
{
  MatterSetupPayload payload = {
    .version = 0,
    .vendor_id = md_node_get_vendor_id(self->node),
    .product_id = md_node_get_product_id(self->node),
    .flow = MATTER_PAYLOAD_FLOW_STANDARD,
    .rendezvous = MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK |
                  (self->ble ? MATTER_PAYLOAD_RENDEZVOUS_BLE : 0),
    .discriminator = discriminator,
    .passcode = passcode,
  };
  MatterError err = matter_payload_qr_encode(&payload, qr_code, MATTER_PAYLOAD_QR_SIZE);

  if (err == MATTER_OK)
    err = matter_payload_manual_encode(&payload, manual_code);
  matter_secure_zero(&payload.passcode, sizeof(payload.passcode));
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot encode the onboarding payload");
    return FALSE;
  }
  return TRUE;
}

gboolean
md_commissioning_get_codes(MdCommissioning *self, char qr_code[MATTER_PAYLOAD_QR_SIZE],
                           char manual_code[MATTER_PAYLOAD_MANUAL_SIZE], GError **error)
{
  return encode_codes(self, self->passcode, md_node_get_discriminator(self->node), qr_code,
                      manual_code, error);
}

gboolean
md_commissioning_get_window_codes(MdCommissioning *self, char qr_code[MATTER_PAYLOAD_QR_SIZE],
                                  char manual_code[MATTER_PAYLOAD_MANUAL_SIZE], GError **error)
{
  switch (self->window) {
  case MD_WINDOW_BASIC:
    return md_commissioning_get_codes(self, qr_code, manual_code, error);
  case MD_WINDOW_ENHANCED:
    if (self->enhanced_passcode != 0)
      return encode_codes(self, self->enhanced_passcode, self->enhanced_discriminator, qr_code,
                          manual_code, error);
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
                "The administrator that opened the window holds its passcode");
    return FALSE;
  case MD_WINDOW_CLOSED:
    break;
  }
  g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No commissioning window is open");
  return FALSE;
}

guint64
md_commissioning_next_deadline(MdCommissioning *self)
{
  return self->closes_at_ms;
}

void
md_commissioning_process(MdCommissioning *self, guint64 now_ms)
{
  if (now_ms >= self->closes_at_ms)
    md_commissioning_close(self, "its time ran out");
}

static gboolean
persist_attempts(MdCommissioning *self, guint count, GError **error)
{
  return md_node_storage_put_uint64(self->storage, KEY_FAILED_ATTEMPTS, count, error);
}

static gboolean
open_basic(MdCommissioning *self, guint timeout, guint64 now_ms, GError **error)
{
  char qr_code[MATTER_PAYLOAD_QR_SIZE], manual_code[MATTER_PAYLOAD_MANUAL_SIZE];

  if (!md_commissioning_get_codes(self, qr_code, manual_code, error))
    return FALSE;

  self->closes_at_ms = now_ms + (guint64) timeout * 1000;
  set_window(self, MD_WINDOW_BASIC);
  /* The operator needs these to commission the node: on the journal (or
   * stderr) at message level, never only at debug. */
  g_message("Commissioning window open for %u s; commission with QR code %s or manual "
            "pairing code %s",
            timeout, qr_code, manual_code);
  return TRUE;
}

/* Core spec 5.4.2.3: a window lasts 3 to 15 minutes. A window opened on
 * request starts a fresh allowance of attempts; handshakes still in
 * flight count in it. */
static gboolean
prepare_window(MdCommissioning *self, const char *what, guint timeout, GError **error)
{
  if (timeout < MD_WINDOW_TIMEOUT_MIN || timeout > MD_WINDOW_TIMEOUT_MAX) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s lasts %u to %u s, not %u", what,
                MD_WINDOW_TIMEOUT_MIN, MD_WINDOW_TIMEOUT_MAX, timeout);
    return FALSE;
  }
  if (!persist_attempts(self, self->attempts_in_flight, error))
    return FALSE;
  self->counted_attempts = self->attempts_in_flight;
  return TRUE;
}

gboolean
md_commissioning_open_basic(MdCommissioning *self, guint timeout, guint8 fabric_index,
                            guint64 now_ms, GError **error)
{
  if (!prepare_window(self, "A basic commissioning window", timeout, error) ||
      !open_basic(self, timeout, now_ms, error))
    return FALSE;
  self->opener_fabric = fabric_index;
  return TRUE;
}

/* @passcode: the one behind @verifier when the node chose it, else 0. */
static gboolean
open_enhanced(MdCommissioning *self, const MdPaseVerifier *verifier, guint32 passcode,
              guint16 discriminator, guint timeout, guint8 fabric_index, guint64 now_ms,
              GError **error)
{
  if (!prepare_window(self, "An enhanced commissioning window", timeout, error))
    return FALSE;
  self->enhanced = *verifier;
  self->enhanced_discriminator = discriminator;
  self->enhanced_passcode = passcode;
  self->opener_fabric = fabric_index;
  self->closes_at_ms = now_ms + (guint64) timeout * 1000;
  set_window(self, MD_WINDOW_ENHANCED);
  if (fabric_index != 0)
    g_message("Enhanced commissioning window open for %u s (discriminator %u, opened by fabric %u)",
              timeout, discriminator, fabric_index);
  else
    g_message("Enhanced commissioning window open for %u s (discriminator %u, opened by the host)",
              timeout, discriminator);
  return TRUE;
}

gboolean
md_commissioning_open_enhanced(MdCommissioning *self, const MdPaseVerifier *verifier,
                               guint16 discriminator, guint timeout, guint8 fabric_index,
                               guint64 now_ms, GError **error)
{
  return open_enhanced(self, verifier, 0, discriminator, timeout, fabric_index, now_ms, error);
}

gboolean
md_commissioning_open_enhanced_fresh(MdCommissioning *self, guint timeout, guint64 now_ms,
                                     GError **error)
{
  MdPaseVerifier verifier = { 0 };
  guint32 passcode;
  gboolean opened;

  if (!random_passcode(&passcode, error) || !compute_verifier(passcode, &verifier, error))
    return FALSE;
  opened = open_enhanced(self, &verifier, passcode, md_node_get_discriminator(self->node), timeout,
                         0, now_ms, error);
  matter_secure_zero(&verifier, sizeof(verifier));
  matter_secure_zero(&passcode, sizeof(passcode));
  return opened;
}

void
md_commissioning_set_ble(MdCommissioning *self, gboolean ble)
{
  if (self->ble == ble)
    return;
  self->ble = ble;
  /* The open window's codes changed with it. */
  if (self->window != MD_WINDOW_CLOSED)
    md_node_changed(self->node, MD_NODE_CHANGE_WINDOW);
}

gboolean
md_commissioning_passcode_configured(MdCommissioning *self)
{
  return self->has_configured_passcode;
}

gboolean
md_commissioning_stage_reset(MdCommissioning *self, GError **error)
{
  guint32 passcode = self->configured_passcode;

  if (!self->has_configured_passcode && !random_passcode(&passcode, error))
    return FALSE;
  if (!compute_verifier(passcode, &self->staged_verifier, error) ||
      !put_verifier(self, passcode, &self->staged_verifier, error)) {
    md_commissioning_drop_reset(self);
    return FALSE;
  }
  self->staged_passcode = passcode;
  self->has_staged = TRUE;
  return TRUE;
}

void
md_commissioning_apply_reset(MdCommissioning *self)
{
  if (!self->has_staged)
    return;
  md_commissioning_close(self, "the node was reset");
  self->passcode = self->staged_passcode;
  self->verifier = self->staged_verifier;
  self->counted_attempts = self->attempts_in_flight;
  md_commissioning_drop_reset(self);
}

void
md_commissioning_drop_reset(MdCommissioning *self)
{
  matter_secure_zero(&self->staged_verifier, sizeof(self->staged_verifier));
  self->staged_passcode = 0;
  self->has_staged = FALSE;
}

guint8
md_commissioning_get_opener(MdCommissioning *self)
{
  return self->window != MD_WINDOW_CLOSED ? self->opener_fabric : 0;
}

void
md_commissioning_close(MdCommissioning *self, const char *reason)
{
  if (self->window == MD_WINDOW_CLOSED)
    return;
  matter_secure_zero(&self->enhanced, sizeof(self->enhanced));
  self->enhanced_passcode = 0;
  self->opener_fabric = 0;
  self->closes_at_ms = MD_NODE_NEVER;
  set_window(self, MD_WINDOW_CLOSED);
  g_message("Commissioning window closed: %s", reason);
}

void
md_commissioning_start(MdCommissioning *self, guint64 now_ms)
{
  g_autoptr(GError) error = NULL;
  int fabrics = md_node_count_fabrics(self->node, &error);

  if (fabrics != 0) {
    if (fabrics < 0)
      g_warning("Not opening a commissioning window: %s", error->message);
    return;
  }
  if (self->counted_attempts >= MD_PASE_MAX_FAILED_ATTEMPTS) {
    g_warning("Not opening a commissioning window: %u failed PASE attempts closed the last one; "
              "open one explicitly",
              self->counted_attempts);
    return;
  }
  /* A window reopened after a restart keeps counting the attempts made;
   * no administrator opened it. */
  self->opener_fabric = 0;
  if (!open_basic(self, self->default_timeout, now_ms, &error))
    g_warning("Cannot open a commissioning window: %s", error->message);
}

MdWindowKind
md_commissioning_get_window(MdCommissioning *self)
{
  return self->window;
}

guint16
md_commissioning_get_discriminator(MdCommissioning *self)
{
  if (self->window == MD_WINDOW_ENHANCED)
    return self->enhanced_discriminator;
  return md_node_get_discriminator(self->node);
}

const MdPaseVerifier *
md_commissioning_get_verifier(MdCommissioning *self)
{
  switch (self->window) {
  case MD_WINDOW_BASIC:
    return &self->verifier;
  case MD_WINDOW_ENHANCED:
    return &self->enhanced;
  case MD_WINDOW_CLOSED:
    break;
  }
  return NULL;
}

guint
md_commissioning_get_failed_attempts(MdCommissioning *self)
{
  return self->counted_attempts - self->attempts_in_flight;
}

guint
md_commissioning_get_counted_attempts(MdCommissioning *self)
{
  return self->counted_attempts;
}

gboolean
md_commissioning_attempt_begin(MdCommissioning *self, GError **error)
{
  if (self->window == MD_WINDOW_CLOSED) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "No commissioning window is open");
    return FALSE;
  }
  if (self->counted_attempts >= MD_PASE_MAX_FAILED_ATTEMPTS) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED,
                "All %u PASE attempts of this window are spent or in flight",
                MD_PASE_MAX_FAILED_ATTEMPTS);
    return FALSE;
  }
  /* Stored before Pake2 leaves: a crash after it must not forget it. */
  if (!persist_attempts(self, self->counted_attempts + 1, error))
    return FALSE;
  self->counted_attempts++;
  self->attempts_in_flight++;
  g_message("PASE attempt counted (%u of %u allowed)", self->counted_attempts,
            MD_PASE_MAX_FAILED_ATTEMPTS);
  return TRUE;
}

void
md_commissioning_attempt_end(MdCommissioning *self, gboolean verified)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail(self->attempts_in_flight > 0);
  self->attempts_in_flight--;
  if (verified) {
    /* Taking it back may fail to reach the disk: then the attempt stays
     * counted, which errs on the safe side. */
    if (persist_attempts(self, self->counted_attempts - 1, &error))
      self->counted_attempts--;
    else
      g_warning("Cannot take back a verified PASE attempt: %s", error->message);
    return;
  }
  g_message("PASE attempt failed (%u of %u allowed)", self->counted_attempts,
            MD_PASE_MAX_FAILED_ATTEMPTS);
  if (self->counted_attempts >= MD_PASE_MAX_FAILED_ATTEMPTS && self->attempts_in_flight == 0)
    md_commissioning_close(self, "too many failed PASE attempts");
}
