/* SPDX-License-Identifier: Apache-2.0 */
/* DAC/PAI/PAA rules and chains, development credentials, keys, and the
 * attestation elements with their signature.
 *
 * Vectors:
 * - the example PAA, PAI and DACs (preferred and fallback vendor/product
 *   id encoding) with their keys, Core spec 6.2.2.3-5
 *   (core-ch6-device-attestation-certificates-access-control.txt);
 * - project-chip/connectedhomeip
 *   credentials/test/attestation/Chip-Test-DAC-FFF1-8000-0000-Cert.pem
 *   (issued by the spec's example PAI) and Chip-Test-PAA-FFF1-Cert.pem (a
 *   PAA without vendor id and path length);
 * - the attestation elements of project-chip/connectedhomeip
 *   src/credentials/tests/TestDeviceAttestationConstruction.cpp.
 * Every rule is also broken once on certificates built here. */
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "matter/attestation.h"
#include "md-test-core.h"
#include "md-test.h"

/* ---- Vectors ------------------------------------------------------------ */

static const char spec_paa_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBvTCCAWSgAwIBAgIITqjoMYLUHBwwCgYIKoZIzj0EAwIwMDEYMBYGA1UEAwwP\n"
    "TWF0dGVyIFRlc3QgUEFBMRQwEgYKKwYBBAGConwCAQwERkZGMTAgFw0yMTA2Mjgx\n"
    "NDIzNDNaGA85OTk5MTIzMTIzNTk1OVowMDEYMBYGA1UEAwwPTWF0dGVyIFRlc3Qg\n"
    "UEFBMRQwEgYKKwYBBAGConwCAQwERkZGMTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
    "A0IABLbLY3KIfyko9brIGqnZOuJDHK2p154kL2UXfvnO2TKijs0Duq9qj8oYShpQ\n"
    "NUKWDUU/MD8fGUIddR6Pjxqam3WjZjBkMBIGA1UdEwEB/wQIMAYBAf8CAQEwDgYD\n"
    "VR0PAQH/BAQDAgEGMB0GA1UdDgQWBBRq/SJ3H1Ef7L8WQZdnENzcMaFxfjAfBgNV\n"
    "HSMEGDAWgBRq/SJ3H1Ef7L8WQZdnENzcMaFxfjAKBggqhkjOPQQDAgNHADBEAiBQ\n"
    "qoAC9NkyqaAFOPZTaK0P/8jvu8m+t9pWmDXPmqdRDgIgI7rI/g8j51RFtlM5CBpH\n"
    "mUkpxyqvChVI1A0DTVFLJd4=\n"
    "-----END CERTIFICATE-----\n";

static const char spec_pai_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB1DCCAXqgAwIBAgIIPmzmUJrYQM0wCgYIKoZIzj0EAwIwMDEYMBYGA1UEAwwP\n"
    "TWF0dGVyIFRlc3QgUEFBMRQwEgYKKwYBBAGConwCAQwERkZGMTAgFw0yMTA2Mjgx\n"
    "NDIzNDNaGA85OTk5MTIzMTIzNTk1OVowRjEYMBYGA1UEAwwPTWF0dGVyIFRlc3Qg\n"
    "UEFJMRQwEgYKKwYBBAGConwCAQwERkZGMTEUMBIGCisGAQQBgqJ8AgIMBDgwMDAw\n"
    "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASA3fEbIo8+MfY7z1eY2hRiOuu96C7z\n"
    "eO6tv7GP4avOMdCO1LIGBLbMxtm1+rZOfeEMt0vgF8nsFRYFbXDyzQsio2YwZDAS\n"
    "BgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUr0K3\n"
    "CU3r1RXsbs8zuBEVIl8yUogwHwYDVR0jBBgwFoAUav0idx9RH+y/FkGXZxDc3DGh\n"
    "cX4wCgYIKoZIzj0EAwIDSAAwRQIhAJbJyM8uAYhgBdj1vHLAe3X9mldpWsSRETET\n"
    "i+oDPOUDAiAlVJQ75X1T1sR199I+v8/CA2zSm6Y5PsfvrYcUq3GCGQ==\n"
    "-----END CERTIFICATE-----\n";

static const char spec_pai_key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIEZ7LYpps1z+a9sPw2qBp9jj5F0GLffNuCJY88hAHcMYoAoGCCqGSM49\n"
    "AwEHoUQDQgAEgN3xGyKPPjH2O89XmNoUYjrrvegu83jurb+xj+GrzjHQjtSyBgS2\n"
    "zMbZtfq2Tn3hDLdL4BfJ7BUWBW1w8s0LIg==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char spec_dac_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB6TCCAY+gAwIBAgIIDgY7dCvPvl0wCgYIKoZIzj0EAwIwRjEYMBYGA1UEAwwP\n"
    "TWF0dGVyIFRlc3QgUEFJMRQwEgYKKwYBBAGConwCAQwERkZGMTEUMBIGCisGAQQB\n"
    "gqJ8AgIMBDgwMDAwIBcNMjEwNjI4MTQyMzQzWhgPOTk5OTEyMzEyMzU5NTlaMEsx\n"
    "HTAbBgNVBAMMFE1hdHRlciBUZXN0IERBQyAwMDAxMRQwEgYKKwYBBAGConwCAQwE\n"
    "RkZGMTEUMBIGCisGAQQBgqJ8AgIMBDgwMDAwWTATBgcqhkjOPQIBBggqhkjOPQMB\n"
    "BwNCAATCJYMix9xyc3wzvu1wczeqJIW8Rnk+TVrJp1rXQ1JmyQoCjuyvJlD+cAnv\n"
    "/K7L6tHyw9EkNd7C6tPZkpW/ztbDo2AwXjAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB\n"
    "/wQEAwIHgDAdBgNVHQ4EFgQUlsLZJJTql4XA0WcI44jxwJHqD9UwHwYDVR0jBBgw\n"
    "FoAUr0K3CU3r1RXsbs8zuBEVIl8yUogwCgYIKoZIzj0EAwIDSAAwRQIgX8sppA08\n"
    "NabozmBlxtCdphc9xbJF7DIEkePTSTK3PhcCIQC0VpkPUgUQBFo4j3VOdxVAoESX\n"
    "kjGWRV5EDWgl2WEDZA==\n"
    "-----END CERTIFICATE-----\n";

/* The same key, "CN = Matter Test DAC 0001 Mvid:FFF1 Mpid:8000". */
static const char spec_dac_fallback_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB0DCCAXegAwIBAgIIbec9lw3wZpAwCgYIKoZIzj0EAwIwRjEYMBYGA1UEAwwP\n"
    "TWF0dGVyIFRlc3QgUEFJMRQwEgYKKwYBBAGConwCAQwERkZGMTEUMBIGCisGAQQB\n"
    "gqJ8AgIMBDgwMDAwIBcNMjEwNjI4MTQyMzQzWhgPOTk5OTEyMzEyMzU5NTlaMDMx\n"
    "MTAvBgNVBAMMKE1hdHRlciBUZXN0IERBQyAwMDAxIE12aWQ6RkZGMSBNcGlkOjgw\n"
    "MDAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATCJYMix9xyc3wzvu1wczeqJIW8\n"
    "Rnk+TVrJp1rXQ1JmyQoCjuyvJlD+cAnv/K7L6tHyw9EkNd7C6tPZkpW/ztbDo2Aw\n"
    "XjAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDAdBgNVHQ4EFgQUlsLZJJTq\n"
    "l4XA0WcI44jxwJHqD9UwHwYDVR0jBBgwFoAUr0K3CU3r1RXsbs8zuBEVIl8yUogw\n"
    "CgYIKoZIzj0EAwIDRwAwRAIgbvYsHaGRTg1JzPTB6TqfVFPABF8LCYkEP1AvV7Ah\n"
    "yL4CIACKW3A6YixqtqKfkwuvw81mMVymqafU8kx5k1c0zqbe\n"
    "-----END CERTIFICATE-----\n";

static const char spec_dac_key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIHtcWp+0aVVH+DAQ38iXpphqmT7LfMnMD4V/kIqszwfuoAoGCCqGSM49\n"
    "AwEHoUQDQgAEwiWDIsfccnN8M77tcHM3qiSFvEZ5Pk1ayada10NSZskKAo7sryZQ\n"
    "/nAJ7/yuy+rR8sPRJDXewurT2ZKVv87Www==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char spec_dac_public_hex[] =
    "04c2258322c7dc72737c33beed707337aa2485bc46793e4d5ac9a75ad7435266c9"
    "0a028eecaf2650fe7009effcaecbead1f2c3d12435dec2ead3d99295bfced6c3";
static const char spec_paa_skid_hex[] = "6afd22771f511fecbf1641976710dcdc31a1717e";
static const char spec_pai_skid_hex[] = "af42b7094debd515ec6ecf33b81115225f325288";

/* credentials/test/attestation/Chip-Test-DAC-FFF1-8000-0000-Cert.pem */
static const char sdk_dac_0000_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB6TCCAY+gAwIBAgIIG9Y4GPFEp5cwCgYIKoZIzj0EAwIwRjEYMBYGA1UEAwwP\n"
    "TWF0dGVyIFRlc3QgUEFJMRQwEgYKKwYBBAGConwCAQwERkZGMTEUMBIGCisGAQQB\n"
    "gqJ8AgIMBDgwMDAwIBcNMjEwNjI4MTQyMzQzWhgPOTk5OTEyMzEyMzU5NTlaMEsx\n"
    "HTAbBgNVBAMMFE1hdHRlciBUZXN0IERBQyAwMDAwMRQwEgYKKwYBBAGConwCAQwE\n"
    "RkZGMTEUMBIGCisGAQQBgqJ8AgIMBDgwMDAwWTATBgcqhkjOPQIBBggqhkjOPQMB\n"
    "BwNCAAT8oTjJK3bhzROHPBnqGXKYSFV4wV230pjRhCX8aEPNUIAo72N0uwvdCTwq\n"
    "DUPG1tLGexArzyBwMdpswOMWT+A1o2AwXjAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB\n"
    "/wQEAwIHgDAdBgNVHQ4EFgQU5XCI9Ejm/5/iAJdEUov57AgvwR8wHwYDVR0jBBgw\n"
    "FoAUr0K3CU3r1RXsbs8zuBEVIl8yUogwCgYIKoZIzj0EAwIDSAAwRQIgBW7jMFwb\n"
    "LoDiJguE1FKOUtrvC4Ab1JLoPveGT8USjEwCIQDph/Qb+Pq+SBBV253a+Kd1VSQs\n"
    "OLXNjr7WcwaNdVKy/Q==\n"
    "-----END CERTIFICATE-----\n";

/* credentials/test/attestation/Chip-Test-PAA-FFF1-Cert.pem */
static const char sdk_paa_fff1_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBlzCCAT2gAwIBAgIIYwzoqkaJ0oswCgYIKoZIzj0EAwIwHzEdMBsGA1UEAwwU\n"
    "TWF0dGVyIFRlc3QgUEFBIEZGRjEwHhcNMjEwNjI4MTQyMzQzWhcNNDEwNjI4MTQy\n"
    "MzQyWjAfMR0wGwYDVQQDDBRNYXR0ZXIgVGVzdCBQQUEgRkZGMTBZMBMGByqGSM49\n"
    "AgEGCCqGSM49AwEHA0IABCZWek7mw+ydJL2fTOfW4lfV1AmeFiSeumsku/+1yRNW\n"
    "NO3XG/U4EJpcK5QZqp54c0SQGQznM1+142I8cl7MdpqjYzBhMA8GA1UdEwEB/wQF\n"
    "MAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBRrelhB3iUDzkEGgKRDEymH\n"
    "egYd8DAfBgNVHSMEGDAWgBRrelhB3iUDzkEGgKRDEymHegYd8DAKBggqhkjOPQQD\n"
    "AgNIADBFAiEAjwDTY+13fdPJ9In1CMWyzo4HZgBkVboqU4ckW0R0oR8CIB/kBoOW\n"
    "TUpFFXv6vt6bYYqvuBlxiM/yACV6jj3gN8a1\n"
    "-----END CERTIFICATE-----\n";

/* TestDeviceAttestationConstruction.cpp: a declaration (opaque bytes), a
 * nonce, timestamp 677103357 and two vendor-reserved elements (vendor
 * 0xFFF1, profile 0x003E, tags 1 and 3). */
static const char sdk_elements_hex[] =
    "15300170d2844ba201260446637361636430a0581d15250188992502feff2503d20425042e162405aa2506dec0"
    "2507942618584096572dd63c03640b286702bd6bba48ac7c83549b6873294748b951d5ab66622e9d261041f80e"
    "9749feff7810024967aedf4138365b0a2257149c9a123e0d30aa300220e0421b91c6fdcdb40e2a4d2cf31db2b4"
    "e18b411b1d3ad4d12a9d90aa8e52fae22603fdc65b28d0f1ff3e0001001773616d706c655f76656e646f725f72"
    "6573657276656431d0f1ff3e0003001876656e646f725f7265736572766564335f6578616d706c6518";
static const char sdk_firmware_hex[] =
    "3067800105a162302fa00b8009608648016503040201812000112233445566778899aabbccddeeff0011223344"
    "5566778899aabbccddeeff302fa00b80096086480165030402018120101112131415161718191a1b1c1d1e1f10"
    "1112131415161718191a1b1c1d1e1f";
#define SDK_TIMESTAMP 677103357u
#define SDK_CD_LEN 0x70
#define SDK_CD_OFFSET 4
#define SDK_NONCE_OFFSET (SDK_CD_OFFSET + SDK_CD_LEN + 3)
/* Where the vendor-reserved elements start. */
#define SDK_VENDOR_OFFSET (SDK_NONCE_OFFSET + 32 + 6)

/* ---- Helpers ------------------------------------------------------------ */

static const guint8 *
pem(const char *text, gsize *len)
{
  *len = strlen(text);
  return (const guint8 *) text;
}

static EVP_PKEY *
new_key(const char *curve)
{
  EVP_PKEY *key = EVP_EC_gen(curve);

  g_assert_nonnull(key);
  return key;
}

/* ---- Certificates built here, to break one rule at a time --------------- */

typedef struct {
  long version;
  const char *cn;
  const char *vid, *pid; /* Matter attributes, NULL for none */
  const char *extra_oid; /* one more attribute, e.g. a second vendor id */
  const char *extra_value;
  const char *basic_constraints; /* extension values, NULL to leave out */
  const char *key_usage;
  const char *san;
  const char *critical_oid; /* an extension nobody knows, critical */
  gboolean no_skid, no_akid;
  const EVP_MD *md;
  const char *not_before, *not_after;
  EVP_PKEY *key;          /* the subject's */
  X509 *issuer;           /* NULL: self-issued */
  X509_NAME *issuer_name; /* in place of the issuer's subject */
  X509 *akid_from;        /* in place of the issuer, for the authority key id */
  EVP_PKEY *signer;
} CertSpec;

static void
add_entry(X509_NAME *name, const char *field, const char *value)
{
  g_assert_cmpint(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                             (const unsigned char *) value, -1, -1, 0),
                  ==, 1);
}

static X509_NAME *
spec_name(const CertSpec *spec)
{
  X509_NAME *name = X509_NAME_new();

  if (spec->cn != NULL)
    add_entry(name, "CN", spec->cn);
  if (spec->vid != NULL)
    add_entry(name, "1.3.6.1.4.1.37244.2.1", spec->vid);
  if (spec->pid != NULL)
    add_entry(name, "1.3.6.1.4.1.37244.2.2", spec->pid);
  if (spec->extra_oid != NULL)
    add_entry(name, spec->extra_oid, spec->extra_value);
  return name;
}

static void
add_ext(X509 *x509, X509V3_CTX *ctx, const char *name, const char *value)
{
  X509_EXTENSION *ext;

  if (value == NULL)
    return;
  ext = X509V3_EXT_nconf(NULL, ctx, name, value);
  g_assert_nonnull(ext);
  g_assert_cmpint(X509_add_ext(x509, ext, -1), ==, 1);
  X509_EXTENSION_free(ext);
}

static X509 *
build(const CertSpec *spec)
{
  X509 *x509 = X509_new();
  X509_NAME *name = spec_name(spec);
  X509V3_CTX ctx;

  g_assert_cmpint(X509_set_version(x509, spec->version), ==, 1);
  g_assert_cmpint(ASN1_INTEGER_set(X509_get_serialNumber(x509), 0x1234), ==, 1);
  g_assert_cmpint(X509_set_subject_name(x509, name), ==, 1);
  g_assert_cmpint(X509_set_issuer_name(x509, spec->issuer_name != NULL ? spec->issuer_name
                                             : spec->issuer != NULL
                                                 ? X509_get_subject_name(spec->issuer)
                                                 : name),
                  ==, 1);
  g_assert_cmpint(ASN1_TIME_set_string_X509(X509_getm_notBefore(x509), spec->not_before != NULL
                                                                           ? spec->not_before
                                                                           : "20240101000000Z"),
                  ==, 1);
  g_assert_cmpint(ASN1_TIME_set_string_X509(X509_getm_notAfter(x509), spec->not_after != NULL
                                                                          ? spec->not_after
                                                                          : "99991231235959Z"),
                  ==, 1);
  g_assert_cmpint(X509_set_pubkey(x509, spec->key), ==, 1);
  X509V3_set_ctx(&ctx,
                 spec->akid_from != NULL ? spec->akid_from
                 : spec->issuer != NULL  ? spec->issuer
                                         : x509,
                 x509, NULL, NULL, 0);
  add_ext(x509, &ctx, "basicConstraints", spec->basic_constraints);
  add_ext(x509, &ctx, "keyUsage", spec->key_usage);
  add_ext(x509, &ctx, "subjectKeyIdentifier", spec->no_skid ? NULL : "hash");
  add_ext(x509, &ctx, "authorityKeyIdentifier", spec->no_akid ? NULL : "keyid:always");
  add_ext(x509, &ctx, "subjectAltName", spec->san);
  add_ext(x509, &ctx, spec->critical_oid, spec->critical_oid != NULL ? "critical,DER:0500" : NULL);
  g_assert_cmpint(X509_sign(x509, spec->signer, spec->md != NULL ? spec->md : EVP_sha256()), >, 0);
  X509_NAME_free(name);
  return x509;
}

static GBytes *
der_of(X509 *x509)
{
  unsigned char *der = NULL;
  int len = i2d_X509(x509, &der);
  GBytes *bytes;

  g_assert_cmpint(len, >, 0);
  bytes = g_bytes_new(der, (gsize) len);
  OPENSSL_free(der);
  return bytes;
}

typedef struct {
  EVP_PKEY *paa_key, *pai_key, *dac_key, *other_key, *extra_key;
  CertSpec paa, pai, dac;
  X509 *other; /* a certificate of other_key, for stray key ids */
  X509_NAME *other_name;
  X509_NAME *names[2]; /* issuer names the cases make */
} Fixture;

/* A name built from @spec's fields, freed with the fixture. */
static X509_NAME *
fixture_name(Fixture *f, const CertSpec *spec)
{
  int i = f->names[0] == NULL ? 0 : 1;

  g_assert_null(f->names[i]);
  f->names[i] = spec_name(spec);
  return f->names[i];
}

static void
fixture_init(Fixture *f)
{
  CertSpec other = { .version = X509_VERSION_3, .cn = "Other", .vid = "FFF1" };

  memset(f, 0, sizeof(*f));
  f->paa_key = new_key("P-256");
  f->pai_key = new_key("P-256");
  f->dac_key = new_key("P-256");
  f->other_key = new_key("P-256");
  f->paa = (CertSpec){ .version = X509_VERSION_3,
                       .cn = "Test PAA",
                       .vid = "FFF1",
                       .basic_constraints = "critical,CA:TRUE,pathlen:1",
                       .key_usage = "critical,keyCertSign,cRLSign",
                       .key = f->paa_key,
                       .signer = f->paa_key };
  f->pai = (CertSpec){ .version = X509_VERSION_3,
                       .cn = "Test PAI",
                       .vid = "FFF1",
                       .pid = "8000",
                       .basic_constraints = "critical,CA:TRUE,pathlen:0",
                       .key_usage = "critical,keyCertSign,cRLSign",
                       .key = f->pai_key,
                       .signer = f->paa_key };
  f->dac = (CertSpec){ .version = X509_VERSION_3,
                       .cn = "Test DAC",
                       .vid = "FFF1",
                       .pid = "8000",
                       .basic_constraints = "critical,CA:FALSE",
                       .key_usage = "critical,digitalSignature",
                       .key = f->dac_key,
                       .signer = f->pai_key };
  other.key = other.signer = f->other_key;
  other.basic_constraints = "critical,CA:TRUE,pathlen:1";
  f->other = build(&other);
  f->other_name = X509_NAME_new();
  add_entry(f->other_name, "CN", "Elsewhere");
}

static void
fixture_clear(Fixture *f)
{
  EVP_PKEY_free(f->paa_key);
  EVP_PKEY_free(f->pai_key);
  EVP_PKEY_free(f->dac_key);
  EVP_PKEY_free(f->other_key);
  EVP_PKEY_free(f->extra_key);
  X509_free(f->other);
  X509_NAME_free(f->other_name);
  X509_NAME_free(f->names[0]);
  X509_NAME_free(f->names[1]);
}

/* Builds PAA, PAI and DAC from the fixture's specs and verifies them. */
static MatterError
verify_fixture(Fixture *f, MatterAttestationChain *chain, MatterAttestationRole *failed,
               GBytes *ders[3])
{
  X509 *paa, *pai, *dac;
  MatterError err;

  f->pai.issuer = paa = build(&f->paa);
  f->dac.issuer = pai = build(&f->pai);
  dac = build(&f->dac);
  ders[0] = der_of(dac);
  ders[1] = der_of(pai);
  ders[2] = der_of(paa);
  err = matter_attestation_chain_verify(g_bytes_get_data(ders[0], NULL), g_bytes_get_size(ders[0]),
                                        g_bytes_get_data(ders[1], NULL), g_bytes_get_size(ders[1]),
                                        g_bytes_get_data(ders[2], NULL), g_bytes_get_size(ders[2]),
                                        chain, failed);
  X509_free(paa);
  X509_free(pai);
  X509_free(dac);
  return err;
}

/* ---- One rule broken per case ------------------------------------------- */

typedef struct {
  const char *name;
  MatterAttestationRole role; /* the certificate at fault */
  MatterError error;
  gboolean single; /* matter_attestation_cert_check() alone sees it */
  void (*mutate)(Fixture *f);
} RuleCase;

static void
dac_v1(Fixture *f)
{
  f->dac.version = X509_VERSION_1;
}
static void
dac_sha384(Fixture *f)
{
  f->dac.md = EVP_sha384();
}
static void
dac_p384(Fixture *f)
{
  f->dac.key = f->extra_key = new_key("P-384");
}
static void
dac_ca(Fixture *f)
{
  f->dac.basic_constraints = "critical,CA:TRUE";
}
static void
dac_bc_not_critical(Fixture *f)
{
  f->dac.basic_constraints = "CA:FALSE";
}
static void
dac_no_bc(Fixture *f)
{
  f->dac.basic_constraints = NULL;
}
static void
dac_pathlen(Fixture *f)
{
  f->dac.basic_constraints = "critical,CA:FALSE,pathlen:0";
}
static void
dac_ku_cert_sign(Fixture *f)
{
  f->dac.key_usage = "critical,digitalSignature,keyCertSign";
}
static void
dac_ku_not_critical(Fixture *f)
{
  f->dac.key_usage = "digitalSignature";
}
static void
dac_no_ku(Fixture *f)
{
  f->dac.key_usage = NULL;
}
static void
dac_no_skid(Fixture *f)
{
  f->dac.no_skid = TRUE;
}
static void
dac_no_akid(Fixture *f)
{
  f->dac.no_akid = TRUE;
}
static void
dac_no_vid(Fixture *f)
{
  f->dac.vid = NULL;
}
static void
dac_two_vids(Fixture *f)
{
  f->dac.extra_oid = "1.3.6.1.4.1.37244.2.1";
  f->dac.extra_value = "FFF1";
}
static void
dac_lower_vid(Fixture *f)
{
  f->dac.vid = "fff1";
}
static void
dac_short_vid(Fixture *f)
{
  f->dac.vid = "FFF";
}
static void
dac_vid_not_issuers(Fixture *f)
{
  f->dac.vid = "FFF2";
}
static void
dac_no_pid(Fixture *f)
{
  f->dac.pid = NULL;
}
static void
dac_pid_not_issuers(Fixture *f)
{
  f->dac.pid = "8001";
}
static void
dac_too_big(Fixture *f)
{
  f->dac.san = "URI:https://example.com/a-rather-long-path/that-makes-the-certificate-larger,"
               "URI:https://example.com/another-rather-long-path/that-makes-it-larger-still,"
               "URI:https://example.com/and-a-third-one/so-that-it-passes-six-hundred-bytes";
}
static void
dac_unknown_critical(Fixture *f)
{
  f->dac.critical_oid = "1.2.3.4.5";
}
static void
pai_pathlen_1(Fixture *f)
{
  f->pai.basic_constraints = "critical,CA:TRUE,pathlen:1";
}
static void
pai_no_pathlen(Fixture *f)
{
  f->pai.basic_constraints = "critical,CA:TRUE";
}
static void
pai_ku_signature(Fixture *f)
{
  f->pai.key_usage = "critical,digitalSignature";
}
static void
pai_ku_extra(Fixture *f)
{
  f->pai.key_usage = "critical,keyCertSign,cRLSign,keyEncipherment";
}
static void
pai_no_vid(Fixture *f)
{
  f->pai.vid = NULL;
}
static void
pai_two_pids(Fixture *f)
{
  f->pai.extra_oid = "1.3.6.1.4.1.37244.2.2";
  f->pai.extra_value = "8000";
}
static void
pai_long_pid(Fixture *f)
{
  f->pai.pid = "80000";
}
/* A product id attribute turns the common name's "Mvid:" off. */
static void
pai_mixed(Fixture *f)
{
  f->pai.vid = NULL;
  f->pai.cn = "Test PAI Mvid:FFF1";
}
static void
pai_no_akid(Fixture *f)
{
  f->pai.no_akid = TRUE;
}
static void
paa_pathlen_0(Fixture *f)
{
  f->paa.basic_constraints = "critical,CA:TRUE,pathlen:0";
}
static void
paa_not_ca(Fixture *f)
{
  f->paa.basic_constraints = "critical,CA:FALSE";
}
static void
paa_no_crl_sign(Fixture *f)
{
  f->paa.key_usage = "critical,keyCertSign";
}
static void
paa_pid(Fixture *f)
{
  f->paa.pid = "8000";
}
static void
paa_two_vids(Fixture *f)
{
  f->paa.extra_oid = "1.3.6.1.4.1.37244.2.1";
  f->paa.extra_value = "FFF1";
}
static void
paa_issuer(Fixture *f)
{
  f->paa.issuer_name = f->other_name;
}
static void
paa_foreign_akid(Fixture *f)
{
  f->paa.akid_from = f->other;
}
/* The PAI then cannot name the PAA's key id either. */
static void
paa_no_skid(Fixture *f)
{
  f->paa.no_skid = f->paa.no_akid = f->pai.no_akid = TRUE;
}
static void
paa_sha1(Fixture *f)
{
  f->paa.md = EVP_sha1();
}

/* The DAC and its issuer field say FFF2, the PAI says FFF1. */
static void
chain_dac_vid(Fixture *f)
{
  CertSpec name = { .cn = "Test PAI", .vid = "FFF2", .pid = "8000" };

  f->dac.vid = "FFF2";
  f->dac.issuer_name = fixture_name(f, &name);
}

/* The PAI names its issuer without a vendor id; the PAA has FFF2. */
static void
chain_paa_vid(Fixture *f)
{
  CertSpec name = { .cn = "Test PAA" };

  f->paa.vid = "FFF2";
  f->pai.issuer_name = fixture_name(f, &name);
}

static void
chain_dac_pid(Fixture *f)
{
  CertSpec name = { .cn = "Test PAI", .vid = "FFF1", .pid = "8001" };

  f->dac.pid = "8001";
  f->dac.issuer_name = fixture_name(f, &name);
}

static void
chain_dac_issuer_name(Fixture *f)
{
  CertSpec name = { .cn = "Another PAI", .vid = "FFF1", .pid = "8000" };

  f->dac.issuer_name = fixture_name(f, &name);
}

static void
chain_dac_akid(Fixture *f)
{
  f->dac.akid_from = f->other;
}
static void
chain_pai_akid(Fixture *f)
{
  f->pai.akid_from = f->other;
}

static void
chain_pai_issuer_name(Fixture *f)
{
  CertSpec name = { .cn = "Another PAA", .vid = "FFF1" };

  f->pai.issuer_name = fixture_name(f, &name);
}

static void
chain_dac_expired(Fixture *f)
{
  f->dac.not_after = "20231231235959Z";
}
static void
chain_pai_later(Fixture *f)
{
  f->pai.not_before = "20250101000000Z";
}
static void
chain_paa_expired(Fixture *f)
{
  f->paa.not_before = "20200101000000Z";
  f->paa.not_after = "20231231235959Z";
}
static void
chain_dac_signer(Fixture *f)
{
  f->dac.signer = f->other_key;
}
static void
chain_pai_signer(Fixture *f)
{
  f->pai.signer = f->other_key;
}
static void
chain_paa_signer(Fixture *f)
{
  f->paa.signer = f->other_key;
}

static const RuleCase rule_cases[] = {
  { "dac/version-1", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VERSION, TRUE, dac_v1 },
  { "dac/ecdsa-with-sha384", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_SIGNATURE_ALGORITHM,
    TRUE, dac_sha384 },
  { "dac/p384-key", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_PUBLIC_KEY, TRUE, dac_p384 },
  { "dac/ca", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE, dac_ca },
  { "dac/basic-constraints-not-critical", MATTER_ATTESTATION_DAC,
    MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE, dac_bc_not_critical },
  { "dac/no-basic-constraints", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS,
    TRUE, dac_no_bc },
  { "dac/path-length", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE,
    dac_pathlen },
  { "dac/key-cert-sign", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_KEY_USAGE, TRUE,
    dac_ku_cert_sign },
  { "dac/key-usage-not-critical", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_KEY_USAGE, TRUE,
    dac_ku_not_critical },
  { "dac/no-key-usage", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_KEY_USAGE, TRUE,
    dac_no_ku },
  { "dac/no-subject-key-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_KEY_ID, TRUE,
    dac_no_skid },
  { "dac/no-authority-key-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_KEY_ID, TRUE,
    dac_no_akid },
  { "dac/no-vendor-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    dac_no_vid },
  { "dac/two-vendor-ids", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    dac_two_vids },
  { "dac/lower-case-vendor-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    dac_lower_vid },
  { "dac/short-vendor-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    dac_short_vid },
  { "dac/vendor-id-not-issuers", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    dac_vid_not_issuers },
  { "dac/no-product-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_PRODUCT_ID, TRUE,
    dac_no_pid },
  { "dac/product-id-not-issuers", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_PRODUCT_ID, TRUE,
    dac_pid_not_issuers },
  { "dac/over-600-bytes", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_SIZE, TRUE,
    dac_too_big },
  { "dac/unknown-critical-extension", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_FORMAT, TRUE,
    dac_unknown_critical },
  { "pai/path-length-1", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE,
    pai_pathlen_1 },
  { "pai/no-path-length", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE,
    pai_no_pathlen },
  { "pai/digital-signature", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_KEY_USAGE, TRUE,
    pai_ku_signature },
  { "pai/key-encipherment", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_KEY_USAGE, TRUE,
    pai_ku_extra },
  { "pai/no-vendor-id", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    pai_no_vid },
  { "pai/two-product-ids", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_PRODUCT_ID, TRUE,
    pai_two_pids },
  { "pai/long-product-id", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_PRODUCT_ID, TRUE,
    pai_long_pid },
  { "pai/methods-mixed", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    pai_mixed },
  { "pai/no-authority-key-id", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_KEY_ID, TRUE,
    pai_no_akid },
  { "paa/path-length-0", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE,
    paa_pathlen_0 },
  { "paa/not-ca", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS, TRUE,
    paa_not_ca },
  { "paa/no-crl-sign", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_KEY_USAGE, TRUE,
    paa_no_crl_sign },
  { "paa/product-id", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_PRODUCT_ID, TRUE, paa_pid },
  { "paa/two-vendor-ids", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_VENDOR_ID, TRUE,
    paa_two_vids },
  { "paa/issuer-not-subject", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_ISSUER, TRUE,
    paa_issuer },
  { "paa/foreign-authority-key-id", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_KEY_ID, TRUE,
    paa_foreign_akid },
  { "paa/no-subject-key-id", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_KEY_ID, TRUE,
    paa_no_skid },
  { "paa/ecdsa-with-sha1", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_SIGNATURE_ALGORITHM,
    TRUE, paa_sha1 },
  { "chain/dac-vendor-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VENDOR_ID_MISMATCH,
    FALSE, chain_dac_vid },
  { "chain/paa-vendor-id", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_VENDOR_ID_MISMATCH,
    FALSE, chain_paa_vid },
  { "chain/dac-product-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_PRODUCT_ID_MISMATCH,
    FALSE, chain_dac_pid },
  { "chain/dac-issuer-name", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_ISSUER, FALSE,
    chain_dac_issuer_name },
  { "chain/dac-authority-key-id", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_ISSUER, FALSE,
    chain_dac_akid },
  { "chain/pai-issuer-name", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_ISSUER, FALSE,
    chain_pai_issuer_name },
  { "chain/pai-authority-key-id", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_ISSUER, FALSE,
    chain_pai_akid },
  { "chain/dac-expired", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_VALIDITY, FALSE,
    chain_dac_expired },
  { "chain/pai-not-yet-valid", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_VALIDITY, FALSE,
    chain_pai_later },
  { "chain/paa-expired", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_VALIDITY, FALSE,
    chain_paa_expired },
  { "chain/dac-signature", MATTER_ATTESTATION_DAC, MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE, FALSE,
    chain_dac_signer },
  { "chain/pai-signature", MATTER_ATTESTATION_PAI, MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE, FALSE,
    chain_pai_signer },
  { "chain/paa-signature", MATTER_ATTESTATION_PAA, MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE, FALSE,
    chain_paa_signer },
};

static void
test_rule(gconstpointer data)
{
  const RuleCase *rule = data;
  Fixture f;
  MatterAttestationRole failed = (MatterAttestationRole) -1;
  GBytes *ders[3];
  MatterError err;

  fixture_init(&f);
  rule->mutate(&f);
  err = verify_fixture(&f, NULL, &failed, ders);
  if (err != rule->error)
    g_error("%s: got %s, want %s", rule->name, matter_error_name(err),
            matter_error_name(rule->error));
  g_assert_cmpint(failed, ==, rule->role);
  if (rule->single) {
    static const int index[] = {
      [MATTER_ATTESTATION_DAC] = 0, [MATTER_ATTESTATION_PAI] = 1, [MATTER_ATTESTATION_PAA] = 2
    };
    GBytes *der = ders[index[rule->role]];

    md_test_assert_error(matter_attestation_cert_check(g_bytes_get_data(der, NULL),
                                                       g_bytes_get_size(der), rule->role, NULL),
                         rule->error);
  }
  md_test_assert_no_openssl_error();
  for (int i = 0; i < 3; i++)
    g_bytes_unref(ders[i]);
  fixture_clear(&f);
}

/* The fixture as it is, and variants the rules allow. */
static void
test_rules_pass(void)
{
  for (gsize i = 0; i < 6; i++) {
    MatterAttestationChain chain;
    GBytes *ders[3];
    Fixture f;
    guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
    size_t pub_len = sizeof(pub);

    fixture_init(&f);
    switch (i) {
    case 1: /* a PAA without path length nor authority key id */
      f.paa.basic_constraints = "critical,CA:TRUE";
      f.paa.no_akid = TRUE;
      break;
    case 2: /* a PAI for every product of its vendor */
      f.pai.pid = NULL;
      break;
    case 3: /* the fallback method in the DAC's subject */
      f.dac.vid = f.dac.pid = NULL;
      f.dac.cn = "Mpid:8000,Test DAC,Mvid:FFF1";
      break;
    case 4: /* the preferred method wins: the common name is not read */
      f.dac.cn = "Test DAC Mvid:FFF2 Mpid:8001";
      break;
    case 5: /* digitalSignature tolerated next to keyCertSign and cRLSign */
      f.paa.key_usage = "critical,digitalSignature,keyCertSign,cRLSign";
      f.paa.vid = NULL;
      break;
    }
    md_test_assert_error(verify_fixture(&f, &chain, NULL, ders), MATTER_OK);
    g_assert_true(chain.dac.has_vendor_id && chain.dac.has_product_id);
    g_assert_cmpuint(chain.dac.vendor_id, ==, 0xFFF1);
    g_assert_cmpuint(chain.dac.product_id, ==, 0x8000);
    g_assert_cmpuint(chain.pai.vendor_id, ==, 0xFFF1);
    g_assert_true(chain.pai.has_product_id == (i != 2));
    g_assert_true(chain.paa.has_vendor_id == (i != 5));
    g_assert_false(chain.paa.has_product_id);
    g_assert_true(chain.paa.has_authority_key_id == (i != 1));
    g_assert_cmpmem(chain.dac.authority_key_id, MATTER_KEY_ID_LEN, chain.pai.subject_key_id,
                    MATTER_KEY_ID_LEN);
    g_assert_cmpmem(chain.pai.authority_key_id, MATTER_KEY_ID_LEN, chain.paa.subject_key_id,
                    MATTER_KEY_ID_LEN);
    g_assert_cmpint(EVP_PKEY_get_octet_string_param(f.dac_key, "pub", pub, sizeof(pub), &pub_len),
                    ==, 1);
    g_assert_cmpmem(chain.dac.public_key, sizeof(chain.dac.public_key), pub, pub_len);
    for (int j = 0; j < 3; j++)
      g_bytes_unref(ders[j]);
    fixture_clear(&f);
  }
  md_test_assert_no_openssl_error();
}

/* ---- Vectors ------------------------------------------------------------- */

static void
test_spec_chain(void)
{
  gsize dac_len, pai_len, paa_len, fallback_len, sdk_len;
  const guint8 *dac = pem(spec_dac_pem, &dac_len), *pai = pem(spec_pai_pem, &pai_len);
  const guint8 *paa = pem(spec_paa_pem, &paa_len);
  const guint8 *fallback = pem(spec_dac_fallback_pem, &fallback_len);
  const guint8 *sdk = pem(sdk_dac_0000_pem, &sdk_len);
  MatterAttestationChain chain;
  MatterAttestationCertInfo info;

  md_test_assert_error(
      matter_attestation_chain_verify(dac, dac_len, pai, pai_len, paa, paa_len, &chain, NULL),
      MATTER_OK);
  g_assert_cmpuint(chain.dac.vendor_id, ==, 0xFFF1);
  g_assert_cmpuint(chain.dac.product_id, ==, 0x8000);
  g_assert_true(chain.pai.has_product_id);
  g_assert_cmpuint(chain.pai.product_id, ==, 0x8000);
  g_assert_true(chain.paa.has_vendor_id);
  g_assert_cmpuint(chain.paa.vendor_id, ==, 0xFFF1);
  md_test_assert_hex(chain.dac.public_key, sizeof(chain.dac.public_key), spec_dac_public_hex);
  md_test_assert_hex(chain.paa.subject_key_id, MATTER_KEY_ID_LEN, spec_paa_skid_hex);
  md_test_assert_hex(chain.pai.subject_key_id, MATTER_KEY_ID_LEN, spec_pai_skid_hex);
  md_test_assert_hex(chain.dac.authority_key_id, MATTER_KEY_ID_LEN, spec_pai_skid_hex);

  /* "Matter Test DAC 0001 Mvid:FFF1 Mpid:8000" */
  md_test_assert_error(
      matter_attestation_cert_check(fallback, fallback_len, MATTER_ATTESTATION_DAC, &info),
      MATTER_OK);
  g_assert_true(info.has_vendor_id && info.has_product_id);
  g_assert_cmpuint(info.vendor_id, ==, 0xFFF1);
  g_assert_cmpuint(info.product_id, ==, 0x8000);
  md_test_assert_error(matter_attestation_chain_verify(fallback, fallback_len, pai, pai_len, paa,
                                                       paa_len, NULL, NULL),
                       MATTER_OK);
  md_test_assert_error(
      matter_attestation_chain_verify(sdk, sdk_len, pai, pai_len, paa, paa_len, &chain, NULL),
      MATTER_OK);
  g_assert_cmpuint(chain.dac.product_id, ==, 0x8000);

  /* Roles are not interchangeable. */
  md_test_assert_error(matter_attestation_cert_check(pai, pai_len, MATTER_ATTESTATION_DAC, NULL),
                       MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS);
  md_test_assert_error(matter_attestation_cert_check(dac, dac_len, MATTER_ATTESTATION_PAI, NULL),
                       MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS);
  md_test_assert_error(matter_attestation_cert_check(pai, pai_len, MATTER_ATTESTATION_PAA, NULL),
                       MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS);
  /* Swapped places. */
  {
    MatterAttestationRole failed;

    md_test_assert_error(
        matter_attestation_chain_verify(pai, pai_len, dac, dac_len, paa, paa_len, NULL, &failed),
        MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS);
    g_assert_cmpint(failed, ==, MATTER_ATTESTATION_PAI);
  }
  md_test_assert_no_openssl_error();
}

static void
test_sdk_paa(void)
{
  gsize len;
  const guint8 *paa = pem(sdk_paa_fff1_pem, &len);
  MatterAttestationCertInfo info;

  /* CN "Matter Test PAA FFF1" has no "Mvid:", and the path length is
   * absent. */
  md_test_assert_error(matter_attestation_cert_check(paa, len, MATTER_ATTESTATION_PAA, &info),
                       MATTER_OK);
  g_assert_false(info.has_vendor_id);
  g_assert_false(info.has_product_id);
  g_assert_true(info.has_authority_key_id);
}

static void
test_malformed(void)
{
  gsize len;
  const guint8 *dac = pem(spec_dac_pem, &len);
  guint8 der[MATTER_ATTESTATION_CERT_MAX + 1];
  size_t der_len;
  static const guint8 garbage[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

  md_test_assert_error(matter_attestation_cert_to_der(dac, len, der, sizeof(der), &der_len),
                       MATTER_OK);
  der[der_len] = 0x00; /* a byte after the certificate */
  md_test_assert_error(
      matter_attestation_cert_check(der, der_len + 1, MATTER_ATTESTATION_DAC, NULL),
      MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_error(
      matter_attestation_cert_check(der, der_len - 1, MATTER_ATTESTATION_DAC, NULL),
      MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_error(
      matter_attestation_cert_check(garbage, sizeof(garbage), MATTER_ATTESTATION_DAC, NULL),
      MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_error(
      matter_attestation_cert_check((const guint8 *) "-----BEGIN CERTIFICATE-----\n", 28,
                                    MATTER_ATTESTATION_DAC, NULL),
      MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_error(matter_attestation_cert_check(der, 0, MATTER_ATTESTATION_DAC, NULL),
                       MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_error(matter_attestation_cert_check(der, der_len, (MatterAttestationRole) 7, NULL),
                       MATTER_ERROR_INVALID_ARGUMENT);
  {
    MatterAttestationRole failed;

    md_test_assert_error(matter_attestation_chain_verify(der, der_len, garbage, sizeof(garbage),
                                                         der, der_len, NULL, &failed),
                         MATTER_ERROR_ATTESTATION_FORMAT);
    g_assert_cmpint(failed, ==, MATTER_ATTESTATION_PAI);
  }
  md_test_assert_no_openssl_error();
}

/* ---- Conversions and keys -------------------------------------------------- */

static void
test_conversions(void)
{
  gsize len;
  const guint8 *dac = pem(spec_dac_pem, &len);
  guint8 der[MATTER_ATTESTATION_CERT_MAX], der2[MATTER_ATTESTATION_CERT_MAX];
  char text[MATTER_ATTESTATION_CERT_PEM_MAX];
  size_t der_len, der2_len, text_len;

  md_test_assert_error(matter_attestation_cert_to_der(dac, len, der, sizeof(der), &der_len),
                       MATTER_OK);
  g_assert_cmpuint(der_len, ==, 493);
  g_assert_cmpuint(der[0], ==, 0x30);
  /* DER in, DER out. */
  md_test_assert_error(matter_attestation_cert_to_der(der, der_len, der2, sizeof(der2), &der2_len),
                       MATTER_OK);
  g_assert_cmpmem(der, der_len, der2, der2_len);
  md_test_assert_error(matter_attestation_cert_to_pem(der, der_len, text, sizeof(text), &text_len),
                       MATTER_OK);
  g_assert_cmpuint(text_len, ==, strlen(text));
  g_assert_cmpstr(text, ==, spec_dac_pem);
  md_test_assert_error(matter_attestation_cert_to_der(dac, len, der2, der_len - 1, &der2_len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_attestation_cert_to_pem(der, der_len, text, text_len, &text_len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_attestation_cert_to_pem(der, 10, text, sizeof(text), &text_len),
                       MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_no_openssl_error();
}

static void
test_keys(void)
{
  gsize len;
  const guint8 *key_pem = pem(spec_dac_key_pem, &len);
  MatterP256Key *key = NULL, *again = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], pub2[MATTER_P256_PUBLIC_KEY_LEN];
  char text[MATTER_ATTESTATION_KEY_PEM_MAX];
  size_t text_len;
  EVP_PKEY *pkey;
  BIO *bio;
  unsigned char *der = NULL;
  int der_len;

  md_test_assert_error(matter_attestation_key_parse(key_pem, len, &key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  md_test_assert_hex(pub, sizeof(pub), spec_dac_public_hex);
  /* Written back as SEC 1, byte for byte the spec's. */
  md_test_assert_error(matter_attestation_key_to_pem(key, text, sizeof(text), &text_len),
                       MATTER_OK);
  g_assert_cmpstr(text, ==, spec_dac_key_pem);
  md_test_assert_error(matter_attestation_key_to_pem(key, text, text_len, &text_len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);

  /* PKCS #8, in DER. */
  bio = BIO_new_mem_buf(spec_dac_key_pem, -1);
  pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  g_assert_nonnull(pkey);
  der_len = i2d_PrivateKey(pkey, &der);
  g_assert_cmpint(der_len, >, 0);
  md_test_assert_error(matter_attestation_key_parse(der, (size_t) der_len, &again), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(again, pub2), MATTER_OK);
  g_assert_cmpmem(pub, sizeof(pub), pub2, sizeof(pub2));
  matter_p256_free(again);
  again = NULL;
  md_test_assert_error(matter_attestation_key_parse(der, (size_t) der_len - 1, &again),
                       MATTER_ERROR_ATTESTATION_FORMAT);
  OPENSSL_free(der);

  /* Encrypted: refused, never asked for on a terminal. */
  bio = BIO_new(BIO_s_mem());
  g_assert_cmpint(PEM_write_bio_PrivateKey(bio, pkey, EVP_aes_128_cbc(), (unsigned char *) "secret",
                                           6, NULL, NULL),
                  ==, 1);
  {
    char *data;
    long n = BIO_get_mem_data(bio, &data);

    md_test_assert_error(matter_attestation_key_parse((const guint8 *) data, (size_t) n, &again),
                         MATTER_ERROR_ATTESTATION_FORMAT);
  }
  BIO_free(bio);
  EVP_PKEY_free(pkey);

  /* Not P-256. */
  pkey = new_key("P-384");
  bio = BIO_new(BIO_s_mem());
  g_assert_cmpint(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), ==, 1);
  {
    char *data;
    long n = BIO_get_mem_data(bio, &data);

    md_test_assert_error(matter_attestation_key_parse((const guint8 *) data, (size_t) n, &again),
                         MATTER_ERROR_INVALID_KEY);
  }
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  g_assert_null(again);

  /* A certificate is not a key; a public key cannot be written. */
  md_test_assert_error(
      matter_attestation_key_parse((const guint8 *) spec_dac_pem, strlen(spec_dac_pem), &again),
      MATTER_ERROR_ATTESTATION_FORMAT);
  md_test_assert_error(matter_p256_import_public(pub, &again), MATTER_OK);
  md_test_assert_error(matter_attestation_key_to_pem(again, text, sizeof(text), &text_len),
                       MATTER_ERROR_INVALID_KEY);
  matter_p256_free(again);
  matter_p256_free(key);
  md_test_assert_no_openssl_error();
}

/* ---- Development credentials ----------------------------------------------- */

typedef struct {
  MatterP256Key *paa_key, *pai_key, *dac_key;
  guint8 paa[MATTER_ATTESTATION_CERT_MAX], pai[MATTER_ATTESTATION_CERT_MAX];
  guint8 dac[MATTER_ATTESTATION_CERT_MAX];
  size_t paa_len, pai_len, dac_len;
} DevChain;

#define JAN_2024 1704067200

static void
dev_chain_make(DevChain *c, gboolean pai_pid)
{
  MatterAttestationCertParams paa = {
    MATTER_ATTESTATION_PAA,      "Dev PAA", TRUE, FALSE, 0xFFF1, 0, 0, JAN_2024,
    MATTER_ATTESTATION_NO_EXPIRY
  };
  MatterAttestationCertParams pai = {
    MATTER_ATTESTATION_PAI,      "Dev PAI", TRUE, pai_pid, 0xFFF1, 0x8000, 0, JAN_2024,
    MATTER_ATTESTATION_NO_EXPIRY
  };
  MatterAttestationCertParams dac = {
    MATTER_ATTESTATION_DAC,      "Dev DAC", TRUE, TRUE, 0xFFF1, 0x8000, 42, JAN_2024,
    MATTER_ATTESTATION_NO_EXPIRY
  };

  md_test_assert_error(matter_p256_generate(&c->paa_key), MATTER_OK);
  md_test_assert_error(matter_p256_generate(&c->pai_key), MATTER_OK);
  md_test_assert_error(matter_p256_generate(&c->dac_key), MATTER_OK);
  md_test_assert_error(matter_attestation_cert_create(&paa, c->paa_key, NULL, 0, c->paa_key, c->paa,
                                                      sizeof(c->paa), &c->paa_len),
                       MATTER_OK);
  md_test_assert_error(matter_attestation_cert_create(&pai, c->pai_key, c->paa, c->paa_len,
                                                      c->paa_key, c->pai, sizeof(c->pai),
                                                      &c->pai_len),
                       MATTER_OK);
  md_test_assert_error(matter_attestation_cert_create(&dac, c->dac_key, c->pai, c->pai_len,
                                                      c->pai_key, c->dac, sizeof(c->dac),
                                                      &c->dac_len),
                       MATTER_OK);
}

static void
dev_chain_clear(DevChain *c)
{
  matter_p256_free(c->paa_key);
  matter_p256_free(c->pai_key);
  matter_p256_free(c->dac_key);
}

static void
test_create(void)
{
  DevChain c, d;
  MatterAttestationChain chain;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  const unsigned char *p;
  X509 *x509;
  MatterAttestationRole failed;

  dev_chain_make(&c, FALSE);
  md_test_assert_error(matter_attestation_chain_verify(c.dac, c.dac_len, c.pai, c.pai_len, c.paa,
                                                       c.paa_len, &chain, NULL),
                       MATTER_OK);
  g_assert_cmpuint(chain.dac.vendor_id, ==, 0xFFF1);
  g_assert_cmpuint(chain.dac.product_id, ==, 0x8000);
  g_assert_false(chain.pai.has_product_id);
  g_assert_true(chain.paa.has_vendor_id);
  md_test_assert_error(matter_p256_export_public(c.dac_key, pub), MATTER_OK);
  g_assert_cmpmem(chain.dac.public_key, sizeof(pub), pub, sizeof(pub));

  /* The fields asked for. */
  p = c.dac;
  x509 = d2i_X509(NULL, &p, (long) c.dac_len);
  g_assert_nonnull(x509);
  g_assert_cmpint(ASN1_INTEGER_get(X509_get0_serialNumber(x509)), ==, 42);
  g_assert_cmpint(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x509), JAN_2024), ==, 0);
  g_assert_cmpint(ASN1_STRING_type(X509_get0_notAfter(x509)), ==, V_ASN1_GENERALIZEDTIME);
  g_assert_cmpmem(ASN1_STRING_get0_data(X509_get0_notAfter(x509)),
                  ASN1_STRING_length(X509_get0_notAfter(x509)), "99991231235959Z", 15);
  X509_free(x509);

  /* Another set: its PAI does not chain to the first PAA. */
  dev_chain_make(&d, TRUE);
  md_test_assert_error(matter_attestation_chain_verify(d.dac, d.dac_len, d.pai, d.pai_len, d.paa,
                                                       d.paa_len, &chain, NULL),
                       MATTER_OK);
  g_assert_true(chain.pai.has_product_id);
  md_test_assert_error(matter_attestation_chain_verify(c.dac, c.dac_len, d.pai, d.pai_len, c.paa,
                                                       c.paa_len, NULL, &failed),
                       MATTER_ERROR_ATTESTATION_ISSUER);
  g_assert_cmpint(failed, ==, MATTER_ATTESTATION_PAI);
  md_test_assert_error(matter_attestation_chain_verify(c.dac, c.dac_len, d.pai, d.pai_len, d.paa,
                                                       d.paa_len, NULL, &failed),
                       MATTER_ERROR_ATTESTATION_ISSUER);
  g_assert_cmpint(failed, ==, MATTER_ATTESTATION_DAC);

  /* Refusals: an issuer key that is not the issuer's, a missing issuer. */
  {
    MatterAttestationCertParams dac = {
      MATTER_ATTESTATION_DAC,      "DAC", TRUE, TRUE, 0xFFF1, 0x8000, 0, JAN_2024,
      MATTER_ATTESTATION_NO_EXPIRY
    };
    guint8 der[MATTER_ATTESTATION_CERT_MAX];
    size_t len;

    md_test_assert_error(matter_attestation_cert_create(&dac, c.dac_key, c.pai, c.pai_len,
                                                        d.pai_key, der, sizeof(der), &len),
                         MATTER_ERROR_INVALID_KEY);
    md_test_assert_error(
        matter_attestation_cert_create(&dac, c.dac_key, NULL, 0, c.pai_key, der, sizeof(der), &len),
        MATTER_ERROR_INVALID_ARGUMENT);
    md_test_assert_error(matter_attestation_cert_create(&dac, c.dac_key, c.pai, c.pai_len,
                                                        c.pai_key, der, 100, &len),
                         MATTER_ERROR_BUFFER_TOO_SMALL);
    dac.not_after = JAN_2024 - 1;
    md_test_assert_error(matter_attestation_cert_create(&dac, c.dac_key, c.pai, c.pai_len,
                                                        c.pai_key, der, sizeof(der), &len),
                         MATTER_ERROR_INVALID_ARGUMENT);
  }
  dev_chain_clear(&c);
  dev_chain_clear(&d);
  md_test_assert_no_openssl_error();
}

/* A DAC of our own under the spec's example PAI, with its key. */
static void
test_create_under_spec_pai(void)
{
  gsize pai_len, paa_len, key_len;
  const guint8 *pai = pem(spec_pai_pem, &pai_len), *paa = pem(spec_paa_pem, &paa_len);
  const guint8 *pai_key_pem = pem(spec_pai_key_pem, &key_len);
  MatterAttestationCertParams params = {
    MATTER_ATTESTATION_DAC,      "Our DAC", TRUE, TRUE, 0xFFF1, 0x8000, 0, JAN_2024,
    MATTER_ATTESTATION_NO_EXPIRY
  };
  MatterP256Key *pai_key = NULL, *dac_key = NULL;
  guint8 dac[MATTER_ATTESTATION_CERT_MAX];
  size_t dac_len;
  MatterAttestationChain chain;
  MatterAttestationRole failed;

  md_test_assert_error(matter_attestation_key_parse(pai_key_pem, key_len, &pai_key), MATTER_OK);
  md_test_assert_error(matter_p256_generate(&dac_key), MATTER_OK);
  md_test_assert_error(matter_attestation_cert_create(&params, dac_key, pai, pai_len, pai_key, dac,
                                                      sizeof(dac), &dac_len),
                       MATTER_OK);
  md_test_assert_error(
      matter_attestation_chain_verify(dac, dac_len, pai, pai_len, paa, paa_len, &chain, NULL),
      MATTER_OK);
  md_test_assert_hex(chain.dac.authority_key_id, MATTER_KEY_ID_LEN, spec_pai_skid_hex);
  /* A product the PAI is not scoped to. */
  params.product_id = 0x8001;
  md_test_assert_error(matter_attestation_cert_create(&params, dac_key, pai, pai_len, pai_key, dac,
                                                      sizeof(dac), &dac_len),
                       MATTER_OK);
  md_test_assert_error(
      matter_attestation_chain_verify(dac, dac_len, pai, pai_len, paa, paa_len, NULL, &failed),
      MATTER_ERROR_ATTESTATION_PRODUCT_ID);
  g_assert_cmpint(failed, ==, MATTER_ATTESTATION_DAC);
  matter_p256_free(pai_key);
  matter_p256_free(dac_key);
  md_test_assert_no_openssl_error();
}

/* ---- Attestation elements -------------------------------------------------- */

static void
test_elements_vector(void)
{
  gsize len, fw_len;
  g_autofree guint8 *vector = md_test_unhex(sdk_elements_hex, &len);
  g_autofree guint8 *firmware = md_test_unhex(sdk_firmware_hex, &fw_len);
  MatterVendorReserved reserved[2] = {
    { 0xFFF1, 0x003E, 1, (const guint8 *) "sample_vendor_reserved1", 23 },
    { 0xFFF1, 0x003E, 3, (const guint8 *) "vendor_reserved3_example", 24 },
  };
  MatterAttestationElements elements = {
    vector + SDK_CD_OFFSET,
    SDK_CD_LEN,
    vector + SDK_NONCE_OFFSET,
    SDK_TIMESTAMP,
    NULL,
    0,
    reserved,
    2,
  };
  MatterAttestationElements decoded;
  MatterVendorReserved got[2];
  guint8 out[MATTER_ATTESTATION_ELEMENTS_MAX];
  size_t out_len;

  md_test_assert_error(matter_attestation_elements_encode(&elements, out, sizeof(out), &out_len),
                       MATTER_OK);
  g_assert_cmpmem(out, out_len, vector, len);

  md_test_assert_error(matter_attestation_elements_decode(vector, len, &decoded, got, 2),
                       MATTER_OK);
  g_assert_true(decoded.certification_declaration == vector + SDK_CD_OFFSET);
  g_assert_cmpuint(decoded.certification_declaration_len, ==, SDK_CD_LEN);
  g_assert_true(decoded.attestation_nonce == vector + SDK_NONCE_OFFSET);
  g_assert_cmpuint(decoded.timestamp, ==, SDK_TIMESTAMP);
  g_assert_null(decoded.firmware_information);
  g_assert_cmpuint(decoded.vendor_reserved_count, ==, 2);
  g_assert_true(decoded.vendor_reserved == got);
  for (int i = 0; i < 2; i++) {
    g_assert_cmpuint(got[i].vendor_id, ==, 0xFFF1);
    g_assert_cmpuint(got[i].profile, ==, 0x003E);
    g_assert_cmpuint(got[i].tag, ==, reserved[i].tag);
    g_assert_cmpmem(got[i].data, got[i].len, reserved[i].data, reserved[i].len);
  }
  /* Not enough room for them; not asked for them. */
  md_test_assert_error(matter_attestation_elements_decode(vector, len, &decoded, got, 1),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_attestation_elements_decode(vector, len, &decoded, NULL, 0),
                       MATTER_OK);
  g_assert_cmpuint(decoded.vendor_reserved_count, ==, 2);
  g_assert_null(decoded.vendor_reserved);

  /* With firmware information, as the SDK's vector. */
  elements.firmware_information = firmware;
  elements.firmware_information_len = fw_len;
  md_test_assert_error(matter_attestation_elements_encode(&elements, out, sizeof(out), &out_len),
                       MATTER_OK);
  g_assert_cmpuint(out_len, ==, len + 3 + fw_len);
  md_test_assert_error(matter_attestation_elements_decode(out, out_len, &decoded, NULL, 0),
                       MATTER_OK);
  g_assert_cmpmem(decoded.firmware_information, decoded.firmware_information_len, firmware, fw_len);
}

/* The SDK's unknown-tag and out-of-order variants, and other breakage. */
static void
test_elements_decode_errors(void)
{
  gsize len;
  g_autofree guint8 *vector = md_test_unhex(sdk_elements_hex, &len);
  g_autofree guint8 *buf = g_malloc(len + 16);
  MatterAttestationElements decoded;
  gsize n;

  /* Context tag 254 = 0xDEADBEEF before the vendor-reserved elements:
   * skipped. */
  memcpy(buf, vector, SDK_VENDOR_OFFSET);
  memcpy(buf + SDK_VENDOR_OFFSET, "\x26\xfe\xef\xbe\xad\xde", 6);
  memcpy(buf + SDK_VENDOR_OFFSET + 6, vector + SDK_VENDOR_OFFSET, len - SDK_VENDOR_OFFSET);
  md_test_assert_error(matter_attestation_elements_decode(buf, len + 6, &decoded, NULL, 0),
                       MATTER_OK);
  g_assert_cmpuint(decoded.timestamp, ==, SDK_TIMESTAMP);

  /* Nonce before declaration. */
  n = 0;
  buf[n++] = 0x15;
  memcpy(buf + n, vector + SDK_NONCE_OFFSET - 3, 35);
  n += 35;
  memcpy(buf + n, vector + 1, SDK_NONCE_OFFSET - 3 - 1);
  n += SDK_NONCE_OFFSET - 3 - 1;
  memcpy(buf + n, vector + SDK_NONCE_OFFSET + 32, len - SDK_NONCE_OFFSET - 32);
  n += len - SDK_NONCE_OFFSET - 32;
  g_assert_cmpuint(n, ==, len);
  md_test_assert_error(matter_attestation_elements_decode(buf, n, &decoded, NULL, 0),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);

  /* A 31-byte nonce: length byte and one byte less. */
  memcpy(buf, vector, len);
  buf[SDK_NONCE_OFFSET - 1] = 31;
  memmove(buf + SDK_NONCE_OFFSET + 31, buf + SDK_NONCE_OFFSET + 32, len - SDK_NONCE_OFFSET - 32);
  md_test_assert_error(matter_attestation_elements_decode(buf, len - 1, &decoded, NULL, 0),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);

  /* No timestamp: the declaration and nonce, then the end. */
  memcpy(buf, vector, SDK_NONCE_OFFSET + 32);
  buf[SDK_NONCE_OFFSET + 32] = 0x18;
  md_test_assert_error(
      matter_attestation_elements_decode(buf, SDK_NONCE_OFFSET + 33, &decoded, NULL, 0),
      MATTER_ERROR_ATTESTATION_ELEMENTS);

  /* A context tag after the vendor-reserved elements. */
  memcpy(buf, vector, len - 1);
  memcpy(buf + len - 1, "\x24\x05\x00\x18", 4);
  md_test_assert_error(matter_attestation_elements_decode(buf, len + 3, &decoded, NULL, 0),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);

  /* Not a structure; trailing bytes; truncated. */
  md_test_assert_error(
      matter_attestation_elements_decode((const guint8 *) "\x17\x18", 2, &decoded, NULL, 0),
      MATTER_ERROR_ATTESTATION_ELEMENTS);
  memcpy(buf, vector, len);
  buf[len] = 0x18;
  md_test_assert_error(matter_attestation_elements_decode(buf, len + 1, &decoded, NULL, 0),
                       MATTER_ERROR_TLV_TRAILING);
  md_test_assert_error(matter_attestation_elements_decode(vector, len - 1, &decoded, NULL, 0),
                       MATTER_ERROR_TRUNCATED);
}

static void
test_elements_encode_errors(void)
{
  static const guint8 nonce[MATTER_ATTESTATION_NONCE_LEN];
  static const guint8 big[MATTER_ATTESTATION_ELEMENTS_MAX];
  MatterAttestationElements elements = { big, 100, nonce, 1 };
  guint8 out[MATTER_ATTESTATION_ELEMENTS_MAX + 64];
  size_t len;

  md_test_assert_error(matter_attestation_elements_encode(&elements, out, sizeof(out), &len),
                       MATTER_OK);
  md_test_assert_error(matter_attestation_elements_encode(&elements, out, 50, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  elements.certification_declaration_len = MATTER_ATTESTATION_ELEMENTS_MAX - 40;
  md_test_assert_error(matter_attestation_elements_encode(&elements, out, sizeof(out), &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  elements.certification_declaration = NULL;
  md_test_assert_error(matter_attestation_elements_encode(&elements, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  elements.certification_declaration = big;
  elements.attestation_nonce = NULL;
  md_test_assert_error(matter_attestation_elements_encode(&elements, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_signature(void)
{
  gsize len, dac_len, key_len;
  g_autofree guint8 *vector = md_test_unhex(sdk_elements_hex, &len);
  const guint8 *dac = pem(spec_dac_pem, &dac_len);
  const guint8 *key_pem = pem(spec_dac_key_pem, &key_len);
  guint8 challenge[MATTER_ATTESTATION_CHALLENGE_LEN], sig[MATTER_P256_SIGNATURE_LEN];
  guint8 tbs[512], nonce[MATTER_ATTESTATION_NONCE_LEN];
  MatterAttestationCertInfo info;
  MatterAttestationElements decoded;
  MatterP256Key *key = NULL;

  for (gsize i = 0; i < sizeof(challenge); i++)
    challenge[i] = (guint8) (0xA0 + i);
  memcpy(nonce, vector + SDK_NONCE_OFFSET, sizeof(nonce));
  md_test_assert_error(matter_attestation_cert_check(dac, dac_len, MATTER_ATTESTATION_DAC, &info),
                       MATTER_OK);
  md_test_assert_error(matter_attestation_key_parse(key_pem, key_len, &key), MATTER_OK);
  md_test_assert_error(matter_attestation_sign(key, vector, len, challenge, sig), MATTER_OK);

  /* The signature is plain ECDSA over elements || challenge. */
  memcpy(tbs, vector, len);
  memcpy(tbs + len, challenge, sizeof(challenge));
  md_test_assert_error(matter_ecdsa_verify_raw(info.public_key, tbs, len + sizeof(challenge), sig),
                       MATTER_OK);
  md_test_assert_error(
      matter_attestation_signature_verify(info.public_key, vector, len, challenge, sig), MATTER_OK);
  md_test_assert_error(matter_attestation_response_verify(info.public_key, vector, len, challenge,
                                                          sig, nonce, &decoded),
                       MATTER_OK);
  g_assert_cmpuint(decoded.timestamp, ==, SDK_TIMESTAMP);

  /* Another nonce, another challenge, a changed byte. */
  nonce[0] ^= 1;
  md_test_assert_error(
      matter_attestation_response_verify(info.public_key, vector, len, challenge, sig, nonce, NULL),
      MATTER_ERROR_ATTESTATION_NONCE);
  nonce[0] ^= 1;
  challenge[15] ^= 1;
  md_test_assert_error(
      matter_attestation_response_verify(info.public_key, vector, len, challenge, sig, nonce, NULL),
      MATTER_ERROR_INVALID_SIGNATURE);
  challenge[15] ^= 1;
  vector[10] ^= 1;
  md_test_assert_error(
      matter_attestation_signature_verify(info.public_key, vector, len, challenge, sig),
      MATTER_ERROR_INVALID_SIGNATURE);
  vector[10] ^= 1;
  /* Too long to be elements. */
  md_test_assert_error(
      matter_attestation_sign(key, vector, MATTER_ATTESTATION_ELEMENTS_MAX + 1, challenge, sig),
      MATTER_ERROR_BUFFER_TOO_SMALL);
  matter_p256_free(key);
  md_test_assert_no_openssl_error();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/attestation/vectors/spec-chain", test_spec_chain);
  g_test_add_func("/attestation/vectors/sdk-paa", test_sdk_paa);
  g_test_add_func("/attestation/malformed", test_malformed);
  g_test_add_func("/attestation/rules/pass", test_rules_pass);
  for (gsize i = 0; i < G_N_ELEMENTS(rule_cases); i++) {
    g_autofree char *path = g_strdup_printf("/attestation/rules/%s", rule_cases[i].name);

    g_test_add_data_func(path, &rule_cases[i], test_rule);
  }
  g_test_add_func("/attestation/conversions", test_conversions);
  g_test_add_func("/attestation/keys", test_keys);
  g_test_add_func("/attestation/create", test_create);
  g_test_add_func("/attestation/create/under-spec-pai", test_create_under_spec_pai);
  g_test_add_func("/attestation/elements/vector", test_elements_vector);
  g_test_add_func("/attestation/elements/decode-errors", test_elements_decode_errors);
  g_test_add_func("/attestation/elements/encode-errors", test_elements_encode_errors);
  g_test_add_func("/attestation/signature", test_signature);
  return g_test_run();
}
