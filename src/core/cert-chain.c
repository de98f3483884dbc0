/* SPDX-License-Identifier: Apache-2.0 */
/* Roles of Matter operational certificates and validation of a chain
 * RCAC -> [ICAC ->] NOC (Core spec 6.4.5, 6.5.6.3, 6.5.12). */
#include "matter/cert.h"

#include <string.h>

#include "cert-der.h"

#define CAT_IDENTIFIER(cat) ((uint32_t) (cat) >> 16)
#define CAT_VERSION(cat) ((uint32_t) (cat) &0xffff)

/* How many of each certificate-type attribute a role's subject holds. */
typedef struct {
  MatterCertDnType type;
  size_t min;
  size_t max;
} DnRule;

#define RULES_PER_ROLE 6

static const DnRule dn_rules[][RULES_PER_ROLE] = {
  [MATTER_CERT_ROLE_RCAC] = {
    { MATTER_CERT_DN_NODE_ID, 0, 0 },
    { MATTER_CERT_DN_FIRMWARE_SIGNING_ID, 0, 0 },
    { MATTER_CERT_DN_ICAC_ID, 0, 0 },
    { MATTER_CERT_DN_RCAC_ID, 1, 1 },
    { MATTER_CERT_DN_FABRIC_ID, 0, 1 },
    { MATTER_CERT_DN_NOC_CAT, 0, 0 },
  },
  [MATTER_CERT_ROLE_ICAC] = {
    { MATTER_CERT_DN_NODE_ID, 0, 0 },
    { MATTER_CERT_DN_FIRMWARE_SIGNING_ID, 0, 0 },
    { MATTER_CERT_DN_ICAC_ID, 1, 1 },
    { MATTER_CERT_DN_RCAC_ID, 0, 0 },
    { MATTER_CERT_DN_FABRIC_ID, 0, 1 },
    { MATTER_CERT_DN_NOC_CAT, 0, 0 },
  },
  [MATTER_CERT_ROLE_NOC] = {
    { MATTER_CERT_DN_NODE_ID, 1, 1 },
    { MATTER_CERT_DN_FIRMWARE_SIGNING_ID, 0, 0 },
    { MATTER_CERT_DN_ICAC_ID, 0, 0 },
    { MATTER_CERT_DN_RCAC_ID, 0, 0 },
    { MATTER_CERT_DN_FABRIC_ID, 1, 1 },
    { MATTER_CERT_DN_NOC_CAT, 0, MATTER_CERT_MAX_CATS },
  },
  [MATTER_CERT_ROLE_FIRMWARE_SIGNING] = {
    { MATTER_CERT_DN_NODE_ID, 0, 0 },
    { MATTER_CERT_DN_FIRMWARE_SIGNING_ID, 1, 1 },
    { MATTER_CERT_DN_ICAC_ID, 0, 0 },
    { MATTER_CERT_DN_RCAC_ID, 0, 0 },
    { MATTER_CERT_DN_FABRIC_ID, 0, 1 },
    { MATTER_CERT_DN_NOC_CAT, 0, 0 },
  },
};

MatterCertRole
matter_cert_get_role(const MatterCert *cert)
{
  static const struct {
    MatterCertDnType type;
    MatterCertRole role;
  } ids[] = {
    { MATTER_CERT_DN_RCAC_ID, MATTER_CERT_ROLE_RCAC },
    { MATTER_CERT_DN_ICAC_ID, MATTER_CERT_ROLE_ICAC },
    { MATTER_CERT_DN_NODE_ID, MATTER_CERT_ROLE_NOC },
    { MATTER_CERT_DN_FIRMWARE_SIGNING_ID, MATTER_CERT_ROLE_FIRMWARE_SIGNING },
  };
  MatterCertRole role = MATTER_CERT_ROLE_NONE;

  if (cert == NULL)
    return MATTER_CERT_ROLE_NONE;
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    if (matter_cert_dn_count(&cert->subject, ids[i].type, NULL) == 0)
      continue;
    /* Two kinds of certificate contradict each other (6.5.14). */
    if (role != MATTER_CERT_ROLE_NONE)
      return MATTER_CERT_ROLE_NONE;
    role = ids[i].role;
  }
  return role;
}

static MatterError
check_dn_counts(const MatterCertDn *dn, MatterCertRole role)
{
  for (size_t i = 0; i < RULES_PER_ROLE; i++) {
    const DnRule *rule = &dn_rules[role][i];
    size_t n = matter_cert_dn_count(dn, rule->type, NULL);

    if (n < rule->min)
      return MATTER_ERROR_CERT_DN_MISSING;
    if (n > rule->max && rule->max == 0)
      return MATTER_ERROR_CERT_DN_FORBIDDEN;
    if (n > rule->max)
      return rule->type == MATTER_CERT_DN_NOC_CAT ? MATTER_ERROR_CERT_CAT_COUNT
                                                  : MATTER_ERROR_CERT_DN_DUPLICATE;
  }
  return MATTER_OK;
}

/* Versions non-zero, identifiers distinct (6.5.6.3, 6.5.14). */
static MatterError
check_cats(const MatterCertDn *dn)
{
  for (size_t i = 0; i < dn->count; i++) {
    const MatterCertDnAttr *a = &dn->attrs[i];

    if (a->type != MATTER_CERT_DN_NOC_CAT)
      continue;
    if (CAT_VERSION(a->value) == 0)
      return MATTER_ERROR_CERT_CAT_VERSION;
    for (size_t j = i + 1; j < dn->count; j++) {
      const MatterCertDnAttr *b = &dn->attrs[j];

      if (b->type == MATTER_CERT_DN_NOC_CAT && CAT_IDENTIFIER(a->value) == CAT_IDENTIFIER(b->value))
        return MATTER_ERROR_CERT_CAT_DUPLICATE;
    }
  }
  return MATTER_OK;
}

static MatterError
check_subject(const MatterCertDn *dn, MatterCertRole role)
{
  const MatterCertDnAttr *attr;
  MatterError err = check_dn_counts(dn, role);

  if (err != MATTER_OK)
    return err;
  if (matter_cert_dn_count(dn, MATTER_CERT_DN_FABRIC_ID, &attr) > 0 && attr->value == 0)
    return MATTER_ERROR_CERT_FABRIC_ID;
  if (role != MATTER_CERT_ROLE_NOC)
    return MATTER_OK;
  matter_cert_dn_count(dn, MATTER_CERT_DN_NODE_ID, &attr);
  if (attr->value < MATTER_CERT_NODE_ID_MIN || attr->value > MATTER_CERT_NODE_ID_MAX)
    return MATTER_ERROR_CERT_NODE_ID;
  return check_cats(dn);
}

static bool
has_ext(const MatterCert *cert, MatterCertExtKind kind)
{
  for (size_t i = 0; i < cert->ext_count; i++) {
    if (cert->exts[i].kind == kind)
      return true;
  }
  return false;
}

static bool
has_key_purpose(const MatterCert *cert, MatterCertKeyPurpose purpose)
{
  for (size_t i = 0; i < cert->key_purpose_count; i++) {
    if (cert->key_purposes[i] == purpose)
      return true;
  }
  return false;
}

static MatterError
check_extended_key_usage(const MatterCert *cert, MatterCertRole role)
{
  bool present = has_ext(cert, MATTER_CERT_EXT_EXTENDED_KEY_USAGE);

  switch (role) {
  case MATTER_CERT_ROLE_NOC:
    if (!present)
      return MATTER_ERROR_CERT_EXTENSION_MISSING;
    if (cert->key_purpose_count != 2 ||
        !has_key_purpose(cert, MATTER_CERT_KEY_PURPOSE_SERVER_AUTH) ||
        !has_key_purpose(cert, MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH))
      return MATTER_ERROR_CERT_EXTENDED_KEY_USAGE;
    return MATTER_OK;
  case MATTER_CERT_ROLE_FIRMWARE_SIGNING:
    if (!present)
      return MATTER_ERROR_CERT_EXTENSION_MISSING;
    if (cert->key_purpose_count != 1 ||
        !has_key_purpose(cert, MATTER_CERT_KEY_PURPOSE_CODE_SIGNING))
      return MATTER_ERROR_CERT_EXTENDED_KEY_USAGE;
    return MATTER_OK;
  default:
    return present ? MATTER_ERROR_CERT_EXTENDED_KEY_USAGE : MATTER_OK;
  }
}

/* 6.5.11.6: a critical extension this node cannot interpret fails
 * validation. */
static MatterError
check_future_exts(const MatterCert *cert)
{
  for (size_t i = 0; i < cert->ext_count; i++) {
    const MatterCertExt *ext = &cert->exts[i];
    const uint8_t *oid;
    size_t oid_len;
    bool critical;

    if (ext->kind != MATTER_CERT_EXT_FUTURE)
      continue;
    if (ext->der == NULL ||
        !matter_cert_ext_parse(ext->der, ext->der_len, &oid, &oid_len, &critical))
      return MATTER_ERROR_CERT_EXTENSION;
    if (critical)
      return MATTER_ERROR_CERT_EXTENSION_CRITICAL;
  }
  return MATTER_OK;
}

static MatterError
check_exts(const MatterCert *cert, MatterCertRole role)
{
  bool ca = role == MATTER_CERT_ROLE_RCAC || role == MATTER_CERT_ROLE_ICAC;
  uint16_t usage = ca ? MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN | MATTER_CERT_KEY_USAGE_CRL_SIGN
                      : MATTER_CERT_KEY_USAGE_DIGITAL_SIGNATURE;
  MatterError err;

  if (!has_ext(cert, MATTER_CERT_EXT_BASIC_CONSTRAINTS) ||
      !has_ext(cert, MATTER_CERT_EXT_KEY_USAGE) || !has_ext(cert, MATTER_CERT_EXT_SUBJECT_KEY_ID) ||
      !has_ext(cert, MATTER_CERT_EXT_AUTHORITY_KEY_ID) || cert->subject_key_id == NULL ||
      cert->authority_key_id == NULL)
    return MATTER_ERROR_CERT_EXTENSION_MISSING;
  if (cert->is_ca != ca)
    return MATTER_ERROR_CERT_BASIC_CONSTRAINTS;
  if (cert->key_usage != usage)
    return MATTER_ERROR_CERT_KEY_USAGE;
  err = check_extended_key_usage(cert, role);
  if (err != MATTER_OK)
    return err;
  if (role == MATTER_CERT_ROLE_RCAC &&
      memcmp(cert->authority_key_id, cert->subject_key_id, MATTER_CERT_KEY_ID_LEN) != 0)
    return MATTER_ERROR_CERT_KEY_ID;
  return check_future_exts(cert);
}

MatterError
matter_cert_check_role(const MatterCert *cert, MatterCertRole role)
{
  MatterError err;

  if (cert == NULL || role <= MATTER_CERT_ROLE_NONE || role > MATTER_CERT_ROLE_FIRMWARE_SIGNING ||
      cert->subject.count > MATTER_CERT_DN_CAPACITY ||
      cert->ext_count > MATTER_CERT_MAX_EXTENSIONS ||
      cert->key_purpose_count > MATTER_CERT_MAX_KEY_PURPOSES)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = check_subject(&cert->subject, role);
  if (err != MATTER_OK)
    return err;
  return check_exts(cert, role);
}

MatterError
matter_cert_check_validity(const MatterCert *cert, MatterCertTimeSource source, uint32_t time)
{
  bool expires;

  if (cert == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  expires = cert->not_after != MATTER_CERT_NO_EXPIRY;
  if (expires && cert->not_before > cert->not_after)
    return MATTER_ERROR_CERT_VALIDITY;
  switch (source) {
  case MATTER_CERT_TIME_UNKNOWN:
    return MATTER_OK;
  case MATTER_CERT_TIME_CURRENT:
    if (time < cert->not_before)
      return MATTER_ERROR_CERT_NOT_YET_VALID;
    return expires && time > cert->not_after ? MATTER_ERROR_CERT_EXPIRED : MATTER_OK;
  case MATTER_CERT_TIME_LAST_KNOWN_GOOD:
    return expires && time > cert->not_after ? MATTER_ERROR_CERT_EXPIRED : MATTER_OK;
  default:
    return MATTER_ERROR_INVALID_ARGUMENT;
  }
}

/* @cert names @signer as its issuer and carries its signature. */
static MatterError
check_link(const MatterCert *cert, const MatterCert *signer)
{
  if (!matter_cert_dn_equal(&cert->issuer, &signer->subject))
    return MATTER_ERROR_CERT_ISSUER;
  if (memcmp(cert->authority_key_id, signer->subject_key_id, MATTER_CERT_KEY_ID_LEN) != 0)
    return MATTER_ERROR_CERT_KEY_ID;
  return matter_cert_verify(cert, signer->public_key);
}

static MatterError
decode_as(const uint8_t *tlv, size_t len, MatterCertRole role, MatterCert *cert)
{
  MatterError err = matter_cert_decode(tlv, len, cert);

  return err == MATTER_OK ? matter_cert_check_role(cert, role) : err;
}

/* A CA's fabric id, where it has one, is the NOC's (6.5.6.3). */
static MatterError
check_fabric(const MatterCert *ca, uint64_t fabric_id)
{
  const MatterCertDnAttr *attr;

  if (matter_cert_dn_count(&ca->subject, MATTER_CERT_DN_FABRIC_ID, &attr) > 0 &&
      attr->value != fabric_id)
    return MATTER_ERROR_CERT_FABRIC_ID;
  return MATTER_OK;
}

static void
fill_info(const MatterCert *root, const MatterCert *noc, MatterCertChainInfo *info)
{
  const MatterCertDnAttr *attr;

  memset(info, 0, sizeof(*info));
  matter_cert_dn_count(&noc->subject, MATTER_CERT_DN_FABRIC_ID, &attr);
  info->fabric_id = attr->value;
  matter_cert_dn_count(&noc->subject, MATTER_CERT_DN_NODE_ID, &attr);
  info->node_id = attr->value;
  for (size_t i = 0; i < noc->subject.count; i++) {
    if (noc->subject.attrs[i].type == MATTER_CERT_DN_NOC_CAT)
      info->cats[info->cat_count++] = (uint32_t) noc->subject.attrs[i].value;
  }
  memcpy(info->root_public_key, root->public_key, MATTER_P256_PUBLIC_KEY_LEN);
  memcpy(info->noc_public_key, noc->public_key, MATTER_P256_PUBLIC_KEY_LEN);
}

MatterError
matter_cert_chain_validate(const uint8_t *rcac, size_t rcac_len, const uint8_t *icac,
                           size_t icac_len, const uint8_t *noc, size_t noc_len,
                           MatterCertTimeSource source, uint32_t time, MatterCertChainInfo *info)
{
  MatterCert root, inter, leaf;
  const MatterCert *signer = &root;
  const MatterCertDnAttr *fabric;
  MatterError err;

  if (rcac == NULL || noc == NULL || info == NULL || (icac == NULL && icac_len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;

  /* The root: self-issued and self-signed (6.4.5.3). */
  err = decode_as(rcac, rcac_len, MATTER_CERT_ROLE_RCAC, &root);
  if (err != MATTER_OK)
    return err;
  if (!matter_cert_dn_equal(&root.issuer, &root.subject))
    return MATTER_ERROR_CERT_ISSUER;
  err = matter_cert_verify(&root, root.public_key);
  if (err != MATTER_OK)
    return err;

  if (icac != NULL) {
    err = decode_as(icac, icac_len, MATTER_CERT_ROLE_ICAC, &inter);
    if (err == MATTER_OK)
      err = check_link(&inter, &root);
    if (err != MATTER_OK)
      return err;
    /* pathLenConstraint counts the CA certificates below the root. */
    if (root.has_path_len && root.path_len == 0)
      return MATTER_ERROR_CERT_BASIC_CONSTRAINTS;
    signer = &inter;
  }

  err = decode_as(noc, noc_len, MATTER_CERT_ROLE_NOC, &leaf);
  if (err == MATTER_OK)
    err = check_link(&leaf, signer);
  if (err != MATTER_OK)
    return err;

  matter_cert_dn_count(&leaf.subject, MATTER_CERT_DN_FABRIC_ID, &fabric);
  err = check_fabric(&root, fabric->value);
  if (err == MATTER_OK && icac != NULL)
    err = check_fabric(&inter, fabric->value);
  if (err == MATTER_OK)
    err = matter_cert_check_validity(&root, source, time);
  if (err == MATTER_OK && icac != NULL)
    err = matter_cert_check_validity(&inter, source, time);
  if (err == MATTER_OK)
    err = matter_cert_check_validity(&leaf, source, time);
  if (err != MATTER_OK)
    return err;
  fill_info(&root, &leaf, info);
  return MATTER_OK;
}
