/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Device attestation and operational CSRs (Core spec 6.2, 6.3, 6.4 and the
 * Operational Credentials cluster, 11.18).
 *
 * Attestation certificates: the DAC, its issuer the PAI and the PAI's
 * issuer the PAA, X.509 v3 in PEM or DER (detected). Each role has its
 * rules (6.2.2.3-5): ecdsa-with-SHA256, a P-256 key, critical basic
 * constraints and key usage, 20-byte key identifiers, and vendor and
 * product ids in the names, either as the Matter attributes
 * 1.3.6.1.4.1.37244.2.1/2 ("FFF1", 4 upper-case hex digits) or, when a
 * name has neither attribute, as "Mvid:FFF1" and "Mpid:8000" inside its
 * common names. Checks stop at the first broken rule and say which.
 *
 * Attestation and NOCSR elements: the TLV structures a node returns in
 * AttestationResponse and CSRResponse, and their signature with the DAC
 * key over elements || attestation challenge (raw r || s).
 *
 * Certification Declaration (6.3): a TLV structure signed as CMS
 * SignedData (version 3, one signer named by subject key id, SHA-256,
 * ecdsa-with-SHA256, no certificates, content type pkcs7-data).
 *
 * CSR (6.4.6.1, 6.4.7): a PKCS#10 request for the operational key.
 *
 * Nothing here reads files or a clock: callers pass bytes and times. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/crypto.h"
#include "matter/error.h"

/* Every certificate of the chain (Core spec 6.1.3). */
#define MATTER_ATTESTATION_CERT_MAX 600
#define MATTER_KEY_ID_LEN 20
#define MATTER_ATTESTATION_NONCE_LEN 32
#define MATTER_CSR_NONCE_LEN 32
/* The session's attestation challenge (a symmetric key's length). */
#define MATTER_ATTESTATION_CHALLENGE_LEN 16
/* AttestationElements and NOCSRElements are at most RESP_MAX bytes. */
#define MATTER_ATTESTATION_ELEMENTS_MAX 900
#define MATTER_NOCSR_ELEMENTS_MAX 900
/* A CSR that fits the NOCSR elements. */
#define MATTER_CSR_MAX 600
/* Room for a PEM certificate of MATTER_ATTESTATION_CERT_MAX bytes, and for
 * a PEM P-256 private key. */
#define MATTER_ATTESTATION_CERT_PEM_MAX 1024
#define MATTER_ATTESTATION_KEY_PEM_MAX 512

/* ---- Attestation certificates -------------------------------------- */

typedef enum {
  MATTER_ATTESTATION_DAC,
  MATTER_ATTESTATION_PAI,
  MATTER_ATTESTATION_PAA,
} MatterAttestationRole;

/* What a checked certificate carries. The ids are those of the subject. */
typedef struct {
  bool has_vendor_id;
  bool has_product_id;
  uint16_t vendor_id;
  uint16_t product_id;
  uint8_t public_key[MATTER_P256_PUBLIC_KEY_LEN];
  uint8_t subject_key_id[MATTER_KEY_ID_LEN];
  bool has_authority_key_id; /* always for DAC and PAI */
  uint8_t authority_key_id[MATTER_KEY_ID_LEN];
} MatterAttestationCertInfo;

typedef struct {
  MatterAttestationCertInfo dac, pai, paa;
} MatterAttestationChain;

/* Checks @cert (PEM or DER) against the rules of @role, without its
 * issuer, and fills @info (may be NULL). Errors, in the order checked:
 *   MATTER_ERROR_ATTESTATION_FORMAT     not one X.509 certificate, an
 *                                       extension that does not parse, or
 *                                       a critical one not known here
 *   MATTER_ERROR_ATTESTATION_SIZE       DER over MATTER_ATTESTATION_CERT_MAX
 *   MATTER_ERROR_ATTESTATION_VERSION    not v3
 *   MATTER_ERROR_ATTESTATION_SIGNATURE_ALGORITHM
 *   MATTER_ERROR_ATTESTATION_PUBLIC_KEY not an uncompressed P-256 point
 *   MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS  DAC: cA false; PAI: cA true,
 *                                       pathLen 0; PAA: cA true, pathLen 1
 *                                       or absent; always critical
 *   MATTER_ERROR_ATTESTATION_KEY_USAGE  DAC: digitalSignature alone; PAI
 *                                       and PAA: keyCertSign and cRLSign
 *                                       (digitalSignature tolerated);
 *                                       always critical
 *   MATTER_ERROR_ATTESTATION_KEY_ID     subject key id missing, authority
 *                                       key id missing (DAC, PAI), either
 *                                       not 20 bytes; a PAA's, if present,
 *                                       must name itself
 *   MATTER_ERROR_ATTESTATION_VENDOR_ID  a vendor id missing where required,
 *                                       repeated, malformed, or subject and
 *                                       issuer ids that differ
 *   MATTER_ERROR_ATTESTATION_PRODUCT_ID the same for product ids, or one in
 *                                       a PAA
 *   MATTER_ERROR_ATTESTATION_ISSUER     a PAA whose issuer is not its subject
 * A PAA without an authority key id is accepted: RFC 5280 (4.2.1.1) lets
 * self-signed certificates omit it. */
MatterError matter_attestation_cert_check(const uint8_t *cert, size_t len,
                                          MatterAttestationRole role,
                                          MatterAttestationCertInfo *info);

/* Checks each certificate as above, PAA first, then the chain (Core spec
 * 6.2.3.1), in this order: the PAI's vendor id equal to the PAA's, if it
 * has one, and the DAC's equal to the PAI's (..._VENDOR_ID_MISMATCH); the
 * DAC's product id equal to the PAI's, if it has one
 * (..._PRODUCT_ID_MISMATCH); issuer names and key ids
 * (MATTER_ERROR_ATTESTATION_ISSUER); the DAC's validity, and PAI and PAA
 * valid at the DAC's notBefore (..._VALIDITY); the signatures PAA <- PAA,
 * PAI <- PAA, DAC <- PAI (..._CHAIN_SIGNATURE). Whether the PAA is trusted
 * is the caller's call. On failure, *@failed (may be NULL) names the
 * certificate at fault; @chain is filled on success. */
MatterError matter_attestation_chain_verify(const uint8_t *dac, size_t dac_len, const uint8_t *pai,
                                            size_t pai_len, const uint8_t *paa, size_t paa_len,
                                            MatterAttestationChain *chain,
                                            MatterAttestationRole *failed);

/* Whether @cert (PEM or DER) carries a valid signature by @issuer's key:
 * MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE when not,
 * MATTER_ERROR_ATTESTATION_FORMAT when either does not parse. Nothing
 * else is checked. */
MatterError matter_attestation_cert_signed_by(const uint8_t *cert, size_t cert_len,
                                              const uint8_t *issuer, size_t issuer_len);

/* A certificate (PEM or DER) as DER, or as PEM with a NUL (@len excludes
 * it). MATTER_ERROR_ATTESTATION_FORMAT when it does not parse. */
MatterError matter_attestation_cert_to_der(const uint8_t *cert, size_t cert_len, uint8_t *der,
                                           size_t size, size_t *len);
MatterError matter_attestation_cert_to_pem(const uint8_t *cert, size_t cert_len, char *pem,
                                           size_t size, size_t *len);

/* A P-256 private key from PEM (SEC 1 "EC PRIVATE KEY" or PKCS #8) or DER.
 * MATTER_ERROR_ATTESTATION_FORMAT when it does not parse,
 * MATTER_ERROR_INVALID_KEY when it is not a P-256 key. */
MatterError matter_attestation_key_parse(const uint8_t *data, size_t len, MatterP256Key **key);
/* @key as SEC 1 PEM with a NUL (@len excludes it). The caller wipes @pem. */
MatterError matter_attestation_key_to_pem(const MatterP256Key *key, char *pem, size_t size,
                                          size_t *len);

/* Development credentials: what `matterctl creds generate` and tests make.
 * The certificate follows the rules of @role, with the names below (the
 * Matter vendor and product id attributes, after the common name). */
typedef struct {
  MatterAttestationRole role;
  const char *common_name; /* UTF-8, NULL for none */
  bool has_vendor_id;
  bool has_product_id;
  uint16_t vendor_id;
  uint16_t product_id;
  uint64_t serial;    /* 0: a random one */
  int64_t not_before; /* seconds since 1970 */
  int64_t not_after;  /* MATTER_ATTESTATION_NO_EXPIRY: 9999-12-31 23:59:59 */
} MatterAttestationCertParams;

#define MATTER_ATTESTATION_NO_EXPIRY INT64_MIN

/* Issues a certificate for @subject_key, signed by @issuer_key whose
 * certificate is @issuer (PEM or DER); a PAA is self-signed and takes
 * NULL there. Writes DER. */
MatterError matter_attestation_cert_create(const MatterAttestationCertParams *params,
                                           const MatterP256Key *subject_key, const uint8_t *issuer,
                                           size_t issuer_len, const MatterP256Key *issuer_key,
                                           uint8_t *der, size_t size, size_t *len);

/* ---- Attestation elements (AttestationResponse) --------------------- */

/* A vendor-reserved element: an octet string with a fully-qualified tag. */
typedef struct {
  uint16_t vendor_id;
  uint16_t profile;
  uint32_t tag;
  const uint8_t *data;
  size_t len;
} MatterVendorReserved;

typedef struct {
  const uint8_t *certification_declaration;
  size_t certification_declaration_len;
  const uint8_t *attestation_nonce; /* MATTER_ATTESTATION_NONCE_LEN bytes */
  uint32_t timestamp;
  const uint8_t *firmware_information; /* optional: NULL */
  size_t firmware_information_len;
  const MatterVendorReserved *vendor_reserved;
  size_t vendor_reserved_count;
} MatterAttestationElements;

/* The anonymous structure { certification_declaration [1],
 * attestation_nonce [2], timestamp [3], firmware_information [4, optional],
 * vendor-reserved elements }. MATTER_ERROR_INVALID_ARGUMENT for a missing
 * declaration or a nonce of another length, MATTER_ERROR_BUFFER_TOO_SMALL
 * past @size or MATTER_ATTESTATION_ELEMENTS_MAX. */
MatterError matter_attestation_elements_encode(const MatterAttestationElements *elements,
                                               uint8_t *out, size_t size, size_t *len);

/* Reads what the encoder writes; pointers point into @buf. Context tags
 * must come in increasing order; unknown ones are skipped (the spec
 * reserves them for later). Vendor-reserved elements go to @vendor_reserved
 * (up to @vendor_reserved_max; NULL to skip them) and are counted in
 * @elements. MATTER_ERROR_ATTESTATION_ELEMENTS for a missing or malformed
 * field, the TLV errors for malformed TLV, MATTER_ERROR_BUFFER_TOO_SMALL
 * for more vendor-reserved elements than fit. */
MatterError matter_attestation_elements_decode(const uint8_t *buf, size_t len,
                                               MatterAttestationElements *elements,
                                               MatterVendorReserved *vendor_reserved,
                                               size_t vendor_reserved_max);

/* The attestation signature of AttestationResponse and CSRResponse: ECDSA
 * with the DAC key over @elements || @challenge. */
MatterError matter_attestation_sign(const MatterP256Key *dac_key, const uint8_t *elements,
                                    size_t len,
                                    const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                                    uint8_t signature[MATTER_P256_SIGNATURE_LEN]);
MatterError
matter_attestation_signature_verify(const uint8_t dac_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                    const uint8_t *elements, size_t len,
                                    const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                                    const uint8_t signature[MATTER_P256_SIGNATURE_LEN]);

/* A commissioner's checks of an AttestationResponse: the signature
 * (MATTER_ERROR_INVALID_SIGNATURE), the elements, and the nonce it sent
 * (MATTER_ERROR_ATTESTATION_NONCE). Vendor-reserved elements are skipped. */
MatterError matter_attestation_response_verify(
    const uint8_t dac_public_key[MATTER_P256_PUBLIC_KEY_LEN], const uint8_t *elements, size_t len,
    const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
    const uint8_t signature[MATTER_P256_SIGNATURE_LEN],
    const uint8_t nonce[MATTER_ATTESTATION_NONCE_LEN], MatterAttestationElements *decoded);

/* ---- Certification Declaration -------------------------------------- */

#define MATTER_CD_FORMAT_VERSION 1
#define MATTER_CD_CERTIFICATE_ID_LEN 19
#define MATTER_CD_PRODUCT_IDS_MAX 100
#define MATTER_CD_AUTHORIZED_PAAS_MAX 10
/* The largest content the encoder writes, and a CMS around it. */
#define MATTER_CD_CONTENT_MAX 600
#define MATTER_CD_MAX 1024

typedef enum {
  MATTER_CD_CERTIFICATION_DEVELOPMENT = 0,
  MATTER_CD_CERTIFICATION_PROVISIONAL = 1,
  MATTER_CD_CERTIFICATION_OFFICIAL = 2,
} MatterCdCertificationType;

typedef struct {
  uint16_t format_version; /* MATTER_CD_FORMAT_VERSION */
  uint16_t vendor_id;
  size_t product_id_count; /* 1..MATTER_CD_PRODUCT_IDS_MAX */
  uint16_t product_ids[MATTER_CD_PRODUCT_IDS_MAX];
  uint32_t device_type_id;
  char certificate_id[MATTER_CD_CERTIFICATE_ID_LEN + 1];
  uint8_t security_level;        /* 0 */
  uint16_t security_information; /* 0 */
  uint16_t version_number;
  uint8_t certification_type; /* MatterCdCertificationType; others reserved */
  bool has_dac_origin;
  uint16_t dac_origin_vendor_id;
  uint16_t dac_origin_product_id;
  size_t authorized_paa_count; /* 0..MATTER_CD_AUTHORIZED_PAAS_MAX */
  uint8_t authorized_paas[MATTER_CD_AUTHORIZED_PAAS_MAX][MATTER_KEY_ID_LEN];
} MatterCd;

/* The certification-elements TLV. Encoding refuses what decoding refuses
 * (MATTER_ERROR_INVALID_ARGUMENT). Decoding wants tag order, format version
 * 1, a certificate id of 19 characters, 1..100 product ids, both DAC origin
 * fields or neither, 1..10 authorized PAA key ids of 20 bytes; it skips
 * unknown context tags. MATTER_ERROR_CD_CONTENT otherwise. */
MatterError matter_cd_encode(const MatterCd *cd, uint8_t *out, size_t size, size_t *len);
MatterError matter_cd_decode(const uint8_t *buf, size_t len, MatterCd *cd);

/* Signs @content as the CMS the spec describes, naming the signer by the
 * subject key id of @signer_cert (PEM or DER), whose key @signer_key must
 * be (MATTER_ERROR_INVALID_KEY otherwise). Writes DER. */
MatterError matter_cd_sign(const uint8_t *content, size_t content_len, const uint8_t *signer_cert,
                           size_t signer_cert_len, const MatterP256Key *signer_key, uint8_t *out,
                           size_t size, size_t *len);

/* The subject key id that names the signer of the CMS @cd, e.g. to find
 * its certificate. MATTER_ERROR_CD_FORMAT when @cd breaks the CMS rules. */
MatterError matter_cd_signer_key_id(const uint8_t *cd, size_t len,
                                    uint8_t key_id[MATTER_KEY_ID_LEN]);

/* The content of @cd, checked against the CMS rules and decoded, but NOT
 * verified: for a node reading its own CD, which it holds without the
 * signer's certificate. A commissioner uses matter_cd_verify(). */
MatterError matter_cd_read_unverified(const uint8_t *cd, size_t len, MatterCd *decoded);

/* A trusted Certification Declaration signer (PEM or DER certificate). */
typedef struct {
  const uint8_t *cert;
  size_t len;
} MatterCdSigner;

/* Checks the CMS rules (MATTER_ERROR_CD_FORMAT), finds the signer among
 * @signers by subject key id (MATTER_ERROR_CD_UNKNOWN_SIGNER; a signer
 * that does not parse is MATTER_ERROR_ATTESTATION_FORMAT), verifies the
 * signature (MATTER_ERROR_INVALID_SIGNATURE) and decodes the content into
 * @cd (may be NULL), with the errors of matter_cd_decode(). */
MatterError matter_cd_verify(const uint8_t *cd, size_t len, const MatterCdSigner *signers,
                             size_t signer_count, MatterCd *decoded);

/* The device's Basic Information vendor id must be the CD's
 * (MATTER_ERROR_CD_VENDOR_ID), its product id one of the CD's
 * (MATTER_ERROR_CD_PRODUCT_ID). */
MatterError matter_cd_check_device(const MatterCd *cd, uint16_t vendor_id, uint16_t product_id);

/* The CD against the attestation chain (Core spec 6.2.3.1): with DAC origin
 * fields, the DAC's and PAI's ids must be those
 * (MATTER_ERROR_CD_DAC_ORIGIN); without, the DAC's and PAI's vendor id the
 * CD's (MATTER_ERROR_CD_VENDOR_ID) and their product ids in its list
 * (MATTER_ERROR_CD_PRODUCT_ID); with an authorized PAA list, the PAA's
 * subject key id in it (MATTER_ERROR_CD_PAA_NOT_AUTHORIZED). */
MatterError matter_cd_check_chain(const MatterCd *cd, const MatterAttestationChain *chain);

/* ---- Operational CSR and NOCSR elements ----------------------------- */

/* A PKCS#10 request (DER) for @key's public key, signed with it, with the
 * subject O=CSA (any subject will do: the NOC does not copy it) and an
 * empty extension request. */
MatterError matter_csr_create(const MatterP256Key *key, uint8_t *der, size_t size, size_t *len);

/* Parses @csr (DER, or PEM), checks it is a v1 request with a P-256 key
 * (MATTER_ERROR_INVALID_KEY otherwise) signed with ecdsa-with-SHA256 by
 * that key (MATTER_ERROR_INVALID_SIGNATURE otherwise) and returns the key.
 * MATTER_ERROR_CSR_FORMAT when it does not parse. */
MatterError matter_csr_verify(const uint8_t *csr, size_t len,
                              uint8_t public_key[MATTER_P256_PUBLIC_KEY_LEN]);

typedef struct {
  const uint8_t *csr;
  size_t csr_len;
  const uint8_t *csr_nonce; /* MATTER_CSR_NONCE_LEN bytes */
  /* vendor_reserved1..3 (tags 3..5), optional: NULL */
  const uint8_t *vendor_reserved[3];
  size_t vendor_reserved_len[3];
} MatterNocsrElements;

/* The anonymous structure { csr [1], CSRNonce [2], vendor_reserved1..3
 * [3..5, optional] }, with the errors of the attestation elements. */
MatterError matter_nocsr_elements_encode(const MatterNocsrElements *elements, uint8_t *out,
                                         size_t size, size_t *len);
MatterError matter_nocsr_elements_decode(const uint8_t *buf, size_t len,
                                         MatterNocsrElements *elements);

/* A commissioner's checks of a CSRResponse: the attestation signature, the
 * elements, the nonce it sent, and the CSR (matter_csr_verify()), whose key
 * it returns. */
MatterError matter_nocsr_response_verify(const uint8_t dac_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                         const uint8_t *elements, size_t len,
                                         const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                                         const uint8_t signature[MATTER_P256_SIGNATURE_LEN],
                                         const uint8_t nonce[MATTER_CSR_NONCE_LEN],
                                         MatterNocsrElements *decoded,
                                         uint8_t csr_public_key[MATTER_P256_PUBLIC_KEY_LEN]);
