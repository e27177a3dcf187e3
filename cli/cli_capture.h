/* cli_capture.h - how the commands that talk to Azure (capture, enforce
 * --apply) show what the library reports: --verbose lines (requests and
 * answers, secrets redacted by the library) and a progress line on a
 * terminal only (cli_capture.c). */
#ifndef NSG_CLI_CAPTURE_H
#define NSG_CLI_CAPTURE_H

#include <stdbool.h>

#include "../capture/capture.h"

struct cli_cap_out {
    bool tty, progress_shown;
};
void cli_cap_hooks_init(struct nsg_cap_hooks *h, struct cli_cap_out *o,
                        bool verbose);
/* Erase the progress line, if one is shown. */
void cli_cap_clear_progress(struct cli_cap_out *o);

#endif
