/* SPDX-License-Identifier: MIT */
/*
 * The service manager's readiness protocol (sd_notify(3)): one datagram of
 * "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET ('@' at
 * its start names an abstract socket). Without $NOTIFY_SOCKET nothing is sent.
 */
#ifndef PXE_DAEMON_NOTIFY_H
#define PXE_DAEMON_NOTIFY_H

/* Sends msg (e.g. "READY=1\nSTATUS=serving"). 0, 0 when not under a manager, or -errno. */
int notify_send(const char *msg);

#endif
