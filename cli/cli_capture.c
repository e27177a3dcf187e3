/* cli_capture.c - the hooks of the commands that talk to Azure: verbose
 * lines to standard error, a progress line that rewrites itself on a
 * terminal (none when standard error is not one). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_capture.h"

void cli_cap_clear_progress(struct cli_cap_out *o)
{
    if (o->progress_shown) {
        fputs("\r\033[K", stderr);
        o->progress_shown = false;
    }
}

static void on_verbose(void *ctx, const char *line)
{
    cli_cap_clear_progress(ctx);
    fprintf(stderr, "%s\n", line);
}

static void on_progress(void *ctx, const char *line)
{
    struct cli_cap_out *o = ctx;
    fprintf(stderr, "\r\033[K%.*s", 150, line);
    fflush(stderr);
    o->progress_shown = true;
}

void cli_cap_hooks_init(struct nsg_cap_hooks *h, struct cli_cap_out *o,
                        bool verbose)
{
    memset(o, 0, sizeof(*o));
    o->tty = isatty(STDERR_FILENO);
    h->verbose = verbose ? on_verbose : NULL;
    h->progress = o->tty && !verbose ? on_progress : NULL;
    h->ctx = o;
}
