/* demo_cli.h: what the two files of `tcpshake demo` share: the parsed
 * arguments (demo_args.c: options, --help, parsing) for the run
 * (cmd_demo.c). Private to src/cli. */
#ifndef TCPSHAKE_DEMO_CLI_H
#define TCPSHAKE_DEMO_CLI_H

#include <stdbool.h>

#include "demo.h"

struct demo_args {
    struct demo_cfg cfg;
    unsigned flags;
    bool json, step;
    unsigned long width;    /* --width (0: the terminal's) */
    const char *html_path;  /* --html FILE, written when the demo ends */
};

/* Parse argv (argv[0] = "demo"). -1 to go on, or an exit status (after
 * --help, or a one-line message). */
int demo_parse_args(int argc, char **argv, struct demo_args *a);

#endif
