/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/case.h"

#include <openssl/crypto.h>
#include <string.h>

#include "matter/tlv.h"

/* KDF infos and AEAD nonces of 4.14.2.6 and 4.14.2.3, as the spec's byte
 * arrays spell them (the resumption nonces are "NCASE_SigmaS1" and
 * "NCASE_SigmaS2" in those bytes, whatever their comments say). */
static const char s2k_info[] = "Sigma2";
static const char s3k_info[] = "Sigma3";
static const char s1rk_info[] = "Sigma1_Resume";
static const char s2rk_info[] = "Sigma2_Resume";
static const char session_keys_info[] = "SessionKeys";
static const char resumption_keys_info[] = "SessionResumptionKeys";
static const char group_key_info[] = "GroupKey v1.0";            /* 4.15.2.1 */
static const char compressed_fabric_info[] = "CompressedFabric"; /* 4.3.2.2 */
static const uint8_t tbe2_nonce[MATTER_AES_CCM_NONCE_LEN] = "NCASE_Sigma2N";
static const uint8_t tbe3_nonce[MATTER_AES_CCM_NONCE_LEN] = "NCASE_Sigma3N";
static const uint8_t resume1_nonce[MATTER_AES_CCM_NONCE_LEN] = "NCASE_SigmaS1";
static const uint8_t resume2_nonce[MATTER_AES_CCM_NONCE_LEN] = "NCASE_SigmaS2";

/* Context tags of the message structures (4.14.2.3). */
enum {
  TAG_S1_INITIATOR_RANDOM = 1,
  TAG_S1_SESSION_ID = 2,
  TAG_S1_DESTINATION_ID = 3,
  TAG_S1_EPH_PUB = 4,
  TAG_S1_SESSION_PARAMS = 5,
  TAG_S1_RESUMPTION_ID = 6,
  TAG_S1_RESUME_MIC = 7,
};
enum {
  TAG_S2_RESPONDER_RANDOM = 1,
  TAG_S2_SESSION_ID = 2,
  TAG_S2_EPH_PUB = 3,
  TAG_S2_ENCRYPTED = 4,
  TAG_S2_SESSION_PARAMS = 5,
};
enum {
  TAG_S3_ENCRYPTED = 1,
};
enum {
  TAG_S2R_RESUMPTION_ID = 1,
  TAG_S2R_MIC = 2,
  TAG_S2R_SESSION_ID = 3,
  TAG_S2R_SESSION_PARAMS = 4,
};
enum {
  TAG_TBS_NOC = 1,
  TAG_TBS_ICAC = 2,
  TAG_TBS_SENDER_EPH = 3,
  TAG_TBS_RECEIVER_EPH = 4,
};
enum {
  TAG_TBE_NOC = 1,
  TAG_TBE_ICAC = 2,
  TAG_TBE_SIGNATURE = 3,
  TAG_TBE_RESUMPTION_ID = 4,
};

/* The largest TBEData and TBSData: two certificates at the TLV limit
 * with their 4-byte headers, and the rest. */
#define TBE_MAX                                                                \
  (1 + 2 * (4 + MATTER_CERT_MAX_TLV_LEN) + 3 + MATTER_P256_SIGNATURE_LEN + 3 + \
   MATTER_CASE_RESUMPTION_ID_LEN + 1)
#define TBS_MAX (1 + 2 * (4 + MATTER_CERT_MAX_TLV_LEN) + 2 * (3 + MATTER_P256_PUBLIC_KEY_LEN) + 1)

/* ---- Codec helpers ------------------------------------------------- */

static bool
writer_open(MatterTlvWriter *w, uint8_t *out, size_t size, size_t *len)
{
  if (out == NULL || len == NULL)
    return false;
  matter_tlv_writer_init(w, out, size);
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  return true;
}

static MatterError
writer_close(MatterTlvWriter *w, size_t *len)
{
  matter_tlv_end_container(w);
  return matter_tlv_writer_finish(w, len);
}

static MatterError
reader_open(const uint8_t *buf, size_t len, MatterTlvReader *r)
{
  if (buf == NULL && len > 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_tlv_enter_top_structure(r, buf, len, MATTER_ERROR_TLV_WRONG_TYPE,
                                        MATTER_ERROR_CASE_INVALID_MESSAGE);
}

static MatterError
get_fixed_bytes(MatterTlvReader *r, uint8_t tag, uint8_t *out, size_t want)
{
  const uint8_t *data;
  size_t len;
  MatterError err;

  if ((err = matter_tlv_get_context_bytes(r, tag, &data, &len)) != MATTER_OK)
    return err;
  if (len != want)
    return MATTER_ERROR_CASE_INVALID_MESSAGE;
  memcpy(out, data, want);
  return MATTER_OK;
}

/* An optional fixed-length octet string: *@has says whether it was there. */
static MatterError
get_optional_fixed_bytes(MatterTlvReader *r, uint8_t tag, uint8_t *out, size_t want, bool *has)
{
  MatterError err = get_fixed_bytes(r, tag, out, want);

  *has = err == MATTER_OK;
  return err == MATTER_ERROR_TLV_NOT_FOUND ? MATTER_OK : err;
}

/* An octet string of @min..@max bytes, pointed to in the input. */
static MatterError
get_bounded_bytes(MatterTlvReader *r, uint8_t tag, size_t min, size_t max, const uint8_t **data,
                  size_t *len)
{
  MatterError err = matter_tlv_get_context_bytes(r, tag, data, len);

  if (err != MATTER_OK)
    return err;
  if (*len < min || *len > max)
    return MATTER_ERROR_CASE_INVALID_MESSAGE;
  return MATTER_OK;
}

static MatterError
get_session_params(MatterTlvReader *r, uint8_t tag, bool *has, MatterSessionParams *params)
{
  MatterError err = matter_tlv_find_context(r, tag);

  *has = false;
  memset(params, 0, sizeof(*params));
  if (err == MATTER_ERROR_TLV_NOT_FOUND)
    return MATTER_OK;
  if (err != MATTER_OK || (err = matter_session_params_decode(r, params)) != MATTER_OK)
    return err;
  *has = true;
  return MATTER_OK;
}

static bool
cert_len_ok(const uint8_t *cert, size_t len)
{
  return cert != NULL && len > 0 && len <= MATTER_CERT_MAX_TLV_LEN;
}

static bool
optional_cert_ok(const uint8_t *cert, size_t len)
{
  return (cert == NULL && len == 0) || cert_len_ok(cert, len);
}

/* ---- Sigma1 -------------------------------------------------------- */

MatterError
matter_case_sigma1_encode(const MatterCaseSigma1 *msg, uint8_t *out, size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S1_INITIATOR_RANDOM), msg->initiator_random,
                       sizeof(msg->initiator_random));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_S1_SESSION_ID), msg->initiator_session_id);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S1_DESTINATION_ID), msg->destination_id,
                       sizeof(msg->destination_id));
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S1_EPH_PUB), msg->initiator_eph_pub,
                       sizeof(msg->initiator_eph_pub));
  if (msg->has_session_params)
    matter_session_params_encode(&w, matter_tlv_tag_context(TAG_S1_SESSION_PARAMS),
                                 &msg->session_params);
  if (msg->has_resumption) {
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S1_RESUMPTION_ID), msg->resumption_id,
                         sizeof(msg->resumption_id));
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S1_RESUME_MIC), msg->initiator_resume_mic,
                         sizeof(msg->initiator_resume_mic));
  }
  return writer_close(&w, len);
}

/* resumptionID and initiatorResumeMIC: both or neither (4.14.2.3.4
 * step 1). */
static MatterError
get_resumption(MatterTlvReader *r, MatterCaseSigma1 *m)
{
  bool has_id, has_mic;
  MatterError err;

  if ((err = get_optional_fixed_bytes(r, TAG_S1_RESUMPTION_ID, m->resumption_id,
                                      sizeof(m->resumption_id), &has_id)) != MATTER_OK ||
      (err = get_optional_fixed_bytes(r, TAG_S1_RESUME_MIC, m->initiator_resume_mic,
                                      sizeof(m->initiator_resume_mic), &has_mic)) != MATTER_OK)
    return err;
  if (has_id != has_mic)
    return MATTER_ERROR_CASE_INVALID_MESSAGE;
  m->has_resumption = has_id;
  return MATTER_OK;
}

MatterError
matter_case_sigma1_decode(const uint8_t *buf, size_t len, MatterCaseSigma1 *msg)
{
  MatterTlvReader r;
  MatterCaseSigma1 m = { 0 };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S1_INITIATOR_RANDOM, m.initiator_random,
                             sizeof(m.initiator_random))) != MATTER_OK ||
      (err = matter_tlv_get_context_u16(&r, TAG_S1_SESSION_ID, &m.initiator_session_id)) !=
          MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S1_DESTINATION_ID, m.destination_id,
                             sizeof(m.destination_id))) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S1_EPH_PUB, m.initiator_eph_pub,
                             sizeof(m.initiator_eph_pub))) != MATTER_OK ||
      (err = get_session_params(&r, TAG_S1_SESSION_PARAMS, &m.has_session_params,
                                &m.session_params)) != MATTER_OK ||
      (err = get_resumption(&r, &m)) != MATTER_OK)
    return err;
  *msg = m;
  return MATTER_OK;
}

/* ---- Sigma2 -------------------------------------------------------- */

MatterError
matter_case_sigma2_encode(const MatterCaseSigma2 *msg, uint8_t *out, size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || msg->encrypted2 == NULL || msg->encrypted2_len < MATTER_AES_CCM_TAG_LEN ||
      !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S2_RESPONDER_RANDOM), msg->responder_random,
                       sizeof(msg->responder_random));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_S2_SESSION_ID), msg->responder_session_id);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S2_EPH_PUB), msg->responder_eph_pub,
                       sizeof(msg->responder_eph_pub));
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S2_ENCRYPTED), msg->encrypted2,
                       msg->encrypted2_len);
  if (msg->has_session_params)
    matter_session_params_encode(&w, matter_tlv_tag_context(TAG_S2_SESSION_PARAMS),
                                 &msg->session_params);
  return writer_close(&w, len);
}

MatterError
matter_case_sigma2_decode(const uint8_t *buf, size_t len, MatterCaseSigma2 *msg)
{
  MatterTlvReader r;
  MatterCaseSigma2 m = { 0 };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S2_RESPONDER_RANDOM, m.responder_random,
                             sizeof(m.responder_random))) != MATTER_OK ||
      (err = matter_tlv_get_context_u16(&r, TAG_S2_SESSION_ID, &m.responder_session_id)) !=
          MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S2_EPH_PUB, m.responder_eph_pub,
                             sizeof(m.responder_eph_pub))) != MATTER_OK ||
      (err = get_bounded_bytes(&r, TAG_S2_ENCRYPTED, MATTER_AES_CCM_TAG_LEN,
                               TBE_MAX + MATTER_AES_CCM_TAG_LEN, &m.encrypted2,
                               &m.encrypted2_len)) != MATTER_OK ||
      (err = get_session_params(&r, TAG_S2_SESSION_PARAMS, &m.has_session_params,
                                &m.session_params)) != MATTER_OK)
    return err;
  *msg = m;
  return MATTER_OK;
}

/* ---- Sigma3 -------------------------------------------------------- */

MatterError
matter_case_sigma3_encode(const MatterCaseSigma3 *msg, uint8_t *out, size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || msg->encrypted3 == NULL || msg->encrypted3_len < MATTER_AES_CCM_TAG_LEN ||
      !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S3_ENCRYPTED), msg->encrypted3,
                       msg->encrypted3_len);
  return writer_close(&w, len);
}

MatterError
matter_case_sigma3_decode(const uint8_t *buf, size_t len, MatterCaseSigma3 *msg)
{
  MatterTlvReader r;
  MatterCaseSigma3 m = { 0 };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_bounded_bytes(&r, TAG_S3_ENCRYPTED, MATTER_AES_CCM_TAG_LEN,
                               TBE_MAX + MATTER_AES_CCM_TAG_LEN, &m.encrypted3,
                               &m.encrypted3_len)) != MATTER_OK)
    return err;
  *msg = m;
  return MATTER_OK;
}

/* ---- Sigma2_Resume ------------------------------------------------- */

MatterError
matter_case_sigma2_resume_encode(const MatterCaseSigma2Resume *msg, uint8_t *out, size_t size,
                                 size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S2R_RESUMPTION_ID), msg->resumption_id,
                       sizeof(msg->resumption_id));
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_S2R_MIC), msg->sigma2_resume_mic,
                       sizeof(msg->sigma2_resume_mic));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_S2R_SESSION_ID), msg->responder_session_id);
  if (msg->has_session_params)
    matter_session_params_encode(&w, matter_tlv_tag_context(TAG_S2R_SESSION_PARAMS),
                                 &msg->session_params);
  return writer_close(&w, len);
}

MatterError
matter_case_sigma2_resume_decode(const uint8_t *buf, size_t len, MatterCaseSigma2Resume *msg)
{
  MatterTlvReader r;
  MatterCaseSigma2Resume m = { 0 };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S2R_RESUMPTION_ID, m.resumption_id,
                             sizeof(m.resumption_id))) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_S2R_MIC, m.sigma2_resume_mic, sizeof(m.sigma2_resume_mic))) !=
          MATTER_OK ||
      (err = matter_tlv_get_context_u16(&r, TAG_S2R_SESSION_ID, &m.responder_session_id)) !=
          MATTER_OK ||
      (err = get_session_params(&r, TAG_S2R_SESSION_PARAMS, &m.has_session_params,
                                &m.session_params)) != MATTER_OK)
    return err;
  *msg = m;
  return MATTER_OK;
}

/* ---- TBEData and TBSData ------------------------------------------- */

MatterError
matter_case_tbe_encode(const MatterCaseTbeData *tbe, bool with_resumption_id, uint8_t *out,
                       size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (tbe == NULL || !cert_len_ok(tbe->noc, tbe->noc_len) ||
      !optional_cert_ok(tbe->icac, tbe->icac_len) || !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBE_NOC), tbe->noc, tbe->noc_len);
  if (tbe->icac != NULL)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBE_ICAC), tbe->icac, tbe->icac_len);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBE_SIGNATURE), tbe->signature,
                       sizeof(tbe->signature));
  if (with_resumption_id)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBE_RESUMPTION_ID), tbe->resumption_id,
                         sizeof(tbe->resumption_id));
  return writer_close(&w, len);
}

static MatterError
get_optional_cert(MatterTlvReader *r, uint8_t tag, const uint8_t **data, size_t *len)
{
  MatterError err = get_bounded_bytes(r, tag, 1, MATTER_CERT_MAX_TLV_LEN, data, len);

  if (err == MATTER_ERROR_TLV_NOT_FOUND) {
    *data = NULL;
    *len = 0;
    return MATTER_OK;
  }
  return err;
}

MatterError
matter_case_tbe_decode(const uint8_t *buf, size_t len, bool with_resumption_id,
                       MatterCaseTbeData *tbe)
{
  MatterTlvReader r;
  MatterCaseTbeData m = { 0 };
  MatterError err;

  if (tbe == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_bounded_bytes(&r, TAG_TBE_NOC, 1, MATTER_CERT_MAX_TLV_LEN, &m.noc, &m.noc_len)) !=
          MATTER_OK ||
      (err = get_optional_cert(&r, TAG_TBE_ICAC, &m.icac, &m.icac_len)) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_TBE_SIGNATURE, m.signature, sizeof(m.signature))) !=
          MATTER_OK ||
      (with_resumption_id && (err = get_fixed_bytes(&r, TAG_TBE_RESUMPTION_ID, m.resumption_id,
                                                    sizeof(m.resumption_id))) != MATTER_OK))
    return err;
  *tbe = m;
  return MATTER_OK;
}

MatterError
matter_case_tbs_encode(const uint8_t *noc, size_t noc_len, const uint8_t *icac, size_t icac_len,
                       const uint8_t sender_eph_pub[MATTER_P256_PUBLIC_KEY_LEN],
                       const uint8_t receiver_eph_pub[MATTER_P256_PUBLIC_KEY_LEN], uint8_t *out,
                       size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (!cert_len_ok(noc, noc_len) || !optional_cert_ok(icac, icac_len) || sender_eph_pub == NULL ||
      receiver_eph_pub == NULL || !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBS_NOC), noc, noc_len);
  if (icac != NULL)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBS_ICAC), icac, icac_len);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBS_SENDER_EPH), sender_eph_pub,
                       MATTER_P256_PUBLIC_KEY_LEN);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_TBS_RECEIVER_EPH), receiver_eph_pub,
                       MATTER_P256_PUBLIC_KEY_LEN);
  return writer_close(&w, len);
}

/* ---- Keys ---------------------------------------------------------- */

static void
put_le64(uint8_t *p, uint64_t v)
{
  for (unsigned i = 0; i < 8; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_be64(uint8_t *p, uint64_t v)
{
  for (unsigned i = 0; i < 8; i++)
    p[7 - i] = (uint8_t) (v >> (8 * i));
}

static MatterError
kdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len, const char *info,
    uint8_t *out, size_t out_len)
{
  return matter_hkdf_sha256(ikm, ikm_len, salt, salt_len, (const uint8_t *) info, strlen(info), out,
                            out_len);
}

MatterError
matter_case_compressed_fabric_id(const uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                 uint64_t fabric_id,
                                 uint8_t out[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN])
{
  uint8_t salt[8];

  if (root_public_key == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  put_be64(salt, fabric_id);
  return kdf(root_public_key + 1, MATTER_P256_PUBLIC_KEY_LEN - 1, salt, sizeof(salt),
             compressed_fabric_info, out, MATTER_CASE_COMPRESSED_FABRIC_ID_LEN);
}

MatterError
matter_case_operational_ipk(
    const uint8_t epoch_key[MATTER_CASE_IPK_LEN],
    const uint8_t compressed_fabric_id[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN],
    uint8_t ipk[MATTER_CASE_IPK_LEN])
{
  if (epoch_key == NULL || compressed_fabric_id == NULL || ipk == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return kdf(epoch_key, MATTER_CASE_IPK_LEN, compressed_fabric_id,
             MATTER_CASE_COMPRESSED_FABRIC_ID_LEN, group_key_info, ipk, MATTER_CASE_IPK_LEN);
}

MatterError
matter_case_destination_id(const uint8_t ipk[MATTER_CASE_IPK_LEN],
                           const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                           const uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                           uint64_t fabric_id, uint64_t node_id,
                           uint8_t out[MATTER_CASE_DESTINATION_ID_LEN])
{
  uint8_t message[MATTER_CASE_RANDOM_LEN + MATTER_P256_PUBLIC_KEY_LEN + 16];

  if (ipk == NULL || initiator_random == NULL || root_public_key == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memcpy(message, initiator_random, MATTER_CASE_RANDOM_LEN);
  memcpy(message + MATTER_CASE_RANDOM_LEN, root_public_key, MATTER_P256_PUBLIC_KEY_LEN);
  put_le64(message + MATTER_CASE_RANDOM_LEN + MATTER_P256_PUBLIC_KEY_LEN, fabric_id);
  put_le64(message + MATTER_CASE_RANDOM_LEN + MATTER_P256_PUBLIC_KEY_LEN + 8, node_id);
  return matter_hmac_sha256(ipk, MATTER_CASE_IPK_LEN, message, sizeof(message), out);
}

MatterError
matter_case_sigma2_key(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                       const uint8_t ipk[MATTER_CASE_IPK_LEN],
                       const uint8_t responder_random[MATTER_CASE_RANDOM_LEN],
                       const uint8_t responder_eph_pub[MATTER_P256_PUBLIC_KEY_LEN],
                       const uint8_t sigma1_hash[MATTER_SHA256_LEN],
                       uint8_t s2k[MATTER_CASE_KEY_LEN])
{
  uint8_t salt[MATTER_CASE_IPK_LEN + MATTER_CASE_RANDOM_LEN + MATTER_P256_PUBLIC_KEY_LEN +
               MATTER_SHA256_LEN];
  uint8_t *p = salt;
  MatterError err;

  if (shared_secret == NULL || ipk == NULL || responder_random == NULL ||
      responder_eph_pub == NULL || sigma1_hash == NULL || s2k == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memcpy(p, ipk, MATTER_CASE_IPK_LEN);
  p += MATTER_CASE_IPK_LEN;
  memcpy(p, responder_random, MATTER_CASE_RANDOM_LEN);
  p += MATTER_CASE_RANDOM_LEN;
  memcpy(p, responder_eph_pub, MATTER_P256_PUBLIC_KEY_LEN);
  p += MATTER_P256_PUBLIC_KEY_LEN;
  memcpy(p, sigma1_hash, MATTER_SHA256_LEN);
  err = kdf(shared_secret, MATTER_P256_SHARED_SECRET_LEN, salt, sizeof(salt), s2k_info, s2k,
            MATTER_CASE_KEY_LEN);
  OPENSSL_cleanse(salt, sizeof(salt));
  return err;
}

/* KDF(shared secret, IPK || transcript hash, @info): S3K and the session
 * keys. */
static MatterError
ipk_transcript_kdf(const uint8_t *shared_secret, const uint8_t *ipk, const uint8_t *hash,
                   const char *info, uint8_t *out, size_t out_len)
{
  uint8_t salt[MATTER_CASE_IPK_LEN + MATTER_SHA256_LEN];
  MatterError err;

  if (shared_secret == NULL || ipk == NULL || hash == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memcpy(salt, ipk, MATTER_CASE_IPK_LEN);
  memcpy(salt + MATTER_CASE_IPK_LEN, hash, MATTER_SHA256_LEN);
  err = kdf(shared_secret, MATTER_P256_SHARED_SECRET_LEN, salt, sizeof(salt), info, out, out_len);
  OPENSSL_cleanse(salt, sizeof(salt));
  return err;
}

MatterError
matter_case_sigma3_key(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                       const uint8_t ipk[MATTER_CASE_IPK_LEN],
                       const uint8_t transcript_hash[MATTER_SHA256_LEN],
                       uint8_t s3k[MATTER_CASE_KEY_LEN])
{
  return ipk_transcript_kdf(shared_secret, ipk, transcript_hash, s3k_info, s3k,
                            MATTER_CASE_KEY_LEN);
}

MatterError
matter_case_session_keys(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                         const uint8_t ipk[MATTER_CASE_IPK_LEN],
                         const uint8_t transcript_hash[MATTER_SHA256_LEN],
                         uint8_t keys[MATTER_CASE_SESSION_KEYS_LEN])
{
  return ipk_transcript_kdf(shared_secret, ipk, transcript_hash, session_keys_info, keys,
                            MATTER_CASE_SESSION_KEYS_LEN);
}

/* KDF(shared secret, initiatorRandom || resumption id, @info): S1RK,
 * S2RK and the resumed session's keys. */
static MatterError
resumption_kdf(const uint8_t *shared_secret, const uint8_t *initiator_random,
               const uint8_t *resumption_id, const char *info, uint8_t *out, size_t out_len)
{
  uint8_t salt[MATTER_CASE_RANDOM_LEN + MATTER_CASE_RESUMPTION_ID_LEN];

  if (shared_secret == NULL || initiator_random == NULL || resumption_id == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memcpy(salt, initiator_random, MATTER_CASE_RANDOM_LEN);
  memcpy(salt + MATTER_CASE_RANDOM_LEN, resumption_id, MATTER_CASE_RESUMPTION_ID_LEN);
  return kdf(shared_secret, MATTER_P256_SHARED_SECRET_LEN, salt, sizeof(salt), info, out, out_len);
}

MatterError
matter_case_resumption_session_keys(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                                    const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                                    const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                                    uint8_t keys[MATTER_CASE_SESSION_KEYS_LEN])
{
  return resumption_kdf(shared_secret, initiator_random, resumption_id, resumption_keys_info, keys,
                        MATTER_CASE_SESSION_KEYS_LEN);
}

/* The tag of AES-CCM over nothing under the key KDF(..., @info). */
static MatterError
resume_mic(const uint8_t *shared_secret, const uint8_t *initiator_random,
           const uint8_t *resumption_id, const char *info, const uint8_t *nonce, uint8_t *mic)
{
  uint8_t key[MATTER_CASE_KEY_LEN];
  MatterError err;

  if (mic == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = resumption_kdf(shared_secret, initiator_random, resumption_id, info, key, sizeof(key));
  if (err == MATTER_OK)
    err = matter_aes_ccm_encrypt(key, nonce, MATTER_AES_CCM_NONCE_LEN, NULL, 0, NULL, 0, NULL, mic,
                                 MATTER_CASE_MIC_LEN);
  OPENSSL_cleanse(key, sizeof(key));
  return err;
}

MatterError
matter_case_sigma1_resume_mic(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                              const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                              const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                              uint8_t mic[MATTER_CASE_MIC_LEN])
{
  return resume_mic(shared_secret, initiator_random, resumption_id, s1rk_info, resume1_nonce, mic);
}

MatterError
matter_case_sigma2_resume_mic(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                              const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                              const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                              uint8_t mic[MATTER_CASE_MIC_LEN])
{
  return resume_mic(shared_secret, initiator_random, resumption_id, s2rk_info, resume2_nonce, mic);
}

/* Checks a received MIC in constant time. */
static MatterError
check_mic(const uint8_t expected[MATTER_CASE_MIC_LEN], const uint8_t got[MATTER_CASE_MIC_LEN])
{
  return matter_ct_equal(expected, got, MATTER_CASE_MIC_LEN) ? MATTER_OK : MATTER_ERROR_AUTH_FAILED;
}

/* ---- What both ends share ------------------------------------------ */

/* One end's own credentials, copied from a MatterCaseFabric. */
typedef struct {
  uint8_t fabric_index;
  uint64_t fabric_id;
  uint64_t node_id;
  uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  uint8_t ipk[MATTER_CASE_IPK_LEN];
  uint8_t rcac[MATTER_CERT_MAX_TLV_LEN];
  size_t rcac_len;
  uint8_t icac[MATTER_CERT_MAX_TLV_LEN];
  size_t icac_len;
  uint8_t noc[MATTER_CERT_MAX_TLV_LEN];
  size_t noc_len;
  const MatterP256Key *operational_key;
  MatterCaseSignFunc sign;
  void *sign_data;
} Credentials;

static bool
fabric_valid(const MatterCaseFabric *f)
{
  return f->fabric_index != 0 && cert_len_ok(f->rcac, f->rcac_len) &&
         optional_cert_ok(f->icac, f->icac_len) && cert_len_ok(f->noc, f->noc_len) &&
         (f->operational_key != NULL || f->sign != NULL);
}

static void
credentials_copy(Credentials *c, const MatterCaseFabric *f)
{
  c->fabric_index = f->fabric_index;
  c->fabric_id = f->fabric_id;
  c->node_id = f->node_id;
  memcpy(c->root_public_key, f->root_public_key, sizeof(c->root_public_key));
  memcpy(c->ipk, f->ipk, sizeof(c->ipk));
  memcpy(c->rcac, f->rcac, f->rcac_len);
  c->rcac_len = f->rcac_len;
  if (f->icac != NULL)
    memcpy(c->icac, f->icac, f->icac_len);
  c->icac_len = f->icac_len;
  memcpy(c->noc, f->noc, f->noc_len);
  c->noc_len = f->noc_len;
  c->operational_key = f->operational_key;
  c->sign = f->sign;
  c->sign_data = f->sign_data;
}

static const uint8_t *
credentials_icac(const Credentials *c)
{
  return c->icac_len > 0 ? c->icac : NULL;
}

/* The handshake state both ends keep, and how each is set up. */
typedef struct {
  Credentials own;
  uint16_t local_session_id;
  bool has_local_params;
  MatterSessionParams local_params;
  MatterRandomSource rng;
  MatterCertTimeSource time_source;
  uint32_t time;
  /* the exchange */
  uint8_t initiator_random[MATTER_CASE_RANDOM_LEN];
  uint8_t initiator_eph_pub[MATTER_P256_PUBLIC_KEY_LEN];
  uint8_t responder_eph_pub[MATTER_P256_PUBLIC_KEY_LEN];
  MatterP256Key *eph_key;
  MatterSha256 *transcript;
  uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN];
  uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN]; /* the new session's */
  /* the peer */
  uint16_t peer_session_id;
  bool has_peer_params;
  MatterSessionParams peer_params;
  uint64_t peer_node_id;
  uint32_t peer_cats[MATTER_SESSION_CAT_MAX];
  /* the outcome */
  uint8_t keys[MATTER_CASE_SESSION_KEYS_LEN];
  bool resumed;
  MatterError refusal;
  MatterError refusal_detail;
} Handshake;

static MatterError
handshake_init(Handshake *h, uint16_t local_session_id, const MatterSessionParams *local_params,
               const MatterRandomSource *rng, MatterCertTimeSource time_source, uint32_t time)
{
  h->local_session_id = local_session_id;
  if (local_params != NULL) {
    h->has_local_params = true;
    h->local_params = *local_params;
  }
  if (rng != NULL)
    h->rng = *rng;
  h->time_source = time_source;
  h->time = time;
  h->refusal = MATTER_OK;
  h->refusal_detail = MATTER_OK;
  h->transcript = matter_sha256_new();
  return h->transcript != NULL ? MATTER_OK : MATTER_ERROR_NO_MEMORY;
}

/* Everything secret but the keys and what the result still needs. */
static void
handshake_end(Handshake *h)
{
  matter_p256_free(h->eph_key);
  h->eph_key = NULL;
  matter_sha256_free(h->transcript);
  h->transcript = NULL;
}

/* Everything secret, for a failed attempt. */
static void
handshake_wipe(Handshake *h)
{
  handshake_end(h);
  OPENSSL_cleanse(h->shared_secret, sizeof(h->shared_secret));
  OPENSSL_cleanse(h->keys, sizeof(h->keys));
  OPENSSL_cleanse(h->own.ipk, sizeof(h->own.ipk));
}

static MatterError
draw_random(const Handshake *h, uint8_t *buf, size_t len)
{
  return matter_counters_random(&h->rng, buf, len);
}

/* The ephemeral key pair: from the DRBG, or drawn from a test random
 * source so that a test run repeats. */
static MatterError
generate_eph_key(Handshake *h, uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN])
{
  uint8_t scalar[MATTER_P256_PRIVATE_KEY_LEN];
  MatterError err = MATTER_ERROR_INVALID_KEY;

  if (h->rng.fill == NULL)
    err = matter_p256_generate(&h->eph_key);
  /* A draw outside 1..n-1 is rare enough that a few tries always do. */
  for (unsigned i = 0; h->rng.fill != NULL && err == MATTER_ERROR_INVALID_KEY && i < 8; i++)
    if ((err = draw_random(h, scalar, sizeof(scalar))) == MATTER_OK)
      err = matter_p256_import_private(scalar, &h->eph_key);
  OPENSSL_cleanse(scalar, sizeof(scalar));
  if (err != MATTER_OK)
    return err;
  return matter_p256_export_public(h->eph_key, pub);
}

static MatterError
transcript_add(Handshake *h, const uint8_t *msg, size_t len, uint8_t hash[MATTER_SHA256_LEN])
{
  MatterError err = matter_sha256_update(h->transcript, msg, len);

  return err == MATTER_OK ? matter_sha256_peek(h->transcript, hash) : err;
}

static MatterError
sign_tbs(const Credentials *c, const uint8_t *tbs, size_t len,
         uint8_t sig[MATTER_P256_SIGNATURE_LEN])
{
  if (c->sign != NULL)
    return c->sign(c->sign_data, tbs, len, sig);
  return matter_ecdsa_sign(c->operational_key, tbs, len, sig);
}

/* Encrypts @tbe (the sender's certificates, signature over its TBSData
 * and, for Sigma2, the resumption id) into @out || MIC with @key. */
static MatterError
seal_tbe(const Credentials *c, const uint8_t *sender_eph, const uint8_t *receiver_eph,
         const uint8_t *resumption_id, const uint8_t key[MATTER_CASE_KEY_LEN],
         const uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], uint8_t *out, size_t size, size_t *len)
{
  uint8_t tbs[TBS_MAX];
  MatterCaseTbeData tbe = {
    .noc = c->noc,
    .noc_len = c->noc_len,
    .icac = credentials_icac(c),
    .icac_len = c->icac_len,
  };
  size_t tbs_len, tbe_len;
  MatterError err;

  if (size < MATTER_AES_CCM_TAG_LEN)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  if ((err = matter_case_tbs_encode(c->noc, c->noc_len, credentials_icac(c), c->icac_len,
                                    sender_eph, receiver_eph, tbs, sizeof(tbs), &tbs_len)) !=
          MATTER_OK ||
      (err = sign_tbs(c, tbs, tbs_len, tbe.signature)) != MATTER_OK)
    return err;
  if (resumption_id != NULL)
    memcpy(tbe.resumption_id, resumption_id, sizeof(tbe.resumption_id));
  if ((err = matter_case_tbe_encode(&tbe, resumption_id != NULL, out, size - MATTER_AES_CCM_TAG_LEN,
                                    &tbe_len)) != MATTER_OK ||
      (err = matter_aes_ccm_encrypt(key, nonce, MATTER_AES_CCM_NONCE_LEN, NULL, 0, out, tbe_len,
                                    out, out + tbe_len, MATTER_AES_CCM_TAG_LEN)) != MATTER_OK)
    return err;
  *len = tbe_len + MATTER_AES_CCM_TAG_LEN;
  return MATTER_OK;
}

/* What opening a peer's TBEData can fail with: the message itself
 * (INVALID_MESSAGE) or its authentication (VERIFICATION_FAILED), with the
 * cause in *@detail. */
typedef struct {
  MatterError err;
  MatterError detail;
} Verdict;

static Verdict
verdict(MatterError err, MatterError detail)
{
  return (Verdict){ err, detail };
}

/* Decrypts @encrypted (TBEData || MIC) into @plain and decodes it. */
static Verdict
open_tbe(const uint8_t key[MATTER_CASE_KEY_LEN], const uint8_t nonce[MATTER_AES_CCM_NONCE_LEN],
         const uint8_t *encrypted, size_t len, bool with_resumption_id, uint8_t *plain,
         MatterCaseTbeData *tbe)
{
  size_t plain_len = len - MATTER_AES_CCM_TAG_LEN;
  MatterError err;

  err = matter_aes_ccm_decrypt(key, nonce, MATTER_AES_CCM_NONCE_LEN, NULL, 0, encrypted, plain_len,
                               encrypted + plain_len, MATTER_AES_CCM_TAG_LEN, plain);
  if (err == MATTER_ERROR_AUTH_FAILED)
    return verdict(MATTER_ERROR_CASE_VERIFICATION_FAILED, err);
  if (err != MATTER_OK)
    return verdict(err, err);
  if ((err = matter_case_tbe_decode(plain, plain_len, with_resumption_id, tbe)) != MATTER_OK)
    return verdict(MATTER_ERROR_CASE_INVALID_MESSAGE, err);
  return verdict(MATTER_OK, MATTER_OK);
}

/* The peer's chain against our RCAC, of our fabric, and its signature
 * over its TBSData (its ephemeral key first). Fills the peer's node id
 * and CATs. */
static Verdict
verify_peer(Handshake *h, const MatterCaseTbeData *tbe, const uint8_t *peer_eph,
            const uint8_t *own_eph)
{
  MatterCertChainInfo info;
  uint8_t tbs[TBS_MAX];
  size_t tbs_len;
  MatterError err;

  err = matter_cert_chain_validate(h->own.rcac, h->own.rcac_len, tbe->icac, tbe->icac_len, tbe->noc,
                                   tbe->noc_len, h->time_source, h->time, &info);
  if (err == MATTER_ERROR_NO_MEMORY || err == MATTER_ERROR_CRYPTO)
    return verdict(err, err);
  if (err != MATTER_OK)
    return verdict(MATTER_ERROR_CASE_VERIFICATION_FAILED, err);
  if (info.fabric_id != h->own.fabric_id)
    return verdict(MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_CERT_FABRIC_ID);
  if ((err = matter_case_tbs_encode(tbe->noc, tbe->noc_len, tbe->icac, tbe->icac_len, peer_eph,
                                    own_eph, tbs, sizeof(tbs), &tbs_len)) != MATTER_OK)
    return verdict(err, err);
  err = matter_ecdsa_verify_raw(info.noc_public_key, tbs, tbs_len, tbe->signature);
  if (err == MATTER_ERROR_INVALID_SIGNATURE || err == MATTER_ERROR_INVALID_KEY)
    return verdict(MATTER_ERROR_CASE_VERIFICATION_FAILED, err);
  if (err != MATTER_OK)
    return verdict(err, err);
  h->peer_node_id = info.node_id;
  memset(h->peer_cats, 0, sizeof(h->peer_cats));
  for (size_t i = 0; i < info.cat_count && i < MATTER_SESSION_CAT_MAX; i++)
    h->peer_cats[i] = info.cats[i];
  return verdict(MATTER_OK, MATTER_OK);
}

static MatterError
ecdh(Handshake *h, const uint8_t peer_eph[MATTER_P256_PUBLIC_KEY_LEN])
{
  return matter_ecdh(h->eph_key, peer_eph, h->shared_secret);
}

static void
fill_result(const Handshake *h, MatterSessionRole role, MatterCaseResult *result)
{
  MatterSessionSetup *s = &result->setup;

  memset(result, 0, sizeof(*result));
  s->kind = MATTER_SESSION_KIND_CASE;
  s->role = role;
  s->peer_session_id = h->peer_session_id;
  s->fabric_index = h->own.fabric_index;
  s->local_node_id = h->own.node_id;
  s->peer_node_id = h->peer_node_id;
  memcpy(s->peer_cats, h->peer_cats, sizeof(s->peer_cats));
  memcpy(s->i2r_key, h->keys, MATTER_CASE_KEY_LEN);
  memcpy(s->r2i_key, h->keys + MATTER_CASE_KEY_LEN, MATTER_CASE_KEY_LEN);
  memcpy(s->attestation_challenge, h->keys + 2 * MATTER_CASE_KEY_LEN, MATTER_CASE_KEY_LEN);
  s->has_resumption = true;
  memcpy(s->resumption_id, h->resumption_id, sizeof(s->resumption_id));
  memcpy(s->shared_secret, h->shared_secret, sizeof(s->shared_secret));
  if (h->has_peer_params)
    s->peer_params = h->peer_params;
  result->local_session_id = h->local_session_id;
  result->has_peer_params = h->has_peer_params;
  result->resumed = h->resumed;
}

/* Where handle() writes its answer. */
typedef struct {
  uint8_t *opcode;
  uint8_t *buf;
  size_t size;
  size_t *len;
} Reply;

static MatterError
reply_status(const Reply *reply, uint16_t general_code, uint16_t protocol_code)
{
  *reply->opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  return matter_status_report_encode_sc(general_code, protocol_code, reply->buf, reply->size,
                                        reply->len);
}

static MatterError
reply_finished(const Reply *reply)
{
  return reply_status(reply, MATTER_STATUS_SUCCESS, MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS);
}

static MatterError
check_handle_args(const void *sm, const uint8_t *payload, size_t len, const uint8_t *out_opcode,
                  const uint8_t *out, size_t out_size, const size_t *out_len)
{
  if (sm == NULL || (payload == NULL && len > 0) || out_opcode == NULL || out == NULL ||
      out_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (out_size < MATTER_CASE_MESSAGE_MAX)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  return MATTER_OK;
}

/* A StatusReport from the peer mid-handshake: MATTER_OK for
 * SigmaFinished, MATTER_ERROR_SC_PEER_STATUS for any other report. */
static MatterError
peer_status(const uint8_t *payload, size_t len, MatterStatusReport *report)
{
  MatterError err = matter_status_report_decode(payload, len, report);

  if (err != MATTER_OK)
    return MATTER_ERROR_CASE_INVALID_MESSAGE;
  if (matter_status_report_is_sc(report, MATTER_STATUS_SUCCESS,
                                 MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS))
    return MATTER_OK;
  return MATTER_ERROR_SC_PEER_STATUS;
}

static MatterCaseState public_state(int step);

/* ---- Responder ----------------------------------------------------- */

typedef enum {
  STEP_IDLE,
  STEP_WAIT_SIGMA3,   /* responder: Sigma2 sent */
  STEP_WAIT_FINISHED, /* responder: Sigma2_Resume sent; initiator: Sigma3 sent */
  STEP_WAIT_SIGMA2,   /* initiator: Sigma1 sent */
  STEP_ESTABLISHED,
  STEP_FAILED,
} Step;

struct MatterCaseResponder {
  Step step;
  MatterCaseResponderCallbacks cb;
  Handshake h;
  bool have_peer;
};

MatterError
matter_case_responder_new(const MatterCaseResponderCallbacks *callbacks, uint16_t local_session_id,
                          const MatterSessionParams *local_params, const MatterRandomSource *rng,
                          MatterCertTimeSource time_source, uint32_t time,
                          MatterCaseResponder **resp)
{
  MatterCaseResponder *r;
  MatterError err;

  if (resp == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *resp = NULL;
  if (callbacks == NULL || callbacks->fabric_count == NULL || callbacks->get_fabric == NULL ||
      local_session_id == 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  r = OPENSSL_zalloc(sizeof(*r));
  if (r == NULL)
    return MATTER_ERROR_NO_MEMORY;
  r->step = STEP_IDLE;
  r->cb = *callbacks;
  if ((err = handshake_init(&r->h, local_session_id, local_params, rng, time_source, time)) !=
      MATTER_OK) {
    matter_case_responder_free(r);
    return err;
  }
  *resp = r;
  return MATTER_OK;
}

void
matter_case_responder_free(MatterCaseResponder *resp)
{
  if (resp == NULL)
    return;
  handshake_wipe(&resp->h);
  OPENSSL_clear_free(resp, sizeof(*resp));
}

/* Refuses the message with (FAILURE, @protocol_code). A refused Sigma1
 * leaves the responder IDLE, with a fresh transcript; any later refusal
 * ends the attempt and wipes its secrets. */
static MatterError
responder_refuse(MatterCaseResponder *r, const Reply *reply, uint16_t protocol_code,
                 MatterError err, MatterError detail)
{
  r->h.refusal = err;
  r->h.refusal_detail = detail;
  if (r->step == STEP_IDLE) {
    handshake_wipe(&r->h);
    r->h.transcript = matter_sha256_new();
    r->have_peer = false;
    if (r->h.transcript == NULL)
      r->step = STEP_FAILED;
  } else {
    r->step = STEP_FAILED;
    handshake_wipe(&r->h);
  }
  if (reply_status(reply, MATTER_STATUS_FAILURE, protocol_code) != MATTER_OK)
    *reply->len = 0; /* cannot happen: the caller's buffer was checked */
  return err;
}

static MatterError
responder_fail(MatterCaseResponder *r, const Reply *reply, MatterError err, MatterError detail)
{
  return responder_refuse(r, reply, MATTER_SC_STATUS_INVALID_PARAMETER, err, detail);
}

static MatterError
responder_fail_local(MatterCaseResponder *r, const Reply *reply, MatterError err)
{
  return responder_fail(r, reply, err, err);
}

/* The @index-th fabric record, if usable. */
static bool
get_fabric(const MatterCaseResponder *r, size_t index, MatterCaseFabric *fabric)
{
  memset(fabric, 0, sizeof(*fabric));
  return r->cb.get_fabric(r->cb.user_data, index, fabric) == MATTER_OK && fabric_valid(fabric);
}

/* Finds the fabric Sigma1's destination id names (4.14.2.3.5): every
 * record's candidate is computed, so the time taken does not say which
 * one matched. */
static MatterError
match_destination(MatterCaseResponder *r, const MatterCaseSigma1 *s1, bool *found)
{
  uint8_t candidate[MATTER_CASE_DESTINATION_ID_LEN];
  size_t count = r->cb.fabric_count(r->cb.user_data);
  MatterCaseFabric fabric;
  MatterError err;

  *found = false;
  for (size_t i = 0; i < count; i++) {
    if (!get_fabric(r, i, &fabric))
      continue;
    err = matter_case_destination_id(fabric.ipk, s1->initiator_random, fabric.root_public_key,
                                     fabric.fabric_id, fabric.node_id, candidate);
    if (err != MATTER_OK)
      return err;
    if (matter_ct_equal(candidate, s1->destination_id, sizeof(candidate)) && !*found) {
      credentials_copy(&r->h.own, &fabric);
      *found = true;
    }
    OPENSSL_cleanse(fabric.ipk, sizeof(fabric.ipk));
  }
  return MATTER_OK;
}

/* The fabric with @fabric_index, for a resumed session. */
static bool
find_fabric_by_index(MatterCaseResponder *r, uint8_t fabric_index)
{
  size_t count = r->cb.fabric_count(r->cb.user_data);
  MatterCaseFabric fabric;

  for (size_t i = 0; i < count; i++) {
    if (get_fabric(r, i, &fabric) && fabric.fabric_index == fabric_index) {
      credentials_copy(&r->h.own, &fabric);
      OPENSSL_cleanse(fabric.ipk, sizeof(fabric.ipk));
      return true;
    }
    OPENSSL_cleanse(fabric.ipk, sizeof(fabric.ipk));
  }
  return false;
}

/* Looks the resumption record up and checks initiatorResumeMIC
 * (4.14.2.3.10). False for anything that sends the initiator down the
 * full handshake instead: no record, no fabric for it any more, a MIC
 * that does not verify. */
static bool
can_resume(MatterCaseResponder *r, const MatterCaseSigma1 *s1)
{
  MatterCaseResumption record = { 0 };
  uint8_t mic[MATTER_CASE_MIC_LEN];
  bool ok;

  if (!s1->has_resumption || r->cb.find_resumption == NULL)
    return false;
  ok = r->cb.find_resumption(r->cb.user_data, s1->resumption_id, &record) == MATTER_OK &&
       matter_ct_equal(record.resumption_id, s1->resumption_id, sizeof(record.resumption_id)) &&
       matter_case_sigma1_resume_mic(record.shared_secret, s1->initiator_random, s1->resumption_id,
                                     mic) == MATTER_OK &&
       check_mic(mic, s1->initiator_resume_mic) == MATTER_OK &&
       find_fabric_by_index(r, record.fabric_index);
  if (ok) {
    memcpy(r->h.shared_secret, record.shared_secret, sizeof(r->h.shared_secret));
    r->h.peer_node_id = record.peer_node_id;
    memcpy(r->h.peer_cats, record.peer_cats, sizeof(r->h.peer_cats));
  }
  OPENSSL_cleanse(&record, sizeof(record));
  return ok;
}

/* Sigma2_Resume with a new resumption id. S2RK is derived with the new id;
 * the resumed session's keys with the one Sigma1 offered (4.14.2.3), as
 * the initiator derives them. */
static MatterError
send_sigma2_resume(MatterCaseResponder *r, const MatterCaseSigma1 *s1, const Reply *reply)
{
  MatterCaseSigma2Resume msg = {
    .responder_session_id = r->h.local_session_id,
    .has_session_params = r->h.has_local_params,
    .session_params = r->h.local_params,
  };
  MatterError err;

  if ((err = draw_random(&r->h, r->h.resumption_id, sizeof(r->h.resumption_id))) != MATTER_OK)
    return err;
  /* The new id goes out in the message: the initiator derives S2RK and the
   * session keys from the one it receives. */
  memcpy(msg.resumption_id, r->h.resumption_id, sizeof(msg.resumption_id));
  if ((err = matter_case_sigma2_resume_mic(r->h.shared_secret, r->h.initiator_random,
                                           r->h.resumption_id, msg.sigma2_resume_mic)) !=
          MATTER_OK ||
      (err = matter_case_resumption_session_keys(r->h.shared_secret, r->h.initiator_random,
                                                 s1->resumption_id, r->h.keys)) != MATTER_OK ||
      (err = matter_case_sigma2_resume_encode(&msg, reply->buf, reply->size, reply->len)) !=
          MATTER_OK)
    return err;
  r->h.resumed = true;
  *reply->opcode = MATTER_SC_OPCODE_CASE_SIGMA2_RESUME;
  return MATTER_OK;
}

/* Sigma2 (4.14.2.3.6), its encrypted2 built in place in @reply's buffer
 * past where the message itself goes. */
static MatterError
send_sigma2(MatterCaseResponder *r, const uint8_t *sigma1, size_t sigma1_len, const Reply *reply)
{
  uint8_t encrypted[TBE_MAX + MATTER_AES_CCM_TAG_LEN], hash[MATTER_SHA256_LEN];
  uint8_t s2k[MATTER_CASE_KEY_LEN];
  MatterCaseSigma2 msg = {
    .responder_session_id = r->h.local_session_id,
    .has_session_params = r->h.has_local_params,
    .session_params = r->h.local_params,
  };
  MatterError err;

  if ((err = draw_random(&r->h, r->h.resumption_id, sizeof(r->h.resumption_id))) != MATTER_OK ||
      (err = generate_eph_key(&r->h, r->h.responder_eph_pub)) != MATTER_OK)
    return err;
  err = ecdh(&r->h, r->h.initiator_eph_pub);
  if (err == MATTER_ERROR_INVALID_KEY)
    return MATTER_ERROR_CASE_INVALID_MESSAGE;
  memcpy(msg.responder_eph_pub, r->h.responder_eph_pub, sizeof(msg.responder_eph_pub));
  if (err != MATTER_OK ||
      (err = draw_random(&r->h, msg.responder_random, sizeof(msg.responder_random))) != MATTER_OK ||
      (err = transcript_add(&r->h, sigma1, sigma1_len, hash)) != MATTER_OK ||
      (err = matter_case_sigma2_key(r->h.shared_secret, r->h.own.ipk, msg.responder_random,
                                    msg.responder_eph_pub, hash, s2k)) != MATTER_OK)
    goto out;
  err = seal_tbe(&r->h.own, r->h.responder_eph_pub, r->h.initiator_eph_pub, r->h.resumption_id, s2k,
                 tbe2_nonce, encrypted, sizeof(encrypted), &msg.encrypted2_len);
  msg.encrypted2 = encrypted;
  if (err != MATTER_OK ||
      (err = matter_case_sigma2_encode(&msg, reply->buf, reply->size, reply->len)) != MATTER_OK ||
      (err = transcript_add(&r->h, reply->buf, *reply->len, hash)) != MATTER_OK)
    goto out;
  *reply->opcode = MATTER_SC_OPCODE_CASE_SIGMA2;
out:
  OPENSSL_cleanse(s2k, sizeof(s2k));
  return err;
}

static MatterError
handle_sigma1(MatterCaseResponder *r, const uint8_t *payload, size_t len, const Reply *reply)
{
  MatterCaseSigma1 s1;
  bool found;
  MatterError err;

  if ((err = matter_case_sigma1_decode(payload, len, &s1)) != MATTER_OK)
    return responder_fail(r, reply, MATTER_ERROR_CASE_INVALID_MESSAGE, err);
  /* Session id 0 is the Unsecured Session's (4.4). */
  if (s1.initiator_session_id == 0)
    return responder_fail(r, reply, MATTER_ERROR_CASE_INVALID_MESSAGE,
                          MATTER_ERROR_CASE_INVALID_MESSAGE);
  memcpy(r->h.initiator_random, s1.initiator_random, sizeof(r->h.initiator_random));
  memcpy(r->h.initiator_eph_pub, s1.initiator_eph_pub, sizeof(r->h.initiator_eph_pub));

  if (can_resume(r, &s1)) {
    if ((err = send_sigma2_resume(r, &s1, reply)) != MATTER_OK)
      return responder_fail_local(r, reply, err);
    r->step = STEP_WAIT_FINISHED;
  } else {
    if ((err = match_destination(r, &s1, &found)) != MATTER_OK)
      return responder_fail_local(r, reply, err);
    if (!found)
      return responder_refuse(r, reply, MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS,
                              MATTER_ERROR_CASE_NO_SHARED_ROOT, MATTER_ERROR_CASE_NO_SHARED_ROOT);
    err = send_sigma2(r, payload, len, reply);
    if (err == MATTER_ERROR_CASE_INVALID_MESSAGE)
      return responder_fail(r, reply, err, MATTER_ERROR_INVALID_KEY);
    if (err != MATTER_OK)
      return responder_fail_local(r, reply, err);
    r->step = STEP_WAIT_SIGMA3;
  }
  r->have_peer = true;
  r->h.peer_session_id = s1.initiator_session_id;
  r->h.has_peer_params = s1.has_session_params;
  r->h.peer_params = s1.session_params;
  return MATTER_OK;
}

/* Sigma3 (4.14.2.3.9). */
static MatterError
handle_sigma3(MatterCaseResponder *r, const uint8_t *payload, size_t len, const Reply *reply)
{
  uint8_t plain[TBE_MAX], hash[MATTER_SHA256_LEN], s3k[MATTER_CASE_KEY_LEN];
  MatterCaseSigma3 s3;
  MatterCaseTbeData tbe;
  Verdict v;
  MatterError err;

  if ((err = matter_case_sigma3_decode(payload, len, &s3)) != MATTER_OK)
    return responder_fail(r, reply, MATTER_ERROR_CASE_INVALID_MESSAGE, err);
  if ((err = matter_sha256_peek(r->h.transcript, hash)) != MATTER_OK ||
      (err = matter_case_sigma3_key(r->h.shared_secret, r->h.own.ipk, hash, s3k)) != MATTER_OK)
    return responder_fail_local(r, reply, err);
  v = open_tbe(s3k, tbe3_nonce, s3.encrypted3, s3.encrypted3_len, false, plain, &tbe);
  OPENSSL_cleanse(s3k, sizeof(s3k));
  if (v.err == MATTER_OK)
    v = verify_peer(&r->h, &tbe, r->h.initiator_eph_pub, r->h.responder_eph_pub);
  OPENSSL_cleanse(plain, sizeof(plain));
  if (v.err != MATTER_OK)
    return responder_fail(r, reply, v.err, v.detail);
  if ((err = transcript_add(&r->h, payload, len, hash)) != MATTER_OK ||
      (err = matter_case_session_keys(r->h.shared_secret, r->h.own.ipk, hash, r->h.keys)) !=
          MATTER_OK ||
      (err = reply_finished(reply)) != MATTER_OK)
    return responder_fail_local(r, reply, err);
  r->step = STEP_ESTABLISHED;
  handshake_end(&r->h);
  return MATTER_OK;
}

/* The initiator's SigmaFinished after Sigma2_Resume, or its failure
 * report mid-handshake: neither is answered. */
static MatterError
responder_peer_status(MatterCaseResponder *r, const uint8_t *payload, size_t len)
{
  MatterStatusReport report;
  MatterError err = peer_status(payload, len, &report);

  if (err == MATTER_OK && r->step == STEP_WAIT_FINISHED) {
    r->step = STEP_ESTABLISHED;
    handshake_end(&r->h);
    return MATTER_OK;
  }
  /* A SigmaFinished out of order is ignored (4.14.2.3.13). */
  if (err == MATTER_OK)
    return MATTER_ERROR_BAD_STATE;
  r->h.refusal = err;
  r->h.refusal_detail = err;
  r->step = STEP_FAILED;
  handshake_wipe(&r->h);
  return err;
}

MatterError
matter_case_responder_handle(MatterCaseResponder *resp, uint8_t opcode, const uint8_t *payload,
                             size_t len, uint8_t *out_opcode, uint8_t *out, size_t out_size,
                             size_t *out_len)
{
  const Reply reply = { out_opcode, out, out_size, out_len };
  MatterError err = check_handle_args(resp, payload, len, out_opcode, out, out_size, out_len);
  uint8_t expected;

  if (err != MATTER_OK)
    return err;
  *out_len = 0;
  *out_opcode = 0;
  switch (resp->step) {
  case STEP_IDLE:
    if (opcode == MATTER_SC_OPCODE_CASE_SIGMA1)
      return handle_sigma1(resp, payload, len, &reply);
    resp->h.refusal = resp->h.refusal_detail = MATTER_ERROR_BAD_STATE;
    return MATTER_ERROR_BAD_STATE;
  case STEP_WAIT_SIGMA3:
    expected = MATTER_SC_OPCODE_CASE_SIGMA3;
    break;
  case STEP_WAIT_FINISHED:
    expected = MATTER_SC_OPCODE_STATUS_REPORT;
    break;
  default:
    return MATTER_ERROR_BAD_STATE;
  }
  if (opcode == MATTER_SC_OPCODE_STATUS_REPORT)
    return responder_peer_status(resp, payload, len);
  if (opcode != expected)
    return responder_fail(resp, &reply, MATTER_ERROR_BAD_STATE, MATTER_ERROR_BAD_STATE);
  return handle_sigma3(resp, payload, len, &reply);
}

MatterCaseState
matter_case_responder_get_state(const MatterCaseResponder *resp)
{
  return resp != NULL ? public_state(resp->step) : MATTER_CASE_STATE_FAILED;
}

MatterError
matter_case_responder_get_failure(const MatterCaseResponder *resp, MatterError *detail)
{
  if (resp == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (detail != NULL)
    *detail = resp->h.refusal_detail;
  return resp->h.refusal;
}

MatterError
matter_case_responder_get_peer(const MatterCaseResponder *resp, uint16_t *peer_session_id,
                               bool *has_params, MatterSessionParams *params)
{
  if (resp == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!resp->have_peer)
    return MATTER_ERROR_BAD_STATE;
  if (peer_session_id != NULL)
    *peer_session_id = resp->h.peer_session_id;
  if (has_params != NULL)
    *has_params = resp->h.has_peer_params;
  if (params != NULL)
    *params = resp->h.peer_params;
  return MATTER_OK;
}

MatterError
matter_case_responder_get_result(const MatterCaseResponder *resp, MatterCaseResult *result)
{
  if (resp == NULL || result == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (resp->step != STEP_ESTABLISHED)
    return MATTER_ERROR_BAD_STATE;
  fill_result(&resp->h, MATTER_SESSION_ROLE_RESPONDER, result);
  return MATTER_OK;
}

static MatterCaseState
public_state(int step)
{
  switch (step) {
  case STEP_IDLE:
    return MATTER_CASE_STATE_IDLE;
  case STEP_WAIT_SIGMA2:
  case STEP_WAIT_SIGMA3:
  case STEP_WAIT_FINISHED:
    return MATTER_CASE_STATE_IN_PROGRESS;
  case STEP_ESTABLISHED:
    return MATTER_CASE_STATE_ESTABLISHED;
  default:
    return MATTER_CASE_STATE_FAILED;
  }
}

/* ---- Initiator ----------------------------------------------------- */

struct MatterCaseInitiator {
  Step step;
  Handshake h;
  uint64_t target_node_id;
  bool has_resumption;
  MatterCaseResumption resumption;
  uint16_t peer_general_code;
  uint16_t peer_protocol_code;
};

MatterError
matter_case_initiator_new(const MatterCaseFabric *fabric, uint64_t peer_node_id,
                          const MatterCaseResumption *resumption, uint16_t local_session_id,
                          const MatterSessionParams *local_params, const MatterRandomSource *rng,
                          MatterCertTimeSource time_source, uint32_t time,
                          MatterCaseInitiator **init)
{
  MatterCaseInitiator *i;
  MatterError err;

  if (init == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *init = NULL;
  if (fabric == NULL || !fabric_valid(fabric) || local_session_id == 0 ||
      (resumption != NULL && resumption->fabric_index != fabric->fabric_index))
    return MATTER_ERROR_INVALID_ARGUMENT;
  i = OPENSSL_zalloc(sizeof(*i));
  if (i == NULL)
    return MATTER_ERROR_NO_MEMORY;
  i->step = STEP_IDLE;
  i->target_node_id = peer_node_id;
  credentials_copy(&i->h.own, fabric);
  if (resumption != NULL) {
    i->has_resumption = true;
    i->resumption = *resumption;
  }
  if ((err = handshake_init(&i->h, local_session_id, local_params, rng, time_source, time)) !=
      MATTER_OK) {
    matter_case_initiator_free(i);
    return err;
  }
  *init = i;
  return MATTER_OK;
}

void
matter_case_initiator_free(MatterCaseInitiator *init)
{
  if (init == NULL)
    return;
  handshake_wipe(&init->h);
  OPENSSL_clear_free(init, sizeof(*init));
}

/* Every refusal ends the initiator's attempt: (FAILURE, INVALID_PARAMETER)
 * to send, the secrets wiped. */
static MatterError
initiator_fail(MatterCaseInitiator *i, const Reply *reply, MatterError err, MatterError detail)
{
  i->h.refusal = err;
  i->h.refusal_detail = detail;
  i->step = STEP_FAILED;
  handshake_wipe(&i->h);
  OPENSSL_cleanse(&i->resumption, sizeof(i->resumption));
  if (reply != NULL &&
      reply_status(reply, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER) != MATTER_OK)
    *reply->len = 0;
  return err;
}

static MatterError
build_sigma1(MatterCaseInitiator *i, const Reply *reply)
{
  MatterCaseSigma1 s1 = {
    .initiator_session_id = i->h.local_session_id,
    .has_session_params = i->h.has_local_params,
    .session_params = i->h.local_params,
  };
  uint8_t hash[MATTER_SHA256_LEN];
  MatterError err;

  if ((err = draw_random(&i->h, i->h.initiator_random, sizeof(i->h.initiator_random))) !=
          MATTER_OK ||
      (err = generate_eph_key(&i->h, i->h.initiator_eph_pub)) != MATTER_OK ||
      (err = matter_case_destination_id(i->h.own.ipk, i->h.initiator_random,
                                        i->h.own.root_public_key, i->h.own.fabric_id,
                                        i->target_node_id, s1.destination_id)) != MATTER_OK)
    return err;
  memcpy(s1.initiator_random, i->h.initiator_random, sizeof(s1.initiator_random));
  memcpy(s1.initiator_eph_pub, i->h.initiator_eph_pub, sizeof(s1.initiator_eph_pub));
  if (i->has_resumption) {
    s1.has_resumption = true;
    memcpy(s1.resumption_id, i->resumption.resumption_id, sizeof(s1.resumption_id));
    if ((err = matter_case_sigma1_resume_mic(i->resumption.shared_secret, s1.initiator_random,
                                             s1.resumption_id, s1.initiator_resume_mic)) !=
        MATTER_OK)
      return err;
  }
  if ((err = matter_case_sigma1_encode(&s1, reply->buf, reply->size, reply->len)) != MATTER_OK ||
      (err = transcript_add(&i->h, reply->buf, *reply->len, hash)) != MATTER_OK)
    return err;
  *reply->opcode = MATTER_SC_OPCODE_CASE_SIGMA1;
  return MATTER_OK;
}

MatterError
matter_case_initiator_start(MatterCaseInitiator *init, uint8_t *out_opcode, uint8_t *out,
                            size_t out_size, size_t *out_len)
{
  const Reply reply = { out_opcode, out, out_size, out_len };
  MatterError err = check_handle_args(init, NULL, 0, out_opcode, out, out_size, out_len);

  if (err != MATTER_OK)
    return err;
  *out_len = 0;
  *out_opcode = 0;
  if (init->step != STEP_IDLE)
    return MATTER_ERROR_BAD_STATE;
  if ((err = build_sigma1(init, &reply)) != MATTER_OK) {
    *out_len = 0;
    return initiator_fail(init, NULL, err, err);
  }
  init->step = STEP_WAIT_SIGMA2;
  return MATTER_OK;
}

/* Sigma3 (4.14.2.3.8) after a verified Sigma2, and the session keys. */
static MatterError
send_sigma3(MatterCaseInitiator *i, const uint8_t *sigma2, size_t sigma2_len, const Reply *reply)
{
  uint8_t encrypted[TBE_MAX + MATTER_AES_CCM_TAG_LEN], hash[MATTER_SHA256_LEN];
  uint8_t s3k[MATTER_CASE_KEY_LEN];
  MatterCaseSigma3 msg = { .encrypted3 = encrypted };
  MatterError err;

  if ((err = transcript_add(&i->h, sigma2, sigma2_len, hash)) != MATTER_OK ||
      (err = matter_case_sigma3_key(i->h.shared_secret, i->h.own.ipk, hash, s3k)) != MATTER_OK)
    return err;
  err = seal_tbe(&i->h.own, i->h.initiator_eph_pub, i->h.responder_eph_pub, NULL, s3k, tbe3_nonce,
                 encrypted, sizeof(encrypted), &msg.encrypted3_len);
  OPENSSL_cleanse(s3k, sizeof(s3k));
  if (err != MATTER_OK ||
      (err = matter_case_sigma3_encode(&msg, reply->buf, reply->size, reply->len)) != MATTER_OK ||
      (err = transcript_add(&i->h, reply->buf, *reply->len, hash)) != MATTER_OK ||
      (err = matter_case_session_keys(i->h.shared_secret, i->h.own.ipk, hash, i->h.keys)) !=
          MATTER_OK)
    return err;
  *reply->opcode = MATTER_SC_OPCODE_CASE_SIGMA3;
  return MATTER_OK;
}

/* Sigma2 (4.14.2.3.7): the responder must be the node the destination id
 * named, on this fabric. */
static MatterError
handle_sigma2(MatterCaseInitiator *i, const uint8_t *payload, size_t len, const Reply *reply)
{
  uint8_t plain[TBE_MAX], hash[MATTER_SHA256_LEN], s2k[MATTER_CASE_KEY_LEN];
  MatterCaseSigma2 s2;
  MatterCaseTbeData tbe;
  Verdict v;
  MatterError err;

  if ((err = matter_case_sigma2_decode(payload, len, &s2)) != MATTER_OK)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_INVALID_MESSAGE, err);
  if (s2.responder_session_id == 0)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_INVALID_MESSAGE,
                          MATTER_ERROR_CASE_INVALID_MESSAGE);
  memcpy(i->h.responder_eph_pub, s2.responder_eph_pub, sizeof(i->h.responder_eph_pub));
  err = ecdh(&i->h, s2.responder_eph_pub);
  if (err == MATTER_ERROR_INVALID_KEY)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_INVALID_MESSAGE, err);
  if (err != MATTER_OK || (err = matter_sha256_peek(i->h.transcript, hash)) != MATTER_OK ||
      (err = matter_case_sigma2_key(i->h.shared_secret, i->h.own.ipk, s2.responder_random,
                                    s2.responder_eph_pub, hash, s2k)) != MATTER_OK)
    return initiator_fail(i, reply, err, err);
  v = open_tbe(s2k, tbe2_nonce, s2.encrypted2, s2.encrypted2_len, true, plain, &tbe);
  OPENSSL_cleanse(s2k, sizeof(s2k));
  if (v.err == MATTER_OK)
    v = verify_peer(&i->h, &tbe, i->h.responder_eph_pub, i->h.initiator_eph_pub);
  if (v.err == MATTER_OK && i->h.peer_node_id != i->target_node_id)
    v = verdict(MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_CERT_NODE_ID);
  if (v.err == MATTER_OK)
    memcpy(i->h.resumption_id, tbe.resumption_id, sizeof(i->h.resumption_id));
  OPENSSL_cleanse(plain, sizeof(plain));
  if (v.err != MATTER_OK)
    return initiator_fail(i, reply, v.err, v.detail);
  if ((err = send_sigma3(i, payload, len, reply)) != MATTER_OK)
    return initiator_fail(i, reply, err, err);
  i->h.peer_session_id = s2.responder_session_id;
  i->h.has_peer_params = s2.has_session_params;
  i->h.peer_params = s2.session_params;
  i->step = STEP_WAIT_FINISHED;
  return MATTER_OK;
}

/* Sigma2_Resume (4.14.2.3.12): the responder knew the shared secret. */
static MatterError
handle_sigma2_resume(MatterCaseInitiator *i, const uint8_t *payload, size_t len, const Reply *reply)
{
  uint8_t mic[MATTER_CASE_MIC_LEN];
  MatterCaseSigma2Resume s2r;
  MatterError err;

  if (!i->has_resumption)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_INVALID_MESSAGE, MATTER_ERROR_BAD_STATE);
  if ((err = matter_case_sigma2_resume_decode(payload, len, &s2r)) != MATTER_OK)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_INVALID_MESSAGE, err);
  if (s2r.responder_session_id == 0)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_INVALID_MESSAGE,
                          MATTER_ERROR_CASE_INVALID_MESSAGE);
  if ((err = matter_case_sigma2_resume_mic(i->resumption.shared_secret, i->h.initiator_random,
                                           s2r.resumption_id, mic)) != MATTER_OK)
    return initiator_fail(i, reply, err, err);
  if ((err = check_mic(mic, s2r.sigma2_resume_mic)) != MATTER_OK)
    return initiator_fail(i, reply, MATTER_ERROR_CASE_VERIFICATION_FAILED, err);
  memcpy(i->h.shared_secret, i->resumption.shared_secret, sizeof(i->h.shared_secret));
  memcpy(i->h.resumption_id, s2r.resumption_id, sizeof(i->h.resumption_id));
  /* The session keys come from the id this side offered in Sigma1. */
  if ((err = matter_case_resumption_session_keys(i->h.shared_secret, i->h.initiator_random,
                                                 i->resumption.resumption_id, i->h.keys)) !=
          MATTER_OK ||
      (err = reply_finished(reply)) != MATTER_OK)
    return initiator_fail(i, reply, err, err);
  i->h.peer_node_id = i->resumption.peer_node_id;
  memcpy(i->h.peer_cats, i->resumption.peer_cats, sizeof(i->h.peer_cats));
  i->h.peer_session_id = s2r.responder_session_id;
  i->h.has_peer_params = s2r.has_session_params;
  i->h.peer_params = s2r.session_params;
  i->h.resumed = true;
  i->step = STEP_ESTABLISHED;
  handshake_end(&i->h);
  OPENSSL_cleanse(&i->resumption, sizeof(i->resumption));
  return MATTER_OK;
}

static MatterError
initiator_peer_status(MatterCaseInitiator *i, const uint8_t *payload, size_t len)
{
  MatterStatusReport report;
  MatterError err = peer_status(payload, len, &report);

  if (err == MATTER_ERROR_SC_PEER_STATUS) {
    i->peer_general_code = report.general_code;
    i->peer_protocol_code = report.protocol_code;
  }
  if (err == MATTER_OK && i->step == STEP_WAIT_FINISHED) {
    i->step = STEP_ESTABLISHED;
    handshake_end(&i->h);
    OPENSSL_cleanse(&i->resumption, sizeof(i->resumption));
    return MATTER_OK;
  }
  if (err == MATTER_OK)
    return MATTER_ERROR_BAD_STATE; /* out of order: ignored (4.14.2.3.13) */
  return initiator_fail(i, NULL, err, err);
}

MatterError
matter_case_initiator_handle(MatterCaseInitiator *init, uint8_t opcode, const uint8_t *payload,
                             size_t len, uint8_t *out_opcode, uint8_t *out, size_t out_size,
                             size_t *out_len)
{
  const Reply reply = { out_opcode, out, out_size, out_len };
  MatterError err = check_handle_args(init, payload, len, out_opcode, out, out_size, out_len);

  if (err != MATTER_OK)
    return err;
  *out_len = 0;
  *out_opcode = 0;
  if (init->step != STEP_WAIT_SIGMA2 && init->step != STEP_WAIT_FINISHED)
    return MATTER_ERROR_BAD_STATE;
  if (opcode == MATTER_SC_OPCODE_STATUS_REPORT)
    return initiator_peer_status(init, payload, len);
  if (init->step == STEP_WAIT_SIGMA2 && opcode == MATTER_SC_OPCODE_CASE_SIGMA2)
    return handle_sigma2(init, payload, len, &reply);
  if (init->step == STEP_WAIT_SIGMA2 && opcode == MATTER_SC_OPCODE_CASE_SIGMA2_RESUME)
    return handle_sigma2_resume(init, payload, len, &reply);
  return initiator_fail(init, &reply, MATTER_ERROR_BAD_STATE, MATTER_ERROR_BAD_STATE);
}

MatterCaseState
matter_case_initiator_get_state(const MatterCaseInitiator *init)
{
  return init != NULL ? public_state(init->step) : MATTER_CASE_STATE_FAILED;
}

MatterError
matter_case_initiator_get_failure(const MatterCaseInitiator *init, MatterError *detail)
{
  if (init == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (detail != NULL)
    *detail = init->h.refusal_detail;
  return init->h.refusal;
}

MatterError
matter_case_initiator_get_peer_status(const MatterCaseInitiator *init, uint16_t *general_code,
                                      uint16_t *protocol_code)
{
  if (init == NULL || general_code == NULL || protocol_code == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (init->h.refusal != MATTER_ERROR_SC_PEER_STATUS)
    return MATTER_ERROR_BAD_STATE;
  *general_code = init->peer_general_code;
  *protocol_code = init->peer_protocol_code;
  return MATTER_OK;
}

MatterError
matter_case_initiator_get_result(const MatterCaseInitiator *init, MatterCaseResult *result)
{
  if (init == NULL || result == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (init->step != STEP_ESTABLISHED)
    return MATTER_ERROR_BAD_STATE;
  fill_result(&init->h, MATTER_SESSION_ROLE_INITIATOR, result);
  return MATTER_OK;
}
