/* cmd_plan.c - `nsgproof plan`: list and edit a hardening plan with the
 * product's rules (only allow rules are modified or added, an allow never
 * becomes a deny, the deny is deleted, never modified).  A refused edit
 * exits 2 and leaves the file as it was; an accepted one rewrites it
 * atomically. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../harden/harden.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_plan.h"

static const char *const synopsis[] = {
    "--plan PLAN.json list [--format text|json]",
    "--plan PLAN.json modify RULE [--source CIDR,...] [--ports P,...]\n"
    "         [--protocol tcp|udp] [--format text|json]",
    "--plan PLAN.json add --nic NAME --source CIDR,... --ports P,...\n"
    "         --protocol tcp|udp [--format text|json]",
    "--plan PLAN.json delete RULE [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "plan", synopsis,
    "List or edit a hardening plan written by `nsgproof harden`.",
    "RULE is a rule name of the plan, or NSG/RULE when the name is in\n"
    "several NSGs.  Only allow rules can be modified or added; an allow\n"
    "cannot become a deny (--access deny is refused); the deny rule cannot\n"
    "be modified, only deleted.  A hand-edited file is checked by the same\n"
    "rules when it is read.  JSON: docs/plan.md.\n"
    "Exit: 0 done, 2 usage error or refused edit (the file is unchanged).\n",
    "ACTION [RULE]"};

static char **split_sources(const char *s, size_t *n)
{
    char **items = g_strsplit(s, ",", -1);
    char **out = nsg_xcalloc(g_strv_length(items) + 1, sizeof(char *));
    *n = 0;
    for (size_t i = 0; items[i]; i++) {
        char *t = g_strstrip(items[i]);
        if (*t)
            out[(*n)++] = nsg_xstrdup(t);
    }
    g_strfreev(items);
    return out;
}

static void free_sources(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int list(const struct nsg_plan *p, bool json)
{
    if (json) {
        cJSON *j = nsg_plan_to_json(p);
        cli_print_json(j);
        cJSON_Delete(j);
        return CLI_EXIT_OK;
    }
    cli_plan_print_nics(p);
    printf("\n");
    cli_plan_print_recs(p, true);
    return CLI_EXIT_OK;
}

static void done(const char *action, const char *path, GPtrArray *names,
                 bool json)
{
    if (json) {
        cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "action", action);
        cJSON_AddStringToObject(o, "plan", path);
        for (guint i = 0; i < names->len; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(names->pdata[i]));
        cJSON_AddItemToObject(o, "rules", a);
        cli_print_json(o);
        cJSON_Delete(o);
        return;
    }
    for (guint i = 0; i < names->len; i++)
        printf("%s %s\n", action, (const char *)names->pdata[i]);
    printf("plan %s updated: prove it again before enforcing\n", path);
}

int cmd_plan(int argc, char **argv)
{
    const char *plan = NULL, *sources = NULL, *ports = NULL, *proto = NULL,
               *nic = NULL, *access = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_option opts[] = {
        CLI_OPT_STR("plan", &plan, "PLAN.json", "the plan file"),
        CLI_OPT_STR("source", &sources, "CIDR,...",
                    "modify/add: the allowed sources"),
        CLI_OPT_STR("ports", &ports, "P,...",
                    "modify/add: destination ports or ranges"),
        CLI_OPT_STR("protocol", &proto, "P", "modify/add: tcp or udp"),
        CLI_OPT_STR("nic", &nic, "NAME", "add: the NIC the allow is for"),
        CLI_OPT_STR("access", &access, "allow",
                    "modify/add: only allow is accepted"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct cli_strv pos = CLI_STRV_INIT;
    struct nsg_plan_edit e = {0};
    struct nsg_plan *p = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *action, *rule = NULL;
    nsg_rc rc = NSG_OK;
    int status = cli_opt_parse(&help, opts, argc, argv, &pos, NULL);

    e.proto = -2;
    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    if (!plan) {
        status = cli_opt_error(&help, "--plan PLAN.json is required");
        goto out;
    }
    if (!pos.n) {
        status = cli_opt_error(&help, "give an action: list, modify, add or "
                                      "delete");
        goto out;
    }
    action = pos.v[0];
    if (!strcmp(action, "modify") || !strcmp(action, "delete")) {
        if (pos.n != 2) {
            status = cli_opt_error(&help, "%s needs exactly one RULE", action);
            goto out;
        }
        rule = pos.v[1];
    } else if (!strcmp(action, "list") || !strcmp(action, "add")) {
        if (pos.n != 1) {
            status = cli_opt_error(&help, "unexpected argument '%s'",
                                   pos.v[1]);
            goto out;
        }
    } else {
        status = cli_opt_error(&help,
                               "unknown action '%s' (list, modify, add, "
                               "delete)",
                               action);
        goto out;
    }
    if ((!strcmp(action, "list") || !strcmp(action, "delete")) &&
        (sources || ports || proto || nic || access)) {
        status = cli_opt_error(&help, "%s takes no --source, --ports, "
                                      "--protocol, --nic or --access",
                               action);
        goto out;
    }
    if (!strcmp(action, "modify") && nic) {
        status = cli_opt_error(&help, "modify takes no --nic (the rule "
                                      "stays where it is)");
        goto out;
    }
    if (proto) {
        e.proto = nsg_proto_parse(proto);
        if (e.proto != NSG_PROTO_TCP && e.proto != NSG_PROTO_UDP) {
            status = cli_opt_error(&help, "--protocol must be tcp or udp, "
                                          "not '%s'",
                                   proto);
            goto out;
        }
    }
    if (ports && nsg_plan_parse_ports(ports, &e.ports, &err)) {
        status = cli_opt_error(&help, "--ports: %s", err.msg);
        goto out;
    }
    if (sources)
        e.sources = split_sources(sources, &e.n_sources);
    e.access = access;
    status = cli_plan_load(plan, &p);
    if (status)
        goto out;
    if (!strcmp(action, "list")) {
        status = list(p, fmt.format == CLI_FORMAT_JSON);
        goto out;
    }
    if (!strcmp(action, "modify")) {
        rc = nsg_plan_modify(p, rule, &e, &err);
        if (!rc)
            g_ptr_array_add(names, g_strdup(rule));
    } else if (!strcmp(action, "add")) {
        if (!nic)
            rc = nsg_err_set(&err, NSG_E_USAGE, "add needs --nic NAME");
        else
            rc = nsg_plan_add(p, nic, &e, names, &err);
    } else {
        rc = nsg_plan_delete(p, rule, &err);
        if (!rc)
            g_ptr_array_add(names, g_strdup(rule));
    }
    if (rc == NSG_E_USAGE) {
        status = cli_opt_error(&help, "%s", err.msg);
        goto out;
    }
    if (!rc)
        rc = nsg_plan_save(p, plan, &err);
    if (rc) {
        status = cli_fail(&err);
        goto out;
    }
    done(!strcmp(action, "modify")   ? "modified"
         : !strcmp(action, "add") ? "added"
                                  : "deleted",
         plan, names, fmt.format == CLI_FORMAT_JSON);
    status = CLI_EXIT_OK;
out:
    free_sources(e.sources, e.n_sources);
    nsg_plan_ports_release(&e.ports);
    cli_strv_release(&pos);
    g_ptr_array_free(names, TRUE);
    nsg_plan_free(p);
    return status;
}
