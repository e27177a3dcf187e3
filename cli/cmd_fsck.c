/* cmd_fsck.c - `nsgproof fsck`: checks a corpus without changing it
 * (nsg_corpus_fsck): every object and segment re-hashed, every manifest
 * reference, segment header and checkpoint checked.  Damage is exit 1;
 * unreferenced files are garbage (exit 0: gc removes them). */
#include <stdio.h>

#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {"--corpus DIR [--format text|json]",
                                       NULL};
static const struct cli_command_help help = {
    "fsck", synopsis,
    "Check a corpus: re-hash every object and flow segment, check every\n"
    "manifest reference, segment header and record, and checkpoint.",
    "Files nothing references are reported as garbage (nsgproof gc removes\n"
    "them), not as damage.\n"
    "Exit: 0 clean, 1 damage found, 2 could not run.\n",
    NULL};

static void print_text(const char *dir, const cJSON *rep)
{
    const cJSON *chk = cJSON_GetObjectItemCaseSensitive(rep, "checked"), *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rep, "damage"))
        printf("damage: %s: %s\n", cli_json_str(f, "path", ""),
               cli_json_str(f, "problem", ""));
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rep, "garbage"))
        printf("garbage: %s (%g bytes): %s\n", cli_json_str(f, "path", ""),
               cli_json_num(f, "bytes"), cli_json_str(f, "why", ""));
    cJSON_ArrayForEach(
        f, cJSON_GetObjectItemCaseSensitive(rep, "segments_without_sha256"))
        printf("note: %s has no recorded SHA-256 (written by an older "
               "nsgproof; its records were checked)\n",
               cJSON_IsString(f) ? f->valuestring : "");
    printf("corpus %s: generation %g: %g objects, %g segments (%g flows), "
           "%g checkpoint files (%g blobs) checked\n",
           dir, cli_json_num(rep, "generation"), cli_json_num(chk, "objects"),
           cli_json_num(chk, "segments"), cli_json_num(chk, "flows"),
           cli_json_num(chk, "checkpoint_files"), cli_json_num(chk, "blobs"));
    if (cli_json_num(rep, "garbage_files"))
        printf("garbage: %g files, %g bytes (nsgproof gc removes them)\n",
               cli_json_num(rep, "garbage_files"),
               cli_json_num(rep, "garbage_bytes"));
    if (cli_json_num(rep, "damaged"))
        printf("damage found: %g problems\n", cli_json_num(rep, "damaged"));
    else
        printf("clean\n");
}

int cmd_fsck(int argc, char **argv)
{
    const char *dir = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &dir, "DIR", "the corpus (must exist)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    if (status)
        return cli_opt_status(status);
    if (!dir)
        return cli_opt_error(&help, "--corpus DIR is required");
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "corpus", dir);
    if (nsg_corpus_fsck(dir, rep, &err)) {
        status = cli_fail(&err);
    } else {
        status = cli_json_num(rep, "damaged") ? CLI_EXIT_FOUND : CLI_EXIT_OK;
        cJSON_AddBoolToObject(rep, "clean", status == CLI_EXIT_OK);
        if (fmt.format == CLI_FORMAT_JSON)
            cli_print_json(rep);
        else
            print_text(dir, rep);
    }
    cJSON_Delete(rep);
    return status;
}
