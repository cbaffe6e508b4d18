/* main.c: the tcpshake binary: subcommand dispatch from one table, top-level
 * --help and --version, `help COMMAND`, and `-r FILE` as an alias of read. */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cli.h"
#include "config.h"

/* Adding a subcommand is one line here (and its cmd_*.c). */
static const struct cli_cmd commands[] = {
    { "read", "FILE [EXPR]", "show the handshakes in a capture file ('-' = stdin)",
      cmd_read, cmd_read_help },
    { "watch", "[-i IFACE] [EXPR]", "capture live (lo by default), as it happens",
      cmd_watch, cmd_watch_help },
    { "craft", "FORM [OPTIONS]",
      "by hand: handshake, listen, syn|synack|ack|rst|fin",
      cmd_craft, cmd_craft_help },
    { "demo", "[--slow|--step]", "one connection, wire and kernel views side by side",
      cmd_demo, cmd_demo_help },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct {
    int num;
    const char *name;
    const char *text;
} exit_table[] = {
#define X(name, num, text) { num, #name, text },
    EXIT_MAP(X)
#undef X
};

static void usage_line(FILE *out)
{
    fprintf(out,
            "Usage: " CLI_PROG " COMMAND [OPTIONS] [ARGS]\n"
            "       " CLI_PROG " -r FILE [OPTIONS] [BPF expression]\n");
}

static void top_help(FILE *out)
{
    size_t i;
    int w = 22; /* the widest synopsis sets the column: none runs into its text */
    usage_line(out);
    for (i = 0; i < N_COMMANDS; i++) {
        int n = (int)(strlen(commands[i].name) + 1 + strlen(commands[i].args));
        if (n + 1 > w)
            w = n + 1;
    }
    fprintf(out, "\n"
                 "Show the TCP three-way handshake as it really happens: every SYN, SYN+ACK,\n"
                 "ACK, RST and FIN, with the RFC 9293 state of each endpoint.\n"
                 "\nCommands:\n");
    for (i = 0; i < N_COMMANDS; i++) {
        char left[64];
        snprintf(left, sizeof(left), "%s %s", commands[i].name, commands[i].args);
        fprintf(out, "  %-*s %s\n", w, left, commands[i].summary);
    }
    fprintf(out, "  %-*s %s\n", w, "help COMMAND", "show the options of COMMAND");
    fprintf(out, "\nOptions:\n");
    fprintf(out, "  %-*s %s\n", w, "-h, --help", "show this help");
    fprintf(out, "  %-*s %s\n", w, "-V, --version", "show the version");
    fprintf(out, "  %-*s %s\n", w, "-D, --list-interfaces",
            "list the interfaces to capture on (tcpdump -D)");
    fprintf(out, "\nOptions of read (also after -r FILE):\n");
    cmd_read_print_opts(out);
    fprintf(out, "\nExit status:\n");
    for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
        fprintf(out, "  %3d  %s\n", exit_table[i].num, exit_table[i].text);
}

static const struct cli_cmd *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int help_command(int argc, char **argv)
{
    const struct cli_cmd *c;
    if (argc < 3) {
        top_help(stdout);
        return EXIT_OK;
    }
    c = find_command(argv[2]);
    if (!c) {
        cli_error("unknown command '%s' (see '" CLI_PROG " --help')", argv[2]);
        return EXIT_USAGE;
    }
    c->help(stdout);
    return EXIT_OK;
}

static int dispatch(int argc, char **argv)
{
    const char *a1;
    const struct cli_cmd *c;

    if (argc < 2) {
        cli_error("missing command: " CLI_PROG " COMMAND ... or " CLI_PROG
                  " -r FILE (see '" CLI_PROG " --help')");
        return EXIT_USAGE;
    }
    a1 = argv[1];
    if (strcmp(a1, "-h") == 0 || strcmp(a1, "--help") == 0) {
        top_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(a1, "-V") == 0 || strcmp(a1, "--version") == 0) {
        printf(CLI_PROG " %s (%s)\n", TCPSHAKE_VERSION, pcap_lib_version());
        return EXIT_OK;
    }
    if (strcmp(a1, "-D") == 0 || strcmp(a1, "--list-interfaces") == 0)
        return cli_list_interfaces();
    if (strcmp(a1, "help") == 0)
        return help_command(argc, argv);
    /* tcpdump habit: `tcpshake -r FILE [options] [expr]` is `read`. */
    if (a1[0] == '-' && a1[1] != '\0')
        return cmd_read(argc, argv);
    c = find_command(a1);
    if (!c) {
        cli_error("unknown command '%s' (see '" CLI_PROG " --help')", a1);
        return EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    int status = dispatch(argc, argv);
    /* Help and version text go through the same buffered stdout. */
    if (fflush(stdout) != 0 && status == EXIT_OK) {
        cli_error("write error on standard output");
        return EXIT_OUTPUT;
    }
    return status;
}
