/* SPDX-License-Identifier: MIT */
/*
 * pxecore: the program.  It sits above the core and the REST API and is the
 * only place that knows both.
 *
 * Startup: parse argv (pass 1) -> open plugins -> defaults, config file,
 * argv (pass 2) -> images -> load + config_complete -> API init -> bind ->
 * drop privileges -> start -> rootfs_prepare -> pidfile -> loop.  Shutdown
 * runs the same steps backwards.  SIGTERM and SIGINT stop the loop, SIGHUP
 * calls every plugin's reload.  Exit codes are documented in README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <pxecore/version.h>

#include "config.h"
#include "daemon.h"
#include "entries.h"
#include "events.h"
#include "files.h"
#include "kinds.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "metrics.h"
#include "state.h"

/* Tells a service manager (systemd Type=notify) what happened; failures are logged once. */
static void report_notify(const char *msg)
{
    static int warned;
    int r = notify_send(msg);

    if (r < 0 && !warned++)
        log_warn("NOTIFY_SOCKET: cannot notify the service manager: %s", strerror(-r));
}

static void report_ready(const struct core *c)
{
    char msg[160];
    unsigned running = 0;

    for (const struct pxe_core *p = c->plugins; p; p = p->next)
        running += p->started ? 1 : 0;
    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=serving %u image(s) with %u plugin(s)",
             c->n_images, running);
    report_notify(msg);
}

static void on_signal(void *ud, int fd, uint32_t events)
{
    struct core *c = ud;
    struct signalfd_siginfo si;

    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
            log_notice("SIGHUP: reloading plugins");
            report_notify("RELOADING=1\nSTATUS=reloading plugins");
            startup_reload_images(c); /* first: plugins may look at them */
            sboot_sig_check_images(c);
            for (struct pxe_core *p = c->plugins; p; p = p->next)
                if (p->started && p->desc.reload && p->desc.reload(p->state) < 0)
                    log_msg(p->desc.name, 4, "reload failed, ignoring");
            report_ready(c);
        } else {
            log_notice("%s: shutting down", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
            report_notify("STOPPING=1\nSTATUS=shutting down");
            c->quitting = 1;
            loop_quit(c->loop);
        }
    }
}

/* --help and --version; 1 when one was answered. */
static int answer_info_flags(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            options_usage(stdout);
            return 1;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("pxecore %s (plugin ABI %d)\n", PXE_VERSION_STRING, PXE_PLUGIN_ABI_VERSION);
            return 1;
        }
    }
    return 0;
}

/* Images, state directory, plugin load, persisted state.  0 or an exit code (logged). */
static int prepare(struct core *c)
{
    char err[CONFIG_ERR_MAX + 256];
    int ex = 0, r;

    r = startup_open_images(c, err);
    if (r < 0) {
        log_err("%s", err);
        return r == -ENOMEM ? EXIT_OOM : EXIT_FILE;
    }
    r = startup_mkdir_p(c->set.state_dir);
    if (r < 0) {
        log_err("core.state_dir: cannot create '%s': %s", c->set.state_dir, strerror(-r));
        return EXIT_FILE;
    }
    r = sboot_open(c, err, sizeof(err));
    if (r < 0) {
        log_err("%s", err);
        return r == -ENOMEM ? EXIT_OOM : EXIT_CONFIG;
    }
    if (startup_load_plugins(c, NULL, NULL, &ex) < 0)
        return ex;
    r = kinds_probe_images(c, err, sizeof(err));
    if (r < 0) {
        log_err("%s", err);
        return r == -ENOMEM ? EXIT_OOM : EXIT_CONFIG;
    }
    r = entries_from_config(c, err, sizeof(err));
    if (r < 0) {
        log_err("%s", err);
        return r == -ENOMEM ? EXIT_OOM : EXIT_CONFIG;
    }
    r = state_load(c, err, sizeof(err));
    if (r < 0) {
        log_err("%s", err);
        return r == -ENOMEM ? EXIT_OOM : EXIT_FILE;
    }
    return 0;
}

/* From API init to the end of the loop.  0 or an exit code (logged). */
static int serve(struct core *c, struct options *o, const sigset_t *mask, int *sfd)
{
    int ex = 0, r;

    if (!o->no_api && api_init(c, &o->api) < 0)
        return EXIT_CONFIG;
    *sfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (*sfd < 0 || loop_io_add(c->loop, NULL, *sfd, PXE_IO_IN, on_signal, c, NULL) < 0) {
        log_err("cannot watch signals: %s", strerror(errno));
        return EXIT_OOM;
    }
    c->start_usec = loop_now_usec();
    c->start_time = time(NULL);
    if (startup_bind_start(c, &ex) < 0)
        return ex;
    sboot_sig_check_images(c);
    log_notice("pxecore %s ready: %u image(s)", PXE_VERSION_STRING, c->n_images);
    for (struct pxe_core *p = c->plugins; p; p = p->next)
        log_info("plugin %s %s %s", p->desc.name, p->desc.version,
                 p->started ? "running" : "disabled");
    if (c->pidfd >= 0 && (r = privs_pidfile_fill(c->pidfd)) < 0) {
        log_err("core.pidfile: cannot write '%s': %s", c->set.pidfile, strerror(-r));
        return EXIT_FILE;
    }
    report_ready(c);
    r = loop_run(c->loop);
    if (r < 0) {
        log_err("event loop failed: %s", strerror(-r));
        return EXIT_OOM;
    }
    return 0;
}

/* Configured: log target, --help-config, --check-config, then prepare and serve. */
static int run(struct core *c, struct options *o, int argc, char **argv, const sigset_t *mask,
               int *sfd)
{
    struct section secs[OPTIONS_MAX_SECTIONS];
    size_t nsecs = 0;
    int ex;

    ex = options_configure(c, o, argc, argv, secs, &nsecs);
    if (ex)
        return ex;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help-config")) {
            options_print_config_help(secs, nsecs);
            return 0;
        } else if (!strcmp(argv[i], "--help-config=man")) {
            options_print_config_man(stdout, secs, nsecs);
            return 0;
        }
    if (c->set.log_target && strcmp(c->set.log_target, "syslog") == 0)
        log_setup(1, o->verbose ? 7 : 6);
    else if (c->set.log_target && strcmp(c->set.log_target, "stderr") != 0) {
        log_err("core.log_target: must be \"stderr\" or \"syslog\"");
        return EXIT_CONFIG;
    }
    config_set_state_dir(c->set.state_dir);
    if (o->check_config)
        return check_config_run(c, o);
    ex = prepare(c);
    return ex ? ex : serve(c, o, mask, sfd);
}

static void shutdown_all(struct core *c, struct options *o, int sfd)
{
    c->quitting = 1;
    if (!o->no_api)
        api_stop(c);
    startup_shutdown(c);
    if (!o->no_api)
        api_free(c);
    if (c->pidfd >= 0) {
        close(c->pidfd);
        if (unlink(c->set.pidfile) < 0)
            log_debug("core.pidfile: cannot remove '%s': %s", c->set.pidfile, strerror(errno));
    }
    if (sfd >= 0)
        close(sfd);
    startup_free(c);
    config_free(api_settings_items, &o->api);
    state_free();
    events_done();
    metrics_reset();
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct core core = {.pidfd = -1};
    sigset_t mask;
    int sfd = -1, ex;

    if (answer_info_flags(argc, argv))
        return 0;
    if (options_parse_early(argc, argv, &o) < 0)
        return EXIT_CONFIG;
    if (o.dump_plugin)
        return startup_dump_plugin(o.dump_plugin);
    log_setup(0, o.verbose ? 7 : 6);

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    privs_raise_nofile();

    pthread_rwlock_init(&core.model_lock, NULL);
    core.loop = loop_new();
    if (!core.loop) {
        log_err("cannot create the event loop: %s", strerror(errno));
        return EXIT_OOM;
    }
    files_set_loop_thread(pthread_self());
    events_init();

    ex = run(&core, &o, argc, argv, &mask, &sfd);
    shutdown_all(&core, &o, sfd);
    if (ex == 0 && core.start_usec)
        log_info("stopped");
    return ex;
}
