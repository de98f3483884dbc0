/* SPDX-License-Identifier: Apache-2.0 */
/* `matterctl creds generate` as a user runs it: the built binary
 * (MATTERCTL_BINARY) writes the files, and the core's attestation API
 * checks what it wrote: the chain, the keys, the Certification
 * Declaration, the file modes; and that the pieces of two sets do not
 * mix. */

#include <json-glib/json-glib.h>
#include <sys/stat.h>

#include "matter/attestation.h"
#include "md-test-core.h"
#include "md-test.h"

static GBytes *
read_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);

  return md_test_read_file(path);
}

static int
file_mode(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  struct stat st;

  g_assert_cmpint(stat(path, &st), ==, 0);
  return (int) (st.st_mode & 07777);
}

/* A set of credentials as written. */
typedef struct {
  char *dir;
  GBytes *paa, *pai, *dac, *dac_key, *cd, *cd_signer;
} Set;

static void
set_load(Set *set, const char *dir)
{
  set->dir = g_strdup(dir);
  set->paa = read_file(dir, "paa-cert.der");
  set->pai = read_file(dir, "pai-cert.der");
  set->dac = read_file(dir, "dac-cert.der");
  set->dac_key = read_file(dir, "dac-key.pem");
  set->cd = read_file(dir, "cd.der");
  set->cd_signer = read_file(dir, "cd-signing-cert.pem");
}

static void
set_clear(Set *set)
{
  g_clear_pointer(&set->paa, g_bytes_unref);
  g_clear_pointer(&set->pai, g_bytes_unref);
  g_clear_pointer(&set->dac, g_bytes_unref);
  g_clear_pointer(&set->dac_key, g_bytes_unref);
  g_clear_pointer(&set->cd, g_bytes_unref);
  g_clear_pointer(&set->cd_signer, g_bytes_unref);
  g_clear_pointer(&set->dir, g_free);
}

#define DATA(bytes) g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes)

static MatterError
verify_chain(GBytes *dac, GBytes *pai, GBytes *paa, MatterAttestationChain *chain,
             MatterAttestationRole *failed)
{
  return matter_attestation_chain_verify(DATA(dac), DATA(pai), DATA(paa), chain, failed);
}

/* Everything a node and a commissioner would check, on files as written. */
static void
assert_set_valid(const Set *set, guint16 vendor_id, guint16 product_id)
{
  MatterAttestationChain chain;
  MatterCdSigner signer = { g_bytes_get_data(set->cd_signer, NULL),
                            g_bytes_get_size(set->cd_signer) };
  MatterP256Key *key = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], challenge[MATTER_ATTESTATION_CHALLENGE_LEN] = { 1 };
  guint8 nonce[MATTER_ATTESTATION_NONCE_LEN] = { 2 };
  guint8 elements[MATTER_ATTESTATION_ELEMENTS_MAX], sig[MATTER_P256_SIGNATURE_LEN];
  size_t len;
  MatterCd cd;
  MatterAttestationElements attestation = { DATA(set->cd), nonce, 0 };

  md_test_assert_error(verify_chain(set->dac, set->pai, set->paa, &chain, NULL), MATTER_OK);
  g_assert_cmpuint(chain.dac.vendor_id, ==, vendor_id);
  g_assert_cmpuint(chain.dac.product_id, ==, product_id);
  g_assert_cmpuint(chain.pai.vendor_id, ==, vendor_id);

  /* The DAC key is the DAC's. */
  md_test_assert_error(matter_attestation_key_parse(DATA(set->dac_key), &key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  g_assert_cmpmem(pub, sizeof(pub), chain.dac.public_key, sizeof(chain.dac.public_key));

  /* The declaration, signed by the signer written next to it. */
  md_test_assert_error(matter_cd_verify(DATA(set->cd), &signer, 1, &cd), MATTER_OK);
  md_test_assert_error(matter_cd_check_device(&cd, vendor_id, product_id), MATTER_OK);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_OK);
  g_assert_cmpuint(cd.certification_type, ==, MATTER_CD_CERTIFICATION_DEVELOPMENT);

  /* An AttestationResponse made with them verifies. */
  md_test_assert_error(
      matter_attestation_elements_encode(&attestation, elements, sizeof(elements), &len),
      MATTER_OK);
  md_test_assert_error(matter_attestation_sign(key, elements, len, challenge, sig), MATTER_OK);
  md_test_assert_error(matter_attestation_response_verify(chain.dac.public_key, elements, len,
                                                          challenge, sig, nonce, NULL),
                       MATTER_OK);
  matter_p256_free(key);
}

/* The PEM files say what the DER files say. */
static void
assert_pem_matches(const char *dir, const char *stem)
{
  g_autofree char *der_name = g_strconcat(stem, ".der", NULL);
  g_autofree char *pem_name = g_strconcat(stem, ".pem", NULL);
  g_autoptr(GBytes) der = read_file(dir, der_name);
  g_autoptr(GBytes) pem = read_file(dir, pem_name);
  guint8 out[MATTER_ATTESTATION_CERT_MAX];
  size_t len;

  g_assert_true(g_str_has_prefix(g_bytes_get_data(pem, NULL), "-----BEGIN CERTIFICATE-----\n"));
  md_test_assert_error(matter_attestation_cert_to_der(DATA(pem), out, sizeof(out), &len),
                       MATTER_OK);
  g_assert_cmpmem(out, len, g_bytes_get_data(der, NULL), g_bytes_get_size(der));
}

static const char *const cert_stems[] = { "paa-cert", "pai-cert", "dac-cert", "cd-signing-cert" };
static const char *const key_files[] = { "paa-key.pem", "pai-key.pem", "dac-key.pem",
                                         "cd-signing-key.pem" };

static void
test_generate(void)
{
  g_autofree char *tmp = md_test_mkdtemp();
  g_autofree char *dir = g_build_filename(tmp, "creds", NULL);
  g_auto(MdTestCtlResult) result = md_test_ctl_run("creds", "generate", dir);
  g_autofree char *dac_line = NULL;
  Set set = { 0 };

  g_assert_cmpint(result.status, ==, 0);
  g_assert_cmpstr(result.err, ==, "");
  g_assert_true(
      g_str_has_prefix(md_test_ctl_text(&result), "Vendor ID:   0xFFF1\nProduct ID:  0x8000\n"));
  dac_line = g_strdup_printf("Wrote %s/dac-key.pem\n", dir);
  g_assert_nonnull(strstr(md_test_ctl_text(&result), dac_line));

  set_load(&set, dir);
  assert_set_valid(&set, 0xFFF1, 0x8000);
  for (gsize i = 0; i < G_N_ELEMENTS(cert_stems); i++) {
    g_autofree char *der = g_strconcat(cert_stems[i], ".der", NULL);
    g_autofree char *pem = g_strconcat(cert_stems[i], ".pem", NULL);

    assert_pem_matches(dir, cert_stems[i]);
    g_assert_cmpint(file_mode(dir, der), ==, 0644);
    g_assert_cmpint(file_mode(dir, pem), ==, 0644);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(key_files); i++)
    g_assert_cmpint(file_mode(dir, key_files[i]), ==, 0600);
  g_assert_cmpint(file_mode(dir, "cd.der"), ==, 0644);
  /* The development PAA names the vendor; the PAI is for all its products. */
  {
    MatterAttestationChain chain;

    md_test_assert_error(verify_chain(set.dac, set.pai, set.paa, &chain, NULL), MATTER_OK);
    g_assert_true(chain.paa.has_vendor_id);
    g_assert_cmpuint(chain.paa.vendor_id, ==, 0xFFF1);
    g_assert_false(chain.pai.has_product_id);
  }
  set_clear(&set);
  md_test_rmtree(tmp);
}

/* --json: one object whose paths are the files written. */
static void
test_json(void)
{
  g_autofree char *tmp = md_test_mkdtemp();
  g_auto(MdTestCtlResult) result =
      md_test_ctl_run("creds", "generate", tmp, "--vendor-id", "0xFFF2", "--product-id", "32769",
                      "--pai-product-id", "--json");
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object, *files;
  g_autoptr(GList) members = NULL;
  Set set = { 0 };

  object = md_test_ctl_parse_object(parser, &result, 0);
  g_assert_cmpstr(json_object_get_string_member(object, "directory"), ==, tmp);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF2);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  files = json_object_get_object_member(object, "files");
  members = json_object_get_members(files);
  g_assert_cmpuint(g_list_length(members), ==, 13);
  for (GList *m = members; m != NULL; m = m->next) {
    const char *path = json_object_get_string_member(files, m->data);

    g_assert_true(g_str_has_prefix(path, tmp));
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  }
  {
    g_autofree char *want = g_build_filename(tmp, "dac-key.pem", NULL);

    g_assert_cmpstr(json_object_get_string_member(files, "dac_key_pem"), ==, want);
  }

  set_load(&set, tmp);
  assert_set_valid(&set, 0xFFF2, 0x8001);
  {
    MatterAttestationChain chain;

    md_test_assert_error(verify_chain(set.dac, set.pai, set.paa, &chain, NULL), MATTER_OK);
    g_assert_true(chain.pai.has_product_id);
    g_assert_cmpuint(chain.pai.product_id, ==, 0x8001);
  }
  set_clear(&set);
  md_test_rmtree(tmp);
}

/* Two sets: each valid, no piece of one fits the other. */
static void
test_sets_do_not_mix(void)
{
  g_autofree char *a_dir = md_test_mkdtemp(), *b_dir = md_test_mkdtemp();
  g_auto(MdTestCtlResult) a_result = md_test_ctl_run("creds", "generate", a_dir);
  g_auto(MdTestCtlResult) b_result = md_test_ctl_run("creds", "generate", b_dir);
  Set a = { 0 }, b = { 0 };
  MatterAttestationChain chain;
  MatterAttestationRole failed;
  MatterCdSigner a_signer;
  MatterP256Key *key = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];

  g_assert_cmpint(a_result.status, ==, 0);
  g_assert_cmpint(b_result.status, ==, 0);
  set_load(&a, a_dir);
  set_load(&b, b_dir);
  assert_set_valid(&a, 0xFFF1, 0x8000);
  assert_set_valid(&b, 0xFFF1, 0x8000);

  md_test_assert_error(verify_chain(a.dac, b.pai, a.paa, NULL, &failed),
                       MATTER_ERROR_ATTESTATION_ISSUER);
  g_assert_cmpint(failed, ==, MATTER_ATTESTATION_PAI);
  md_test_assert_error(verify_chain(a.dac, a.pai, b.paa, NULL, &failed),
                       MATTER_ERROR_ATTESTATION_ISSUER);
  g_assert_cmpint(failed, ==, MATTER_ATTESTATION_PAI);
  md_test_assert_error(verify_chain(b.dac, a.pai, a.paa, NULL, &failed),
                       MATTER_ERROR_ATTESTATION_ISSUER);
  g_assert_cmpint(failed, ==, MATTER_ATTESTATION_DAC);
  md_test_assert_error(verify_chain(a.pai, a.dac, a.paa, NULL, &failed),
                       MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS);

  /* The other set's DAC key is not this DAC's. */
  md_test_assert_error(verify_chain(a.dac, a.pai, a.paa, &chain, NULL), MATTER_OK);
  md_test_assert_error(matter_attestation_key_parse(DATA(b.dac_key), &key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  g_assert_cmpint(memcmp(pub, chain.dac.public_key, sizeof(pub)), !=, 0);
  matter_p256_free(key);

  /* The other set's declaration has another signer. */
  a_signer = (MatterCdSigner){ g_bytes_get_data(a.cd_signer, NULL), g_bytes_get_size(a.cd_signer) };
  md_test_assert_error(matter_cd_verify(DATA(b.cd), &a_signer, 1, NULL),
                       MATTER_ERROR_CD_UNKNOWN_SIGNER);

  set_clear(&a);
  set_clear(&b);
  md_test_rmtree(a_dir);
  md_test_rmtree(b_dir);
}

/* A PAA and a CD signer from elsewhere: used, copied, their keys not. */
static void
test_given_paa_and_signer(void)
{
  g_autofree char *a_dir = md_test_mkdtemp(), *b_dir = md_test_mkdtemp();
  g_autofree char *paa_cert = g_build_filename(a_dir, "paa-cert.pem", NULL);
  g_autofree char *paa_key = g_build_filename(a_dir, "paa-key.pem", NULL);
  g_autofree char *cd_cert = g_build_filename(a_dir, "cd-signing-cert.der", NULL);
  g_autofree char *cd_key = g_build_filename(a_dir, "cd-signing-key.pem", NULL);
  g_auto(MdTestCtlResult) a_result = md_test_ctl_run("creds", "generate", a_dir);
  g_auto(MdTestCtlResult) b_result = md_test_ctl_run(
      "creds", "generate", b_dir, "--paa-cert", paa_cert, "--paa-key", paa_key, "--cd-signing-cert",
      cd_cert, "--cd-signing-key", cd_key, "--product-id", "0x8005", "--json");
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *files;
  Set a = { 0 }, b = { 0 };

  g_assert_cmpint(a_result.status, ==, 0);
  files = json_object_get_object_member(md_test_ctl_parse_object(parser, &b_result, 0), "files");
  g_assert_true(json_object_get_null_member(files, "paa_key_pem"));
  g_assert_true(json_object_get_null_member(files, "cd_signing_key_pem"));
  for (gsize i = 0; i < 2; i++) {
    g_autofree char *path =
        g_build_filename(b_dir, i == 0 ? "paa-key.pem" : "cd-signing-key.pem", NULL);

    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  }

  set_load(&a, a_dir);
  set_load(&b, b_dir);
  assert_set_valid(&b, 0xFFF1, 0x8005);
  g_assert_true(g_bytes_equal(a.paa, b.paa));
  g_assert_true(g_bytes_equal(a.cd_signer, b.cd_signer));
  /* B's PAI chains to A's PAA; A's declaration signer signed B's. */
  md_test_assert_error(verify_chain(b.dac, b.pai, a.paa, NULL, NULL), MATTER_OK);
  {
    MatterCdSigner signer = { g_bytes_get_data(a.cd_signer, NULL), g_bytes_get_size(a.cd_signer) };
    MatterCd cd;

    md_test_assert_error(matter_cd_verify(DATA(b.cd), &signer, 1, &cd), MATTER_OK);
    g_assert_cmpuint(cd.product_ids[0], ==, 0x8005);
  }
  set_clear(&a);
  set_clear(&b);
  md_test_rmtree(a_dir);
  md_test_rmtree(b_dir);
}

static void
test_force(void)
{
  g_autofree char *tmp = md_test_mkdtemp();
  g_auto(MdTestCtlResult) first = md_test_ctl_run("creds", "generate", tmp);
  g_autoptr(GBytes) before = read_file(tmp, "dac-cert.der");
  g_auto(MdTestCtlResult) again = md_test_ctl_run("creds", "generate", tmp);
  g_autoptr(GBytes) unchanged = read_file(tmp, "dac-cert.der");
  g_auto(MdTestCtlResult) forced = md_test_ctl_run("creds", "generate", tmp, "--force");
  g_autoptr(GBytes) after = read_file(tmp, "dac-cert.der");
  Set set = { 0 };

  g_assert_cmpint(first.status, ==, 0);
  md_test_ctl_assert_error(&again, 2, "--force");
  g_assert_true(g_bytes_equal(before, unchanged));
  g_assert_cmpint(forced.status, ==, 0);
  g_assert_false(g_bytes_equal(before, after));
  set_load(&set, tmp);
  assert_set_valid(&set, 0xFFF1, 0x8000);
  set_clear(&set);
  md_test_rmtree(tmp);
}

static void
test_usage_errors(void)
{
  g_autofree char *tmp = md_test_mkdtemp();
  g_autofree char *out = g_build_filename(tmp, "out", NULL);
  g_autofree char *a_dir = g_build_filename(tmp, "a", NULL);
  g_autofree char *paa_cert = g_build_filename(a_dir, "paa-cert.pem", NULL);
  g_autofree char *pai_cert = g_build_filename(a_dir, "pai-cert.pem", NULL);
  g_autofree char *pai_key = g_build_filename(a_dir, "pai-key.pem", NULL);
  g_autofree char *dac_key = g_build_filename(a_dir, "dac-key.pem", NULL);
  g_autofree char *cd_cert = g_build_filename(a_dir, "cd-signing-cert.pem", NULL);
  g_autofree char *missing = g_build_filename(tmp, "missing.pem", NULL);
  g_auto(MdTestCtlResult) made = md_test_ctl_run("creds", "generate", a_dir);
  const struct {
    const char *args[12];
    const char *needle;
  } cases[] = {
    { { "creds" }, "needs a command" },
    { { "creds", "sign" }, "unknown creds command 'sign'" },
    { { "creds", "generate" }, "one directory" },
    { { "creds", "generate", out, out }, "one directory" },
    { { "creds", "generate", out, "--bogus" }, "--bogus" },
    { { "creds", "generate", out, "--vendor-id", "0xFFFF" }, "out of range" },
    { { "creds", "generate", out, "--vendor-id", "0" }, "not allowed" },
    { { "creds", "generate", out, "--product-id", "abc" }, "not a number" },
    { { "creds", "generate", out, "--paa-cert", paa_cert }, "--paa-key" },
    { { "creds", "generate", out, "--cd-signing-key", dac_key }, "--cd-signing-cert" },
    { { "creds", "generate", out, "--paa-cert", missing, "--paa-key", dac_key }, "cannot read" },
    { { "creds", "generate", out, "--paa-cert", paa_cert, "--paa-key", dac_key }, "not the key" },
    { { "creds", "generate", out, "--paa-cert", pai_cert, "--paa-key", pai_key },
      "not a usable PAA" },
    { { "creds", "generate", out, "--paa-cert", paa_cert, "--paa-key", paa_cert },
      "not a usable private key" },
    { { "creds", "generate", out, "--paa-cert", paa_cert, "--paa-key", pai_key, "--vendor-id",
        "0xFFF2" },
      "vendor id 0xFFF1" },
    { { "creds", "generate", out, "--cd-signing-cert", cd_cert, "--cd-signing-key", dac_key },
      "cannot sign" },
    { { "creds", "generate", paa_cert }, "not a directory" },
  };

  g_assert_cmpint(made.status, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(MdTestCtlResult) result = md_test_ctl_runv(NULL, cases[i].args);

    md_test_ctl_assert_error(&result, 2, cases[i].needle);
  }
  /* Nothing was written by a refused command. */
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  md_test_rmtree(tmp);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/matterctl-creds/generate", test_generate);
  g_test_add_func("/matterctl-creds/json", test_json);
  g_test_add_func("/matterctl-creds/sets-do-not-mix", test_sets_do_not_mix);
  g_test_add_func("/matterctl-creds/given-paa-and-signer", test_given_paa_and_signer);
  g_test_add_func("/matterctl-creds/force", test_force);
  g_test_add_func("/matterctl-creds/usage-errors", test_usage_errors);
  return g_test_run();
}
