/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Matter operational certificates (Core spec 6.1, 6.4 and 6.5): the Matter
 * TLV certificate format, its exact mapping to and from X.509 DER, and the
 * validation of an operational chain RCAC -> [ICAC ->] NOC.
 *
 * A MatterCert is the decoded form of either encoding. It holds pointers
 * into the buffer it was decoded from (strings, keys, key ids, signature,
 * future extensions); that buffer must outlive it. To decode DER, convert it
 * with matter_cert_der_to_tlv() and decode the TLV. To issue a certificate,
 * fill a MatterCert, sign matter_cert_encode_tbs() with the issuer's key and
 * encode the result with matter_cert_encode().
 *
 * Layers, each adding rules to the one before:
 *   format  matter_cert_decode() / matter_cert_check_format(): what any Matter
 *           certificate must satisfy to have both encodings (6.5.2-6.5.14)
 *   X.509   matter_cert_der_to_tlv(): DER that maps to TLV and back exactly
 *   role    matter_cert_check_role(): the DN and extension rules of a NOC,
 *           ICAC, RCAC or firmware signing certificate (6.5.6.3, 6.5.12)
 *   chain   matter_cert_chain_validate(): signatures and links (6.4.5)
 *
 * Rules enforced:
 *   - TLV: fields present, in tag order, of their types, nothing else; at
 *     most 400 bytes (6.1.3); serial 1..20 bytes of minimal DER INTEGER
 *     contents; sig-algo 1 (ecdsa-with-SHA256); pub-key-algo 1, curve 1,
 *     a 65-byte uncompressed point; not-before/not-after 32 bits; DNs of 1..5
 *     single-attribute RDNs of the types of table 54/56/57, PrintableString
 *     (-ps) values in that character set, domain-component in IA5; at least
 *     one extension, at most one of each known kind; path length only with
 *     is-ca; no undefined key usage flags or key purposes; key ids of 20
 *     bytes; future extensions each one DER Extension.
 *   - X.509: v3 only; no unique identifiers; outer and inner signature
 *     algorithm ecdsa-with-SHA256 without parameters; UTCTime for years
 *     1950-2049 and GeneralizedTime otherwise, as "YYMMDDHHMMSSZ" /
 *     "YYYYMMDDHHMMSSZ"; times in the Matter epoch range (2000-01-01 to
 *     2136-02-07) or not-after 99991231235959Z; Matter DN values as
 *     UTF8String (VID/PID also PrintableString) of exactly 16/8/4 upper-case
 *     hex digits; basic constraints, key usage and extended key usage
 *     critical, key ids not critical; AKID with a key id only; future
 *     extensions with an OID other than those five, none twice; at most 600
 *     bytes (6.1.3). Anything that would not come back byte for byte from
 *     its TLV form (non-DER encodings included) is
 *     MATTER_ERROR_CERT_UNSUPPORTED.
 *   - Role (6.5.6.3, 6.5.12, 6.5.14): NOC with exactly one node id in the
 *     operational range and one non-zero fabric id, no ICAC/RCAC/firmware
 *     ids, at most 3 CATs with distinct identifiers and non-zero versions;
 *     ICAC with exactly one ICAC id, RCAC with exactly one RCAC id (6.5.6.3
 *     allows "at most one", 6.5.14 calls a CA without it invalid, and it is
 *     what tells the two apart: the stricter reading); both CAs
 *     with at most one non-zero fabric id and no node id, CAT or other
 *     certificate-type id. Extensions: all five (CAs: all but extended key
 *     usage, which they must not have) present; is-ca false for NOC and
 *     firmware signing, true for CAs; key usage exactly digitalSignature
 *     (NOC, firmware) or exactly keyCertSign|CRLSign (CAs); extended key
 *     usage exactly {serverAuth, clientAuth} (NOC) or {codeSigning}
 *     (firmware); RCAC authority key id equal to its subject key id; no
 *     critical future extension (6.5.11.6).
 *   - Chain: RCAC self-issued and self-signed; each certificate's issuer DN
 *     equal (attribute type, string type and value, byte for byte) to its
 *     signer's subject DN, its authority key id equal to the signer's subject
 *     key id, its signature valid over the reconstructed X.509
 *     TBSCertificate; RCAC path length allows the ICAC; fabric ids of
 *     RCAC/ICAC, where present, equal to the NOC's; validity (see
 *     MatterCertTimeSource).
 *
 * Not enforced, and why:
 *   - Subject key id = SHA-1 of the key (6.5.11.4): the CA chose it and it
 *     only serves to find a signer; chaining uses the ids as written.
 *     matter_cert_key_id() computes the derivation for issuers.
 *   - RFC 5280 name matching (case folding, string type equivalence): the
 *     issuer DN of a Matter certificate is a copy of its signer's subject.
 *   - Serial number positive and non-zero: accepted as any DER INTEGER of
 *     up to 20 bytes, which round-trips exactly.
 *   - Public key on the curve: decoding checks the form only; verifying a
 *     signature with the key imports it (MATTER_ERROR_INVALID_KEY).
 *   - Lengths of DN strings (X.520 upper bounds): the size limits bound them.
 *   - A certificate's validity inside its issuer's: RFC 5280 does not ask it.
 *   - Firmware signing certificates are recognised by the role check but
 *     no chain for them is built: Matter does not define one.
 *   - Validity when the current time is unknown: see MatterCertTimeSource. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/crypto.h"
#include "matter/error.h"

#define MATTER_CERT_MAX_TLV_LEN 400
#define MATTER_CERT_MAX_DER_LEN 600
#define MATTER_CERT_MAX_SERIAL_LEN 20
#define MATTER_CERT_KEY_ID_LEN 20
/* RDNs a Matter certificate's DN may hold (6.5.6.3). */
#define MATTER_CERT_MAX_RDNS 5
/* Attributes a MatterCertDn can hold: more than a Matter certificate allows, so
 * that matter_cert_dn_decode_der() reads attestation names too. */
#define MATTER_CERT_DN_CAPACITY 8
#define MATTER_CERT_MAX_CATS 3
#define MATTER_CERT_MAX_KEY_PURPOSES 6
#define MATTER_CERT_MAX_EXTENSIONS 8

/* Matter epoch (2000-01-01T00:00:00Z) in Unix seconds. */
#define MATTER_CERT_EPOCH_UNIX_OFFSET UINT64_C(946684800)
/* not-after value for "no well-defined expiration" (99991231235959Z). */
#define MATTER_CERT_NO_EXPIRY 0

#define MATTER_CERT_NODE_ID_MIN UINT64_C(0x0000000000000001)
#define MATTER_CERT_NODE_ID_MAX UINT64_C(0xFFFFFFEFFFFFFFFF)

/* DN attribute types. Values 1..22 are the Matter TLV tags (table 54, 56,
 * 57); vendor and product id (1.3.6.1.4.1.37244.2.1/.2) belong to
 * attestation certificates and have no TLV form. */
typedef enum {
  MATTER_CERT_DN_COMMON_NAME = 1,
  MATTER_CERT_DN_SURNAME = 2,
  MATTER_CERT_DN_SERIAL_NUMBER = 3,
  MATTER_CERT_DN_COUNTRY_NAME = 4,
  MATTER_CERT_DN_LOCALITY_NAME = 5,
  MATTER_CERT_DN_STATE_OR_PROVINCE_NAME = 6,
  MATTER_CERT_DN_ORG_NAME = 7,
  MATTER_CERT_DN_ORG_UNIT_NAME = 8,
  MATTER_CERT_DN_TITLE = 9,
  MATTER_CERT_DN_NAME = 10,
  MATTER_CERT_DN_GIVEN_NAME = 11,
  MATTER_CERT_DN_INITIALS = 12,
  MATTER_CERT_DN_GEN_QUALIFIER = 13,
  MATTER_CERT_DN_DN_QUALIFIER = 14,
  MATTER_CERT_DN_PSEUDONYM = 15,
  MATTER_CERT_DN_DOMAIN_COMPONENT = 16,
  MATTER_CERT_DN_NODE_ID = 17,
  MATTER_CERT_DN_FIRMWARE_SIGNING_ID = 18,
  MATTER_CERT_DN_ICAC_ID = 19,
  MATTER_CERT_DN_RCAC_ID = 20,
  MATTER_CERT_DN_FABRIC_ID = 21,
  MATTER_CERT_DN_NOC_CAT = 22,
  MATTER_CERT_DN_VENDOR_ID = 0x101,
  MATTER_CERT_DN_PRODUCT_ID = 0x102,
} MatterCertDnType;

typedef struct {
  MatterCertDnType type;
  /* Standard string types 1..15: PrintableString rather than UTF8String in
   * X.509 (TLV tag + 0x80). Vendor/product id: the same choice. */
  bool printable;
  const char *str; /* string types: the value, not NUL-terminated */
  size_t len;
  uint64_t value; /* Matter types (17..22, vendor/product id) */
} MatterCertDnAttr;

/* A DN: one attribute per RDN, in order. */
typedef struct {
  size_t count;
  MatterCertDnAttr attrs[MATTER_CERT_DN_CAPACITY];
} MatterCertDn;

/* True for the types whose value is a number (17..22, vendor/product id). */
bool matter_cert_dn_type_is_scalar(MatterCertDnType type);
/* Same attributes in the same order, compared byte for byte. */
bool matter_cert_dn_equal(const MatterCertDn *a, const MatterCertDn *b);
/* How many attributes of @type @dn has; the first in @first (may be NULL). */
size_t matter_cert_dn_count(const MatterCertDn *dn, MatterCertDnType type,
                            const MatterCertDnAttr **first);

/* An X.509 Name (DER) <-> MatterCertDn, with the OIDs and value encodings of
 * 6.1.1 and 6.5.6.1. Decoding accepts the types above only, one attribute
 * per RDN, up to MATTER_CERT_DN_CAPACITY; strings point into @der.
 * MATTER_ERROR_CERT_DN_ATTRIBUTE for anything else, MATTER_ERROR_CERT_FORMAT
 * for broken DER. */
MatterError matter_cert_dn_decode_der(const uint8_t *der, size_t len, MatterCertDn *dn);
MatterError matter_cert_dn_encode_der(const MatterCertDn *dn, uint8_t *buf, size_t size,
                                      size_t *len);

/* ---- Certificates ---------------------------------------------------- */

typedef enum {
  MATTER_CERT_EXT_BASIC_CONSTRAINTS = 1,
  MATTER_CERT_EXT_KEY_USAGE = 2,
  MATTER_CERT_EXT_EXTENDED_KEY_USAGE = 3,
  MATTER_CERT_EXT_SUBJECT_KEY_ID = 4,
  MATTER_CERT_EXT_AUTHORITY_KEY_ID = 5,
  MATTER_CERT_EXT_FUTURE = 6,
} MatterCertExtKind;

/* Key usage flags (6.5.11.2): bit n is X.509 KeyUsage bit n. */
#define MATTER_CERT_KEY_USAGE_DIGITAL_SIGNATURE 0x0001
#define MATTER_CERT_KEY_USAGE_NON_REPUDIATION 0x0002
#define MATTER_CERT_KEY_USAGE_KEY_ENCIPHERMENT 0x0004
#define MATTER_CERT_KEY_USAGE_DATA_ENCIPHERMENT 0x0008
#define MATTER_CERT_KEY_USAGE_KEY_AGREEMENT 0x0010
#define MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN 0x0020
#define MATTER_CERT_KEY_USAGE_CRL_SIGN 0x0040
#define MATTER_CERT_KEY_USAGE_ENCIPHER_ONLY 0x0080
#define MATTER_CERT_KEY_USAGE_DECIPHER_ONLY 0x0100

/* Key purpose ids (6.5.11.3, table 62). */
typedef enum {
  MATTER_CERT_KEY_PURPOSE_SERVER_AUTH = 1,
  MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH = 2,
  MATTER_CERT_KEY_PURPOSE_CODE_SIGNING = 3,
  MATTER_CERT_KEY_PURPOSE_EMAIL_PROTECTION = 4,
  MATTER_CERT_KEY_PURPOSE_TIME_STAMPING = 5,
  MATTER_CERT_KEY_PURPOSE_OCSP_SIGNING = 6,
} MatterCertKeyPurpose;

/* One entry of the extensions list, in certificate order. The contents of
 * the known kinds are in MatterCert; a future extension is its whole DER
 * Extension (OID, critical flag, value) as the spec requires. */
typedef struct {
  MatterCertExtKind kind;
  const uint8_t *der; /* future only */
  size_t der_len;
} MatterCertExt;

typedef struct {
  const uint8_t *serial; /* DER INTEGER contents */
  size_t serial_len;
  MatterCertDn issuer;
  uint32_t not_before; /* Matter epoch seconds */
  uint32_t not_after;  /* likewise; MATTER_CERT_NO_EXPIRY for none */
  MatterCertDn subject;
  const uint8_t *public_key; /* MATTER_P256_PUBLIC_KEY_LEN bytes */
  size_t ext_count;
  MatterCertExt exts[MATTER_CERT_MAX_EXTENSIONS];
  /* basic constraints */
  bool is_ca;
  bool has_path_len;
  uint8_t path_len;
  uint16_t key_usage; /* MATTER_CERT_KEY_USAGE_* */
  size_t key_purpose_count;
  uint8_t key_purposes[MATTER_CERT_MAX_KEY_PURPOSES]; /* MatterCertKeyPurpose, in order */
  const uint8_t *subject_key_id;                      /* MATTER_CERT_KEY_ID_LEN bytes */
  const uint8_t *authority_key_id;                    /* likewise */
  const uint8_t *signature;                           /* r || s, MATTER_P256_SIGNATURE_LEN bytes */
} MatterCert;

/* Decodes a Matter TLV certificate, then applies matter_cert_check_format().
 * Errors: MATTER_ERROR_CERT_TOO_LARGE over 400 bytes; the TLV reader's own
 * (malformed TLV, trailing bytes, MATTER_ERROR_TLV_WRONG_TYPE for a field of
 * another type); MATTER_ERROR_CERT_FORMAT for a missing, misplaced or
 * unknown element or a bad length, and the specific errors listed for
 * matter_cert_check_format(). Integers wider than needed are accepted. */
MatterError matter_cert_decode(const uint8_t *tlv, size_t len, MatterCert *cert);

/* The format rules above on a decoded or caller-built certificate (the
 * signature is not looked at): MATTER_ERROR_CERT_FORMAT (serial),
 * MATTER_ERROR_CERT_KEY_TYPE, MATTER_ERROR_CERT_DN_ATTRIBUTE,
 * MATTER_ERROR_CERT_EXTENSION. */
MatterError matter_cert_check_format(const MatterCert *cert);

/* Canonical Matter TLV (narrowest integers): byte for byte the input of
 * matter_cert_decode() whenever that was canonical. Also
 * MATTER_ERROR_CERT_TOO_LARGE past 400 bytes and MATTER_ERROR_BUFFER_TOO_SMALL. */
MatterError matter_cert_encode(const MatterCert *cert, uint8_t *buf, size_t size, size_t *len);

/* The X.509 TBSCertificate the issuer signs, and the whole certificate.
 * Also MATTER_ERROR_CERT_EXTENSION for a future extension that is a known
 * kind or repeats an OID, MATTER_ERROR_CERT_TOO_LARGE for a certificate
 * over 600 bytes. */
MatterError matter_cert_encode_tbs(const MatterCert *cert, uint8_t *buf, size_t size, size_t *len);
MatterError matter_cert_encode_der(const MatterCert *cert, uint8_t *buf, size_t size, size_t *len);

/* Conversions between the two encodings, exact both ways; input and output
 * must not overlap. From DER, also
 * MATTER_ERROR_CERT_FORMAT (not a certificate), MATTER_ERROR_CERT_UNSUPPORTED
 * (no TLV form), MATTER_ERROR_CERT_SIGNATURE_ALGORITHM,
 * MATTER_ERROR_CERT_VALIDITY, MATTER_ERROR_CERT_EXTENSION_CRITICAL. */
MatterError matter_cert_tlv_to_der(const uint8_t *tlv, size_t tlv_len, uint8_t *der, size_t size,
                                   size_t *der_len);
MatterError matter_cert_der_to_tlv(const uint8_t *der, size_t der_len, uint8_t *tlv, size_t size,
                                   size_t *tlv_len);

/* The key identifier of RFC 5280 4.2.1.2 method (1): SHA-1 of the key. */
MatterError matter_cert_key_id(const uint8_t key[MATTER_P256_PUBLIC_KEY_LEN],
                               uint8_t id[MATTER_CERT_KEY_ID_LEN]);

/* Checks @cert's signature with @issuer_key over its X.509 TBSCertificate.
 * MATTER_ERROR_INVALID_SIGNATURE, MATTER_ERROR_INVALID_KEY for a key off
 * the curve, or the errors of matter_cert_encode_der(). */
MatterError matter_cert_verify(const MatterCert *cert,
                               const uint8_t issuer_key[MATTER_P256_PUBLIC_KEY_LEN]);

/* ---- Roles and chains ------------------------------------------------ */

typedef enum {
  MATTER_CERT_ROLE_NONE,
  MATTER_CERT_ROLE_RCAC,
  MATTER_CERT_ROLE_ICAC,
  MATTER_CERT_ROLE_NOC,
  MATTER_CERT_ROLE_FIRMWARE_SIGNING,
} MatterCertRole;

/* The role the subject's certificate-type attribute (node, firmware signing,
 * ICAC or RCAC id) names; MATTER_CERT_ROLE_NONE when there is none or more
 * than one kind. */
MatterCertRole matter_cert_get_role(const MatterCert *cert);

/* The role rules above. Errors: MATTER_ERROR_CERT_DN_MISSING,
 * MATTER_ERROR_CERT_DN_DUPLICATE, MATTER_ERROR_CERT_DN_FORBIDDEN,
 * MATTER_ERROR_CERT_NODE_ID, MATTER_ERROR_CERT_FABRIC_ID (zero),
 * MATTER_ERROR_CERT_CAT_COUNT, MATTER_ERROR_CERT_CAT_DUPLICATE,
 * MATTER_ERROR_CERT_CAT_VERSION, MATTER_ERROR_CERT_EXTENSION_MISSING,
 * MATTER_ERROR_CERT_BASIC_CONSTRAINTS, MATTER_ERROR_CERT_KEY_USAGE,
 * MATTER_ERROR_CERT_EXTENDED_KEY_USAGE, MATTER_ERROR_CERT_KEY_ID (RCAC),
 * MATTER_ERROR_CERT_EXTENSION_CRITICAL (a critical future extension). */
MatterError matter_cert_check_role(const MatterCert *cert, MatterCertRole role);

/* What the validator knows of the time. The spec lets a node without an
 * accurate clock omit validity checks (6.4.5.1); a node keeping a Last
 * Known Good UTC Time knows the current time is no earlier than that.
 *   UNKNOWN          only not-before <= not-after is checked
 *   CURRENT          not-before <= time <= not-after
 *   LAST_KNOWN_GOOD  time <= not-after (a later real time can only make
 *                    not-before pass, so it is not judged)
 * MATTER_CERT_NO_EXPIRY never expires. Errors: MATTER_ERROR_CERT_VALIDITY
 * (not-before after not-after), MATTER_ERROR_CERT_NOT_YET_VALID,
 * MATTER_ERROR_CERT_EXPIRED. */
typedef enum {
  MATTER_CERT_TIME_UNKNOWN,
  MATTER_CERT_TIME_CURRENT,
  MATTER_CERT_TIME_LAST_KNOWN_GOOD,
} MatterCertTimeSource;

MatterError matter_cert_check_validity(const MatterCert *cert, MatterCertTimeSource source,
                                       uint32_t time);

/* What a valid chain certifies. */
typedef struct {
  uint64_t fabric_id;
  uint64_t node_id;
  size_t cat_count;
  uint32_t cats[MATTER_CERT_MAX_CATS]; /* in subject order */
  uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  uint8_t noc_public_key[MATTER_P256_PUBLIC_KEY_LEN];
} MatterCertChainInfo;

/* Validates the Matter TLV chain @rcac -> @icac -> @noc (@icac NULL with
 * @icac_len 0 when the RCAC signs the NOC directly), with the rules above,
 * and fills @info. Errors: those of matter_cert_decode(),
 * matter_cert_check_role(), matter_cert_verify() and
 * matter_cert_check_validity(), plus MATTER_ERROR_CERT_ISSUER,
 * MATTER_ERROR_CERT_KEY_ID, MATTER_ERROR_CERT_BASIC_CONSTRAINTS (path
 * length) and MATTER_ERROR_CERT_FABRIC_ID (mismatch). */
MatterError matter_cert_chain_validate(const uint8_t *rcac, size_t rcac_len, const uint8_t *icac,
                                       size_t icac_len, const uint8_t *noc, size_t noc_len,
                                       MatterCertTimeSource source, uint32_t time,
                                       MatterCertChainInfo *info);
