/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Assertions for tests of the protocol core. */

#include <glib.h>

#include "matter/error.h"
#include "matter/securechannel.h"

/* Fails the test, naming @expr and both errors by name, unless @expr
 * returns @want. */
#define md_test_assert_error(expr, want) \
  md_test_assert_error_at(__FILE__, __LINE__, #expr, (expr), (want))
void md_test_assert_error_at(const char *file, int line, const char *expr, MatterError got,
                             MatterError want);

/* Fails the test when a reason is left on OpenSSL's error queue: the core
 * must clear what its failures leave there. */
void md_test_assert_no_openssl_error(void);

/* Session parameters compared field by field: the struct's padding bytes
 * are unspecified, so comparing its memory can fail on equal values. */
void md_test_assert_session_params_equal(const MatterSessionParams *a,
                                         const MatterSessionParams *b);

/* CommandFields of the commissioning commands, as a controller sends
 * them, into @buf (at least MD_TEST_FIELDS_MAX bytes); returns the length. */
#define MD_TEST_FIELDS_MAX 32
gsize md_test_arm_fail_safe_fields(guint8 *buf, guint16 seconds, guint64 breadcrumb);
gsize md_test_set_regulatory_config_fields(guint8 *buf, guint8 config, const char *country,
                                           guint64 breadcrumb);
