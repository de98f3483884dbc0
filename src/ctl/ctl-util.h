/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What matterctl's commands share: exit statuses, one-line errors, number
 * and option parsing, subcommand dispatch, hex, file output and JSON. */

#include <glib.h>
#include <json-glib/json-glib.h>

/* matterctl's exit statuses. */
enum {
  MD_CTL_EXIT_OK = 0,
  MD_CTL_EXIT_FAILURE = 1,
  MD_CTL_EXIT_USAGE = 2,
};

/* One line on stderr, "matterctl: " first; returns @status. */
int md_ctl_error(int status, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* The command line or its input is wrong. */
#define md_ctl_usage_error(...) md_ctl_error(MD_CTL_EXIT_USAGE, __VA_ARGS__)
/* The work itself failed. */
#define md_ctl_failure(...) md_ctl_error(MD_CTL_EXIT_FAILURE, __VA_ARGS__)

/* @text as a number of 0..@max: decimal, or hexadecimal after "0x";
 * nothing else, not even spaces. FALSE after saying why, naming @option. */
gboolean md_ctl_parse_number(const char *option, const char *text, guint64 max, guint64 *value);
/* The same for an identifier, 1..@max. */
gboolean md_ctl_parse_id(const char *option, const char *text, guint64 max, guint64 *value);

/* Parses the options of one subcommand; @parameter (may be NULL) and
 * @summary are for --help. FALSE after saying why. */
gboolean md_ctl_parse_options(const char *parameter, const char *summary,
                              const GOptionEntry *entries, int *argc, char ***argv);

typedef struct {
  const char *name;
  int (*func)(int argc, char **argv);
  const char *summary; /* marked with N_() */
} MdCtlCommand;

/* `matterctl @group COMMAND ...`: runs the one of @commands that @argv[1]
 * names with @argv shifted by one, or lists them for --help. @choices, the
 * names as a sentence ("encode, decode or verifier"), goes into the errors. */
int md_ctl_run_command(const char *group, const char *choices, const MdCtlCommand *commands,
                       gsize n_commands, int argc, char **argv);

/* Lower-case hex of @data. */
char *md_ctl_hex(const guint8 *data, gsize len);

/* "LABEL value", the label padded to @width. */
void md_ctl_print_field(int width, const char *label, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Replaces @path with @len bytes of @data, created with @mode (less the
 * umask); FALSE after saying why. */
gboolean md_ctl_write_file(const char *path, const void *data, gsize len, int mode);

/* The builder's root on one line of stdout. */
void md_ctl_print_json(JsonBuilder *builder);
/* Member @name: @value, or null when it is NULL. */
void md_ctl_json_add_string(JsonBuilder *builder, const char *name, const char *value);
/* Member @name: @data in hex, or null when it is NULL. */
void md_ctl_json_add_hex(JsonBuilder *builder, const char *name, const guint8 *data, gsize len);

/* Prints @rows (each a NULL-terminated array of cells, the first row the
 * header) as columns two spaces apart, the last one not padded. */
void md_ctl_print_table(GPtrArray *rows);

/* Which command runs, e.g. "window open", for the usage line of its
 * --help; md_ctl_run_command() sets it for the commands of a group. */
void md_ctl_set_command(const char *command);
