#ifndef KIOSK_CCUPS_SHIM_H
#define KIOSK_CCUPS_SHIM_H

#include <cups/cups.h>
#include <sys/socket.h>

/// Opens a blocking connection to one scheduler: a host name or an absolute path to its domain
/// socket (libcups tells them apart by the leading "/"). Each caller gets its own connection
/// instead of libcups's per-thread default server, so two schedulers can be used side by side.
/// A request that waits longer than `timeout_seconds` for the scheduler fails instead of hanging.
static inline http_t *kiosk_cups_connect(const char *host, int port, int connect_msec,
                                         double timeout_seconds) {
    http_t *http = httpConnect2(host, port, NULL, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED,
                                1, connect_msec, NULL);
    if (http != NULL) {
        httpSetTimeout(http, timeout_seconds, NULL, NULL);
    }
    return http;
}

#endif
