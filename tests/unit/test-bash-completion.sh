#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test-bash-completion.sh COMPLETION MATTERCTL
# The bash completion of matterctl offers exactly what the built matterctl
# has: its commands, each group's subcommands and each command's options
# as their --help lists them, so that neither can change without the
# other; and the values of the options that take a word from a list.
set -u
# shellcheck source=/dev/null
source "$1"
matterctl=$2
failures=0

# What the completion offers for the command line "$@" (the last word
# being completed), sorted, one per line.
offers() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _matterctl
    if [ ${#COMPREPLY[@]} -gt 0 ]; then
        printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
    fi
}

# The names listed under "Commands:" in the help text on stdin.
help_commands() {
    sed -n '/^Commands:$/,/^$/p' | sed -n 's/^  \([a-z-]*\) .*/\1/p' | LC_ALL=C sort
}

# The long options listed in the help text on stdin.
help_options() {
    grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | sed 's/.*--/--/' | LC_ALL=C sort
}

expect() {
    local what=$1 want=$2 got=$3
    if [ "$want" = "$got" ]; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        echo "  want: $(echo "$want" | tr '\n' ' ')"
        echo "  got:  $(echo "$got" | tr '\n' ' ')"
        failures=$((failures + 1))
    fi
}

expect "commands" "$("$matterctl" help | help_commands)" "$(offers matterctl "")"
expect "global options" "$("$matterctl" --help | help_options)" "$(offers matterctl --)"
expect "commands after --session" "window" "$(offers matterctl --session win)"
expect "help COMMAND" "status" "$(offers matterctl help st)"

leaves=(status fabrics sessions monitor factory-reset)
for group in window fabric session label payload creds cert; do
    subcommands=$("$matterctl" "$group" --help | help_commands)
    expect "$group subcommands" "$(printf '%s\n' $subcommands --help | LC_ALL=C sort)" \
        "$(offers matterctl "$group" "")"
    for sub in $subcommands; do
        leaves+=("$group $sub")
    done
done
for leaf in "${leaves[@]}"; do
    # shellcheck disable=SC2086
    expect "options of $leaf" "$("$matterctl" $leaf --help | help_options)" \
        "$(offers matterctl --session $leaf --)"
done

expect "--flow values" "$(printf '%s\n' custom standard user-intent)" \
    "$(offers matterctl payload encode --flow "")"
expect "--to values" "$(printf '%s\n' der pem tlv)" "$(offers matterctl cert convert a --to "")"
expect "nothing after a finished command" "" "$(offers matterctl status "")"

if [ "$failures" -ne 0 ]; then
    echo "$failures failed"
    exit 1
fi
