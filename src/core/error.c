/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/error.h"

#include <stddef.h>

static const char *const error_text[] = {
#define MATTER_ERROR_TEXT(name, text) [name] = text,
  MATTER_ERROR_LIST(MATTER_ERROR_TEXT)
#undef MATTER_ERROR_TEXT
};

static const char *const error_name[] = {
#define MATTER_ERROR_NAME(name, text) [name] = #name,
  MATTER_ERROR_LIST(MATTER_ERROR_NAME)
#undef MATTER_ERROR_NAME
};

const char *
matter_error_str(MatterError err)
{
  if ((unsigned) err >= MATTER_ERROR_COUNT_)
    return "unknown error";
  return error_text[err];
}

const char *
matter_error_name(MatterError err)
{
  if ((unsigned) err >= MATTER_ERROR_COUNT_)
    return "MATTER_ERROR_UNKNOWN";
  return error_name[err];
}
