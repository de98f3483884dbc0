/* SPDX-License-Identifier: Apache-2.0 */
/* `matterctl cert` as a user runs it: the built binary (MATTERCTL_BINARY)
 * with its files, standard input and output, text and JSON output, exit
 * status and one-line errors. The vectors in tests/vectors/cert/ are the
 * RCAC, ICAC and NOC worked examples of Matter Core spec 6.5.15, in PEM
 * (as printed there), DER and Matter TLV. */

#include <json-glib/json-glib.h>

#include "md-test.h"

#define SPEC_FABRIC_ID "FAB000000000001D"
#define SPEC_NODE_ID "DEDEDEDE00010001"
#define SPEC_ROOT_KEY                                                  \
  "041353a3b3ef1da708c4908048014e407d5990ce22bc4eb33e9a5acb25a85603eb" \
  "a6dcd8213666a4e44f5aca13eb767fafa7dcdddc33411f82a30b543dd1d24ba8"
#define SPEC_NOC_KEY                                                   \
  "049a2a216fb39dd6b6fa211b835c89e3e6afb66c14f75831954f9ff4f7a3f0112c" \
  "8a0d8eaf29c653294d48eee0708a032cca39393c3a7b46f181aea078fead8383"
#define SPEC_NOC_SIGNATURE                                           \
  "7955c202630b4ba4d5912526322fdf28f89edfe5af9c0e572bd8a14aaabb4d12" \
  "b83ca17c7b05fb164b77d79c529613316bcfd17895e4b2a4f2404b9817327159"
/* Inside the spec certificates' validity, 2020-10-15 to 2040-10-15. */
#define IN_VALIDITY "2024-05-01T12:00:00Z"

static const char *const spec_certs[] = { "rcac", "icac", "noc" };

static char *
vector_path(const char *name, const char *ext)
{
  g_autofree char *file = g_strconcat(name, ".", ext, NULL);

  return g_test_build_filename(G_TEST_DIST, "vectors", "cert", file, NULL);
}

static GBytes *
vector(const char *name, const char *ext)
{
  g_autofree char *path = vector_path(name, ext);

  return md_test_read_file(path);
}

static void
assert_field(const char *text, const char *label, const char *expected)
{
  g_autofree char *value = md_test_field(text, label);

  g_assert_cmpstr(value, ==, expected);
}

/* The value of the attribute @type in a DN array, which must hold it once. */
static const char *
dn_value(JsonArray *dn, const char *type)
{
  const char *value = NULL;

  for (guint i = 0; i < json_array_get_length(dn); i++) {
    JsonObject *attr = json_array_get_object_element(dn, i);

    if (g_str_equal(json_object_get_string_member(attr, "type"), type)) {
      g_assert_null(value);
      value = json_object_get_string_member(attr, "value");
    }
  }
  g_assert_nonnull(value);
  return value;
}

/* ---- convert ----------------------------------------------------------- */

static void
test_convert_chain(void)
{
  g_autofree char *dir = md_test_mkdtemp();

  /* TLV -> DER -> PEM -> TLV, the format from the output's extension. */
  for (gsize i = 0; i < G_N_ELEMENTS(spec_certs); i++) {
    const char *name = spec_certs[i];
    g_autofree char *tlv_in = vector_path(name, "tlv");
    g_autofree char *der = g_build_filename(dir, "cert.der", NULL);
    g_autofree char *pem = g_build_filename(dir, "cert.pem", NULL);
    g_autofree char *tlv = g_build_filename(dir, "cert.tlv", NULL);
    g_autoptr(GBytes) der_out = NULL, pem_out = NULL, tlv_out = NULL;
    g_autoptr(GBytes) der_vec = vector(name, "der"), pem_vec = vector(name, "pem");
    g_autoptr(GBytes) tlv_vec = vector(name, "tlv");

    {
      g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", tlv_in, der);
      g_assert_cmpint(result.status, ==, 0);
      g_assert_cmpstr(result.err, ==, "");
    }
    {
      g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", der, pem);
      g_assert_cmpint(result.status, ==, 0);
    }
    {
      g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", pem, tlv);
      g_assert_cmpint(result.status, ==, 0);
    }
    der_out = md_test_read_file(der);
    pem_out = md_test_read_file(pem);
    tlv_out = md_test_read_file(tlv);
    md_test_assert_bytes_equal(der_out, der_vec);
    md_test_assert_bytes_equal(pem_out, pem_vec);
    md_test_assert_bytes_equal(tlv_out, tlv_vec);
  }
  md_test_rmtree(dir);
}

static void
test_convert_formats(void)
{
  g_autofree char *dir = md_test_mkdtemp();
  g_autofree char *noc_pem = vector_path("noc", "pem");
  g_autofree char *noc_der = vector_path("noc", "der");
  g_autofree char *noc_tlv = vector_path("noc", "tlv");
  g_autofree char *chip = g_build_filename(dir, "noc.CHIP", NULL);
  g_autofree char *crt = g_build_filename(dir, "noc.crt", NULL);
  g_autofree char *bin = g_build_filename(dir, "noc.bin", NULL);
  g_autoptr(GBytes) tlv_vec = vector("noc", "tlv"), der_vec = vector("noc", "der");
  g_autoptr(GBytes) pem_vec = vector("noc", "pem");

  /* The same format again re-encodes; .chip and .crt are TLV and DER. */
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", noc_tlv, chip);
    g_autoptr(GBytes) out = NULL;

    g_assert_cmpint(result.status, ==, 0);
    out = md_test_read_file(chip);
    md_test_assert_bytes_equal(out, tlv_vec);
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", noc_der, crt);
    g_autoptr(GBytes) out = NULL;

    g_assert_cmpint(result.status, ==, 0);
    out = md_test_read_file(crt);
    md_test_assert_bytes_equal(out, der_vec);
  }
  /* --to wins over the extension. */
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "convert", noc_pem, bin, "--to", "der");
    g_autoptr(GBytes) out = NULL;

    g_assert_cmpint(result.status, ==, 0);
    out = md_test_read_file(bin);
    md_test_assert_bytes_equal(out, der_vec);
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "convert", "--to", "pem", noc_tlv, crt);
    g_autoptr(GBytes) out = NULL;

    g_assert_cmpint(result.status, ==, 0);
    out = md_test_read_file(crt);
    md_test_assert_bytes_equal(out, pem_vec);
  }
  md_test_rmtree(dir);
}

static void
test_convert_stdio(void)
{
  g_autoptr(GBytes) tlv = vector("icac", "tlv"), der = vector("icac", "der");
  g_autoptr(GBytes) pem = vector("icac", "pem");

  /* Standard output without --to gets text: PEM. */
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run_input(tlv, "cert", "convert", "-", "-");
    g_assert_cmpint(result.status, ==, 0);
    g_assert_cmpstr(result.err, ==, "");
    md_test_assert_bytes_equal(result.out_bytes, pem);
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run_input(pem, "cert", "convert", "-", "-", "--to", "der");
    g_assert_cmpint(result.status, ==, 0);
    md_test_assert_bytes_equal(result.out_bytes, der);
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run_input(der, "cert", "convert", "--to", "tlv", "-", "-");
    g_assert_cmpint(result.status, ==, 0);
    md_test_assert_bytes_equal(result.out_bytes, tlv);
  }
}

/* ---- show -------------------------------------------------------------- */

static void
test_show_text(void)
{
  g_autofree char *noc = vector_path("noc", "tlv");
  g_autofree char *rcac = vector_path("rcac", "der");
  g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", noc);
  g_auto(MdTestCtlResult) root = md_test_ctl_run("cert", "show", rcac);
  const char *text;

  g_assert_cmpint(result.status, ==, 0);
  g_assert_cmpstr(result.err, ==, "");
  text = md_test_ctl_text(&result);
  assert_field(text, "Format", "Matter TLV");
  assert_field(text, "Serial", "3efcff1702b9a17a");
  assert_field(text, "Issuer", "matter-icac-id=CACACACA00000003");
  assert_field(text, "Subject",
               "matter-node-id=" SPEC_NODE_ID ", matter-fabric-id=" SPEC_FABRIC_ID);
  assert_field(text, "Not before", "2020-10-15T14:23:43Z");
  assert_field(text, "Not after", "2040-10-15T14:23:42Z");
  assert_field(text, "Public key", SPEC_NOC_KEY);
  assert_field(text, "Basic constraints", "is-ca=false");
  assert_field(text, "Key usage", "digitalSignature");
  assert_field(text, "Extended key usage", "clientAuth, serverAuth");
  assert_field(text, "Subject key id", "9f55a26b7e4303e60883e913bf94f4fb5e2a6161");
  assert_field(text, "Authority key id", "5352d7059e9c15a508906862864801a29f1f41d3");
  assert_field(text, "Signature", SPEC_NOC_SIGNATURE);
  assert_field(text, "Role", "noc");
  assert_field(text, "Role check", "ok");

  g_assert_cmpint(root.status, ==, 0);
  text = md_test_ctl_text(&root);
  assert_field(text, "Format", "X.509 DER");
  assert_field(text, "Subject", "matter-rcac-id=CACACACA00000001");
  assert_field(text, "Basic constraints", "is-ca=true");
  assert_field(text, "Key usage", "keyCertSign, cRLSign");
  assert_field(text, "Role", "rcac");
  assert_field(text, "Role check", "ok");
  g_assert_null(strstr(text, "Extended key usage"));
}

static void
test_show_json(void)
{
  static const char *const formats[] = { "tlv", "der", "pem" };
  static const char *const purposes[] = { "clientAuth", "serverAuth", NULL };
  static const char *const usage[] = { "digitalSignature", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_autofree char *path = vector_path("noc", formats[i]);
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", "--json", path);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *object = md_test_ctl_parse_object(parser, &result, 0), *exts, *bc;
    JsonArray *subject;

    g_assert_cmpstr(json_object_get_string_member(object, "format"), ==, formats[i]);
    g_assert_cmpstr(json_object_get_string_member(object, "serial"), ==, "3efcff1702b9a17a");
    subject = json_object_get_array_member(object, "subject");
    g_assert_cmpuint(json_array_get_length(subject), ==, 2);
    g_assert_cmpstr(dn_value(subject, "matter-node-id"), ==, SPEC_NODE_ID);
    g_assert_cmpstr(dn_value(subject, "matter-fabric-id"), ==, SPEC_FABRIC_ID);
    g_assert_cmpstr(dn_value(json_object_get_array_member(object, "issuer"), "matter-icac-id"), ==,
                    "CACACACA00000003");
    g_assert_cmpstr(json_object_get_string_member(object, "not_before"), ==,
                    "2020-10-15T14:23:43Z");
    g_assert_cmpstr(json_object_get_string_member(object, "not_after"), ==, "2040-10-15T14:23:42Z");
    g_assert_cmpstr(json_object_get_string_member(object, "public_key"), ==, SPEC_NOC_KEY);
    exts = json_object_get_object_member(object, "extensions");
    bc = json_object_get_object_member(exts, "basic_constraints");
    g_assert_false(json_object_get_boolean_member(bc, "is_ca"));
    g_assert_true(json_object_get_null_member(bc, "path_len"));
    md_test_assert_strings(json_object_get_array_member(exts, "key_usage"), usage);
    md_test_assert_strings(json_object_get_array_member(exts, "extended_key_usage"), purposes);
    g_assert_cmpstr(json_object_get_string_member(exts, "subject_key_id"), ==,
                    "9f55a26b7e4303e60883e913bf94f4fb5e2a6161");
    g_assert_cmpstr(json_object_get_string_member(exts, "authority_key_id"), ==,
                    "5352d7059e9c15a508906862864801a29f1f41d3");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(exts, "future")), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(object, "signature"), ==, SPEC_NOC_SIGNATURE);
    g_assert_cmpstr(json_object_get_string_member(object, "role"), ==, "noc");
    g_assert_true(json_object_get_boolean_member(object, "role_valid"));
    g_assert_true(json_object_get_null_member(object, "role_error"));
  }

  /* The ICAC from standard input. */
  {
    g_autoptr(GBytes) icac = vector("icac", "tlv");
    g_auto(MdTestCtlResult) result = md_test_ctl_run_input(icac, "cert", "show", "-", "--json");
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *object = md_test_ctl_parse_object(parser, &result, 0), *exts;

    g_assert_cmpstr(json_object_get_string_member(object, "role"), ==, "icac");
    g_assert_cmpstr(dn_value(json_object_get_array_member(object, "subject"), "matter-icac-id"), ==,
                    "CACACACA00000003");
    exts = json_object_get_object_member(object, "extensions");
    g_assert_true(json_object_get_null_member(exts, "extended_key_usage"));
    g_assert_true(json_object_get_boolean_member(
        json_object_get_object_member(exts, "basic_constraints"), "is_ca"));
  }
}

/* The spec certificate @name (TLV) with the hex @old replaced by @new. */
static GBytes *
patched(const char *name, const char *old, const char *new)
{
  g_autoptr(GBytes) tlv = vector(name, "tlv");
  gsize len;
  const guint8 *data = g_bytes_get_data(tlv, &len);
  g_autoptr(GString) hex = g_string_new(NULL);
  guint8 *out;

  for (gsize i = 0; i < len; i++)
    g_string_append_printf(hex, "%02x", data[i]);
  g_assert_cmpuint(g_string_replace(hex, old, new, 0), ==, 1);
  out = g_malloc(hex->len / 2);
  for (gsize i = 0; i < hex->len / 2; i++)
    out[i] = (guint8) (g_ascii_xdigit_value(hex->str[2 * i]) << 4 |
                       g_ascii_xdigit_value(hex->str[2 * i + 1]));
  return g_bytes_new_take(out, hex->len / 2);
}

static void
test_show_roles(void)
{
  /* The ICAC with a fabric id in place of its ICAC id: no role. */
  {
    g_autoptr(GBytes) cert = patched("icac", "37062713", "37062715");
    g_auto(MdTestCtlResult) text = md_test_ctl_run_input(cert, "cert", "show", "-");
    g_auto(MdTestCtlResult) json = md_test_ctl_run_input(cert, "cert", "show", "-", "--json");
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *object;
    g_autofree char *check = NULL;

    g_assert_cmpint(text.status, ==, 0);
    assert_field(md_test_ctl_text(&text), "Subject", "matter-fabric-id=CACACACA00000003");
    assert_field(md_test_ctl_text(&text), "Role", "none");
    check = md_test_field(md_test_ctl_text(&text), "Role check");
    g_assert_true(g_str_has_prefix(check, "no role"));
    object = md_test_ctl_parse_object(parser, &json, 0);
    g_assert_cmpstr(json_object_get_string_member(object, "role"), ==, "none");
    g_assert_false(json_object_get_boolean_member(object, "role_valid"));
  }
  /* The NOC with nonRepudiation added to its key usage. */
  {
    g_autoptr(GBytes) cert = patched("noc", "280118240201360304", "280118240203360304");
    g_auto(MdTestCtlResult) text = md_test_ctl_run_input(cert, "cert", "show", "-");
    g_auto(MdTestCtlResult) json = md_test_ctl_run_input(cert, "cert", "show", "--json", "-");
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *object;
    static const char *const usage[] = { "digitalSignature", "nonRepudiation", NULL };

    g_assert_cmpint(text.status, ==, 0);
    assert_field(md_test_ctl_text(&text), "Key usage", "digitalSignature, nonRepudiation");
    assert_field(md_test_ctl_text(&text), "Role", "noc");
    assert_field(md_test_ctl_text(&text), "Role check",
                 "fails: key usage wrong for the role (MATTER_ERROR_CERT_KEY_USAGE)");
    object = md_test_ctl_parse_object(parser, &json, 0);
    g_assert_false(json_object_get_boolean_member(object, "role_valid"));
    g_assert_cmpstr(json_object_get_string_member(object, "role_error"), ==,
                    "MATTER_ERROR_CERT_KEY_USAGE");
    g_assert_cmpstr(json_object_get_string_member(object, "role_reason"), ==,
                    "key usage wrong for the role");
    md_test_assert_strings(json_object_get_array_member(
                               json_object_get_object_member(object, "extensions"), "key_usage"),
                           usage);
  }
  /* The NOC with a future extension, OID 1.2.3.4, value INTEGER 0. */
  {
    g_autoptr(GBytes) cert = patched("noc", "29f1f41d318300b40",
                                     "29f1f41d330060c300a06032a03040403020100"
                                     "18300b40");
    g_auto(MdTestCtlResult) text = md_test_ctl_run_input(cert, "cert", "show", "-");
    g_auto(MdTestCtlResult) json = md_test_ctl_run_input(cert, "cert", "show", "--json", "-");
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *object, *future;
    JsonArray *list;

    g_assert_cmpint(text.status, ==, 0);
    assert_field(md_test_ctl_text(&text), "Extension", "1.2.3.4 020100");
    assert_field(md_test_ctl_text(&text), "Role check", "ok");
    object = md_test_ctl_parse_object(parser, &json, 0);
    list =
        json_object_get_array_member(json_object_get_object_member(object, "extensions"), "future");
    g_assert_cmpuint(json_array_get_length(list), ==, 1);
    future = json_array_get_object_element(list, 0);
    g_assert_cmpstr(json_object_get_string_member(future, "oid"), ==, "1.2.3.4");
    g_assert_false(json_object_get_boolean_member(future, "critical"));
    g_assert_cmpstr(json_object_get_string_member(future, "value"), ==, "020100");
  }
}

/* ---- validate ---------------------------------------------------------- */

static void
test_validate_spec(void)
{
  static const char *const no_cats[] = { NULL };
  g_autofree char *rcac = vector_path("rcac", "pem");
  g_autofree char *icac = vector_path("icac", "der");
  g_autofree char *noc = vector_path("noc", "tlv");
  g_auto(MdTestCtlResult) text = md_test_ctl_run("cert", "validate", "--rcac", rcac, "--icac", icac,
                                                 "--noc", noc, "--time", IN_VALIDITY);
  g_auto(MdTestCtlResult) json =
      md_test_ctl_run("cert", "validate", "--json", "--rcac", rcac, "--icac", icac, "--noc", noc,
                      "--last-known-good", "2040-10-15");
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object;
  const char *out;

  g_assert_cmpint(text.status, ==, 0);
  g_assert_cmpstr(text.err, ==, "");
  out = md_test_ctl_text(&text);
  g_assert_true(g_str_has_prefix(out, "valid\n"));
  assert_field(out, "Fabric ID", SPEC_FABRIC_ID);
  assert_field(out, "Node ID", SPEC_NODE_ID);
  assert_field(out, "CATs", "none");
  assert_field(out, "Root public key", SPEC_ROOT_KEY);
  assert_field(out, "Checked at", IN_VALIDITY);

  object = md_test_ctl_parse_object(parser, &json, 0);
  g_assert_true(json_object_get_boolean_member(object, "valid"));
  g_assert_true(json_object_get_null_member(object, "error"));
  g_assert_cmpstr(json_object_get_string_member(object, "fabric_id"), ==, SPEC_FABRIC_ID);
  g_assert_cmpstr(json_object_get_string_member(object, "node_id"), ==, SPEC_NODE_ID);
  md_test_assert_strings(json_object_get_array_member(object, "cats"), no_cats);
  g_assert_cmpstr(json_object_get_string_member(object, "root_public_key"), ==, SPEC_ROOT_KEY);
  g_assert_cmpstr(json_object_get_string_member(object, "noc_public_key"), ==, SPEC_NOC_KEY);
  g_assert_cmpstr(json_object_get_string_member(object, "time"), ==, "2040-10-15T00:00:00Z");
  g_assert_cmpstr(json_object_get_string_member(object, "time_source"), ==, "last-known-good");

  /* Without a time option, the system clock's. */
  {
    g_auto(MdTestCtlResult) now =
        md_test_ctl_run("cert", "validate", "--json", "--rcac", rcac, "--icac", icac, "--noc", noc);
    g_autoptr(JsonParser) now_parser = json_parser_new();
    g_autoptr(GDateTime) expiry = g_date_time_new_utc(2040, 10, 15, 14, 23, 42);
    g_autoptr(GDateTime) current = g_date_time_new_now_utc();
    gboolean expired = g_date_time_compare(current, expiry) > 0;

    object = md_test_ctl_parse_object(now_parser, &now, expired ? 1 : 0);
    g_assert_cmpstr(json_object_get_string_member(object, "time_source"), ==, "current");
    g_assert_true(json_object_get_boolean_member(object, "valid") == !expired);
  }
}

/* The spec NOC with one byte of its signature changed. */
static GBytes *
tampered_noc(void)
{
  g_autoptr(GBytes) noc = vector("noc", "tlv");
  gsize len;
  guint8 *data = g_bytes_unref_to_data(g_steal_pointer(&noc), &len);

  /* The signature is the last element: 64 bytes, then end of structure. */
  g_assert_cmphex(data[len - 1], ==, 0x18);
  data[len - 10] ^= 0x01;
  return g_bytes_new_take(data, len);
}

/* "invalid: <reason> (<name>)" and exit status 1. */
static void
assert_invalid(const MdTestCtlResult *result, const char *name)
{
  const char *out = md_test_ctl_text(result);
  g_autofree char *suffix = g_strdup_printf(" (%s)\n", name);

  g_assert_cmpint(result->status, ==, 1);
  g_assert_cmpstr(result->err, ==, "");
  g_assert_true(g_str_has_prefix(out, "invalid: "));
  g_assert_true(g_str_has_suffix(out, suffix));
  g_assert_true(strchr(out, '\n') == out + strlen(out) - 1);
}

static void
test_validate_broken(void)
{
  g_autofree char *rcac = vector_path("rcac", "tlv");
  g_autofree char *icac = vector_path("icac", "tlv");
  g_autofree char *noc = vector_path("noc", "tlv");

  /* The ICAC in the RCAC's place: a CA with an ICAC id is no root. */
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "validate", "--rcac", icac, "--icac",
                                                     icac, "--noc", noc, "--time", IN_VALIDITY);
    assert_invalid(&result, "MATTER_ERROR_CERT_DN_FORBIDDEN");
  }
  /* Without the ICAC, the NOC's issuer is not the RCAC. */
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--noc", noc, "--time", IN_VALIDITY);
    assert_invalid(&result, "MATTER_ERROR_CERT_ISSUER");
  }
  /* A changed signature byte, the NOC read from standard input. */
  {
    g_autoptr(GBytes) bad = tampered_noc();
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run_input(bad, "cert", "validate", "--rcac", rcac, "--icac", icac, "--noc", "-",
                              "--time", IN_VALIDITY);
    g_auto(MdTestCtlResult) json =
        md_test_ctl_run_input(bad, "cert", "validate", "--rcac", rcac, "--icac", icac, "--noc", "-",
                              "--time", IN_VALIDITY, "--json");
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *object;

    assert_invalid(&result, "MATTER_ERROR_INVALID_SIGNATURE");
    g_assert_nonnull(strstr(md_test_ctl_text(&result), "signature does not verify"));
    object = md_test_ctl_parse_object(parser, &json, 1);
    g_assert_false(json_object_get_boolean_member(object, "valid"));
    g_assert_cmpstr(json_object_get_string_member(object, "error"), ==,
                    "MATTER_ERROR_INVALID_SIGNATURE");
    g_assert_cmpstr(json_object_get_string_member(object, "reason"), ==,
                    "signature does not verify");
    g_assert_false(json_object_has_member(object, "node_id"));
  }
  /* Validity: after not-after, before not-before; a last known good time
   * before not-before says nothing against it. */
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--icac", icac, "--noc", noc, "--time",
                        "2041-01-01T00:00:00Z");
    assert_invalid(&result, "MATTER_ERROR_CERT_EXPIRED");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--icac", icac, "--noc", noc, "--time",
                        "2019-06-01T00:00:00+02:00");
    assert_invalid(&result, "MATTER_ERROR_CERT_NOT_YET_VALID");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--icac", icac, "--noc", noc,
                        "--last-known-good", "2019-06-01T00:00:00Z");
    g_assert_cmpint(result.status, ==, 0);
    g_assert_true(g_str_has_prefix(md_test_ctl_text(&result), "valid\n"));
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--icac", icac, "--noc", noc,
                        "--last-known-good", "2040-10-15T14:23:43Z");
    assert_invalid(&result, "MATTER_ERROR_CERT_EXPIRED");
  }
}

/* ---- bad input ---------------------------------------------------------- */

static void
test_bad_input(void)
{
  g_autofree char *dir = md_test_mkdtemp();
  g_autofree char *garbage = g_build_filename(dir, "garbage.tlv", NULL);
  g_autofree char *truncated = g_build_filename(dir, "truncated.tlv", NULL);
  g_autofree char *bad_der = g_build_filename(dir, "bad.der", NULL);
  g_autofree char *empty = g_build_filename(dir, "empty.pem", NULL);
  g_autofree char *bad_pem = g_build_filename(dir, "bad.pem", NULL);
  g_autofree char *missing = g_build_filename(dir, "missing.der", NULL);
  g_autofree char *out = g_build_filename(dir, "out.der", NULL);
  g_autofree char *out_bin = g_build_filename(dir, "out.bin", NULL);
  g_autofree char *rcac = vector_path("rcac", "tlv");
  g_autofree char *noc = vector_path("noc", "tlv");
  g_autoptr(GBytes) noc_bytes = vector("noc", "tlv");
  g_autoptr(GError) error = NULL;

  g_file_set_contents(garbage, "hello, world\n", -1, &error);
  g_assert_no_error(error);
  g_file_set_contents(truncated, g_bytes_get_data(noc_bytes, NULL),
                      (gssize) g_bytes_get_size(noc_bytes) - 1, &error);
  g_assert_no_error(error);
  g_file_set_contents(bad_der, "\x30\x03\x02\x01\x01", 5, &error);
  g_assert_no_error(error);
  g_file_set_contents(empty, "", 0, &error);
  g_assert_no_error(error);
  g_file_set_contents(
      bad_pem, "-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n", -1, &error);
  g_assert_no_error(error);

  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", garbage);
    md_test_ctl_assert_error(&result, 2, "garbage.tlv: not a certificate");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", garbage, out);
    md_test_ctl_assert_error(&result, 2, "garbage.tlv: not a certificate");
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", truncated, "--json");
    md_test_ctl_assert_error(&result, 2, "truncated.tlv: not a valid Matter TLV certificate");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", bad_der);
    md_test_ctl_assert_error(&result, 2, "bad.der: not a Matter certificate in X.509 DER");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", empty);
    md_test_ctl_assert_error(&result, 2, "empty.pem is empty");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", bad_pem);
    md_test_ctl_assert_error(&result, 2, "bad.pem: malformed PEM");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", missing);
    md_test_ctl_assert_error(&result, 2, "cannot read");
    g_assert_nonnull(strstr(result.err, "missing.der"));
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", noc, out, "--to", "xml");
    md_test_ctl_assert_error(&result, 2, "'xml'");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", noc, out_bin);
    md_test_ctl_assert_error(&result, 2, "--to");
    g_assert_false(g_file_test(out_bin, G_FILE_TEST_EXISTS));
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "convert", noc);
    md_test_ctl_assert_error(&result, 2, "convert");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--noc", garbage);
    md_test_ctl_assert_error(&result, 2, "garbage.tlv: not a certificate");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", missing, "--noc", noc, "--json");
    md_test_ctl_assert_error(&result, 2, "missing.der");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "validate", "--rcac", rcac);
    md_test_ctl_assert_error(&result, 2, "--noc");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--noc", noc, "--time", "yesterday");
    md_test_ctl_assert_error(&result, 2, "yesterday");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "validate", "--rcac", rcac, "--noc",
                                                     noc, "--time", "1999-12-31T23:59:59Z");
    md_test_ctl_assert_error(&result, 2, "--time");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("cert", "validate", "--rcac", rcac, "--noc", noc, "--time", IN_VALIDITY,
                        "--last-known-good", IN_VALIDITY);
    md_test_ctl_assert_error(&result, 2, "exclude");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "show", noc, "--bogus");
    md_test_ctl_assert_error(&result, 2, "--bogus");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert", "frobnicate");
    md_test_ctl_assert_error(&result, 2, "frobnicate");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("cert");
    md_test_ctl_assert_error(&result, 2, "convert");
  }
  md_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/matterctl/cert/convert-chain", test_convert_chain);
  g_test_add_func("/matterctl/cert/convert-formats", test_convert_formats);
  g_test_add_func("/matterctl/cert/convert-stdio", test_convert_stdio);
  g_test_add_func("/matterctl/cert/show-text", test_show_text);
  g_test_add_func("/matterctl/cert/show-json", test_show_json);
  g_test_add_func("/matterctl/cert/show-roles", test_show_roles);
  g_test_add_func("/matterctl/cert/validate-spec", test_validate_spec);
  g_test_add_func("/matterctl/cert/validate-broken", test_validate_broken);
  g_test_add_func("/matterctl/cert/bad-input", test_bad_input);
  return g_test_run();
}
