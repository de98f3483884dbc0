/* SPDX-License-Identifier: Apache-2.0 */
#include <glib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "matter/spake2p.h"
#include "md-test-core.h"
#include "md-test.h"

#define POINT_LEN MATTER_SPAKE2P_POINT_LEN
#define W_LEN MATTER_SPAKE2P_W_LEN
#define CONFIRM_LEN MATTER_SPAKE2P_CONFIRM_LEN
#define KE_LEN MATTER_SPAKE2P_KE_LEN

/* RFC 9383, section 4: M and N for P-256, compressed. */
static const char rfc_M[] = "02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f";
static const char rfc_N[] = "03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49";

/* RFC 9383, Appendix C: SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256. */
static const char rfc_context[] = "SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 Test Vectors";
static const char rfc_w0[] = "bb8e1bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3";
static const char rfc_w1[] = "7e945f34d78785b8a3ef44d0df5a1a97d6b3b460409a345ca7830387a74b1dba";
static const char rfc_L[] = "04"
                            "eb7c9db3d9a9eb1f8adab81b5794c1f13ae3e225efbe91ea487425854c7fc00f"
                            "00bfedcbd09b2400142d40a14f2064ef31dfaa903b91d1faea7093d835966efd";
static const char rfc_x[] = "d1232c8e8693d02368976c174e2088851b8365d0d79a9eee709c6a05a2fad539";
static const char rfc_X[] = "04"
                            "ef3bd051bf78a2234ec0df197f7828060fe9856503579bb1733009042c15c0c1"
                            "de127727f418b5966afadfdd95a6e4591d171056b333dab97a79c7193e341727";
static const char rfc_y[] = "717a72348a182085109c8d3917d6c43d59b224dc6a7fc4f0483232fa6516d8b3";
static const char rfc_Y[] = "04"
                            "c0f65da0d11927bdf5d560c69e1d7d939a05b0e88291887d679fcadea75810fb"
                            "5cc1ca7494db39e82ff2f50665255d76173e09986ab46742c798a9a68437b048";
static const char rfc_Z[] = "04"
                            "bbfce7dd7f277819c8da21544afb7964705569bdf12fb92aa388059408d50091"
                            "a0c5f1d3127f56813b5337f9e4e67e2ca633117a4fbd559946ab474356c41839";
static const char rfc_V[] = "04"
                            "58bf27c6bca011c9ce1930e8984a797a3419797b936629a5a937cf2f11c8b951"
                            "4b82b993da8a46e664f23db7c01edc87faa530db01c2ee405230b18997f16b68";
static const char rfc_TT[] = "3800000000000000"
                             "5350414b45322b2d503235362d5348413235362d484b44462d5348413235362d"
                             "484d41432d534841323536205465737420566563746f7273"
                             "0600000000000000"
                             "636c69656e74"
                             "0600000000000000"
                             "736572766572"
                             "4100000000000000"
                             "04"
                             "886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"
                             "5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20"
                             "4100000000000000"
                             "04"
                             "d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49"
                             "07d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e656edbe7"
                             "4100000000000000"
                             "04"
                             "ef3bd051bf78a2234ec0df197f7828060fe9856503579bb1733009042c15c0c1"
                             "de127727f418b5966afadfdd95a6e4591d171056b333dab97a79c7193e341727"
                             "4100000000000000"
                             "04"
                             "c0f65da0d11927bdf5d560c69e1d7d939a05b0e88291887d679fcadea75810fb"
                             "5cc1ca7494db39e82ff2f50665255d76173e09986ab46742c798a9a68437b048"
                             "4100000000000000"
                             "04"
                             "bbfce7dd7f277819c8da21544afb7964705569bdf12fb92aa388059408d50091"
                             "a0c5f1d3127f56813b5337f9e4e67e2ca633117a4fbd559946ab474356c41839"
                             "4100000000000000"
                             "04"
                             "58bf27c6bca011c9ce1930e8984a797a3419797b936629a5a937cf2f11c8b951"
                             "4b82b993da8a46e664f23db7c01edc87faa530db01c2ee405230b18997f16b68"
                             "2000000000000000"
                             "bb8e1bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3";
static const char rfc_K_main[] = "4c59e1ccf2cfb961aa31bd9434478a1089b56cd11542f53d3576fb6c2a438a29";
static const char rfc_K_confirm[] =
    "871ae3f7b78445e34438fb284504240239031c39d80ac23eb5ab9be5ad6db58a"  /* K_confirmP */
    "ccd53c7c1fa37b64a462b40db8be101cedcf838950162902054e644b400f1680"; /* K_confirmV */
static const char rfc_confirmP[] =
    "926cc713504b9b4d76c9162ded04b5493e89109f6d89462cd33adc46fda27527";
static const char rfc_confirmV[] =
    "9747bcc4f8fe9f63defee53ac9b07876d907d55047e6ff2def2e7529089d3e68";
static const char rfc_K_shared[] =
    "0c5f8ccd1413423a54f6c1fb26ff01534a87f893779c6e68666d772bfd91f3e7";

/* The Matter SDK's SPAKE2+ vectors for the draft-01 schedule PASE uses:
 * connectedhomeip, src/crypto/tests/SPAKE2P_RFC_test_vectors.h. One w0/w1/L,
 * four identity combinations. */
static const char d01_context[] = "SPAKE2+-P256-SHA256-HKDF draft-01";
static const char d01_w0[] = "e6887cf9bdfb7579c69bf47928a84514b5e355ac034863f7ffaf4390e67d798c";
static const char d01_w1[] = "24b5ae4abda868ec9336ffc3b78ee31c5755bef1759227ef5372ca139b94e512";
static const char d01_L[] = "04"
                            "95645cfb74df6e58f9748bb83a86620bab7c82e107f57d6870da8cbcb2ff9f70"
                            "63a14b6402c62f99afcb9706a4d1a143273259fe76f1c605a3639745a92154b9";

typedef struct {
  const char *id_prover, *id_verifier;
  const char *x, *X, *y, *Y, *Z, *V;
  const char *Ka, *Ke, *KcA, *KcB, *cA, *cB;
} D01Vector;

static const D01Vector d01_vectors[] = {
  {
      .id_prover = "client",
      .id_verifier = "server",
      .x = "8b0f3f383905cf3a3bb955ef8fb62e24849dd349a05ca79aafb18041d30cbdb6",
      .X = "04"
           "af09987a593d3bac8694b123839422c3cc87e37d6b41c1d630f000dd64980e53"
           "7ae704bcede04ea3bec9b7475b32fa2ca3b684be14d11645e38ea6609eb39e7e",
      .y = "2e0895b0e763d6d5a9564433e64ac3cac74ff897f6c3445247ba1bab40082a91",
      .Y = "04"
           "417592620aebf9fd203616bbb9f121b730c258b286f890c5f19fea833a9c900c"
           "be9057bc549a3e19975be9927f0e7614f08d1f0a108eede5fd7eb5624584a4f4",
      .Z = "04"
           "71a35282d2026f36bf3ceb38fcf87e3112a4452f46e9f7b47fd769cfb570145b"
           "62589c76b7aa1eb6080a832e5332c36898426912e29c40ef9e9c742eee82bf30",
      .V = "04"
           "6718981bf15bc4db538fc1f1c1d058cb0eececf1dbe1b1ea08a4e25275d382e8"
           "2b348c8131d8ed669d169c2e03a858db7cf6ca2853a4071251a39fbe8cfc39bc",
      .Ka = "f9cab9adcc0ed8e5a4db11a8505914b2",
      .Ke = "801db297654816eb4f02868129b9dc89",
      .KcA = "0d248d7d19234f1486b2efba5179c52d",
      .KcB = "556291df26d705a2caedd6474dd0079b",
      .cA = "d4376f2da9c72226dd151b77c2919071155fc22a2068d90b5faa6c78c11e77dd",
      .cB = "0660a680663e8c5695956fb22dff298b1d07a526cf3cc591adfecd1f6ef6e02e",
  },
  {
      .id_prover = "client",
      .id_verifier = "",
      .x = "ec82d9258337f61239c9cd68e8e532a3a6b83d12d2b1ca5d543f44def17dfb8d",
      .X = "04"
           "230779960824076d3666a7418e4d433e2fa15b06176eabdd572f43a32ecc79a1"
           "92b243d2624310a7356273b86e5fd9bd627d3ade762baeff1a320d4ad7a4e47f",
      .y = "eac3f7de4b198d5fe25c443c0cd4963807add767815dd02a6f0133b4bc2c9eb0",
      .Y = "04"
           "4558642e71b616b248c9583bd6d7aa1b3952c6df6a9f7492a06035ca5d92522d"
           "84443de7aa20a59380fa4de6b7438d925dbfb7f1cfe60d79acf961ee33988c7d",
      .Z = "04"
           "b4e8770f19f58ddf83f9220c3a9305792665e0c60989e6ee9d7fa449c775d639"
           "5f6f25f307e3903ac045a013fbb5a676e872a6abfcf4d7bb5aac69efd6140eed",
      .V = "04"
           "141db83bc7d96f41b636622e7a5c552ad83211ff55319ac25ed0a09f0818bd94"
           "2e8150319bfbfa686183806dc61911183f6a0f5956156023d96e0f93d275bf50",
      .Ka = "e2cbee3ae19a4dbe9f146be6bee9bfa1",
      .Ke = "6989d8f9177ef7df67da437987f07255",
      .KcA = "2f9e0bb669d2c22645bce34da04ac16a",
      .KcB = "eb7a35168759dd8e9ce44e4dc51277ce",
      .cA = "e1b9258807ba4750dae1d7f3c3c294f13dc4fa60cde346d5de7d200e2f8fd3fc",
      .cB = "b9c39dfa49c47757de778d9bedeaca2448b905be19a43b94ee24b770208135e3",
  },
  {
      .id_prover = "",
      .id_verifier = "server",
      .x = "ba0f0f5b78ef23fd07868e46aeca63b51fda519a3420501acbe23d53c2918748",
      .X = "04"
           "c14d28f4370fea20745106cea58bcfb60f2949fa4e131b9aff5ea13fd5aa79d5"
           "07ae1d229e447e000f15eb78a9a32c2b88652e3411642043c1b2b7992cf2d4de",
      .y = "39397fbe6db47e9fbd1a263d79f5d0aaa44df26ce755f78e092644b434533a42",
      .Y = "04"
           "d1bee3120fd87e86fe189cb952dc688823080e62524dd2c08dffe3d22a0a8986"
           "aa64c9fe0191033cafbc9bcaefc8e2ba8ba860cd127af9efdd7f1c3a41920fe8",
      .Z = "04"
           "aac71cf4c8df8181b867c9ecbee9d0963caf51f1534a823429c26fe5248313ff"
           "c5c5e44ea8162161ab6b3d73b87704a45889bf6343d96fa96cd1641efa71607c",
      .V = "04"
           "c7c9505365f7ce57293c92a37f1bbdc68e0322901e61edef59fee7876b17b063"
           "e0fa4a126eae0a671b37f1464cf1ccad591c33ae944e3b1f318d76e36fea9966",
      .Ka = "ec8d19b807ffb1d1eea81a93ba35cdfe",
      .Ke = "2ea40e4badfa5452b5744dc5983e99ba",
      .KcA = "66de534d9bf1e44e96a53a4b48d6b353",
      .KcB = "4945c38bb476cb0f347f3222be9b64a2",
      .cA = "e564c93b3015efb946dc16d642bbe7d1c8da5be164ed9fc3bae4e0ff86e1bd3c",
      .cB = "072a94d9a54edc201d8891534c2317cadf3ea3792827f479e873f93e90f21552",
  },
  {
      .id_prover = "",
      .id_verifier = "",
      .x = "5b478619804f4938d361fbba3a20648725222f0a54cc4c876139efe7d9a21786",
      .X = "04"
           "a6db23d001723fb01fcfc9d08746c3c2a0a3feff8635d29cad2853e735862342"
           "5cf39712e928054561ba71e2dc11f300f1760e71eb177021a8f85e78689071cd",
      .y = "766770dad8c8eecba936823c0aed044b8c3c4f7655e8beec44a15dcbcaf78e5e",
      .Y = "04"
           "390d29bf185c3abf99f150ae7c13388c82b6be0c07b1b8d90d26853e84374bbd"
           "c82becdb978ca3792f472424106a2578012752c11938fcf60a41df75ff7cf947",
      .Z = "04"
           "0a150d9a62f514c9a1fedd782a0240a342721046cefb1111c3adb3be893ce9fc"
           "d2ffa137922fcf8a588d0f76ba9c55c85da2af3f1c789ca17976810387fb1d7e",
      .V = "04"
           "f8e247cc263a1846272f5a3b61b68aa60a5a2665d10cd22c89cd6bad05dc0e5e"
           "650f21ff017186cc92651a4cd7e66ce88f529299f340ea80fb90a9bad094e1a6",
      .Ka = "5929a3ce9822c81401bf0f764f69af08",
      .Ke = "ea3276d68334576097e04b19ee5a3a8b",
      .KcA = "7f84b939d600117256b0c8a6d40cf181",
      .KcB = "f7d7547ced93f681e8df4c258c4516fd",
      .cA = "71d9412779b6c45a2c615c9df3f1fd93dc0aaf63104da8ece4aa1b5a3a415fea",
      .cB = "095dc0400355cc233fde7437811815b3c1524aae80fd4e6810cf531cf11d20e3",
  },
};

/* The Matter SDK's PASE test verifier: passcode 20202021, salt "SPAKE2P Key
 * Salt", 1000 iterations. ws = PBKDF2 output as the older
 * src/protocols/secure_channel/tests/TestPASESession.cpp stored it, w0 and L
 * as the current one stores them. */
static const uint32_t pase_passcode = 20202021;
static const char pase_salt[] = "SPAKE2P Key Salt";
static const char pase_ws[] =
    "aba60c30416b8f4177f5e16ad514cfd9577513f02fd60506b1049d0f2c7310010e5e40bfd86b4ef6"
    "81a88b71e9e2a853985a7def916ea30e01b8722fbf7d0e38856c12cd64c225bb24ef21417e0e44e5";
static const char pase_w0[] = "b96170aae803346884724fe9a3b287c30330c2a660375d17bb205a8cf1aecb35";
static const char pase_L[] = "04"
                             "57f8ab79ee253ab6a8e46bb09e543ae422736de501e3db37d441fe344920d095"
                             "48e4c18240630c4ff4913c53513839b7c07fcc0627a1b8573a149fcd1fa466cf";

/* The group order n and the field prime p of P-256. */
static const char p256_n[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char p256_p[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

typedef struct {
  MatterSpake2p *prover;
  MatterSpake2p *verifier;
  uint8_t X[POINT_LEN], Y[POINT_LEN];
  uint8_t cA[CONFIRM_LEN], cB[CONFIRM_LEN];
} Pair;

static void
pair_clear(Pair *pair)
{
  matter_spake2p_free(pair->prover);
  matter_spake2p_free(pair->verifier);
  memset(pair, 0, sizeof(*pair));
}

static void
pair_new(Pair *pair, const char *context, const char *id_prover, const char *id_verifier,
         const uint8_t w0[W_LEN], const uint8_t w1[W_LEN], const uint8_t L[POINT_LEN])
{
  memset(pair, 0, sizeof(*pair));
  pair->prover = matter_spake2p_new_prover(
      (const uint8_t *) context, strlen(context), (const uint8_t *) id_prover, strlen(id_prover),
      (const uint8_t *) id_verifier, strlen(id_verifier), w0, w1);
  pair->verifier = matter_spake2p_new_verifier(
      (const uint8_t *) context, strlen(context), (const uint8_t *) id_prover, strlen(id_prover),
      (const uint8_t *) id_verifier, strlen(id_verifier), w0, L);
  g_assert_nonnull(pair->prover);
  g_assert_nonnull(pair->verifier);
}

/* A known-answer pair: both scalars fixed, values in hex. */
static void
pair_new_fixed(Pair *pair, const char *context, const char *id_prover, const char *id_verifier,
               const char *w0_hex, const char *w1_hex, const char *L_hex, const char *x_hex,
               const char *y_hex)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN], x[W_LEN], y[W_LEN];

  md_test_unhex_into(w0_hex, w0, sizeof(w0));
  md_test_unhex_into(w1_hex, w1, sizeof(w1));
  md_test_unhex_into(L_hex, L, sizeof(L));
  md_test_unhex_into(x_hex, x, sizeof(x));
  md_test_unhex_into(y_hex, y, sizeof(y));
  pair_new(pair, context, id_prover, id_verifier, w0, w1, L);
  md_test_assert_error(matter_spake2p_set_scalar(pair->prover, x), MATTER_OK);
  md_test_assert_error(matter_spake2p_set_scalar(pair->verifier, y), MATTER_OK);
}

/* Pake1, Pake2, Pake3 in memory. */
static void
pair_run(Pair *pair)
{
  md_test_assert_error(matter_spake2p_start(pair->prover, pair->X), MATTER_OK);
  md_test_assert_error(matter_spake2p_respond(pair->verifier, pair->X, pair->Y, pair->cB),
                       MATTER_OK);
  md_test_assert_error(matter_spake2p_finish(pair->prover, pair->Y, pair->cB, pair->cA), MATTER_OK);
  md_test_assert_error(matter_spake2p_confirm(pair->verifier, pair->cA), MATTER_OK);
}

static EC_GROUP *
p256(void)
{
  EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);

  g_assert_nonnull(group);
  return group;
}

/* SEC1 decoding of any form, re-encoded uncompressed. */
static void
decompress(const char *hex, uint8_t out[POINT_LEN])
{
  EC_GROUP *group = p256();
  EC_POINT *p = EC_POINT_new(group);
  uint8_t in[33];

  md_test_unhex_into(hex, in, sizeof(in));
  g_assert_cmpint(EC_POINT_oct2point(group, p, in, sizeof(in), NULL), ==, 1);
  g_assert_cmpuint(
      EC_POINT_point2oct(group, p, POINT_CONVERSION_UNCOMPRESSED, out, POINT_LEN, NULL), ==,
      POINT_LEN);
  EC_POINT_free(p);
  EC_GROUP_free(group);
}

/* w0 * P for a compressed point P, uncompressed: the share that cancels out. */
static void
mul_point(const uint8_t w0[W_LEN], const char *point_hex, uint8_t out[POINT_LEN])
{
  EC_GROUP *group = p256();
  EC_POINT *p = EC_POINT_new(group);
  BIGNUM *k = BN_bin2bn(w0, W_LEN, NULL);
  uint8_t in[POINT_LEN];

  decompress(point_hex, in);
  g_assert_cmpint(EC_POINT_oct2point(group, p, in, sizeof(in), NULL), ==, 1);
  g_assert_cmpint(EC_POINT_mul(group, p, NULL, p, k, NULL), ==, 1);
  g_assert_cmpuint(
      EC_POINT_point2oct(group, p, POINT_CONVERSION_UNCOMPRESSED, out, POINT_LEN, NULL), ==,
      POINT_LEN);
  BN_free(k);
  EC_POINT_free(p);
  EC_GROUP_free(group);
}

static void
test_rfc9383_vectors(void)
{
  Pair pair;
  MatterSpake2pTrace trace[2];
  uint8_t M[POINT_LEN], N[POINT_LEN];
  uint8_t Ke[KE_LEN];
  size_t m_at;

  pair_new_fixed(&pair, rfc_context, "client", "server", rfc_w0, rfc_w1, rfc_L, rfc_x, rfc_y);
  md_test_assert_error(matter_spake2p_set_rfc9383_schedule(pair.prover), MATTER_OK);
  md_test_assert_error(matter_spake2p_set_rfc9383_schedule(pair.verifier), MATTER_OK);
  pair_run(&pair);

  md_test_assert_hex(pair.X, POINT_LEN, rfc_X);
  md_test_assert_hex(pair.Y, POINT_LEN, rfc_Y);
  md_test_assert_hex(pair.cB, CONFIRM_LEN, rfc_confirmV);
  md_test_assert_hex(pair.cA, CONFIRM_LEN, rfc_confirmP);

  md_test_assert_error(matter_spake2p_get_trace(pair.prover, &trace[0]), MATTER_OK);
  md_test_assert_error(matter_spake2p_get_trace(pair.verifier, &trace[1]), MATTER_OK);
  for (size_t i = 0; i < G_N_ELEMENTS(trace); i++) {
    g_assert_cmpuint(trace[i].tt_len, ==, strlen(rfc_TT) / 2);
    md_test_assert_hex(trace[i].tt, trace[i].tt_len, rfc_TT);
    md_test_assert_hex(trace[i].Z, POINT_LEN, rfc_Z);
    md_test_assert_hex(trace[i].V, POINT_LEN, rfc_V);
    md_test_assert_hex(trace[i].hash_tt, sizeof(trace[i].hash_tt), rfc_K_main);
    g_assert_cmpuint(trace[i].kc_len, ==, 64);
    md_test_assert_hex(trace[i].kc, trace[i].kc_len, rfc_K_confirm);
    g_assert_cmpuint(trace[i].shared_len, ==, 32);
    md_test_assert_hex(trace[i].shared, trace[i].shared_len, rfc_K_shared);
  }

  /* The transcript carries M and N uncompressed: they are section 4's points. */
  decompress(rfc_M, M);
  decompress(rfc_N, N);
  m_at = 4 * 8 + strlen(rfc_context) + strlen("client") + strlen("server");
  g_assert_cmpmem(trace[0].tt + m_at, POINT_LEN, M, POINT_LEN);
  g_assert_cmpmem(trace[0].tt + m_at + POINT_LEN + 8, POINT_LEN, N, POINT_LEN);

  /* K_shared is not Matter's Ke: it is only read through the trace. */
  md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke), MATTER_ERROR_BAD_STATE);
  pair_clear(&pair);
}

static void
test_matter_vectors(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(d01_vectors); i++) {
    const D01Vector *v = &d01_vectors[i];
    Pair pair;
    MatterSpake2pTrace trace[2];
    uint8_t Ke[2][KE_LEN];

    g_test_message("vector %zu: idProver \"%s\", idVerifier \"%s\"", i + 1, v->id_prover,
                   v->id_verifier);
    pair_new_fixed(&pair, d01_context, v->id_prover, v->id_verifier, d01_w0, d01_w1, d01_L, v->x,
                   v->y);
    pair_run(&pair);

    md_test_assert_hex(pair.X, POINT_LEN, v->X);
    md_test_assert_hex(pair.Y, POINT_LEN, v->Y);
    md_test_assert_hex(pair.cA, CONFIRM_LEN, v->cA);
    md_test_assert_hex(pair.cB, CONFIRM_LEN, v->cB);
    md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke[0]), MATTER_OK);
    md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke[1]), MATTER_OK);
    md_test_assert_hex(Ke[0], KE_LEN, v->Ke);
    md_test_assert_hex(Ke[1], KE_LEN, v->Ke);

    md_test_assert_error(matter_spake2p_get_trace(pair.prover, &trace[0]), MATTER_OK);
    md_test_assert_error(matter_spake2p_get_trace(pair.verifier, &trace[1]), MATTER_OK);
    for (size_t j = 0; j < G_N_ELEMENTS(trace); j++) {
      md_test_assert_hex(trace[j].Z, POINT_LEN, v->Z);
      md_test_assert_hex(trace[j].V, POINT_LEN, v->V);
      md_test_assert_hex(trace[j].hash_tt, 16, v->Ka);
      md_test_assert_hex(trace[j].hash_tt + 16, 16, v->Ke);
      g_assert_cmpuint(trace[j].kc_len, ==, 32);
      md_test_assert_hex(trace[j].kc, 16, v->KcA);
      md_test_assert_hex(trace[j].kc + 16, 16, v->KcB);
      g_assert_cmpuint(trace[j].shared_len, ==, KE_LEN);
    }
    g_assert_cmpmem(trace[0].tt, trace[0].tt_len, trace[1].tt, trace[1].tt_len);
    pair_clear(&pair);
  }
}

static void
test_compute_w0w1(void)
{
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN], derived[sizeof(ws)];
  uint8_t passcode[4];
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN];

  /* PBKDF2 takes the passcode as 4 little-endian bytes (Core spec 3.9). */
  for (size_t i = 0; i < sizeof(passcode); i++)
    passcode[i] = (uint8_t) (pase_passcode >> (8 * i));
  g_assert_cmpint(PKCS5_PBKDF2_HMAC((const char *) passcode, sizeof(passcode),
                                    (const uint8_t *) pase_salt, strlen(pase_salt), 1000,
                                    EVP_sha256(), sizeof(derived), derived),
                  ==, 1);
  md_test_unhex_into(pase_ws, ws, sizeof(ws));
  g_assert_cmpmem(derived, sizeof(derived), ws, sizeof(ws));

  md_test_assert_error(matter_spake2p_compute_w0w1(ws, w0, w1), MATTER_OK);
  md_test_assert_hex(w0, W_LEN, pase_w0);
  md_test_assert_error(matter_spake2p_compute_L(w1, L), MATTER_OK);
  md_test_assert_hex(L, POINT_LEN, pase_L);

  /* 2^320 - 1 reduced mod n (computed independently). */
  memset(ws, 0xff, sizeof(ws));
  md_test_assert_error(matter_spake2p_compute_w0w1(ws, w0, w1), MATTER_OK);
  md_test_assert_hex(w0, W_LEN, "fffffffe00000001431905529c0166cd22159165b6faae70f756a571fc632550");
  g_assert_cmpmem(w0, W_LEN, w1, W_LEN);

  /* n itself reduces to zero. */
  memset(ws, 0, sizeof(ws));
  md_test_unhex_into(p256_n, ws + 8, W_LEN);
  md_test_assert_error(matter_spake2p_compute_w0w1(ws, w0, w1), MATTER_OK);
  for (size_t i = 0; i < W_LEN; i++)
    g_assert_cmpuint(w0[i], ==, 0);
}

static void
test_compute_L(void)
{
  uint8_t w1[W_LEN], L[POINT_LEN];

  md_test_unhex_into(rfc_w1, w1, sizeof(w1));
  md_test_assert_error(matter_spake2p_compute_L(w1, L), MATTER_OK);
  md_test_assert_hex(L, POINT_LEN, rfc_L);
  md_test_unhex_into(d01_w1, w1, sizeof(w1));
  md_test_assert_error(matter_spake2p_compute_L(w1, L), MATTER_OK);
  md_test_assert_hex(L, POINT_LEN, d01_L);

  /* L would be the identity, or w1 is not reduced. */
  memset(w1, 0, sizeof(w1));
  md_test_assert_error(matter_spake2p_compute_L(w1, L), MATTER_ERROR_INVALID_KEY);
  md_test_unhex_into(p256_n, w1, sizeof(w1));
  md_test_assert_error(matter_spake2p_compute_L(w1, L), MATTER_ERROR_INVALID_KEY);
}

/* A random passcode verifier: w0, w1 and L from random PBKDF2 output. */
static void
random_verifier(uint8_t w0[W_LEN], uint8_t w1[W_LEN], uint8_t L[POINT_LEN])
{
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN];

  g_assert_cmpint(RAND_bytes(ws, sizeof(ws)), ==, 1);
  md_test_assert_error(matter_spake2p_compute_w0w1(ws, w0, w1), MATTER_OK);
  md_test_assert_error(matter_spake2p_compute_L(w1, L), MATTER_OK);
}

static void
test_agree(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN];
  uint8_t context[32];
  uint8_t Ke[2][KE_LEN], previous[KE_LEN] = { 0 };

  random_verifier(w0, w1, L);
  g_assert_cmpint(RAND_bytes(context, sizeof(context)), ==, 1);
  for (int i = 0; i < 8; i++) {
    MatterSpake2pTrace trace;
    Pair pair;

    /* Matter's shape: a 32-byte context hash and no identities. */
    memset(&pair, 0, sizeof(pair));
    pair.prover = matter_spake2p_new_prover(context, sizeof(context), NULL, 0, NULL, 0, w0, w1);
    pair.verifier = matter_spake2p_new_verifier(context, sizeof(context), NULL, 0, NULL, 0, w0, L);
    g_assert_nonnull(pair.prover);
    g_assert_nonnull(pair.verifier);
    pair_run(&pair);
    md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke[0]), MATTER_OK);
    md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke[1]), MATTER_OK);
    g_assert_cmpmem(Ke[0], KE_LEN, Ke[1], KE_LEN);
    g_assert_true(memcmp(Ke[0], previous, KE_LEN) != 0);
    memcpy(previous, Ke[0], KE_LEN);
    /* Random runs keep no trace: their secrets are gone already. */
    md_test_assert_error(matter_spake2p_get_trace(pair.verifier, &trace), MATTER_ERROR_BAD_STATE);
    pair_clear(&pair);
  }

  /* With identities too. */
  {
    Pair pair;

    pair_new(&pair, "context", "commissioner", "node", w0, w1, L);
    pair_run(&pair);
    md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke[0]), MATTER_OK);
    md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke[1]), MATTER_OK);
    g_assert_cmpmem(Ke[0], KE_LEN, Ke[1], KE_LEN);
    pair_clear(&pair);
  }
}

/* The prover derived its w0/w1 from another passcode than the verifier's. */
static void
check_wrong_passcode(const uint8_t w0[W_LEN], const uint8_t L[POINT_LEN],
                     const uint8_t prover_w0[W_LEN], const uint8_t prover_w1[W_LEN])
{
  MatterSpake2p *prover, *verifier;
  uint8_t X[POINT_LEN], Y[POINT_LEN], cA[CONFIRM_LEN], cB[CONFIRM_LEN], Ke[KE_LEN];

  prover = matter_spake2p_new_prover(NULL, 0, NULL, 0, NULL, 0, prover_w0, prover_w1);
  verifier = matter_spake2p_new_verifier(NULL, 0, NULL, 0, NULL, 0, w0, L);
  g_assert_nonnull(prover);
  g_assert_nonnull(verifier);
  md_test_assert_error(matter_spake2p_start(prover, X), MATTER_OK);
  md_test_assert_error(matter_spake2p_respond(verifier, X, Y, cB), MATTER_OK);
  md_test_assert_error(matter_spake2p_finish(prover, Y, cB, cA), MATTER_ERROR_AUTH_FAILED);
  md_test_assert_error(matter_spake2p_shared_key(prover, Ke), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_finish(prover, Y, cB, cA), MATTER_ERROR_BAD_STATE);
  /* Nothing the prover could send makes the verifier accept. */
  memset(cA, 0, sizeof(cA));
  md_test_assert_error(matter_spake2p_confirm(verifier, cA), MATTER_ERROR_AUTH_FAILED);
  md_test_assert_error(matter_spake2p_shared_key(verifier, Ke), MATTER_ERROR_BAD_STATE);
  matter_spake2p_free(prover);
  matter_spake2p_free(verifier);
}

static void
test_wrong_passcode(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN];
  uint8_t other_w0[W_LEN], other_w1[W_LEN], other_L[POINT_LEN];

  random_verifier(w0, w1, L);
  random_verifier(other_w0, other_w1, other_L);
  check_wrong_passcode(w0, L, other_w0, other_w1);
  /* w1 alone wrong: only V differs. */
  check_wrong_passcode(w0, L, w0, other_w1);
}

static void
test_tampered_confirmation(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN], Ke[KE_LEN];

  random_verifier(w0, w1, L);
  for (size_t bit = 0; bit < 8 * CONFIRM_LEN; bit += 37) {
    Pair pair;

    pair_new(&pair, "", "", "", w0, w1, L);
    md_test_assert_error(matter_spake2p_start(pair.prover, pair.X), MATTER_OK);
    md_test_assert_error(matter_spake2p_respond(pair.verifier, pair.X, pair.Y, pair.cB), MATTER_OK);
    md_test_assert_error(matter_spake2p_finish(pair.prover, pair.Y, pair.cB, pair.cA), MATTER_OK);
    pair.cA[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    md_test_assert_error(matter_spake2p_confirm(pair.verifier, pair.cA), MATTER_ERROR_AUTH_FAILED);
    md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke), MATTER_ERROR_BAD_STATE);
    /* The right cA comes too late: the run is over. */
    pair.cA[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    md_test_assert_error(matter_spake2p_confirm(pair.verifier, pair.cA), MATTER_ERROR_BAD_STATE);
    pair_clear(&pair);

    pair_new(&pair, "", "", "", w0, w1, L);
    md_test_assert_error(matter_spake2p_start(pair.prover, pair.X), MATTER_OK);
    md_test_assert_error(matter_spake2p_respond(pair.verifier, pair.X, pair.Y, pair.cB), MATTER_OK);
    pair.cB[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    md_test_assert_error(matter_spake2p_finish(pair.prover, pair.Y, pair.cB, pair.cA),
                         MATTER_ERROR_AUTH_FAILED);
    md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke), MATTER_ERROR_BAD_STATE);
    pair_clear(&pair);
  }
}

/* Peer shares that must be refused, derived from a valid one and w0. */
static size_t
bad_points(const uint8_t valid[POINT_LEN], const uint8_t w0[W_LEN], const char *cancel_point,
           uint8_t bad[][POINT_LEN])
{
  size_t n = 0;

  memcpy(bad[n], valid, POINT_LEN); /* off the curve */
  bad[n++][POINT_LEN - 1] ^= 1;
  memset(bad[n++], 0, POINT_LEN); /* the identity's SEC1 prefix */
  memset(bad[n], 0, POINT_LEN);   /* (0, 0), which is not on the curve */
  bad[n++][0] = 0x04;
  memcpy(bad[n], valid, POINT_LEN); /* compressed prefixes on a full point */
  bad[n++][0] = 0x02;
  memcpy(bad[n], valid, POINT_LEN);
  bad[n++][0] = 0x03;
  memcpy(bad[n], valid, POINT_LEN); /* hybrid form */
  bad[n++][0] = 0x06 | (valid[POINT_LEN - 1] & 1);
  memcpy(bad[n], valid, POINT_LEN); /* x = p, out of the field */
  md_test_unhex_into(p256_p, bad[n++] + 1, W_LEN);
  /* w0*M (w0*N): the share minus w0*M is the identity. */
  mul_point(w0, cancel_point, bad[n++]);
  return n;
}

static void
test_invalid_points_verifier(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN];
  uint8_t bad[8][POINT_LEN];
  Pair pair;
  size_t n;

  random_verifier(w0, w1, L);
  pair_new(&pair, "", "", "", w0, w1, L);
  md_test_assert_error(matter_spake2p_start(pair.prover, pair.X), MATTER_OK);
  n = bad_points(pair.X, w0, rfc_M, bad);
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(bad));
  for (size_t i = 0; i < n; i++) {
    MatterSpake2p *verifier = matter_spake2p_new_verifier(NULL, 0, NULL, 0, NULL, 0, w0, L);

    g_test_message("bad X %zu", i);
    md_test_assert_error(matter_spake2p_respond(verifier, bad[i], pair.Y, pair.cB),
                         MATTER_ERROR_INVALID_KEY);
    md_test_assert_error(matter_spake2p_respond(verifier, pair.X, pair.Y, pair.cB),
                         MATTER_ERROR_BAD_STATE);
    matter_spake2p_free(verifier);
  }
  pair_clear(&pair);
}

static void
test_invalid_points_prover(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN];
  uint8_t bad[8][POINT_LEN];
  Pair pair;
  size_t n;

  random_verifier(w0, w1, L);
  pair_new(&pair, "", "", "", w0, w1, L);
  md_test_assert_error(matter_spake2p_start(pair.prover, pair.X), MATTER_OK);
  md_test_assert_error(matter_spake2p_respond(pair.verifier, pair.X, pair.Y, pair.cB), MATTER_OK);
  n = bad_points(pair.Y, w0, rfc_N, bad);
  for (size_t i = 0; i < n; i++) {
    MatterSpake2p *prover = matter_spake2p_new_prover(NULL, 0, NULL, 0, NULL, 0, w0, w1);
    uint8_t X[POINT_LEN];

    g_test_message("bad Y %zu", i);
    md_test_assert_error(matter_spake2p_start(prover, X), MATTER_OK);
    md_test_assert_error(matter_spake2p_finish(prover, bad[i], pair.cB, pair.cA),
                         MATTER_ERROR_INVALID_KEY);
    md_test_assert_error(matter_spake2p_finish(prover, pair.Y, pair.cB, pair.cA),
                         MATTER_ERROR_BAD_STATE);
    matter_spake2p_free(prover);
  }
  pair_clear(&pair);
}

static void
test_invalid_construction(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN], bad_L[POINT_LEN], n[W_LEN], zero[W_LEN] = { 0 };
  MatterSpake2p *ctx;

  random_verifier(w0, w1, L);
  md_test_unhex_into(p256_n, n, sizeof(n));

  g_assert_null(matter_spake2p_new_prover(NULL, 0, NULL, 0, NULL, 0, n, w1));
  g_assert_null(matter_spake2p_new_prover(NULL, 0, NULL, 0, NULL, 0, w0, n));
  g_assert_null(matter_spake2p_new_verifier(NULL, 0, NULL, 0, NULL, 0, n, L));
  g_assert_null(matter_spake2p_new_prover(NULL, 1, NULL, 0, NULL, 0, w0, w1));
  memcpy(bad_L, L, sizeof(bad_L));
  bad_L[POINT_LEN - 1] ^= 1;
  g_assert_null(matter_spake2p_new_verifier(NULL, 0, NULL, 0, NULL, 0, w0, bad_L));
  bad_L[0] = 0x02;
  g_assert_null(matter_spake2p_new_verifier(NULL, 0, NULL, 0, NULL, 0, w0, bad_L));

  ctx = matter_spake2p_new_prover(NULL, 0, NULL, 0, NULL, 0, w0, w1);
  g_assert_nonnull(ctx);
  md_test_assert_error(matter_spake2p_set_scalar(ctx, zero), MATTER_ERROR_INVALID_KEY);
  md_test_assert_error(matter_spake2p_set_scalar(ctx, n), MATTER_ERROR_INVALID_KEY);
  md_test_assert_error(matter_spake2p_set_scalar(NULL, w0), MATTER_ERROR_INVALID_ARGUMENT);
  matter_spake2p_free(ctx);
  matter_spake2p_free(NULL);
}

static void
test_state_machine(void)
{
  uint8_t w0[W_LEN], w1[W_LEN], L[POINT_LEN], Ke[KE_LEN];
  uint8_t X[POINT_LEN], Y[POINT_LEN], cA[CONFIRM_LEN], cB[CONFIRM_LEN];
  MatterSpake2pTrace trace;
  Pair pair;

  random_verifier(w0, w1, L);
  pair_new(&pair, "", "", "", w0, w1, L);

  /* Nothing but start (prover) or respond (verifier) comes first. */
  md_test_assert_error(matter_spake2p_finish(pair.prover, Y, cB, cA), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_confirm(pair.prover, cA), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_respond(pair.prover, X, Y, cB), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_start(pair.verifier, X), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_finish(pair.verifier, Y, cB, cA), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_confirm(pair.verifier, cA), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_get_trace(pair.verifier, &trace), MATTER_ERROR_BAD_STATE);

  /* Each step once, in order; refusals leave the run intact. */
  md_test_assert_error(matter_spake2p_start(pair.prover, pair.X), MATTER_OK);
  md_test_assert_error(matter_spake2p_start(pair.prover, X), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_set_scalar(pair.prover, w0), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_set_rfc9383_schedule(pair.prover), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_respond(pair.verifier, pair.X, pair.Y, pair.cB), MATTER_OK);
  md_test_assert_error(matter_spake2p_respond(pair.verifier, pair.X, Y, cB),
                       MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_set_scalar(pair.verifier, w0), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_confirm(pair.prover, cA), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_finish(pair.prover, pair.Y, pair.cB, pair.cA), MATTER_OK);
  md_test_assert_error(matter_spake2p_finish(pair.prover, pair.Y, pair.cB, cA),
                       MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_confirm(pair.verifier, pair.cA), MATTER_OK);
  md_test_assert_error(matter_spake2p_confirm(pair.verifier, pair.cA), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_spake2p_shared_key(pair.prover, Ke), MATTER_OK);
  md_test_assert_error(matter_spake2p_shared_key(pair.verifier, Ke), MATTER_OK);

  md_test_assert_error(matter_spake2p_start(NULL, X), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_spake2p_shared_key(pair.prover, NULL), MATTER_ERROR_INVALID_ARGUMENT);
  pair_clear(&pair);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/spake2p/rfc9383-vectors", test_rfc9383_vectors);
  g_test_add_func("/spake2p/matter-vectors", test_matter_vectors);
  g_test_add_func("/spake2p/compute-w0w1", test_compute_w0w1);
  g_test_add_func("/spake2p/compute-L", test_compute_L);
  g_test_add_func("/spake2p/agree", test_agree);
  g_test_add_func("/spake2p/wrong-passcode", test_wrong_passcode);
  g_test_add_func("/spake2p/tampered-confirmation", test_tampered_confirmation);
  g_test_add_func("/spake2p/invalid-points/verifier", test_invalid_points_verifier);
  g_test_add_func("/spake2p/invalid-points/prover", test_invalid_points_prover);
  g_test_add_func("/spake2p/invalid-construction", test_invalid_construction);
  g_test_add_func("/spake2p/state-machine", test_state_machine);
  return g_test_run();
}
