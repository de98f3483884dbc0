/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the CASE fuzz targets share: one fabric whose keys come from fixed
 * scalars (so the root key, and with it every destination id, is the same
 * in every run and the seeds stay meaningful), a responder and an
 * initiator whose random draws are fixed, and a resumption record both
 * know. Certificates are made here with the core's own encoder, without
 * GLib. ECDSA signatures stay random, so a Sigma2 differs between runs;
 * the targets that need the peer's keys derive them as the peer would. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/case.h"
#include "matter/cert.h"
#include "matter/crypto.h"

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

#define FUZZ_FABRIC_ID UINT64_C(0x2906C908D115D362)
#define FUZZ_RESPONDER_NODE UINT64_C(0x0000000000000001)
#define FUZZ_INITIATOR_NODE UINT64_C(0x0000000000000002)
#define FUZZ_RESPONDER_SESSION 0x1111
#define FUZZ_INITIATOR_SESSION 0x2222
/* The first bytes each side's random source draws from. */
#define FUZZ_RESPONDER_SEED 0x40
#define FUZZ_INITIATOR_SEED 0x80

typedef struct {
  MatterP256Key *key;
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];
  uint8_t key_id[MATTER_CERT_KEY_ID_LEN];
} FuzzKey;

typedef struct {
  FuzzKey root, responder, initiator;
  uint8_t rcac[MATTER_CERT_MAX_TLV_LEN], responder_noc[MATTER_CERT_MAX_TLV_LEN],
      initiator_noc[MATTER_CERT_MAX_TLV_LEN];
  size_t rcac_len, responder_noc_len, initiator_noc_len;
  MatterCaseFabric responder_fabric, initiator_fabric;
  MatterCaseResumption record; /* both sides know it */
  /* The initiator's Sigma1 without and with resumption (the same draws
   * make both) and, derived as it does, its ephemeral key. */
  uint8_t sigma1[MATTER_CASE_MESSAGE_MAX], sigma1_resume[MATTER_CASE_MESSAGE_MAX];
  size_t sigma1_len, sigma1_resume_len;
  MatterP256Key *initiator_eph;
  /* The responder's ephemeral key for the full Sigma2 it sends, and one
   * for Sigma2 messages the fuzz target makes up. */
  MatterP256Key *responder_eph, *made_up_eph;
} FuzzCase;

/* Counts up from where the caller set it. */
static inline MatterError
fuzz_case_fill(void *user_data, uint8_t *buf, size_t len)
{
  uint8_t *next = user_data;

  for (size_t i = 0; i < len; i++)
    buf[i] = (*next)++;
  return MATTER_OK;
}

static inline void
fuzz_key(FuzzKey *k, uint8_t seed)
{
  uint8_t scalar[MATTER_P256_PRIVATE_KEY_LEN];

  memset(scalar, seed, sizeof(scalar));
  require(matter_p256_import_private(scalar, &k->key) == MATTER_OK);
  require(matter_p256_export_public(k->key, k->pub) == MATTER_OK);
  require(matter_cert_key_id(k->pub, k->key_id) == MATTER_OK);
}

static inline void
fuzz_dn_add(MatterCertDn *dn, MatterCertDnType type, uint64_t value)
{
  dn->attrs[dn->count++] = (MatterCertDnAttr){ .type = type, .value = value };
}

/* The RCAC (subject NULL) or a NOC for @subject's key and @node_id. */
static inline void
fuzz_cert(const FuzzKey *root, const FuzzKey *subject, uint64_t node_id, uint8_t *out, size_t *len)
{
  static const uint8_t serial[] = { 0x01 };
  uint8_t tbs[MATTER_CERT_MAX_DER_LEN], signature[MATTER_P256_SIGNATURE_LEN];
  MatterCert c = { .serial = serial, .serial_len = sizeof(serial) };
  size_t tbs_len;

  fuzz_dn_add(&c.issuer, MATTER_CERT_DN_RCAC_ID, 1);
  fuzz_dn_add(&c.issuer, MATTER_CERT_DN_FABRIC_ID, FUZZ_FABRIC_ID);
  c.not_after = MATTER_CERT_NO_EXPIRY;
  c.authority_key_id = root->key_id;
  c.exts[c.ext_count++].kind = MATTER_CERT_EXT_BASIC_CONSTRAINTS;
  c.exts[c.ext_count++].kind = MATTER_CERT_EXT_KEY_USAGE;
  if (subject == NULL) {
    c.subject = c.issuer;
    c.public_key = root->pub;
    c.subject_key_id = root->key_id;
    c.is_ca = true;
    c.key_usage = MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN | MATTER_CERT_KEY_USAGE_CRL_SIGN;
  } else {
    fuzz_dn_add(&c.subject, MATTER_CERT_DN_NODE_ID, node_id);
    fuzz_dn_add(&c.subject, MATTER_CERT_DN_FABRIC_ID, FUZZ_FABRIC_ID);
    c.public_key = subject->pub;
    c.subject_key_id = subject->key_id;
    c.key_usage = MATTER_CERT_KEY_USAGE_DIGITAL_SIGNATURE;
    c.key_purpose_count = 2;
    c.key_purposes[0] = MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH;
    c.key_purposes[1] = MATTER_CERT_KEY_PURPOSE_SERVER_AUTH;
    c.exts[c.ext_count++].kind = MATTER_CERT_EXT_EXTENDED_KEY_USAGE;
  }
  c.exts[c.ext_count++].kind = MATTER_CERT_EXT_SUBJECT_KEY_ID;
  c.exts[c.ext_count++].kind = MATTER_CERT_EXT_AUTHORITY_KEY_ID;
  require(matter_cert_encode_tbs(&c, tbs, sizeof(tbs), &tbs_len) == MATTER_OK);
  require(matter_ecdsa_sign(root->key, tbs, tbs_len, signature) == MATTER_OK);
  c.signature = signature;
  require(matter_cert_encode(&c, out, MATTER_CERT_MAX_TLV_LEN, len) == MATTER_OK);
}

static inline void
fuzz_fabric(FuzzCase *f, MatterCaseFabric *fabric, const FuzzKey *key, uint64_t node_id,
            const uint8_t *noc, size_t noc_len)
{
  uint8_t cfid[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN], epoch[MATTER_CASE_IPK_LEN];

  memset(epoch, 0x5a, sizeof(epoch));
  *fabric = (MatterCaseFabric){
    .fabric_index = 1,
    .fabric_id = FUZZ_FABRIC_ID,
    .node_id = node_id,
    .rcac = f->rcac,
    .rcac_len = f->rcac_len,
    .noc = noc,
    .noc_len = noc_len,
    .operational_key = key->key,
  };
  memcpy(fabric->root_public_key, f->root.pub, sizeof(fabric->root_public_key));
  require(matter_case_compressed_fabric_id(f->root.pub, FUZZ_FABRIC_ID, cfid) == MATTER_OK);
  require(matter_case_operational_ipk(epoch, cfid, fabric->ipk) == MATTER_OK);
}

static inline MatterCaseInitiator *
fuzz_case_initiator_new(const FuzzCase *f, bool resume, uint8_t *counter)
{
  const MatterRandomSource rng = { fuzz_case_fill, counter };
  MatterCaseInitiator *init = NULL;

  *counter = FUZZ_INITIATOR_SEED;
  require(matter_case_initiator_new(&f->initiator_fabric, FUZZ_RESPONDER_NODE,
                                    resume ? &f->record : NULL, FUZZ_INITIATOR_SESSION, NULL, &rng,
                                    MATTER_CERT_TIME_UNKNOWN, 0, &init) == MATTER_OK);
  return init;
}

/* The key a random source starting at @first draws (the scalar is all
 * the draws there are for it with these seeds). */
static inline void
fuzz_case_drawn_key(uint8_t first, MatterP256Key **key)
{
  uint8_t scalar[MATTER_P256_PRIVATE_KEY_LEN];

  require(fuzz_case_fill(&first, scalar, sizeof(scalar)) == MATTER_OK);
  require(matter_p256_import_private(scalar, key) == MATTER_OK);
}

static inline void
fuzz_case_start(FuzzCase *f, bool resume, uint8_t *out, size_t *len)
{
  MatterCaseInitiator *init;
  uint8_t opcode, counter;

  init = fuzz_case_initiator_new(f, resume, &counter);
  require(matter_case_initiator_start(init, &opcode, out, MATTER_CASE_MESSAGE_MAX, len) ==
          MATTER_OK);
  matter_case_initiator_free(init);
}

static inline void
fuzz_case_build(FuzzCase *f)
{
  fuzz_key(&f->root, 0x11);
  fuzz_key(&f->responder, 0x22);
  fuzz_key(&f->initiator, 0x33);
  fuzz_cert(&f->root, NULL, 0, f->rcac, &f->rcac_len);
  fuzz_cert(&f->root, &f->responder, FUZZ_RESPONDER_NODE, f->responder_noc, &f->responder_noc_len);
  fuzz_cert(&f->root, &f->initiator, FUZZ_INITIATOR_NODE, f->initiator_noc, &f->initiator_noc_len);
  fuzz_fabric(f, &f->responder_fabric, &f->responder, FUZZ_RESPONDER_NODE, f->responder_noc,
              f->responder_noc_len);
  fuzz_fabric(f, &f->initiator_fabric, &f->initiator, FUZZ_INITIATOR_NODE, f->initiator_noc,
              f->initiator_noc_len);
  memset(f->record.resumption_id, 0x77, sizeof(f->record.resumption_id));
  memset(f->record.shared_secret, 0x66, sizeof(f->record.shared_secret));
  f->record.fabric_index = 1;
  f->record.peer_node_id = FUZZ_INITIATOR_NODE;

  fuzz_case_start(f, false, f->sigma1, &f->sigma1_len);
  fuzz_case_start(f, true, f->sigma1_resume, &f->sigma1_resume_len);
  /* initiatorRandom, then the ephemeral scalar; the responder's
   * resumption id, then its scalar. */
  fuzz_case_drawn_key(FUZZ_INITIATOR_SEED + MATTER_CASE_RANDOM_LEN, &f->initiator_eph);
  fuzz_case_drawn_key(FUZZ_RESPONDER_SEED + MATTER_CASE_RESUMPTION_ID_LEN, &f->responder_eph);
  fuzz_case_drawn_key(0x01, &f->made_up_eph);
}

static inline FuzzCase *
fuzz_case_setup(void)
{
  static FuzzCase f;
  static bool done;

  if (!done) {
    fuzz_case_build(&f);
    done = true;
  }
  return &f;
}

/* The responder's owner: the one fabric, and the record when @resume. */
static inline size_t
fuzz_case_fabric_count(void *user_data)
{
  (void) user_data;
  return 1;
}

static inline MatterError
fuzz_case_get_fabric(void *user_data, size_t index, MatterCaseFabric *fabric)
{
  (void) index;
  *fabric = ((FuzzCase *) user_data)->responder_fabric;
  return MATTER_OK;
}

static inline MatterError
fuzz_case_find_resumption(void *user_data, const uint8_t id[MATTER_CASE_RESUMPTION_ID_LEN],
                          MatterCaseResumption *record)
{
  const FuzzCase *f = user_data;

  if (memcmp(id, f->record.resumption_id, MATTER_CASE_RESUMPTION_ID_LEN) != 0)
    return MATTER_ERROR_SESSION_NOT_FOUND;
  *record = f->record;
  return MATTER_OK;
}

static inline MatterCaseResponder *
fuzz_case_responder_new(FuzzCase *f, uint8_t *counter)
{
  const MatterCaseResponderCallbacks cb = {
    .fabric_count = fuzz_case_fabric_count,
    .get_fabric = fuzz_case_get_fabric,
    .find_resumption = fuzz_case_find_resumption,
    .user_data = f,
  };
  const MatterRandomSource rng = { fuzz_case_fill, counter };
  MatterCaseResponder *resp = NULL;

  *counter = FUZZ_RESPONDER_SEED;
  require(matter_case_responder_new(&cb, FUZZ_RESPONDER_SESSION, NULL, &rng,
                                    MATTER_CERT_TIME_UNKNOWN, 0, &resp) == MATTER_OK);
  return resp;
}

/* A StatusReport (FAILURE, @protocol_code) without data. */
static inline void
fuzz_case_check_status(uint8_t opcode, const uint8_t *out, size_t len, uint16_t general_code,
                       uint16_t protocol_code)
{
  MatterStatusReport report;

  require(opcode == MATTER_SC_OPCODE_STATUS_REPORT);
  require(matter_status_report_decode(out, len, &report) == MATTER_OK);
  require(matter_status_report_is_sc(&report, general_code, protocol_code));
  require(report.data_len == 0);
}

/* AES-CCM of @plain under @key into @out (plain || MIC). */
static inline size_t
fuzz_case_seal(const uint8_t key[MATTER_CASE_KEY_LEN], const char *nonce, const uint8_t *plain,
               size_t len, uint8_t *out)
{
  require(matter_aes_ccm_encrypt(key, (const uint8_t *) nonce, MATTER_AES_CCM_NONCE_LEN, NULL, 0,
                                 plain, len, out, out + len, MATTER_AES_CCM_TAG_LEN) == MATTER_OK);
  return len + MATTER_AES_CCM_TAG_LEN;
}

/* A valid TBEData from @sender (its NOC, a signature over the TBSData
 * with the two ephemeral keys; the resumption id when not NULL): the
 * plaintext of a good encrypted2 or encrypted3. */
static inline size_t
fuzz_case_tbe(const FuzzKey *sender, const uint8_t *noc, size_t noc_len,
              const MatterP256Key *sender_eph, const MatterP256Key *receiver_eph,
              const uint8_t *resumption_id, uint8_t *out, size_t size)
{
  uint8_t tbs[MATTER_CASE_MESSAGE_MAX], s_pub[MATTER_P256_PUBLIC_KEY_LEN],
      r_pub[MATTER_P256_PUBLIC_KEY_LEN];
  MatterCaseTbeData tbe = { .noc = noc, .noc_len = noc_len };
  size_t tbs_len, len;

  require(matter_p256_export_public(sender_eph, s_pub) == MATTER_OK);
  require(matter_p256_export_public(receiver_eph, r_pub) == MATTER_OK);
  require(matter_case_tbs_encode(noc, noc_len, NULL, 0, s_pub, r_pub, tbs, sizeof(tbs), &tbs_len) ==
          MATTER_OK);
  require(matter_ecdsa_sign(sender->key, tbs, tbs_len, tbe.signature) == MATTER_OK);
  if (resumption_id != NULL)
    memcpy(tbe.resumption_id, resumption_id, sizeof(tbe.resumption_id));
  require(matter_case_tbe_encode(&tbe, resumption_id != NULL, out, size, &len) == MATTER_OK);
  return len;
}
