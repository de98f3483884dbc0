/* SPDX-License-Identifier: Apache-2.0 */
#include <glib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#include "matter/case.h"
#include "matter/cert.h"
#include "matter/crypto.h"
#include "matter/tlv.h"
#include "md-test-ca.h"
#include "md-test-core.h"
#include "md-test.h"

#define MSG_MAX MATTER_CASE_MESSAGE_MAX
#define RESPONDER_SESSION_ID 0x1234
#define INITIATOR_SESSION_ID 0xabcd
#define FABRIC_ID UINT64_C(0x2906C908D115D362)
#define RESPONDER_NODE_ID UINT64_C(0xCD5544AA7B13EF14)
#define INITIATOR_NODE_ID UINT64_C(0x0000000000010002)

/* (FAILURE, SECURE_CHANNEL, INVALID_PARAMETER), (FAILURE, ...,
 * NO_SHARED_TRUST_ROOTS) and SigmaFinished. */
static const char status_invalid_parameter[] = "0100 00000000 0200";
static const char status_no_shared_roots[] = "0100 00000000 0100";
static const char status_finished[] = "0000 00000000 0000";

/* ---- Vectors from the specification --------------------------------- */

/* Core spec 4.3.2.2 (Compressed Fabric Identifier), 4.14.2.4 (Destination
 * Identifier, whose IPK is the operational key of the epoch key given
 * there) and 4.15.2 (Operational Group Key Derivation). */
static const char spec_root_public_key[] =
    "044a9f42b1ca4840d37292bbc7f6a7e11e22200c976fc900dbc98a7a383a641c"
    "b8254a2e56d4e295a847943b4e3897c4a773e930277b4d9fbede8a052686bfacfa";
static const char spec_compressed_fabric_id[] = "87e1b004e235a130";
static const char spec_ipk_epoch_key[] = "4a71cdd7b2a3ca9024f96f3c96a19dee";
static const char spec_ipk[] = "9bc61cd9c62a2df6d64dfcaa9dc472d4";
static const char spec_initiator_random[] =
    "7e171231568dfa17206b3accf8faec2f4d21b580113196f47c7c4deb810a73dc";
static const char spec_destination_id[] =
    "dc35dd5fc9134cc5544538c9c3fc4297c1ec3370c839136a80e10796451d4c53";
static const char spec_group_epoch_key[] = "235bf7e62823d358dca4ba50b1535f4b";
static const char spec_group_key[] = "a6f5306baf6d050af23ba4bd6b9dd960";

/* ---- Independent derivations with plain OpenSSL ---------------------- */

static void
openssl_hkdf(const guint8 *ikm, gsize ikm_len, const guint8 *salt, gsize salt_len, const char *info,
             guint8 *out, gsize out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *) "SHA256", 0),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *) ikm, ikm_len),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) salt, salt_len),
    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *) info, strlen(info)),
    OSSL_PARAM_construct_end(),
  };

  g_assert_nonnull(ctx);
  g_assert_cmpint(EVP_KDF_derive(ctx, out, out_len, params), ==, 1);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
}

/* AES-128-CCM with a 13-byte nonce and a 16-byte tag, no AAD: decrypts
 * @in (ciphertext || tag) into @out; FALSE when the tag is wrong. */
static gboolean
openssl_ccm_open(const guint8 key[16], const char *nonce, const guint8 *in, gsize len, guint8 *out)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int outl = 0;
  gboolean ok;

  g_assert_cmpuint(len, >=, 16);
  g_assert_cmpuint(strlen(nonce), ==, 13);
  ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *) (in + len - 16)) == 1 &&
       EVP_DecryptInit_ex(ctx, NULL, NULL, key, (const guint8 *) nonce) == 1 &&
       EVP_DecryptUpdate(ctx, NULL, &outl, NULL, (int) (len - 16)) == 1 &&
       EVP_DecryptUpdate(ctx, out, &outl, in, (int) (len - 16)) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

/* The tag of AES-128-CCM over nothing. */
static void
openssl_ccm_empty_tag(const guint8 key[16], const char *nonce, guint8 tag[16])
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  guint8 dummy = 0;
  int outl = 0;

  g_assert_cmpint(EVP_EncryptInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL), ==, 1);
  g_assert_cmpint(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL), ==, 1);
  g_assert_cmpint(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, NULL), ==, 1);
  g_assert_cmpint(EVP_EncryptInit_ex(ctx, NULL, NULL, key, (const guint8 *) nonce), ==, 1);
  g_assert_cmpint(EVP_EncryptUpdate(ctx, NULL, &outl, NULL, 0), ==, 1);
  /* The payload step runs even for no payload: it computes the tag (a
   * NULL input would mean "finish" instead). */
  g_assert_cmpint(EVP_EncryptUpdate(ctx, &dummy, &outl, &dummy, 0), ==, 1);
  g_assert_cmpint(EVP_EncryptFinal_ex(ctx, tag, &outl), ==, 1);
  g_assert_cmpint(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), ==, 1);
  EVP_CIPHER_CTX_free(ctx);
}

static void
sha256_concat(const GByteArray *a, const GByteArray *b, const GByteArray *c, guint8 out[32])
{
  g_autoptr(GByteArray) all = g_byte_array_new();

  g_byte_array_append(all, a->data, a->len);
  if (b != NULL)
    g_byte_array_append(all, b->data, b->len);
  if (c != NULL)
    g_byte_array_append(all, c->data, c->len);
  md_test_assert_error(matter_sha256(all->data, all->len, out), MATTER_OK);
}

/* ---- Nodes, fabrics and the owner's callbacks ------------------------ */

/* One node's credentials on one fabric. */
typedef struct {
  MatterP256Key *key;
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  GBytes *noc;
  GBytes *rcac;
  GBytes *icac;
  MatterCaseFabric fabric;
} Node;

static const guint8 test_epoch_key[16] = "IPK epoch key 0";

static void
root_public_key(GBytes *rcac, guint8 out[MATTER_P256_PUBLIC_KEY_LEN])
{
  MatterCert cert;
  gsize len;
  const guint8 *data = g_bytes_get_data(rcac, &len);

  md_test_assert_error(matter_cert_decode(data, len, &cert), MATTER_OK);
  memcpy(out, cert.public_key, MATTER_P256_PUBLIC_KEY_LEN);
}

/* @ca's fabric record for a node with @node_id (and @cat_count CATs),
 * its NOC issued by @ca (an ICAC's NOC chains through it). */
static void
node_init(Node *n, MdTestCa *ca, guint8 fabric_index, guint64 node_id, const guint32 *cats,
          gsize cat_count)
{
  guint8 cfid[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];
  gsize len;

  memset(n, 0, sizeof(*n));
  md_test_assert_error(matter_p256_generate(&n->key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(n->key, n->public_key), MATTER_OK);
  n->noc = md_test_ca_issue_noc(ca, n->public_key, node_id, 0, cats, cat_count);
  n->rcac = g_bytes_ref(ca->rcac);
  n->icac = ca->icac != NULL ? g_bytes_ref(ca->icac) : NULL;
  n->fabric.fabric_index = fabric_index;
  n->fabric.fabric_id = ca->fabric_id;
  n->fabric.node_id = node_id;
  root_public_key(ca->rcac, n->fabric.root_public_key);
  md_test_assert_error(
      matter_case_compressed_fabric_id(n->fabric.root_public_key, ca->fabric_id, cfid), MATTER_OK);
  md_test_assert_error(matter_case_operational_ipk(test_epoch_key, cfid, n->fabric.ipk), MATTER_OK);
  n->fabric.rcac = g_bytes_get_data(n->rcac, &n->fabric.rcac_len);
  if (n->icac != NULL)
    n->fabric.icac = g_bytes_get_data(n->icac, &n->fabric.icac_len);
  n->fabric.noc = g_bytes_get_data(n->noc, &len);
  n->fabric.noc_len = len;
  n->fabric.operational_key = n->key;
}

/* Replaces the node's NOC (and the key it certifies). */
static void
node_set_noc(Node *n, MatterP256Key *key, GBytes *noc)
{
  matter_p256_free(n->key);
  g_bytes_unref(n->noc);
  n->key = key;
  n->noc = noc;
  n->fabric.noc = g_bytes_get_data(noc, &n->fabric.noc_len);
  n->fabric.operational_key = key;
}

static void
node_clear(Node *n)
{
  matter_p256_free(n->key);
  g_clear_pointer(&n->noc, g_bytes_unref);
  g_clear_pointer(&n->rcac, g_bytes_unref);
  g_clear_pointer(&n->icac, g_bytes_unref);
}

/* What the responder's owner keeps: fabric records and resumption
 * records. */
typedef struct {
  MatterCaseFabric fabrics[4];
  gsize n_fabrics;
  MatterCaseResumption records[4];
  gsize n_records;
  unsigned lookups;
} Owner;

static gsize
owner_fabric_count(void *user_data)
{
  return ((Owner *) user_data)->n_fabrics;
}

static MatterError
owner_get_fabric(void *user_data, gsize index, MatterCaseFabric *fabric)
{
  Owner *o = user_data;

  g_assert_cmpuint(index, <, o->n_fabrics);
  *fabric = o->fabrics[index];
  return MATTER_OK;
}

static MatterError
owner_find_resumption(void *user_data, const guint8 id[MATTER_CASE_RESUMPTION_ID_LEN],
                      MatterCaseResumption *record)
{
  Owner *o = user_data;

  o->lookups++;
  for (gsize i = 0; i < o->n_records; i++)
    if (memcmp(o->records[i].resumption_id, id, MATTER_CASE_RESUMPTION_ID_LEN) == 0) {
      *record = o->records[i];
      return MATTER_OK;
    }
  return MATTER_ERROR_SESSION_NOT_FOUND;
}

static void
owner_add_fabric(Owner *o, const Node *n)
{
  g_assert_cmpuint(o->n_fabrics, <, G_N_ELEMENTS(o->fabrics));
  o->fabrics[o->n_fabrics++] = n->fabric;
}

/* The record a result says to keep. */
static MatterCaseResumption
record_from(const MatterCaseResult *r)
{
  MatterCaseResumption rec = { 0 };

  g_assert_true(r->setup.has_resumption);
  memcpy(rec.resumption_id, r->setup.resumption_id, sizeof(rec.resumption_id));
  memcpy(rec.shared_secret, r->setup.shared_secret, sizeof(rec.shared_secret));
  rec.fabric_index = r->setup.fabric_index;
  rec.peer_node_id = r->setup.peer_node_id;
  memcpy(rec.peer_cats, r->setup.peer_cats, sizeof(rec.peer_cats));
  return rec;
}

static const MatterSessionParams responder_params = {
  .present = MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL |
             MATTER_SESSION_PARAM_ACTIVE_THRESHOLD | MATTER_SESSION_PARAM_SPECIFICATION_VERSION,
  .idle_interval_ms = 500,
  .active_interval_ms = 300,
  .active_threshold_ms = 4000,
  .specification_version = 0x01040200,
};

static const MatterSessionParams initiator_params = {
  .present = MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL,
  .idle_interval_ms = 5000,
  .active_interval_ms = 300,
};

static MatterCaseResponder *
responder_new(Owner *o, gboolean resumption)
{
  MatterCaseResponderCallbacks cb = {
    .fabric_count = owner_fabric_count,
    .get_fabric = owner_get_fabric,
    .find_resumption = resumption ? owner_find_resumption : NULL,
    .user_data = o,
  };
  MatterCaseResponder *resp = NULL;

  md_test_assert_error(matter_case_responder_new(&cb, RESPONDER_SESSION_ID, &responder_params, NULL,
                                                 MATTER_CERT_TIME_UNKNOWN, 0, &resp),
                       MATTER_OK);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IDLE);
  return resp;
}

static MatterCaseInitiator *
initiator_new(const Node *n, guint64 peer_node_id, const MatterCaseResumption *resumption)
{
  MatterCaseInitiator *init = NULL;

  md_test_assert_error(matter_case_initiator_new(&n->fabric, peer_node_id, resumption,
                                                 INITIATOR_SESSION_ID, &initiator_params, NULL,
                                                 MATTER_CERT_TIME_UNKNOWN, 0, &init),
                       MATTER_OK);
  return init;
}

/* One message in flight: its opcode and payload. */
typedef struct {
  guint8 opcode;
  guint8 buf[MSG_MAX];
  gsize len;
} Msg;

static GByteArray *
msg_copy(const Msg *m)
{
  GByteArray *a = g_byte_array_new();

  g_byte_array_append(a, m->buf, m->len);
  return a;
}

static MatterError
to_responder(MatterCaseResponder *resp, Msg *m)
{
  Msg in = *m;

  return matter_case_responder_handle(resp, in.opcode, in.buf, in.len, &m->opcode, m->buf,
                                      sizeof(m->buf), &m->len);
}

static MatterError
to_initiator(MatterCaseInitiator *init, Msg *m)
{
  Msg in = *m;

  return matter_case_initiator_handle(init, in.opcode, in.buf, in.len, &m->opcode, m->buf,
                                      sizeof(m->buf), &m->len);
}

static void
start(MatterCaseInitiator *init, Msg *m)
{
  md_test_assert_error(
      matter_case_initiator_start(init, &m->opcode, m->buf, sizeof(m->buf), &m->len), MATTER_OK);
  g_assert_cmpuint(m->opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA1);
}

static void
assert_status(const Msg *m, const char *hex)
{
  g_assert_cmpuint(m->opcode, ==, MATTER_SC_OPCODE_STATUS_REPORT);
  md_test_assert_hex(m->buf, m->len, hex);
}

/* Both results describe the same session, each from its own side. */
static void
assert_results_match(const MatterCaseResult *r, const MatterCaseResult *i)
{
  g_assert_cmpint(r->setup.kind, ==, MATTER_SESSION_KIND_CASE);
  g_assert_cmpint(i->setup.kind, ==, MATTER_SESSION_KIND_CASE);
  g_assert_cmpint(r->setup.role, ==, MATTER_SESSION_ROLE_RESPONDER);
  g_assert_cmpint(i->setup.role, ==, MATTER_SESSION_ROLE_INITIATOR);
  g_assert_cmpmem(r->setup.i2r_key, 16, i->setup.i2r_key, 16);
  g_assert_cmpmem(r->setup.r2i_key, 16, i->setup.r2i_key, 16);
  g_assert_cmpmem(r->setup.attestation_challenge, 16, i->setup.attestation_challenge, 16);
  g_assert_true(memcmp(r->setup.i2r_key, r->setup.r2i_key, 16) != 0);
  g_assert_true(r->setup.has_resumption && i->setup.has_resumption);
  g_assert_cmpmem(r->setup.resumption_id, 16, i->setup.resumption_id, 16);
  g_assert_cmpmem(r->setup.shared_secret, 32, i->setup.shared_secret, 32);
  g_assert_cmpuint(r->local_session_id, ==, RESPONDER_SESSION_ID);
  g_assert_cmpuint(i->local_session_id, ==, INITIATOR_SESSION_ID);
  g_assert_cmpuint(r->setup.peer_session_id, ==, INITIATOR_SESSION_ID);
  g_assert_cmpuint(i->setup.peer_session_id, ==, RESPONDER_SESSION_ID);
  g_assert_cmpuint(r->setup.local_node_id, ==, i->setup.peer_node_id);
  g_assert_cmpuint(i->setup.local_node_id, ==, r->setup.peer_node_id);
  g_assert_true(r->has_peer_params && i->has_peer_params);
  md_test_assert_session_params_equal(&r->setup.peer_params, &initiator_params);
  md_test_assert_session_params_equal(&i->setup.peer_params, &responder_params);
  g_assert_cmpint(r->resumed, ==, i->resumed);
}

/* The messages of one full handshake, kept for the tests that check them. */
typedef struct {
  GByteArray *sigma1, *sigma2, *sigma3;
  MatterCaseResult resp, init;
} Transcript;

static void
transcript_clear(Transcript *t)
{
  g_clear_pointer(&t->sigma1, g_byte_array_unref);
  g_clear_pointer(&t->sigma2, g_byte_array_unref);
  g_clear_pointer(&t->sigma3, g_byte_array_unref);
  matter_secure_zero(&t->resp, sizeof(t->resp));
  matter_secure_zero(&t->init, sizeof(t->init));
}

/* A full handshake that must succeed. */
static void
full_handshake(Owner *o, const Node *initiator, guint64 peer_node_id,
               const MatterCaseResumption *resumption, Transcript *t)
{
  MatterCaseResponder *resp = responder_new(o, TRUE);
  MatterCaseInitiator *init = initiator_new(initiator, peer_node_id, resumption);
  Msg m;

  start(init, &m);
  t->sigma1 = msg_copy(&m);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IN_PROGRESS);
  t->sigma2 = msg_copy(&m);
  md_test_assert_error(to_initiator(init, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA3);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_IN_PROGRESS);
  md_test_assert_error(matter_case_initiator_get_result(init, &t->init), MATTER_ERROR_BAD_STATE);
  t->sigma3 = msg_copy(&m);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  assert_status(&m, status_finished);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_ESTABLISHED);
  md_test_assert_error(to_initiator(init, &m), MATTER_OK);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_ESTABLISHED);

  md_test_assert_error(matter_case_responder_get_result(resp, &t->resp), MATTER_OK);
  md_test_assert_error(matter_case_initiator_get_result(init, &t->init), MATTER_OK);
  assert_results_match(&t->resp, &t->init);
  g_assert_false(t->resp.resumed);
  md_test_assert_error(matter_case_responder_get_failure(resp, NULL), MATTER_OK);
  md_test_assert_no_openssl_error();
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
}

/* The usual cast: one fabric, the responder and the initiator on it. */
typedef struct {
  MdTestCa *ca;
  Node responder, initiator;
  Owner owner;
} Fixture;

static void
fixture_init(Fixture *f)
{
  memset(f, 0, sizeof(*f));
  f->ca = md_test_ca_new(FABRIC_ID);
  node_init(&f->responder, f->ca, 1, RESPONDER_NODE_ID, NULL, 0);
  node_init(&f->initiator, f->ca, 1, INITIATOR_NODE_ID, NULL, 0);
  owner_add_fabric(&f->owner, &f->responder);
}

static void
fixture_clear(Fixture *f)
{
  node_clear(&f->responder);
  node_clear(&f->initiator);
  md_test_ca_free(f->ca);
}

/* ---- Codecs ---------------------------------------------------------- */

static void
fill(guint8 *buf, gsize len, guint8 seed)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) (seed + i);
}

static void
test_codec_sigma1_bytes(void)
{
  MatterCaseSigma1 m = { .initiator_session_id = 0x1234 };
  g_autofree char *hex = NULL;
  g_autofree char *random = NULL, *dest = NULL, *eph = NULL;
  guint8 out[MSG_MAX];
  gsize len;

  fill(m.initiator_random, 32, 0x00);
  fill(m.destination_id, 32, 0x40);
  fill(m.initiator_eph_pub, 65, 0x80);
  md_test_assert_error(matter_case_sigma1_encode(&m, out, sizeof(out), &len), MATTER_OK);
  /* Anonymous structure; [1] 32 bytes, [2] uint16, [3] 32 bytes, [4] 65
   * bytes; end. */
  random =
      g_strdup_printf("%s", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  dest = g_strdup_printf("%s", "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");
  eph =
      g_strdup_printf("%s%s%s", "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
                      "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf", "c0");
  hex = g_strdup_printf("15 300120 %s 25023412 300320 %s 300441 %s 18", random, dest, eph);
  md_test_assert_hex(out, len, hex);
}

static void
test_codec_round_trip(void)
{
  guint8 buf[MSG_MAX], again[MSG_MAX], enc[64], noc[300], icac[200];
  gsize len, len2;

  for (int variant = 0; variant < 4; variant++) {
    MatterCaseSigma1 a = { .initiator_session_id = 7 }, b;

    fill(a.initiator_random, 32, 1);
    fill(a.destination_id, 32, 2);
    fill(a.initiator_eph_pub, 65, 3);
    a.has_session_params = variant & 1;
    a.session_params = initiator_params;
    a.has_resumption = variant & 2;
    fill(a.resumption_id, 16, 4);
    fill(a.initiator_resume_mic, 16, 5);
    md_test_assert_error(matter_case_sigma1_encode(&a, buf, sizeof(buf), &len), MATTER_OK);
    md_test_assert_error(matter_case_sigma1_decode(buf, len, &b), MATTER_OK);
    g_assert_cmpmem(b.initiator_random, 32, a.initiator_random, 32);
    g_assert_cmpuint(b.initiator_session_id, ==, 7);
    g_assert_cmpmem(b.destination_id, 32, a.destination_id, 32);
    g_assert_cmpmem(b.initiator_eph_pub, 65, a.initiator_eph_pub, 65);
    g_assert_cmpint(b.has_session_params, ==, a.has_session_params);
    if (a.has_session_params)
      md_test_assert_session_params_equal(&b.session_params, &initiator_params);
    g_assert_cmpint(b.has_resumption, ==, a.has_resumption);
    if (a.has_resumption) {
      g_assert_cmpmem(b.resumption_id, 16, a.resumption_id, 16);
      g_assert_cmpmem(b.initiator_resume_mic, 16, a.initiator_resume_mic, 16);
    }
    md_test_assert_error(matter_case_sigma1_encode(&b, again, sizeof(again), &len2), MATTER_OK);
    g_assert_cmpmem(again, len2, buf, len);
  }

  fill(enc, sizeof(enc), 9);
  for (int variant = 0; variant < 2; variant++) {
    MatterCaseSigma2 a = { .responder_session_id = 0xfffe,
                           .encrypted2 = enc,
                           .encrypted2_len = sizeof(enc) },
                     b;
    MatterCaseSigma2Resume c = { .responder_session_id = 3 }, d;

    fill(a.responder_random, 32, 1);
    fill(a.responder_eph_pub, 65, 2);
    a.has_session_params = c.has_session_params = variant;
    a.session_params = c.session_params = responder_params;
    md_test_assert_error(matter_case_sigma2_encode(&a, buf, sizeof(buf), &len), MATTER_OK);
    md_test_assert_error(matter_case_sigma2_decode(buf, len, &b), MATTER_OK);
    g_assert_cmpmem(b.responder_random, 32, a.responder_random, 32);
    g_assert_cmpuint(b.responder_session_id, ==, 0xfffe);
    g_assert_cmpmem(b.responder_eph_pub, 65, a.responder_eph_pub, 65);
    g_assert_cmpmem(b.encrypted2, b.encrypted2_len, enc, sizeof(enc));
    g_assert_cmpint(b.has_session_params, ==, variant);
    md_test_assert_error(matter_case_sigma2_encode(&b, again, sizeof(again), &len2), MATTER_OK);
    g_assert_cmpmem(again, len2, buf, len);

    fill(c.resumption_id, 16, 5);
    fill(c.sigma2_resume_mic, 16, 6);
    md_test_assert_error(matter_case_sigma2_resume_encode(&c, buf, sizeof(buf), &len), MATTER_OK);
    md_test_assert_error(matter_case_sigma2_resume_decode(buf, len, &d), MATTER_OK);
    g_assert_cmpmem(d.resumption_id, 16, c.resumption_id, 16);
    g_assert_cmpmem(d.sigma2_resume_mic, 16, c.sigma2_resume_mic, 16);
    g_assert_cmpuint(d.responder_session_id, ==, 3);
    g_assert_cmpint(d.has_session_params, ==, variant);
    if (variant)
      md_test_assert_session_params_equal(&d.session_params, &responder_params);
    md_test_assert_error(matter_case_sigma2_resume_encode(&d, again, sizeof(again), &len2),
                         MATTER_OK);
    g_assert_cmpmem(again, len2, buf, len);
  }

  {
    MatterCaseSigma3 a = { .encrypted3 = enc, .encrypted3_len = sizeof(enc) }, b;

    md_test_assert_error(matter_case_sigma3_encode(&a, buf, sizeof(buf), &len), MATTER_OK);
    md_test_assert_error(matter_case_sigma3_decode(buf, len, &b), MATTER_OK);
    g_assert_cmpmem(b.encrypted3, b.encrypted3_len, enc, sizeof(enc));
  }

  fill(noc, sizeof(noc), 1);
  fill(icac, sizeof(icac), 2);
  for (int variant = 0; variant < 4; variant++) {
    gboolean with_icac = variant & 1, with_rid = variant & 2;
    MatterCaseTbeData a = { .noc = noc, .noc_len = sizeof(noc) }, b;

    if (with_icac) {
      a.icac = icac;
      a.icac_len = sizeof(icac);
    }
    fill(a.signature, 64, 3);
    fill(a.resumption_id, 16, 4);
    md_test_assert_error(matter_case_tbe_encode(&a, with_rid, buf, sizeof(buf), &len), MATTER_OK);
    md_test_assert_error(matter_case_tbe_decode(buf, len, with_rid, &b), MATTER_OK);
    g_assert_cmpmem(b.noc, b.noc_len, noc, sizeof(noc));
    if (with_icac)
      g_assert_cmpmem(b.icac, b.icac_len, icac, sizeof(icac));
    else
      g_assert_null(b.icac);
    g_assert_cmpmem(b.signature, 64, a.signature, 64);
    if (with_rid)
      g_assert_cmpmem(b.resumption_id, 16, a.resumption_id, 16);
    /* A TBEData2 is a TBEData3 with one tag more, which a TBEData3 reader
     * skips; a TBEData3 is not a TBEData2. */
    md_test_assert_error(matter_case_tbe_decode(buf, len, FALSE, &b), MATTER_OK);
    if (!with_rid)
      md_test_assert_error(matter_case_tbe_decode(buf, len, TRUE, &b), MATTER_ERROR_TLV_NOT_FOUND);
  }

  {
    guint8 a[65], b[65];
    g_autofree char *hex = NULL;

    fill(a, 65, 0x10);
    fill(b, 65, 0x20);
    md_test_assert_error(matter_case_tbs_encode(noc, 2, icac, 1, a, b, buf, sizeof(buf), &len),
                         MATTER_OK);
    hex = g_strdup_printf("15 300102 0102 300201 02 300341 %s 300441 %s 18",
                          "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
                          "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50",
                          "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                          "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60");
    md_test_assert_hex(buf, len, hex);
  }
}

/* Sigma1 built field by field, with one thing changed. */
typedef enum {
  S1_GOOD,
  S1_NO_RANDOM,
  S1_SHORT_RANDOM,
  S1_NO_SESSION_ID,
  S1_WIDE_SESSION_ID,
  S1_SESSION_ID_BYTES,
  S1_SHORT_DESTINATION,
  S1_LONG_EPH,
  S1_NO_EPH,
  S1_TWICE_RANDOM,
  S1_ONLY_RESUMPTION_ID,
  S1_ONLY_RESUME_MIC,
  S1_SHORT_RESUME_MIC,
  S1_BAD_PARAMS,
  S1_UNKNOWN_TAG,
  S1_TAGGED_OUTER,
  S1_ARRAY_OUTER,
  S1_TRAILING,
  S1_TRUNCATED,
} Sigma1Variant;

static gsize
sigma1_variant(Sigma1Variant v, guint8 *out, gsize size)
{
  guint8 bytes[80] = { 0 };
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, out, size);
  if (v == S1_TAGGED_OUTER)
    matter_tlv_start_structure(&w, matter_tlv_tag_context(1));
  else if (v == S1_ARRAY_OUTER)
    matter_tlv_start_array(&w, matter_tlv_tag_anonymous());
  else
    matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  if (v == S1_ARRAY_OUTER) {
    matter_tlv_end_container(&w);
    md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
    return len;
  }
  if (v != S1_NO_RANDOM)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(1), bytes, v == S1_SHORT_RANDOM ? 31 : 32);
  if (v == S1_WIDE_SESSION_ID)
    matter_tlv_put_uint(&w, matter_tlv_tag_context(2), 0x10000);
  else if (v == S1_SESSION_ID_BYTES)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(2), bytes, 2);
  else if (v != S1_NO_SESSION_ID)
    matter_tlv_put_uint(&w, matter_tlv_tag_context(2), 5);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(3), bytes, v == S1_SHORT_DESTINATION ? 31 : 32);
  if (v != S1_NO_EPH)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(4), bytes, v == S1_LONG_EPH ? 66 : 65);
  if (v == S1_BAD_PARAMS) {
    matter_tlv_start_structure(&w, matter_tlv_tag_context(5));
    matter_tlv_put_string(&w, matter_tlv_tag_context(1), "slow");
    matter_tlv_end_container(&w);
  }
  if (v == S1_ONLY_RESUMPTION_ID || v == S1_SHORT_RESUME_MIC)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(6), bytes, 16);
  if (v == S1_ONLY_RESUME_MIC || v == S1_SHORT_RESUME_MIC)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(7), bytes, v == S1_SHORT_RESUME_MIC ? 15 : 16);
  if (v == S1_UNKNOWN_TAG)
    matter_tlv_put_uint(&w, matter_tlv_tag_context(9), 1);
  if (v == S1_TWICE_RANDOM)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(1), bytes, 32);
  matter_tlv_end_container(&w);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  if (v == S1_TRAILING)
    out[len++] = 0x18;
  if (v == S1_TRUNCATED)
    len--;
  return len;
}

static void
test_codec_malformed(void)
{
  static const struct {
    Sigma1Variant variant;
    MatterError err;
  } cases[] = {
    { S1_GOOD, MATTER_OK },
    { S1_UNKNOWN_TAG, MATTER_OK },
    { S1_NO_RANDOM, MATTER_ERROR_TLV_NOT_FOUND },
    { S1_SHORT_RANDOM, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_NO_SESSION_ID, MATTER_ERROR_TLV_NOT_FOUND },
    { S1_WIDE_SESSION_ID, MATTER_ERROR_TLV_OUT_OF_RANGE },
    { S1_SESSION_ID_BYTES, MATTER_ERROR_TLV_WRONG_TYPE },
    { S1_SHORT_DESTINATION, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_LONG_EPH, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_NO_EPH, MATTER_ERROR_TLV_NOT_FOUND },
    { S1_TWICE_RANDOM, MATTER_ERROR_TLV_BAD_TAG },
    { S1_ONLY_RESUMPTION_ID, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_ONLY_RESUME_MIC, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_SHORT_RESUME_MIC, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_BAD_PARAMS, MATTER_ERROR_TLV_WRONG_TYPE },
    { S1_TAGGED_OUTER, MATTER_ERROR_CASE_INVALID_MESSAGE },
    { S1_ARRAY_OUTER, MATTER_ERROR_TLV_WRONG_TYPE },
    { S1_TRAILING, MATTER_ERROR_TLV_TRAILING },
    { S1_TRUNCATED, MATTER_ERROR_TRUNCATED },
  };
  /* The other messages: hex and the error. */
  static const struct {
    const char *what;
    const char *hex;
    MatterError err;
  } others[] = {
    { "sigma3 empty structure", "1518", MATTER_ERROR_TLV_NOT_FOUND },
    { "sigma3 encrypted3 shorter than a MIC", "15 30010f 000102030405060708090a0b0c0d0e 18",
      MATTER_ERROR_CASE_INVALID_MESSAGE },
    { "sigma3 encrypted3 as an integer", "15 240101 18", MATTER_ERROR_TLV_WRONG_TYPE },
    { "sigma3 nothing", "", MATTER_ERROR_TRUNCATED },
    { "sigma2_resume MIC of 15 bytes",
      "15 300110 000102030405060708090a0b0c0d0e0f 30020f 000102030405060708090a0b0c0d0e"
      " 240301 18",
      MATTER_ERROR_CASE_INVALID_MESSAGE },
    { "sigma2_resume without session id",
      "15 300110 000102030405060708090a0b0c0d0e0f 300210 000102030405060708090a0b0c0d0e0f 18",
      MATTER_ERROR_TLV_NOT_FOUND },
    { "tbe3 NOC of 0 bytes",
      "15 300100 300340"
      "00000000000000000000000000000000"
      "00000000000000000000000000000000"
      "00000000000000000000000000000000"
      "00000000000000000000000000000000 18",
      MATTER_ERROR_CASE_INVALID_MESSAGE },
    { "tbe3 signature of 1 byte", "15 30010101 30030100 18", MATTER_ERROR_CASE_INVALID_MESSAGE },
  };
  guint8 buf[256];
  MatterCaseSigma1 s1;
  MatterCaseSigma3 s3;
  MatterCaseSigma2Resume s2r;
  MatterCaseTbeData tbe;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize len = sigma1_variant(cases[i].variant, buf, sizeof(buf));

    g_test_message("sigma1 variant %d", cases[i].variant);
    md_test_assert_error(matter_case_sigma1_decode(buf, len, &s1), cases[i].err);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(others); i++) {
    gsize len;
    g_autofree guint8 *data = md_test_unhex(others[i].hex, &len);

    g_test_message("%s", others[i].what);
    if (g_str_has_prefix(others[i].what, "sigma3"))
      md_test_assert_error(matter_case_sigma3_decode(data, len, &s3), others[i].err);
    else if (g_str_has_prefix(others[i].what, "sigma2_resume"))
      md_test_assert_error(matter_case_sigma2_resume_decode(data, len, &s2r), others[i].err);
    else
      md_test_assert_error(matter_case_tbe_decode(data, len, FALSE, &tbe), others[i].err);
  }

  /* A certificate over the TLV limit is refused both ways. */
  {
    guint8 noc[MATTER_CERT_MAX_TLV_LEN + 1] = { 0 }, out[MSG_MAX];
    MatterCaseTbeData big = { .noc = noc, .noc_len = sizeof(noc) };
    MatterTlvWriter w;
    gsize len;

    md_test_assert_error(matter_case_tbe_encode(&big, FALSE, out, sizeof(out), &len),
                         MATTER_ERROR_INVALID_ARGUMENT);
    matter_tlv_writer_init(&w, out, sizeof(out));
    matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(1), noc, sizeof(noc));
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(3), noc, 64);
    matter_tlv_end_container(&w);
    md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
    md_test_assert_error(matter_case_tbe_decode(out, len, FALSE, &tbe),
                         MATTER_ERROR_CASE_INVALID_MESSAGE);
  }
  /* Encoders check what they cannot express. */
  {
    MatterCaseSigma1 m = { 0 };
    gsize len;

    md_test_assert_error(matter_case_sigma1_encode(&m, buf, 10, &len),
                         MATTER_ERROR_BUFFER_TOO_SMALL);
    md_test_assert_error(matter_case_sigma1_encode(NULL, buf, sizeof(buf), &len),
                         MATTER_ERROR_INVALID_ARGUMENT);
    s3 = (MatterCaseSigma3){ .encrypted3 = buf, .encrypted3_len = 15 };
    md_test_assert_error(matter_case_sigma3_encode(&s3, buf, sizeof(buf), &len),
                         MATTER_ERROR_INVALID_ARGUMENT);
  }
}

/* ---- Key derivations ------------------------------------------------- */

static void
test_vectors_spec(void)
{
  guint8 root[65], cfid[8], epoch[16], ipk[16], random[32], dest[32], group_epoch[16];

  md_test_unhex_into(spec_root_public_key, root, sizeof(root));
  md_test_unhex_into(spec_ipk_epoch_key, epoch, sizeof(epoch));
  md_test_unhex_into(spec_initiator_random, random, sizeof(random));
  md_test_unhex_into(spec_group_epoch_key, group_epoch, sizeof(group_epoch));

  md_test_assert_error(matter_case_compressed_fabric_id(root, FABRIC_ID, cfid), MATTER_OK);
  md_test_assert_hex(cfid, sizeof(cfid), spec_compressed_fabric_id);
  md_test_assert_error(matter_case_operational_ipk(epoch, cfid, ipk), MATTER_OK);
  md_test_assert_hex(ipk, sizeof(ipk), spec_ipk);
  md_test_assert_error(
      matter_case_destination_id(ipk, random, root, FABRIC_ID, RESPONDER_NODE_ID, dest), MATTER_OK);
  md_test_assert_hex(dest, sizeof(dest), spec_destination_id);
  md_test_assert_error(matter_case_operational_ipk(group_epoch, cfid, ipk), MATTER_OK);
  md_test_assert_hex(ipk, sizeof(ipk), spec_group_key);

  /* Any other node, fabric or random names another destination. */
  md_test_unhex_into(spec_ipk, ipk, sizeof(ipk));
  md_test_assert_error(
      matter_case_destination_id(ipk, random, root, FABRIC_ID, RESPONDER_NODE_ID + 1, dest),
      MATTER_OK);
  g_assert_false(memcmp(dest, "\xdc\x35\xdd\x5f", 4) == 0);
  md_test_assert_error(matter_case_destination_id(NULL, random, root, 1, 1, dest),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

/* No published vectors exist for S2K, S3K, the session keys and the
 * resumption MICs: each is checked against the same derivation written
 * here with OpenSSL's HKDF and CCM directly, from the spec's formulas. */
static void
test_vectors_derivations(void)
{
  guint8 secret[32], ipk[16], rr[32], eph[65], hash[32], ir[32], rid[16];
  guint8 salt[16 + 32 + 65 + 32], got[48], want[48], key[16], tag[16];

  fill(secret, 32, 0x11);
  fill(ipk, 16, 0x22);
  fill(rr, 32, 0x33);
  fill(eph, 65, 0x44);
  fill(hash, 32, 0x55);
  fill(ir, 32, 0x66);
  fill(rid, 16, 0x77);

  memcpy(salt, ipk, 16);
  memcpy(salt + 16, rr, 32);
  memcpy(salt + 48, eph, 65);
  memcpy(salt + 113, hash, 32);
  openssl_hkdf(secret, 32, salt, sizeof(salt), "Sigma2", want, 16);
  md_test_assert_error(matter_case_sigma2_key(secret, ipk, rr, eph, hash, got), MATTER_OK);
  g_assert_cmpmem(got, 16, want, 16);

  memcpy(salt + 16, hash, 32);
  openssl_hkdf(secret, 32, salt, 48, "Sigma3", want, 16);
  md_test_assert_error(matter_case_sigma3_key(secret, ipk, hash, got), MATTER_OK);
  g_assert_cmpmem(got, 16, want, 16);
  openssl_hkdf(secret, 32, salt, 48, "SessionKeys", want, 48);
  md_test_assert_error(matter_case_session_keys(secret, ipk, hash, got), MATTER_OK);
  g_assert_cmpmem(got, 48, want, 48);

  memcpy(salt, ir, 32);
  memcpy(salt + 32, rid, 16);
  openssl_hkdf(secret, 32, salt, 48, "SessionResumptionKeys", want, 48);
  md_test_assert_error(matter_case_resumption_session_keys(secret, ir, rid, got), MATTER_OK);
  g_assert_cmpmem(got, 48, want, 48);

  openssl_hkdf(secret, 32, salt, 48, "Sigma1_Resume", key, 16);
  openssl_ccm_empty_tag(key, "NCASE_SigmaS1", tag);
  md_test_assert_error(matter_case_sigma1_resume_mic(secret, ir, rid, got), MATTER_OK);
  g_assert_cmpmem(got, 16, tag, 16);
  openssl_hkdf(secret, 32, salt, 48, "Sigma2_Resume", key, 16);
  openssl_ccm_empty_tag(key, "NCASE_SigmaS2", tag);
  md_test_assert_error(matter_case_sigma2_resume_mic(secret, ir, rid, got), MATTER_OK);
  g_assert_cmpmem(got, 16, tag, 16);
}

/* ---- Handshakes ------------------------------------------------------ */

/* The messages of a real handshake, opened with keys derived here: S2K
 * opens encrypted2 to the responder's NOC, S3K encrypted3 to the
 * initiator's, and the session keys follow from the whole transcript. */
static void
check_transcript(const Transcript *t, const Node *responder, const Node *initiator)
{
  MatterCaseSigma2 s2;
  MatterCaseSigma3 s3;
  MatterCaseTbeData tbe;
  const guint8 *ipk = responder->fabric.ipk;
  const guint8 *secret = t->resp.setup.shared_secret;
  guint8 hash[32], salt[16 + 32 + 65 + 32], key[16], plain[MSG_MAX], keys[48];
  gsize len;

  md_test_assert_error(matter_case_sigma2_decode(t->sigma2->data, t->sigma2->len, &s2), MATTER_OK);
  sha256_concat(t->sigma1, NULL, NULL, hash);
  memcpy(salt, ipk, 16);
  memcpy(salt + 16, s2.responder_random, 32);
  memcpy(salt + 48, s2.responder_eph_pub, 65);
  memcpy(salt + 113, hash, 32);
  openssl_hkdf(secret, 32, salt, sizeof(salt), "Sigma2", key, 16);
  g_assert_true(openssl_ccm_open(key, "NCASE_Sigma2N", s2.encrypted2, s2.encrypted2_len, plain));
  md_test_assert_error(matter_case_tbe_decode(plain, s2.encrypted2_len - 16, TRUE, &tbe),
                       MATTER_OK);
  g_assert_cmpmem(tbe.noc, tbe.noc_len, responder->fabric.noc, responder->fabric.noc_len);
  g_assert_cmpmem(tbe.resumption_id, 16, t->resp.setup.resumption_id, 16);

  md_test_assert_error(matter_case_sigma3_decode(t->sigma3->data, t->sigma3->len, &s3), MATTER_OK);
  sha256_concat(t->sigma1, t->sigma2, NULL, hash);
  memcpy(salt + 16, hash, 32);
  openssl_hkdf(secret, 32, salt, 48, "Sigma3", key, 16);
  g_assert_true(openssl_ccm_open(key, "NCASE_Sigma3N", s3.encrypted3, s3.encrypted3_len, plain));
  len = s3.encrypted3_len - 16;
  md_test_assert_error(matter_case_tbe_decode(plain, len, FALSE, &tbe), MATTER_OK);
  g_assert_cmpmem(tbe.noc, tbe.noc_len, initiator->fabric.noc, initiator->fabric.noc_len);
  if (initiator->fabric.icac != NULL)
    g_assert_cmpmem(tbe.icac, tbe.icac_len, initiator->fabric.icac, initiator->fabric.icac_len);
  else
    g_assert_null(tbe.icac);

  sha256_concat(t->sigma1, t->sigma2, t->sigma3, hash);
  memcpy(salt + 16, hash, 32);
  openssl_hkdf(secret, 32, salt, 48, "SessionKeys", keys, 48);
  g_assert_cmpmem(t->resp.setup.i2r_key, 16, keys, 16);
  g_assert_cmpmem(t->resp.setup.r2i_key, 16, keys + 16, 16);
  g_assert_cmpmem(t->resp.setup.attestation_challenge, 16, keys + 32, 16);
}

static void
test_handshake(void)
{
  Fixture f;
  Transcript t = { 0 };

  fixture_init(&f);
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, NULL, &t);
  g_assert_cmpuint(t.resp.setup.fabric_index, ==, 1);
  g_assert_cmpuint(t.resp.setup.local_node_id, ==, RESPONDER_NODE_ID);
  g_assert_cmpuint(t.resp.setup.peer_node_id, ==, INITIATOR_NODE_ID);
  g_assert_cmpuint(t.init.setup.peer_node_id, ==, RESPONDER_NODE_ID);
  for (gsize i = 0; i < MATTER_SESSION_CAT_MAX; i++)
    g_assert_cmpuint(t.resp.setup.peer_cats[i], ==, 0);
  check_transcript(&t, &f.responder, &f.initiator);
  transcript_clear(&t);
  fixture_clear(&f);
}

/* Both nodes' NOCs signed by ICACs (one naming the fabric, one not), the
 * initiator's with CATs; the responder has three fabrics and the
 * initiator's is its second. */
static void
test_handshake_icac_cats(void)
{
  static const guint32 cats[] = { 0x00010001, 0xfffe0003 };
  MdTestCa *root = md_test_ca_new(FABRIC_ID);
  MdTestCa *icac_a = md_test_ca_new_icac(root, TRUE);
  MdTestCa *icac_b = md_test_ca_new_icac(root, FALSE);
  MdTestCa *other1 = md_test_ca_new(FABRIC_ID);
  MdTestCa *other2 = md_test_ca_new(77);
  Node responder, initiator, decoy1, decoy2;
  Owner owner = { 0 };
  Transcript t = { 0 };

  node_init(&decoy1, other1, 1, RESPONDER_NODE_ID, NULL, 0);
  node_init(&responder, icac_a, 2, RESPONDER_NODE_ID, NULL, 0);
  node_init(&decoy2, other2, 3, RESPONDER_NODE_ID, NULL, 0);
  node_init(&initiator, icac_b, 5, INITIATOR_NODE_ID, cats, G_N_ELEMENTS(cats));
  owner_add_fabric(&owner, &decoy1);
  owner_add_fabric(&owner, &responder);
  owner_add_fabric(&owner, &decoy2);

  full_handshake(&owner, &initiator, RESPONDER_NODE_ID, NULL, &t);
  g_assert_cmpuint(t.resp.setup.fabric_index, ==, 2);
  g_assert_cmpuint(t.init.setup.fabric_index, ==, 5);
  g_assert_cmpuint(t.resp.setup.peer_cats[0], ==, cats[0]);
  g_assert_cmpuint(t.resp.setup.peer_cats[1], ==, cats[1]);
  g_assert_cmpuint(t.resp.setup.peer_cats[2], ==, 0);
  check_transcript(&t, &responder, &initiator);
  transcript_clear(&t);

  node_clear(&responder);
  node_clear(&initiator);
  node_clear(&decoy1);
  node_clear(&decoy2);
  md_test_ca_free(icac_a);
  md_test_ca_free(icac_b);
  md_test_ca_free(root);
  md_test_ca_free(other1);
  md_test_ca_free(other2);
}

/* A sign function: the fabric's key, or a wrong one. */
static MatterError
sign_with(void *user_data, const guint8 *msg, gsize len, guint8 sig[MATTER_P256_SIGNATURE_LEN])
{
  return matter_ecdsa_sign(user_data, msg, len, sig);
}

static void
test_handshake_sign_callback(void)
{
  Fixture f;
  Transcript t = { 0 };

  fixture_init(&f);
  f.owner.fabrics[0].operational_key = NULL;
  f.owner.fabrics[0].sign = sign_with;
  f.owner.fabrics[0].sign_data = f.responder.key;
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, NULL, &t);
  transcript_clear(&t);
  fixture_clear(&f);
}

/* Resumes the session @first established; returns the results. */
static void
resume(Owner *o, const Node *initiator, const MatterCaseResumption *record, Transcript *t)
{
  MatterCaseResponder *resp = responder_new(o, TRUE);
  MatterCaseInitiator *init = initiator_new(initiator, RESPONDER_NODE_ID, record);
  Msg m;

  start(init, &m);
  t->sigma1 = msg_copy(&m);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2_RESUME);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IN_PROGRESS);
  t->sigma2 = msg_copy(&m);
  md_test_assert_error(to_initiator(init, &m), MATTER_OK);
  assert_status(&m, status_finished);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_ESTABLISHED);
  md_test_assert_error(matter_case_responder_get_result(resp, &t->resp), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_ESTABLISHED);
  md_test_assert_error(matter_case_responder_get_result(resp, &t->resp), MATTER_OK);
  md_test_assert_error(matter_case_initiator_get_result(init, &t->init), MATTER_OK);
  assert_results_match(&t->resp, &t->init);
  g_assert_true(t->resp.resumed);
  md_test_assert_no_openssl_error();
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
}

static void
test_resumption(void)
{
  static const guint32 cats[] = { 0x12340001 };
  Fixture f;
  Transcript first = { 0 }, second = { 0 };
  MatterCaseResumption ir, rr;
  MatterCaseSigma1 s1;
  MatterCaseSigma2Resume s2r;
  guint8 keys[48];

  fixture_init(&f);
  node_clear(&f.initiator);
  node_init(&f.initiator, f.ca, 1, INITIATOR_NODE_ID, cats, 1);
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, NULL, &first);
  ir = record_from(&first.init);
  rr = record_from(&first.resp);
  f.owner.records[f.owner.n_records++] = rr;

  resume(&f.owner, &f.initiator, &ir, &second);
  g_assert_cmpuint(f.owner.lookups, ==, 1);
  /* A new resumption id for the same shared secret; the peer as the
   * record says. */
  g_assert_false(memcmp(second.resp.setup.resumption_id, ir.resumption_id, 16) == 0);
  g_assert_cmpmem(second.resp.setup.shared_secret, 32, ir.shared_secret, 32);
  g_assert_cmpuint(second.resp.setup.peer_node_id, ==, INITIATOR_NODE_ID);
  g_assert_cmpuint(second.resp.setup.peer_cats[0], ==, cats[0]);
  g_assert_cmpuint(second.resp.setup.local_node_id, ==, RESPONDER_NODE_ID);
  g_assert_cmpuint(second.init.setup.peer_node_id, ==, RESPONDER_NODE_ID);
  g_assert_cmpuint(second.resp.setup.fabric_index, ==, 1);
  g_assert_false(memcmp(second.resp.setup.i2r_key, first.resp.setup.i2r_key, 16) == 0);

  /* The MICs and keys are the ones the formulas give. */
  md_test_assert_error(matter_case_sigma1_decode(second.sigma1->data, second.sigma1->len, &s1),
                       MATTER_OK);
  g_assert_true(s1.has_resumption);
  g_assert_cmpmem(s1.resumption_id, 16, ir.resumption_id, 16);
  md_test_assert_error(
      matter_case_sigma2_resume_decode(second.sigma2->data, second.sigma2->len, &s2r), MATTER_OK);
  g_assert_cmpmem(s2r.resumption_id, 16, second.resp.setup.resumption_id, 16);
  /* The resumed session's keys come from the id Sigma1 offered, as
   * matter.js derives them on both ends (the spec's "ResumptionID" in
   * 4.14.2.x does not say which). */
  md_test_assert_error(matter_case_resumption_session_keys(ir.shared_secret, s1.initiator_random,
                                                           s1.resumption_id, keys),
                       MATTER_OK);
  g_assert_cmpmem(second.resp.setup.i2r_key, 16, keys, 16);
  g_assert_cmpmem(second.resp.setup.r2i_key, 16, keys + 16, 16);

  transcript_clear(&first);
  transcript_clear(&second);
  fixture_clear(&f);
}

/* A responder that cannot resume answers a Sigma1 with resumption with a
 * full Sigma2, and the handshake completes. */
static void
test_resumption_fallback(void)
{
  Fixture f;
  Transcript first = { 0 }, t = { 0 };
  MatterCaseResumption ir, stale;

  fixture_init(&f);
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, NULL, &first);
  ir = record_from(&first.init);

  /* Unknown id: the owner has no record. */
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, &ir, &t);
  g_assert_cmpuint(f.owner.lookups, ==, 1);
  g_assert_false(memcmp(t.resp.setup.resumption_id, ir.resumption_id, 16) == 0);
  transcript_clear(&t);

  /* Stale: the record's shared secret is not the initiator's any more. */
  stale = record_from(&first.resp);
  stale.shared_secret[0] ^= 1;
  f.owner.records[f.owner.n_records++] = stale;
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, &ir, &t);
  g_assert_cmpuint(f.owner.lookups, ==, 2);
  transcript_clear(&t);

  /* The record's fabric is gone. */
  f.owner.records[0] = record_from(&first.resp);
  f.owner.records[0].fabric_index = 9;
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, &ir, &t);
  g_assert_cmpuint(f.owner.lookups, ==, 3);
  transcript_clear(&t);

  /* And a responder without a resumption store. */
  {
    MatterCaseResponder *resp = responder_new(&f.owner, FALSE);
    MatterCaseInitiator *init = initiator_new(&f.initiator, RESPONDER_NODE_ID, &ir);
    Msg m;

    f.owner.records[0] = record_from(&first.resp);
    start(init, &m);
    md_test_assert_error(to_responder(resp, &m), MATTER_OK);
    g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2);
    g_assert_cmpuint(f.owner.lookups, ==, 3);
    matter_case_initiator_free(init);
    matter_case_responder_free(resp);
  }

  transcript_clear(&first);
  fixture_clear(&f);
}

/* A tampered initiatorResumeMIC makes the responder fall back to Sigma2;
 * a tampered sigma2ResumeMIC fails the initiator. */
static void
test_resumption_tampered_mic(void)
{
  Fixture f;
  Transcript first = { 0 };
  MatterCaseResumption ir;
  MatterCaseResponder *resp;
  MatterCaseInitiator *init;
  MatterCaseSigma1 s1;
  MatterCaseResult result;
  MatterError detail;
  Msg m;

  fixture_init(&f);
  full_handshake(&f.owner, &f.initiator, RESPONDER_NODE_ID, NULL, &first);
  ir = record_from(&first.init);
  f.owner.records[f.owner.n_records++] = record_from(&first.resp);

  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, &ir);
  start(init, &m);
  md_test_assert_error(matter_case_sigma1_decode(m.buf, m.len, &s1), MATTER_OK);
  s1.initiator_resume_mic[3] ^= 0x80;
  md_test_assert_error(matter_case_sigma1_encode(&s1, m.buf, sizeof(m.buf), &m.len), MATTER_OK);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);

  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, &ir);
  start(init, &m);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2_RESUME);
  m.buf[25] ^= 0x01; /* in sigma2ResumeMIC: [1] takes bytes 1..19, [2] 20..38 */
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_CASE_VERIFICATION_FAILED);
  assert_status(&m, status_invalid_parameter);
  md_test_assert_error(matter_case_initiator_get_failure(init, &detail),
                       MATTER_ERROR_CASE_VERIFICATION_FAILED);
  md_test_assert_error(detail, MATTER_ERROR_AUTH_FAILED);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_FAILED);
  md_test_assert_error(matter_case_initiator_get_result(init, &result), MATTER_ERROR_BAD_STATE);
  /* The responder, told so, fails too. */
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_SC_PEER_STATUS);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_FAILED);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);

  transcript_clear(&first);
  fixture_clear(&f);
}

/* ---- Failures -------------------------------------------------------- */

static void
assert_responder_failed(MatterCaseResponder *resp, MatterError err, MatterError detail)
{
  MatterCaseResult result;
  MatterError got;

  md_test_assert_error(matter_case_responder_get_failure(resp, &got), err);
  md_test_assert_error(got, detail);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_FAILED);
  md_test_assert_error(matter_case_responder_get_result(resp, &result), MATTER_ERROR_BAD_STATE);
}

static void
test_no_shared_root(void)
{
  Fixture f;
  MdTestCa *stranger = md_test_ca_new(FABRIC_ID);
  Node outsider;
  MatterCaseResponder *resp;
  MatterCaseInitiator *init;
  MatterError detail;
  uint16_t general, protocol;
  Msg m;

  fixture_init(&f);
  node_init(&outsider, stranger, 1, INITIATOR_NODE_ID, NULL, 0);
  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&outsider, RESPONDER_NODE_ID, NULL);
  start(init, &m);
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_NO_SHARED_ROOT);
  assert_status(&m, status_no_shared_roots);
  /* Nothing had begun: the responder is IDLE and takes a good Sigma1. */
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IDLE);
  md_test_assert_error(matter_case_responder_get_failure(resp, &detail),
                       MATTER_ERROR_CASE_NO_SHARED_ROOT);
  md_test_assert_error(matter_case_responder_get_peer(resp, NULL, NULL, NULL),
                       MATTER_ERROR_BAD_STATE);

  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_SC_PEER_STATUS);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_FAILED);
  md_test_assert_error(matter_case_initiator_get_peer_status(init, &general, &protocol), MATTER_OK);
  g_assert_cmpuint(general, ==, MATTER_STATUS_FAILURE);
  g_assert_cmpuint(protocol, ==, MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS);
  matter_case_initiator_free(init);

  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  start(init, &m);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);

  /* The right root with another IPK is no shared root either. */
  resp = responder_new(&f.owner, TRUE);
  f.initiator.fabric.ipk[0] ^= 1;
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  start(init, &m);
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_NO_SHARED_ROOT);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);

  node_clear(&outsider);
  md_test_ca_free(stranger);
  fixture_clear(&f);
}

/* Runs Sigma1 and Sigma2 through; the Sigma3 is left in @m. */
static void
run_to_sigma3(MatterCaseResponder *resp, MatterCaseInitiator *init, Msg *m)
{
  start(init, m);
  md_test_assert_error(to_responder(resp, m), MATTER_OK);
  md_test_assert_error(to_initiator(init, m), MATTER_OK);
  g_assert_cmpuint(m->opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA3);
}

/* The responder refuses the Sigma3 the initiator made with @detail. */
static void
expect_sigma3_refused(Owner *o, Node *initiator, MatterError err, MatterError detail)
{
  MatterCaseResponder *resp = responder_new(o, TRUE);
  MatterCaseInitiator *init = initiator_new(initiator, RESPONDER_NODE_ID, NULL);
  Msg m;

  run_to_sigma3(resp, init, &m);
  md_test_assert_error(to_responder(resp, &m), err);
  assert_status(&m, status_invalid_parameter);
  assert_responder_failed(resp, err, detail);
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_SC_PEER_STATUS);
  md_test_assert_no_openssl_error();
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
}

static void
test_bad_sigma3_signature(void)
{
  Fixture f;
  MatterP256Key *wrong;

  fixture_init(&f);
  md_test_assert_error(matter_p256_generate(&wrong), MATTER_OK);
  f.initiator.fabric.operational_key = NULL;
  f.initiator.fabric.sign = sign_with;
  f.initiator.fabric.sign_data = wrong;
  expect_sigma3_refused(&f.owner, &f.initiator, MATTER_ERROR_CASE_VERIFICATION_FAILED,
                        MATTER_ERROR_INVALID_SIGNATURE);
  matter_p256_free(wrong);
  fixture_clear(&f);
}

static void
test_sigma3_other_chain(void)
{
  Fixture f;
  MdTestCa *stranger = md_test_ca_new(FABRIC_ID);
  MatterP256Key *key;
  guint8 pub[65];

  fixture_init(&f);
  /* A NOC from another root, with the right destination id. */
  md_test_assert_error(matter_p256_generate(&key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  node_set_noc(&f.initiator, key,
               md_test_ca_issue_noc(stranger, pub, INITIATOR_NODE_ID, 0, NULL, 0));
  expect_sigma3_refused(&f.owner, &f.initiator, MATTER_ERROR_CASE_VERIFICATION_FAILED,
                        MATTER_ERROR_CERT_ISSUER);

  /* A NOC of another fabric id under the same root. */
  md_test_assert_error(matter_p256_generate(&key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  node_set_noc(&f.initiator, key, md_test_ca_issue_noc(f.ca, pub, INITIATOR_NODE_ID, 42, NULL, 0));
  expect_sigma3_refused(&f.owner, &f.initiator, MATTER_ERROR_CASE_VERIFICATION_FAILED,
                        MATTER_ERROR_CERT_FABRIC_ID);

  md_test_ca_free(stranger);
  fixture_clear(&f);
}

static void
test_tampered_sigma3(void)
{
  Fixture f;
  MatterCaseResponder *resp;
  MatterCaseInitiator *init;
  Msg m;

  fixture_init(&f);
  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  run_to_sigma3(resp, init, &m);
  m.buf[m.len - 10] ^= 0x01; /* in the MIC, before the closing byte */
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_VERIFICATION_FAILED);
  assert_status(&m, status_invalid_parameter);
  assert_responder_failed(resp, MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_AUTH_FAILED);
  /* Over for good: a retry is not taken. */
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_BAD_STATE);
  g_assert_cmpuint(m.len, ==, 0);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);

  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  run_to_sigma3(resp, init, &m);
  m.buf[10] ^= 0x01; /* in the ciphertext */
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_VERIFICATION_FAILED);
  assert_responder_failed(resp, MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_AUTH_FAILED);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
  fixture_clear(&f);
}

/* The initiator refuses the Sigma2 the responder made, with @detail. */
static void
expect_sigma2_refused(Owner *o, Node *initiator, guint64 peer_node_id, gsize flip, MatterError err,
                      MatterError detail)
{
  MatterCaseResponder *resp = responder_new(o, TRUE);
  MatterCaseInitiator *init = initiator_new(initiator, peer_node_id, NULL);
  MatterError got;
  Msg m;

  start(init, &m);
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  g_assert_cmpuint(m.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2);
  if (flip != 0)
    m.buf[flip] ^= 0x01;
  md_test_assert_error(to_initiator(init, &m), err);
  assert_status(&m, status_invalid_parameter);
  md_test_assert_error(matter_case_initiator_get_failure(init, &got), err);
  md_test_assert_error(got, detail);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_FAILED);
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_SC_PEER_STATUS);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_FAILED);
  md_test_assert_no_openssl_error();
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
}

static void
test_bad_sigma2(void)
{
  Fixture f;
  MatterP256Key *wrong;
  MdTestCa *stranger = md_test_ca_new(FABRIC_ID);
  MatterP256Key *key;
  guint8 pub[65];

  fixture_init(&f);
  /* A signature by another key. */
  md_test_assert_error(matter_p256_generate(&wrong), MATTER_OK);
  f.owner.fabrics[0].operational_key = NULL;
  f.owner.fabrics[0].sign = sign_with;
  f.owner.fabrics[0].sign_data = wrong;
  expect_sigma2_refused(&f.owner, &f.initiator, RESPONDER_NODE_ID, 0,
                        MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_INVALID_SIGNATURE);
  f.owner.fabrics[0] = f.responder.fabric;

  /* Tampered encrypted2 ([1] 35 bytes, [2] 4, [3] 68, then [4]'s header). */
  expect_sigma2_refused(&f.owner, &f.initiator, RESPONDER_NODE_ID, 1 + 35 + 4 + 68 + 4 + 5,
                        MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_AUTH_FAILED);

  /* The destination's record names the node the initiator asked for, its
   * NOC another. */
  f.owner.fabrics[0].node_id = RESPONDER_NODE_ID + 1;
  expect_sigma2_refused(&f.owner, &f.initiator, RESPONDER_NODE_ID + 1, 0,
                        MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_CERT_NODE_ID);
  f.owner.fabrics[0] = f.responder.fabric;

  /* Records that name another fabric id than the certificates do. */
  f.owner.fabrics[0].fabric_id = 99;
  f.initiator.fabric.fabric_id = 99;
  expect_sigma2_refused(&f.owner, &f.initiator, RESPONDER_NODE_ID, 0,
                        MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_CERT_FABRIC_ID);
  f.owner.fabrics[0] = f.responder.fabric;
  f.initiator.fabric.fabric_id = FABRIC_ID;

  /* A NOC from another root, for the right destination. */
  md_test_assert_error(matter_p256_generate(&key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  node_set_noc(&f.responder, key,
               md_test_ca_issue_noc(stranger, pub, RESPONDER_NODE_ID, 0, NULL, 0));
  f.owner.fabrics[0] = f.responder.fabric;
  expect_sigma2_refused(&f.owner, &f.initiator, RESPONDER_NODE_ID, 0,
                        MATTER_ERROR_CASE_VERIFICATION_FAILED, MATTER_ERROR_CERT_ISSUER);

  matter_p256_free(wrong);
  md_test_ca_free(stranger);
  fixture_clear(&f);
}

static void
test_responder_malformed(void)
{
  Fixture f;
  MatterCaseResponder *resp;
  MatterCaseInitiator *init;
  MatterCaseSigma1 s1;
  MatterError detail;
  Msg m, good;

  fixture_init(&f);
  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  start(init, &good);

  /* Undecodable, session id 0, an ephemeral key off the curve: refused,
   * the responder still IDLE. */
  m = good;
  m.len = sigma1_variant(S1_ONLY_RESUMPTION_ID, m.buf, sizeof(m.buf));
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  assert_status(&m, status_invalid_parameter);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IDLE);

  md_test_assert_error(matter_case_sigma1_decode(good.buf, good.len, &s1), MATTER_OK);
  s1.initiator_session_id = 0;
  m.opcode = MATTER_SC_OPCODE_CASE_SIGMA1;
  md_test_assert_error(matter_case_sigma1_encode(&s1, m.buf, sizeof(m.buf), &m.len), MATTER_OK);
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  assert_status(&m, status_invalid_parameter);

  md_test_assert_error(matter_case_sigma1_decode(good.buf, good.len, &s1), MATTER_OK);
  s1.initiator_eph_pub[64] ^= 1;
  m.opcode = MATTER_SC_OPCODE_CASE_SIGMA1;
  md_test_assert_error(matter_case_sigma1_encode(&s1, m.buf, sizeof(m.buf), &m.len), MATTER_OK);
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  assert_status(&m, status_invalid_parameter);
  md_test_assert_error(matter_case_responder_get_failure(resp, &detail),
                       MATTER_ERROR_CASE_INVALID_MESSAGE);
  md_test_assert_error(detail, MATTER_ERROR_INVALID_KEY);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IDLE);
  md_test_assert_no_openssl_error();

  /* Not a Sigma1 while IDLE: nothing to say. */
  m = good;
  m.opcode = MATTER_SC_OPCODE_CASE_SIGMA3;
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_BAD_STATE);
  g_assert_cmpuint(m.len, ==, 0);

  /* The good one still goes through, then a malformed Sigma3 fails. */
  m = good;
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  md_test_assert_error(matter_case_responder_get_peer(resp, NULL, NULL, NULL), MATTER_OK);
  m.opcode = MATTER_SC_OPCODE_CASE_SIGMA3;
  m.len = 2;
  memcpy(m.buf, "\x15\x18", 2);
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  assert_status(&m, status_invalid_parameter);
  assert_responder_failed(resp, MATTER_ERROR_CASE_INVALID_MESSAGE, MATTER_ERROR_TLV_NOT_FOUND);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);

  /* A Sigma1 again in place of a Sigma3 ends the attempt. */
  resp = responder_new(&f.owner, TRUE);
  m = good;
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  m = good;
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_BAD_STATE);
  assert_status(&m, status_invalid_parameter);
  assert_responder_failed(resp, MATTER_ERROR_BAD_STATE, MATTER_ERROR_BAD_STATE);
  matter_case_responder_free(resp);

  /* A SigmaFinished where Sigma3 belongs is ignored (4.14.2.3.13); a
   * failure report ends the attempt, one too short to read as well. */
  resp = responder_new(&f.owner, TRUE);
  m = good;
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  m.opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  md_test_unhex_into(status_finished, m.buf, 8);
  m.len = 8;
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_BAD_STATE);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IN_PROGRESS);
  m.opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  md_test_unhex_into(status_invalid_parameter, m.buf, 8);
  m.len = 8;
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_SC_PEER_STATUS);
  g_assert_cmpuint(m.len, ==, 0);
  assert_responder_failed(resp, MATTER_ERROR_SC_PEER_STATUS, MATTER_ERROR_SC_PEER_STATUS);
  matter_case_responder_free(resp);

  resp = responder_new(&f.owner, TRUE);
  m = good;
  md_test_assert_error(to_responder(resp, &m), MATTER_OK);
  m.opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  m.len = 3;
  md_test_assert_error(to_responder(resp, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_FAILED);
  matter_case_responder_free(resp);
  fixture_clear(&f);
}

static void
test_initiator_malformed(void)
{
  Fixture f;
  MatterCaseResponder *resp;
  MatterCaseInitiator *init;
  MatterCaseSigma2Resume s2r = { .responder_session_id = 1 };
  Msg m;

  fixture_init(&f);
  /* A Sigma2_Resume to a Sigma1 that asked for no resumption. */
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  start(init, &m);
  m.opcode = MATTER_SC_OPCODE_CASE_SIGMA2_RESUME;
  md_test_assert_error(matter_case_sigma2_resume_encode(&s2r, m.buf, sizeof(m.buf), &m.len),
                       MATTER_OK);
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  assert_status(&m, status_invalid_parameter);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_FAILED);
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_BAD_STATE);
  matter_case_initiator_free(init);

  /* SigmaFinished before Sigma2: ignored. */
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  start(init, &m);
  m.opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  md_test_unhex_into(status_finished, m.buf, 8);
  m.len = 8;
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_BAD_STATE);
  g_assert_cmpuint(m.len, ==, 0);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_IN_PROGRESS);
  matter_case_initiator_free(init);

  /* Garbage for a Sigma2. */
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  start(init, &m);
  m.opcode = MATTER_SC_OPCODE_CASE_SIGMA2;
  m.len = 3;
  memcpy(m.buf, "\x15\x18\x18", 3);
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_CASE_INVALID_MESSAGE);
  assert_status(&m, status_invalid_parameter);
  matter_case_initiator_free(init);

  /* Sigma3 to an initiator. */
  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  run_to_sigma3(resp, init, &m);
  md_test_assert_error(to_initiator(init, &m), MATTER_ERROR_BAD_STATE);
  assert_status(&m, status_invalid_parameter);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
  fixture_clear(&f);
}

static void
test_caller_errors(void)
{
  Fixture f;
  MatterCaseResponderCallbacks cb = { 0 };
  MatterCaseResponder *resp = NULL;
  MatterCaseInitiator *init = NULL;
  MatterCaseFabric bad;
  guint8 small[16], opcode;
  gsize len;
  Msg m;

  fixture_init(&f);
  md_test_assert_error(
      matter_case_responder_new(&cb, 1, NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &resp),
      MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_null(resp);
  cb.fabric_count = owner_fabric_count;
  cb.get_fabric = owner_get_fabric;
  md_test_assert_error(
      matter_case_responder_new(&cb, 0, NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &resp),
      MATTER_ERROR_INVALID_ARGUMENT);
  bad = f.initiator.fabric;
  bad.noc_len = 0;
  md_test_assert_error(
      matter_case_initiator_new(&bad, 1, NULL, 1, NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &init),
      MATTER_ERROR_INVALID_ARGUMENT);
  bad = f.initiator.fabric;
  bad.operational_key = NULL;
  md_test_assert_error(
      matter_case_initiator_new(&bad, 1, NULL, 1, NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &init),
      MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_case_initiator_new(&f.initiator.fabric, 1,
                                                 &(MatterCaseResumption){ .fabric_index = 2 }, 1,
                                                 NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &init),
                       MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_null(init);

  resp = responder_new(&f.owner, TRUE);
  init = initiator_new(&f.initiator, RESPONDER_NODE_ID, NULL);
  md_test_assert_error(matter_case_initiator_start(init, &opcode, small, sizeof(small), &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_IDLE);
  start(init, &m);
  md_test_assert_error(matter_case_initiator_start(init, &m.opcode, m.buf, sizeof(m.buf), &m.len),
                       MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_case_responder_handle(resp, MATTER_SC_OPCODE_CASE_SIGMA1, m.buf,
                                                    m.len, &opcode, small, sizeof(small), &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_case_responder_handle(resp, MATTER_SC_OPCODE_CASE_SIGMA1, NULL, 5,
                                                    &opcode, m.buf, sizeof(m.buf), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_IDLE);
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
  matter_case_responder_free(NULL);
  matter_case_initiator_free(NULL);
  g_assert_cmpint(matter_case_responder_get_state(NULL), ==, MATTER_CASE_STATE_FAILED);
  fixture_clear(&f);
}

/* A test random source makes a run repeat: the same draws give the same
 * Sigma1 and Sigma2. */
static MatterError
counting_fill(void *user_data, guint8 *buf, gsize len)
{
  guint8 *next = user_data;

  for (gsize i = 0; i < len; i++)
    buf[i] = (*next)++;
  return MATTER_OK;
}

static void
test_deterministic_random(void)
{
  Fixture f;
  guint8 counter_i, counter_r;
  MatterRandomSource rng_i = { counting_fill, &counter_i }, rng_r = { counting_fill, &counter_r };
  MatterCaseResponderCallbacks cb = {
    .fabric_count = owner_fabric_count,
    .get_fabric = owner_get_fabric,
    .user_data = NULL,
  };
  GByteArray *first[2] = { NULL, NULL };
  MatterCaseSigma1 s1;

  fixture_init(&f);
  cb.user_data = &f.owner;
  for (int run = 0; run < 2; run++) {
    MatterCaseResponder *resp = NULL;
    MatterCaseInitiator *init = NULL;
    Msg m;

    counter_i = 1;
    counter_r = 101;
    md_test_assert_error(matter_case_initiator_new(&f.initiator.fabric, RESPONDER_NODE_ID, NULL,
                                                   INITIATOR_SESSION_ID, NULL, &rng_i,
                                                   MATTER_CERT_TIME_UNKNOWN, 0, &init),
                         MATTER_OK);
    md_test_assert_error(matter_case_responder_new(&cb, RESPONDER_SESSION_ID, NULL, &rng_r,
                                                   MATTER_CERT_TIME_UNKNOWN, 0, &resp),
                         MATTER_OK);
    start(init, &m);
    if (run == 0) {
      first[0] = msg_copy(&m);
      md_test_assert_error(matter_case_sigma1_decode(m.buf, m.len, &s1), MATTER_OK);
      /* initiatorRandom is the first draw. */
      for (int i = 0; i < 32; i++)
        g_assert_cmpuint(s1.initiator_random[i], ==, 1 + i);
    } else {
      g_assert_cmpmem(m.buf, m.len, first[0]->data, first[0]->len);
    }
    md_test_assert_error(to_responder(resp, &m), MATTER_OK);
    /* Sigma2 holds a signature with a random nonce, but its random and
     * ephemeral key repeat. */
    if (run == 0)
      first[1] = msg_copy(&m);
    else
      g_assert_cmpmem(m.buf, 1 + 35 + 4 + 68, first[1]->data, 1 + 35 + 4 + 68);
    md_test_assert_error(to_initiator(init, &m), MATTER_OK);
    md_test_assert_error(to_responder(resp, &m), MATTER_OK);
    g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_ESTABLISHED);
    matter_case_initiator_free(init);
    matter_case_responder_free(resp);
  }
  g_byte_array_unref(first[0]);
  g_byte_array_unref(first[1]);
  fixture_clear(&f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/case/codec/sigma1-bytes", test_codec_sigma1_bytes);
  g_test_add_func("/case/codec/round-trip", test_codec_round_trip);
  g_test_add_func("/case/codec/malformed", test_codec_malformed);
  g_test_add_func("/case/vectors/spec", test_vectors_spec);
  g_test_add_func("/case/vectors/derivations", test_vectors_derivations);
  g_test_add_func("/case/handshake/basic", test_handshake);
  g_test_add_func("/case/handshake/icac-cats-several-fabrics", test_handshake_icac_cats);
  g_test_add_func("/case/handshake/sign-callback", test_handshake_sign_callback);
  g_test_add_func("/case/handshake/deterministic-random", test_deterministic_random);
  g_test_add_func("/case/resumption/resumed", test_resumption);
  g_test_add_func("/case/resumption/fallback", test_resumption_fallback);
  g_test_add_func("/case/resumption/tampered-mic", test_resumption_tampered_mic);
  g_test_add_func("/case/failure/no-shared-root", test_no_shared_root);
  g_test_add_func("/case/failure/sigma3-signature", test_bad_sigma3_signature);
  g_test_add_func("/case/failure/sigma3-other-chain", test_sigma3_other_chain);
  g_test_add_func("/case/failure/sigma3-tampered", test_tampered_sigma3);
  g_test_add_func("/case/failure/sigma2", test_bad_sigma2);
  g_test_add_func("/case/failure/responder-malformed", test_responder_malformed);
  g_test_add_func("/case/failure/initiator-malformed", test_initiator_malformed);
  g_test_add_func("/case/caller-errors", test_caller_errors);
  return g_test_run();
}
