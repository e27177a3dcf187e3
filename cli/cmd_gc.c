/* cmd_gc.c - `nsgproof gc`: removes what the corpus no longer references
 * (objects, segments superseded by compaction, old checkpoint files,
 * leftovers of killed imports) under the corpus lock, keeping what a
 * reader of an earlier generation may still read (nsg_corpus_gc). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [--dry-run] [--lock-wait SECONDS] [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "gc", synopsis,
    "Remove the files a corpus no longer references: flow segments that\n"
    "compaction replaced, old checkpoint files, unreferenced objects and\n"
    "what killed imports left behind.",
    "Files an earlier generation named are kept while another command has\n"
    "the corpus open (a reader may still read them); run gc again later.\n"
    "Exit: 0 done, 2 could not run (no corpus, locked, I/O error).\n",
    NULL};

/* Test hook (tests/t_gc.sh): die like a killed process after the first
 * removal. */
static void after_remove(void *ctx, const char *rel, uint64_t bytes)
{
    (void)ctx;
    (void)rel;
    (void)bytes;
    const char *hook = getenv("NSGPROOF_TEST_KILL");
    if (hook && !strcmp(hook, "gc-after-first-remove"))
        raise(SIGKILL);
}

static void print_text(const char *dir, const cJSON *rep)
{
    bool dry = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "dry_run"));
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rep, "removed"))
        printf("%s %s (%g bytes): %s\n", dry ? "would remove" : "removed",
               cli_json_str(f, "path", ""), cli_json_num(f, "bytes"),
               cli_json_str(f, "why", ""));
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rep, "kept"))
        printf("kept %s (%g bytes): %s\n", cli_json_str(f, "path", ""),
               cli_json_num(f, "bytes"), cli_json_str(f, "why", ""));
    printf("corpus %s: %s %g files, %g bytes (generation %g)", dir,
           dry ? "would free" : "freed", cli_json_num(rep, "files_freed"),
           cli_json_num(rep, "bytes_freed"), cli_json_num(rep, "generation"));
    if (cli_json_num(rep, "files_kept"))
        printf("; kept %g files, %g bytes%s", cli_json_num(rep, "files_kept"),
               cli_json_num(rep, "bytes_kept"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "readers"))
                   ? " (another command has the corpus open)"
                   : "");
    printf("\n");
}

int cmd_gc(int argc, char **argv)
{
    const char *dir = NULL;
    bool dry = false;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    double lock_wait = 30;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &dir, "DIR", "the corpus (must exist)"),
        CLI_OPT_FLAG("dry-run", &dry,
                     "report what would be removed, remove "
                     "nothing"),
        CLI_OPT_SECONDS("lock-wait", &lock_wait,
                        "wait this long for an import (default 30)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    struct nsg_corpus *c = NULL;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!dir)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (nsg_corpus_open(dir, false, &c, &err))
        return cli_fail(&err);
    nsg_corpus_set_lock_wait(c, (int)(lock_wait * 1000));
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "corpus", dir);
    if (nsg_corpus_gc(c, dry, after_remove, NULL, rep, &err))
        status = cli_fail(&err);
    else if (fmt.format == CLI_FORMAT_JSON)
        cli_print_json(rep);
    else
        print_text(dir, rep);
    cJSON_Delete(rep);
    nsg_corpus_close(c);
    return status;
}
