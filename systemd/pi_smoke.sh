#!/usr/bin/env bash
# Pi smoke test (make pi-smoke): builds a Debian Bookworm arm64 root with debootstrap, installs the
# kiosk in it the way install.sh does on a Raspberry Pi (--pi yes: system-site venv, pip from PyPI
# with systemd/constraints-pi.txt), then runs kiosk --version, kiosk doctor --simulated --json and a
# 2-record headless demo (for which it adds the [receiver] extra: the demo stands in for the OPL,
# and a kiosk does not carry the receiver's packages), all under qemu-user emulation (proot -q qemu-aarch64-static, so no
# binfmt_misc is needed). Slow: the first run takes tens of minutes. Not part of make test.
# One line per step on the terminal; debootstrap's, apt's and pip's output goes to the log it names.
# Each finished step leaves a marker in the root, so a second run resumes where the first stopped;
# PI_SMOKE_FRESH=1 starts from an empty root. --packages prints the apt packages it takes from
# install.sh and exits.
set -euo pipefail

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTFS="${PI_SMOKE_ROOT:-/var/tmp/apoyo-pi-smoke}"
LOG="${PI_SMOKE_LOG:-/var/tmp/apoyo-pi-smoke.log}"
SUITE=bookworm
QEMU=qemu-aarch64-static
# the packages install.sh installs with apt (its BASE_PACKAGES); no compiler: pip must find aarch64
# wheels for everything (building under qemu would take hours). Not systemd: its postinst
# (systemd-sysusers) crashes proot 5.3 (path.c compare_paths2 assertion), so install.sh's enable
# step is skipped here; tests/deploy checks the units and the enable step on this machine.
# (install.sh's top level read by bash in a child shell, everything but its call to main)
# shellcheck disable=SC2016
mapfile -t BASE_PACKAGES < <(bash -c 'source <(sed "s/^main \"\$@\"\$//" "$1") && printf "%s\n" "${BASE_PACKAGES[@]}"' \
    _ "$SOURCE_DIR/systemd/install.sh")
((${#BASE_PACKAGES[@]} > 0)) || {
    echo "ERROR: no pude leer BASE_PACKAGES de systemd/install.sh" >&2
    exit 1
}
EXTRA_PACKAGES=(python3 passwd)
START=$SECONDS

say() { printf '==> [%4ds] %s\n' "$((SECONDS - START))" "$*"; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# Run a logged step; on failure show the log's tail and stop.
logged() {
    printf '\n### %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOG"
    if ! "$@" >>"$LOG" 2>&1; then
        tail -n 30 "$LOG" >&2
        die "falló: $* (detalle en $LOG)"
    fi
}

# The Debian mirror this machine's apt uses (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
    local url
    url="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')" || true
    printf '%s\n' "${url:-http://deb.debian.org/debian}"
}

# Run a command inside the arm64 root under emulation, with a clean environment. proot passes
# mount/umount through, and debootstrap's second stage unmounts /proc, /sys, /dev/pts and /dev/shm
# on exit: in a privileged container that would be the host's, so everything runs in a private
# mount namespace (unshare) whose mounts die with it. The root trusts this machine's CA bundle
# (a network whose egress goes through a TLS proxy needs its CA to reach PyPI).
in_root() {
    unshare --mount --propagation private proot -q "$QEMU" -0 -r "$ROOTFS" -b /proc -b /dev -b /sys \
        -b /etc/resolv.conf -b /etc/ssl/certs/ca-certificates.crt -w /root \
        /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

done_step() { [[ -e "$ROOTFS/.pi-smoke-$1" ]]; }
mark_step() { touch "$ROOTFS/.pi-smoke-$1"; }

main() {
    if [[ "${1:-}" == --packages ]]; then
        printf '%s\n' "${BASE_PACKAGES[@]}"
        return
    fi
    ((EUID == 0)) || die "debootstrap necesita root: sudo bash systemd/pi_smoke.sh (o make pi-smoke)"
    for tool in debootstrap proot "$QEMU" unshare; do
        command -v "$tool" >/dev/null || die "falta $tool (apt-get install debootstrap proot qemu-user-static)"
    done
    if [[ "${PI_SMOKE_FRESH:-0}" == 1 ]]; then
        rm -rf "$ROOTFS"
    fi
    : >"$LOG"
    say "raíz arm64 en $ROOTFS; detalle en $LOG"
    local mirror packages
    mirror="$(debian_mirror)"
    packages="$(
        IFS=,
        echo "${BASE_PACKAGES[*]},${EXTRA_PACKAGES[*]}"
    )"

    if done_step stage1; then
        say "1/8 debootstrap primera etapa: ya hecha"
    else
        say "1/8 debootstrap --foreign $SUITE arm64 desde $mirror (paquetes: $packages)"
        rm -rf "$ROOTFS"
        mkdir -p "$ROOTFS"
        logged debootstrap --arch=arm64 --foreign --variant=minbase --include="$packages" \
            "$SUITE" "$ROOTFS" "$mirror"
        mark_step stage1
    fi

    if done_step stage2; then
        say "2/8 debootstrap segunda etapa: ya hecha"
    else
        say "2/8 debootstrap segunda etapa bajo emulación (proot + $QEMU; lo más lento)"
        # in a container the first stage links /proc to the host's; proot binds the real one there
        if [[ -L "$ROOTFS/proc" ]]; then
            rm "$ROOTFS/proc"
            mkdir "$ROOTFS/proc"
        fi
        logged in_root env DEBOOTSTRAP_DIR=/debootstrap /debootstrap/debootstrap --second-stage
        mark_step stage2
    fi

    say "3/8 copia del proyecto en /opt/src/apoyo-kiosk (archivos de git)"
    rm -rf "$ROOTFS/opt/src/apoyo-kiosk"
    mkdir -p "$ROOTFS/opt/src/apoyo-kiosk"
    git -C "$SOURCE_DIR" ls-files -z --cached --others --exclude-standard |
        (cd "$SOURCE_DIR" && xargs -0 tar -cf - --ignore-failed-read) | tar -xf - -C "$ROOTFS/opt/src/apoyo-kiosk"

    if done_step install; then
        say "4/8 install.sh: ya hecho"
    else
        # packages came with debootstrap (the same list); picamera2 is Raspberry Pi OS's, not Debian's
        say "4/8 install.sh --pi yes --skip packages,enable (pip desde PyPI con constraints-pi.txt)"
        # PIP_USER=0: under proot pip misjudges the venv's site-packages as read-only and would
        # fall back to a --user install
        logged in_root env INSTALL_LOG=/var/log/apoyo-kiosk-install.log PIP_USER=0 \
            bash /opt/src/apoyo-kiosk/systemd/install.sh --pi yes --skip packages,enable
        mark_step install
    fi

    say "5/8 kiosk --version"
    logged in_root /usr/local/bin/kiosk --version
    say "    $(tail -n 1 "$LOG")"

    # a fresh install is not provisioned, so doctor exits 1 on keys, vault, clock and receiver;
    # every device, OCR and disk check must pass
    say "6/8 kiosk doctor --simulated --json (dispositivos, OCR y disco; sin alta aún)"
    local report
    report="$(in_root /usr/local/bin/kiosk doctor --simulated --json 2>>"$LOG" || true)"
    printf '%s\n' "$report" >>"$LOG"
    python3 -c '
import json, sys
checks = {c["name"]: c for c in json.loads(sys.argv[1])["checks"]}
need = ["camera", "signature_pad", "scanner", "tesseract", "zbar", "disk"]
bad = [n for n in need if not checks.get(n, {}).get("ok")]
print("    " + ", ".join(n + ": " + checks[n]["detail"] for n in need if n in checks))
sys.exit("doctor falló en: " + ", ".join(bad) if bad else 0)' "$report" || die "kiosk doctor (detalle en $LOG)"

    if done_step receiver; then
        say "7/8 extra [receiver] para la demostración: ya instalado"
    else
        say "7/8 extra [receiver] para la demostración (el receptor local que hace de OPL)"
        logged in_root env PIP_USER=0 /opt/apoyo-kiosk/venv/bin/python -m pip install --disable-pip-version-check \
            --constraint /opt/src/apoyo-kiosk/systemd/constraints-pi.txt "/opt/src/apoyo-kiosk[receiver]"
        mark_step receiver
    fi

    say "8/8 kiosk demo --headless --records 2 --json (unos 8 min bajo emulación)"
    rm -rf "$ROOTFS/var/tmp/pi-smoke-demo"
    logged in_root /usr/local/bin/kiosk demo --headless --records 2 --json --data-dir /var/tmp/pi-smoke-demo
    say "    $(tail -n 1 "$LOG" | cut -c1-200)"

    say "listo: la raíz arm64 instala y corre el kiosko en $((SECONDS - START)) s"
}

main "$@"
