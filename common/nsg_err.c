/* nsg_err.c - error messages carried from libraries up to the CLI. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nsg.h"

nsg_rc nsg_err_set(struct nsg_err *err, nsg_rc code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

nsg_rc nsg_err_prefix(struct nsg_err *err, const char *fmt, ...)
{
    char prefix[512], old[sizeof(err->msg)];
    va_list ap;

    if (!err)
        return NSG_E_INTERNAL;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    size_t n = strlen(prefix);
    if (n > sizeof(err->msg) - 3)
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof(err->msg) - n - 3;
    size_t m = strnlen(old, room);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
    return err->code;
}

int nsg_err_exit_status(nsg_rc code)
{
    if (code == NSG_OK)
        return 0;
    if (code == NSG_E_UNKNOWN || code == NSG_E_INTERNAL)
        return 3;
    return 2;
}
