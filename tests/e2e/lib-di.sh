# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The Debian installer's netboot tree booted through pxecore (sourced after
# lib-e2e.sh by boot-di.sh). The tree is the one Debian ships in the package
# debian-installer-12-netboot-amd64, served as it is (--root); nothing in it
# is changed or rebuilt. What a person would do at the tree's own menu is done
# through QEMU's monitor (hmp.py: the same PS/2 keystrokes a keyboard sends):
# open the default entry's editor, add console=ttyS0,115200 so that the
# installer talks on the serial console, boot. The test passes when the
# installer's first dialog is on that console: language selection, or "Low
# memory mode" when the guest is short of memory.
#
# Tunables: PXE_DI_TREE (default the package's text tree).

DI_PACKAGES="debian-installer-12-netboot-amd64 pxelinux syslinux-common ipxe-qemu seabios ovmf"
DI_TREE=${PXE_DI_TREE:-/usr/lib/debian-installer/images/12/amd64/text}
DI_DIALOG='Select a language|Choose the language|Low memory mode|low memory mode'
DI_CONSOLE=console=ttyS0,115200

# di_init: skips unless the tree and the tools are here; names the real client
# code (package versions) the test runs. Sets E2E_CLIENT and E2E_CLIENT_VERSIONS.
di_init() {
    [ -f "$DI_TREE/pxelinux.0" ] && [ -f "$DI_TREE/debian-installer/amd64/initrd.gz" ] ||
        e2e_skip "no Debian installer netboot tree at $DI_TREE (apt-get install debian-installer-12-netboot-amd64)"
    e2e_need dpkg-query
    local p v
    E2E_CLIENT_VERSIONS=""
    for p in $DI_PACKAGES; do
        v=$(dpkg-query -W -f '${Version}' "$p" 2>/dev/null) || v="(not installed)"
        E2E_CLIENT_VERSIONS="$E2E_CLIENT_VERSIONS${E2E_CLIENT_VERSIONS:+, }$p $v"
    done
    E2E_CLIENT=debian-installer
    mkdir -p "$E2E_CACHE"
    e2e_log "client code: the Debian installer tree $DI_TREE ($(tr '\n' ' ' <"$DI_TREE/version.info" 2>/dev/null)); packages: $E2E_CLIENT_VERSIONS"
}

# ---------------------------------------------------------------- the person at the keyboard
# di_drive is e2e_boot's hook (E2E_BOOT_HOOK): a state machine, each step
# bounded in time, that waits for the tree's menu on the screen, edits the
# default entry and boots it, then watches the serial console for the dialog.
#   DI_MENU_FILE  the last file the menu fetches before it waits (RRQ seen)
#   DI_OPEN_KEYS  keys that open the entry's editor (vesamenu: tab; GRUB: e)
#   DI_MOVE_KEYS  keys to the end of the kernel line once it is open
#   DI_BOOT_KEYS  keys that boot the edited entry (ret; GRUB: f10)
#   DI_FIRST_STATE  "dialog" when pxecore's own menu boots the installer with
#                 console= already on its line (no keys), else the menu
DI_STATE=menu
DI_NEXT=0
DI_SHOT=0
di_hmp() { python3 "$E2E_DIR/hmp.py" "$E/monitor.sock" "$@" >>"$E/hmp.log" 2>&1; }
di_screen() {
    DI_SHOT=$((DI_SHOT + 1))
    rm -f "$E/screen-$DI_SHOT.ppm" "$E/screen-$((DI_SHOT - 3)).ppm"
    di_hmp screendump "$E/screen-$DI_SHOT.ppm" || return 1
    md5sum <"$E/screen-$DI_SHOT.ppm" | cut -c1-32
}
di_fail() { E2E_MARKER="PXECORE-E2E-FAIL reason=$1 END"; }

di_drive() {
    local now
    if [ "${DI_T0:-}" != "$E2E_T0" ]; then # a new boot (e2e_boot boots a hung guest again)
        DI_T0=$E2E_T0 DI_STATE=${DI_FIRST_STATE:-menu} DI_NEXT=0
    fi
    now=$(date +%s)
    [ "$now" -ge "$DI_NEXT" ] || return 0
    DI_NEXT=$((now + 1))
    case $DI_STATE in
    menu) # the menu fetched its last file
        if grep -aq "RRQ \"[^\"]*$DI_MENU_FILE\"" "$E/tcpdump.log" 2>/dev/null; then
            e2e_log "menu: $DI_MENU_FILE fetched after $(e2e_since "$E2E_T0")s"
            DI_STATE=settle DI_DEADLINE=$((now + 90)) DI_LAST=""
        fi
        ;;
    settle) # the menu is drawn: two screens 2 s apart are the same
        local h
        h=$(di_screen) || h=""
        if [ -n "$h" ] && [ "$h" = "$DI_LAST" ]; then
            e2e_log "menu on screen after $(e2e_since "$E2E_T0")s: keys $DI_OPEN_KEYS"
            di_hmp keys $DI_OPEN_KEYS
            DI_STATE=editor DI_DEADLINE=$((now + 30))
        elif [ "$now" -ge "$DI_DEADLINE" ]; then
            di_fail "the-menu-never-settled"
        fi
        DI_LAST=$h DI_NEXT=$((now + 2))
        ;;
    editor) # the editor opened: the screen changed
        local h
        h=$(di_screen) || h=""
        if [ -n "$h" ] && [ "$h" != "$DI_LAST" ]; then
            [ -z "$DI_MOVE_KEYS" ] || di_hmp keys $DI_MOVE_KEYS
            di_hmp type " $DI_CONSOLE"
            di_hmp keys $DI_BOOT_KEYS
            e2e_log "entry edited (+ $DI_CONSOLE) and booted after $(e2e_since "$E2E_T0")s"
            DI_STATE=kernel DI_DEADLINE=$((now + 60))
        elif [ "$now" -ge "$DI_DEADLINE" ]; then
            di_fail "the-menu-did-not-open-its-editor-on-$DI_OPEN_KEYS"
        fi
        ;;
    kernel) # the edited entry loads the tree's kernel
        if grep -aq 'RRQ "[^"]*debian-installer/amd64/linux"' "$E/tcpdump.log"; then
            e2e_log "the installer's kernel requested after $(e2e_since "$E2E_T0")s"
            DI_STATE=dialog
        elif [ "$now" -ge "$DI_DEADLINE" ]; then
            di_fail "no-kernel-request-after-the-entry-was-booted"
        fi
        ;;
    dialog)
        local line
        if line=$(tr '\r' '\n' <"$E/serial.log" | grep -a -o -m1 -E "$DI_DIALOG" | head -n1) && [ -n "$line" ]; then
            E2E_MARKER="PXECORE-E2E-OK dialog=\"$line\" END"
        fi
        ;;
    esac
    return 0
}

# di_boot MODE: boots QEMU (1 GiB: the installer's initrd shows "Low memory
# mode" at 512 MiB) with the monitor socket and the keyboard driver above.
di_boot() {
    E2E_QEMU_MEM=1024
    E2E_QEMU_ARGS=(-monitor "unix:$E/monitor.sock,server=on,wait=off")
    E2E_BOOT_HOOK=di_drive
    # one boot: a second one after a silent hang would not fit ctest's 420 s
    E2E_HANG_RETRIES=${E2E_HANG_RETRIES:-0}
    e2e_boot "$1" "${PXE_E2E_TIMEOUT:-300}"
    e2e_log "the installer's first dialog on the serial console: $E2E_MARKER"
}
