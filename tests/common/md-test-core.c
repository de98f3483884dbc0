/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-core.h"

#include <openssl/err.h>

void
md_test_assert_error_at(const char *file, int line, const char *expr, MatterError got,
                        MatterError want)
{
  if (got != want)
    g_error("%s:%d: %s: got %s, want %s", file, line, expr, matter_error_name(got),
            matter_error_name(want));
}

void
md_test_assert_no_openssl_error(void)
{
  g_assert_cmpuint(ERR_peek_error(), ==, 0);
}
