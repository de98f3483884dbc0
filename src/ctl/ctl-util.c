/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by matterctl's commands. */

#include "build-config.h"

#include "ctl-util.h"

#include <glib/gi18n.h>
#include <stdarg.h>

int
md_ctl_error(int status, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  g_printerr("matterctl: %s\n", message);
  return status;
}

/* The digits of @text while they stay within @max. FALSE after saying why
 * when @text is not a number; *@in_range FALSE when it is too large, which
 * the caller words, knowing the range. */
static gboolean
parse_digits(const char *option, const char *text, guint64 max, guint64 *value, gboolean *in_range)
{
  const char *digits = text;
  guint base = 10;
  guint64 result = 0;

  *in_range = TRUE;
  if (g_ascii_strncasecmp(text, "0x", 2) == 0) {
    base = 16;
    digits += 2;
  }
  if (*digits == '\0') {
    md_ctl_usage_error(_("%s: '%s' is not a number"), option, text);
    return FALSE;
  }
  for (const char *c = digits; *c != '\0'; c++) {
    int digit = base == 16 ? g_ascii_xdigit_value(*c) : g_ascii_digit_value(*c);

    if (digit < 0) {
      md_ctl_usage_error(_("%s: '%s' is not a number"), option, text);
      return FALSE;
    }
    if (result > (max - (guint64) digit) / base) {
      *in_range = FALSE;
      return TRUE;
    }
    result = result * base + (guint64) digit;
  }
  *value = result;
  return TRUE;
}

gboolean
md_ctl_parse_number(const char *option, const char *text, guint64 max, guint64 *value)
{
  gboolean in_range;

  if (!parse_digits(option, text, max, value, &in_range))
    return FALSE;
  if (!in_range) {
    md_ctl_usage_error(_("%s: %s is out of range (at most %llu)"), option, text,
                       (unsigned long long) max);
    return FALSE;
  }
  return TRUE;
}

gboolean
md_ctl_parse_id(const char *option, const char *text, guint64 max, guint64 *value)
{
  guint64 result;
  gboolean in_range;

  if (!parse_digits(option, text, max, &result, &in_range))
    return FALSE;
  if (!in_range) {
    md_ctl_usage_error(_("%s: %s is out of range (1 to 0x%llX)"), option, text,
                       (unsigned long long) max);
    return FALSE;
  }
  if (result == 0) {
    md_ctl_usage_error(_("%s: 0 is not allowed"), option);
    return FALSE;
  }
  *value = result;
  return TRUE;
}

static char *current_command;

void
md_ctl_set_command(const char *command)
{
  g_free(current_command);
  current_command = g_strdup(command);
}

gboolean
md_ctl_parse_options(const char *parameter, const char *summary, const GOptionEntry *entries,
                     int *argc, char ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new(parameter);
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_strdup(g_get_prgname());
  gboolean parsed;

  g_option_context_set_summary(context, summary);
  g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
  /* --help's usage line names the command: "matterctl window open". */
  if (current_command != NULL) {
    g_autofree char *name = g_strdup_printf("matterctl %s", current_command);

    g_set_prgname(name);
  }
  parsed = g_option_context_parse(context, argc, argv, &error);
  if (program != NULL)
    g_set_prgname(program);
  if (!parsed) {
    md_ctl_usage_error("%s", error->message);
    return FALSE;
  }
  return TRUE;
}

static int
print_commands(const char *group, const MdCtlCommand *commands, gsize n_commands)
{
  g_autofree char *usage = g_strdup_printf(_("Usage: matterctl %s COMMAND [OPTION…]"), group);
  g_autofree char *hint =
      g_strdup_printf(_("Run 'matterctl %s COMMAND --help' for its options."), group);

  g_print("%s\n\n%s\n", usage, _("Commands:"));
  for (gsize i = 0; i < n_commands; i++)
    g_print("  %-10s %s\n", commands[i].name, _(commands[i].summary));
  g_print("\n%s\n", hint);
  return MD_CTL_EXIT_OK;
}

int
md_ctl_run_command(const char *group, const char *choices, const MdCtlCommand *commands,
                   gsize n_commands, int argc, char **argv)
{
  if (argc < 2)
    return md_ctl_usage_error(_("%s needs a command: %s"), group, choices);
  if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))
    return print_commands(group, commands, n_commands);
  for (gsize i = 0; i < n_commands; i++)
    if (g_str_equal(argv[1], commands[i].name)) {
      g_autofree char *command = g_strdup_printf("%s %s", group, commands[i].name);

      md_ctl_set_command(command);
      return commands[i].func(argc - 1, argv + 1);
    }
  return md_ctl_usage_error(_("unknown %s command '%s' (use %s)"), group, argv[1], choices);
}

char *
md_ctl_hex(const guint8 *data, gsize len)
{
  GString *hex = g_string_sized_new(2 * len);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf(hex, "%02x", data[i]);
  return g_string_free(hex, FALSE);
}

void
md_ctl_print_field(int width, const char *label, const char *format, ...)
{
  g_autofree char *value = NULL;
  va_list args;

  va_start(args, format);
  value = g_strdup_vprintf(format, args);
  va_end(args);
  g_print("%-*s %s\n", width, label, value);
}

gboolean
md_ctl_write_file(const char *path, const void *data, gsize len, int mode)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents_full(path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, mode,
                                &error)) {
    md_ctl_failure(_("cannot write %s: %s"), path, error->message);
    return FALSE;
  }
  return TRUE;
}

void
md_ctl_print_json(JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(builder);
  g_autofree char *text = NULL;

  json_generator_set_root(generator, root);
  text = json_generator_to_data(generator, NULL);
  g_print("%s\n", text);
}

void
md_ctl_json_add_string(JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name(builder, name);
  if (value != NULL)
    json_builder_add_string_value(builder, value);
  else
    json_builder_add_null_value(builder);
}

void
md_ctl_json_add_hex(JsonBuilder *builder, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *hex = data != NULL ? md_ctl_hex(data, len) : NULL;

  md_ctl_json_add_string(builder, name, hex);
}

void
md_ctl_print_table(GPtrArray *rows)
{
  g_autoptr(GArray) widths = g_array_new(FALSE, TRUE, sizeof(glong));

  for (guint r = 0; r < rows->len; r++) {
    char **row = g_ptr_array_index(rows, r);

    for (guint c = 0; row[c] != NULL; c++) {
      glong width = g_utf8_strlen(row[c], -1);

      if (c >= widths->len)
        g_array_set_size(widths, c + 1);
      if (width > g_array_index(widths, glong, c))
        g_array_index(widths, glong, c) = width;
    }
  }
  for (guint r = 0; r < rows->len; r++) {
    char **row = g_ptr_array_index(rows, r);
    g_autoptr(GString) line = g_string_new(NULL);

    for (guint c = 0; row[c] != NULL; c++) {
      g_string_append(line, row[c]);
      if (row[c + 1] == NULL)
        break;
      for (glong pad = g_array_index(widths, glong, c) - g_utf8_strlen(row[c], -1) + 2; pad > 0;
           pad--)
        g_string_append_c(line, ' ');
    }
    /* An empty last cell leaves no padding behind. */
    g_print("%s\n", g_strchomp(line->str));
  }
}
