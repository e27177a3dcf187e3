/* nsgproof.c - the command table and main(): dispatches to cmd_<name>. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"


static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"import", cmd_import, "import NSG configs, service tags, flow logs and aggregates into a corpus"},
    {"check", cmd_check, "is this packet allowed, and by which rule? (IP flow verify)"},
    {"rules", cmd_rules, "effective security rules of a NIC"},
    {"replay", cmd_replay, "replay logged flows against current or proposed rules"},
    {"diff", cmd_diff, "semantic difference of two NSGs, with witness packets"},
    {"verify", cmd_verify, "prove reachability properties of the topology"},
    {"path", cmd_path, "the path a packet takes and every decision on it"},
    {"lint", cmd_lint, "shadowed, redundant, conflicting and risky rules"},
    {"compact", cmd_compact, "merge a corpus's stored flow segments into one"},
    {"list", cmd_list, "what a corpus holds: resources by kind, flows"},
    {"show", cmd_show, "one resource as stored, its associations, history"},
    {"harden", cmd_harden, "recommend narrower allow rules from observed traffic"},
    {"plan", cmd_plan, "list and edit a hardening plan"},
    {"alerts", cmd_alerts, "observed traffic outside a plan's recommended ranges"},
    {"prove", cmd_prove, "prove a hardening plan safe (replay, Z3, invariants)"},
    {"enforce", cmd_enforce, "prove a plan, then write the new NSG resources"},
    {"gc", cmd_gc, "remove the files a corpus no longer references"},
    {"fsck", cmd_fsck, "check a corpus: hashes, references, segments, checkpoints"},
    {"assess", cmd_assess, "networking recommendations with severities, per resource"},
    {"map", cmd_map, "the network map: topology or traffic, as HTML, DOT or JSON"},
    {"capture", cmd_capture, "capture configuration (ARM) and flow logs (Blob storage) live"},
    {"export-flows", cmd_export_flows, "write stored flows as aggregate rows (CSV, JSON Lines)"},
    {"sport-boundaries", cmd_sport_boundaries, "source-port boundaries aggregate jobs must keep apart"},
};

static void usage(FILE *f)
{
    int w = 8; /* the longest command name */
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if ((int)strlen(commands[i].name) > w)
            w = (int)strlen(commands[i].name);
    fprintf(f, "usage: nsgproof <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-*s %s\n", w, commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'nsgproof <command> --help' or 'nsgproof help <command>' "
               "for a command's options.\n"
               "Exit codes: 0 holds/allowed/no difference, 1 violated/denied/"
               "differences, 2 usage or input error, 3 unknown or internal "
               "inconsistency.\n");
}

static int find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(name, commands[i].name))
            return (int)i;
    return -1;
}

/* `nsgproof help [CMD]`: the command's own --help, from its option table. */
static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    int i = find_command(argv[2]);
    if (i < 0) {
        fprintf(stderr, "nsgproof help: error: unknown command '%s'\n",
                argv[2]);
        usage(stderr);
        return CLI_EXIT_INPUT;
    }
    char *args[] = {(char *)commands[i].name, "--help", NULL};
    cli_set_command(commands[i].name);
    return commands[i].fn(2, args);
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_INPUT;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "help"))
        return help(argc, argv);
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("nsgproof %s\n", NSGPROOF_VERSION);
        return CLI_EXIT_OK;
    }
    int i = find_command(argv[1]);
    if (i < 0) {
        fprintf(stderr, "nsgproof: error: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return CLI_EXIT_INPUT;
    }
    cli_set_command(commands[i].name);
    return commands[i].fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    /* A closed pipe is a write error reported at exit, not a silent
     * SIGPIPE death halfway through a report. */
    signal(SIGPIPE, SIG_IGN);
    return cli_finish_stdout(run(argc, argv));
}
