#!/usr/bin/env bash
# Installs Apoyo Kiosk on Raspberry Pi OS (Bookworm) from this checkout: apt packages, the venv
# in /opt/apoyo-kiosk, the kiosk user, data and config dirs, and the hardened systemd units.
# Safe to run again: it changes only what is missing or different. `make install` runs it.
set -euo pipefail

usage() {
    cat <<'EOF'
Uso: sudo bash systemd/install.sh [opciones]

Instala Apoyo Kiosk en este equipo (Raspberry Pi OS Bookworm). Se puede repetir sin riesgo.

  --dry-run         muestra cada comando que ejecutaría y no cambia nada
  --root DIR        instala dentro de DIR como raíz (prefijo tipo chroot); omite apt
  --ui tty|cage     interfaz en la consola tty1 (predeterminado) o en pantalla táctil (cage + foot)
  --pi auto|yes|no  ¿es una Raspberry Pi? (picamera2 de apt y numpy 1.x); auto lo detecta
  --skip PASOS      omite pasos separados por comas: packages,user,venv,files,units,enable
  --source DIR      checkout del proyecto a instalar (predeterminado: el que contiene este script)
  -h, --help        esta ayuda
EOF
}

readonly APP=apoyo-kiosk
# Debian's own Python: the one python3-picamera2 is built for (not a pyenv or /usr/local one).
readonly SYSTEM_PYTHON=/usr/bin/python3
readonly KIOSK_USER=kiosk
readonly KIOSK_GROUPS=(video dialout scanner)
readonly BASE_PACKAGES=(
    python3-venv python3-pip tesseract-ocr tesseract-ocr-spa libzbar0
    fonts-ocr-b fonts-dejavu-core sane-utils ca-certificates
)
readonly PI_PACKAGES=(python3-picamera2)
# rpi-otp-private-key: in rpi-eeprom on Raspberry Pi OS; newer releases also split it out.
readonly OTP_PACKAGES=(rpi-eeprom raspi-utils-otp)
readonly CAGE_PACKAGES=(cage foot)
readonly TTY_UNIT_TEMPLATE=apoyo-kiosk-ui@.service
readonly TTY_UNIT=apoyo-kiosk-ui@tty1.service
readonly CAGE_UNIT=apoyo-kiosk-cage.service
readonly UNIT_FILES=(
    apoyo-kiosk-ui@.service apoyo-kiosk-cage.service apoyo-kiosk-sync.service
    apoyo-kiosk-maintenance.service apoyo-kiosk-maintenance.timer
)

DRY_RUN=0
ROOT=""
UI="tty"
PI="auto"
SKIP=","
SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '==> %s\n' "$*"; }
warn() { printf 'AVISO: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

# apt's and pip's own output goes here; the terminal gets one line per step (the tail on failure)
INSTALL_LOG="${INSTALL_LOG:-${TMPDIR:-/tmp}/apoyo-kiosk-install.log}"

# Like run, with the command's output in $INSTALL_LOG.
run_logged() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    if ((DRY_RUN)); then
        return 0
    fi
    if ! "$@" >>"$INSTALL_LOG" 2>&1; then
        tail -n 25 "$INSTALL_LOG" >&2
        die "falló un paso; el detalle está en $INSTALL_LOG"
    fi
}

# Print a command, quoted so it can be pasted, then run it unless --dry-run.
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    if ((DRY_RUN)); then
        return 0
    fi
    "$@"
}

skipped() { [[ "$SKIP" == *",$1,"* ]]; }

parse_args() {
    while (($#)); do
        case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --root)
            (($# >= 2)) || die "--root necesita un directorio"
            ROOT="$2"
            shift
            ;;
        --root=*) ROOT="${1#--root=}" ;;
        --ui)
            (($# >= 2)) || die "--ui necesita tty o cage"
            UI="$2"
            shift
            ;;
        --ui=*) UI="${1#--ui=}" ;;
        --pi)
            (($# >= 2)) || die "--pi necesita auto, yes o no"
            PI="$2"
            shift
            ;;
        --pi=*) PI="${1#--pi=}" ;;
        --skip)
            (($# >= 2)) || die "--skip necesita una lista de pasos"
            SKIP+="$2,"
            shift
            ;;
        --skip=*) SKIP+="${1#--skip=}," ;;
        --source)
            (($# >= 2)) || die "--source necesita un directorio"
            SOURCE_DIR="$2"
            shift
            ;;
        --source=*) SOURCE_DIR="${1#--source=}" ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "opción desconocida: $1 (vea --help)" ;;
        esac
        shift
    done
    [[ "$UI" == tty || "$UI" == cage ]] || die "--ui debe ser tty o cage, no '$UI'"
    local skip_list step
    IFS=, read -r -a skip_list <<<"$SKIP"
    for step in "${skip_list[@]}"; do
        case "$step" in
        "" | packages | user | venv | files | units | enable) ;;
        *) die "--skip: paso desconocido '$step' (pasos: packages,user,venv,files,units,enable)" ;;
        esac
    done
    case "$PI" in
    yes | no) ;;
    auto) if is_raspberry_pi || apt_has_candidate python3-picamera2; then PI=yes; else PI=no; fi ;;
    *) die "--pi debe ser auto, yes o no, no '$PI'" ;;
    esac
    [[ -f "$SOURCE_DIR/pyproject.toml" ]] || die "no encuentro pyproject.toml en $SOURCE_DIR (use --source)"
    if [[ -n "$ROOT" ]]; then
        ROOT="$(realpath -m "$ROOT")"
        [[ "$ROOT" != / ]] || ROOT=""
    fi
    if [[ -n "$ROOT" ]] && ! skipped packages; then
        log "con --root no se instalan paquetes apt (se instalan en el sistema, no en $ROOT)"
        SKIP+="packages,"
    fi
    if ((!DRY_RUN)) && [[ -z "$ROOT" ]] && ((EUID != 0)); then
        die "ejecute como root: sudo bash systemd/install.sh (o use --dry-run)"
    fi
}

# Derived paths, all under --root.
set_paths() {
    PREFIX="$ROOT/opt/$APP"
    VENV="$PREFIX/venv"
    CONF_DIR="$ROOT/etc/$APP"
    DATA_DIR="$ROOT/var/lib/$APP"
    UNIT_DIR="$ROOT/etc/systemd/system"
    PAM_DIR="$ROOT/etc/pam.d"
    DOC_DIR="$ROOT/usr/share/doc/$APP"
    BIN_LINK="$ROOT/usr/local/bin/kiosk"
}

is_raspberry_pi() {
    [[ -r /proc/device-tree/model ]] && tr -d '\0' </proc/device-tree/model | grep -q "Raspberry Pi"
}

apt_has_candidate() {
    local candidate
    candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')" || true
    [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

step_packages() {
    log "paquetes del sistema"
    local packages=("${BASE_PACKAGES[@]}") pkg
    if [[ "$PI" == yes ]]; then
        packages+=("${PI_PACKAGES[@]}")
        for pkg in "${OTP_PACKAGES[@]}"; do
            if apt_has_candidate "$pkg"; then
                packages+=("$pkg")
            fi
        done
    else
        warn "sin picamera2 (no es una Raspberry Pi, o --pi no): la cámara será USB (opencv)"
    fi
    if [[ "$UI" == cage ]]; then
        packages+=("${CAGE_PACKAGES[@]}")
    fi
    log "paquetes del sistema (salida de apt en $INSTALL_LOG)"
    run_logged apt-get update
    run_logged env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
}

# useradd/groupadd work on $ROOT/etc when --root is given (their --prefix option).
step_user() {
    log "usuario $KIOSK_USER y grupos ${KIOSK_GROUPS[*]}"
    local prefix=() group
    if [[ -n "$ROOT" ]]; then
        if [[ ! -f "$ROOT/etc/passwd" ]]; then
            warn "$ROOT/etc/passwd no existe: no se crea el usuario dentro de --root"
            return 0
        fi
        prefix=(--prefix "$ROOT")
    fi
    for group in "${KIOSK_GROUPS[@]}"; do
        if ! grep -q "^$group:" "$ROOT/etc/group"; then
            run groupadd "${prefix[@]}" --system "$group"
        fi
    done
    if ! grep -q "^$KIOSK_USER:" "$ROOT/etc/passwd"; then
        run useradd "${prefix[@]}" --system --user-group --home-dir "/var/lib/$APP" --no-create-home \
            --shell /usr/sbin/nologin --comment "Apoyo Kiosk" "$KIOSK_USER"
    fi
    run usermod "${prefix[@]}" --append --groups "$(
        IFS=,
        echo "${KIOSK_GROUPS[*]}"
    )" "$KIOSK_USER"
}

venv_sees_system_packages() {
    grep -qi '^include-system-site-packages *= *true' "$VENV/pyvenv.cfg" 2>/dev/null
}

step_venv() {
    log "entorno de Python en $VENV (ve el picamera2 del sistema)"
    run install -d -m 0755 "$PREFIX"
    if [[ -d "$VENV" ]] && ! venv_sees_system_packages; then
        warn "$VENV no ve los paquetes del sistema: se crea de nuevo"
        run rm -rf "$VENV"
    fi
    if [[ ! -x "$VENV/bin/python" ]] || ! venv_sees_system_packages; then
        run "$SYSTEM_PYTHON" -m venv --system-site-packages "$VENV"
    fi
    # the versions the tests passed with (make lock); on a Pi, numpy 1.x for apt's picamera2
    local constraints=()
    if [[ "$PI" == yes ]]; then
        constraints=(--constraint "$SOURCE_DIR/systemd/constraints-pi.txt")
    elif [[ -f "$SOURCE_DIR/constraints.txt" ]]; then
        constraints=(--constraint "$SOURCE_DIR/constraints.txt")
    fi
    log "instalando Apoyo Kiosk en $VENV (unos minutos; salida de pip en $INSTALL_LOG)"
    run_logged "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade "${constraints[@]}" "$SOURCE_DIR"
    run install -d -m 0755 "$(dirname "$BIN_LINK")"
    run ln -sfn "/opt/$APP/venv/bin/kiosk" "$BIN_LINK"
}

# The owner of the data dir: numeric ids from $ROOT/etc/passwd, so --root never needs the host's user.
kiosk_owner() {
    local entry
    entry="$(grep "^$KIOSK_USER:" "$ROOT/etc/passwd" 2>/dev/null || true)"
    if [[ -z "$entry" ]]; then
        return 1
    fi
    awk -F: '{print $3 ":" $4}' <<<"$entry"
}

step_files() {
    log "configuración en $CONF_DIR y datos en $DATA_DIR"
    run install -d -m 0755 "$CONF_DIR"
    run install -m 0644 "$SOURCE_DIR/systemd/kiosk.toml.example" "$CONF_DIR/kiosk.toml.example"
    if [[ -e "$CONF_DIR/kiosk.toml" ]]; then
        log "$CONF_DIR/kiosk.toml ya existe: se conserva"
    else
        run install -m 0644 "$SOURCE_DIR/systemd/kiosk.toml.example" "$CONF_DIR/kiosk.toml"
    fi
    run install -m 0644 "$SOURCE_DIR/systemd/foot.ini" "$CONF_DIR/foot.ini"
    run install -d -m 0755 "$DOC_DIR"
    run install -m 0644 "$SOURCE_DIR/systemd/PONER_EN_MARCHA.md" "$DOC_DIR/PONER_EN_MARCHA.md"
    run install -d -m 0700 "$DATA_DIR"
    run chmod 0700 "$DATA_DIR"
    local owner
    if owner="$(kiosk_owner)"; then
        run chown -R "$owner" "$DATA_DIR"
    elif ((DRY_RUN)); then
        run chown -R "$KIOSK_USER:$KIOSK_USER" "$DATA_DIR"
    else
        warn "no existe el usuario $KIOSK_USER: $DATA_DIR queda a nombre de root"
    fi
}

step_units() {
    log "unidades de systemd en $UNIT_DIR"
    run install -d -m 0755 "$UNIT_DIR" "$PAM_DIR"
    local unit
    for unit in "${UNIT_FILES[@]}"; do
        run install -m 0644 "$SOURCE_DIR/systemd/$unit" "$UNIT_DIR/$unit"
    done
    run install -m 0644 "$SOURCE_DIR/systemd/pam.d/apoyo-kiosk-cage" "$PAM_DIR/apoyo-kiosk-cage"
}

systemctl_cmd() {
    if [[ -n "$ROOT" ]]; then
        run systemctl --root="$ROOT" "$@"
    else
        run systemctl "$@"
    fi
}

step_enable() {
    log "activar las unidades (interfaz: $UI)"
    if [[ -z "$ROOT" ]] && [[ -d /run/systemd/system ]]; then
        run systemctl daemon-reload
    fi
    if [[ "$UI" == tty ]]; then
        systemctl_cmd disable "$CAGE_UNIT"
        systemctl_cmd enable "$TTY_UNIT_TEMPLATE"
    else
        systemctl_cmd disable "$TTY_UNIT"
        systemctl_cmd enable "$CAGE_UNIT"
        systemctl_cmd set-default graphical.target
    fi
    # tty1 belongs to the kiosk now; technicians log in on tty2 or over SSH.
    systemctl_cmd mask getty@tty1.service
    systemctl_cmd enable apoyo-kiosk-sync.service apoyo-kiosk-maintenance.timer
}

main() {
    parse_args "$@"
    set_paths
    if ((DRY_RUN)); then
        log "simulación (--dry-run): no se cambia nada"
    fi
    local step
    for step in packages user venv files units enable; do
        if skipped "$step"; then
            log "paso $step omitido"
        else
            "step_$step"
        fi
    done
    log "listo. Siga con: sudo -u $KIOSK_USER kiosk provision --receiver URL --token TOKEN (o desde la pantalla: Alta del kiosko)"
    log "y fije la contraseña técnica: sudo -u $KIOSK_USER kiosk tech-password"
    log "y compruebe el equipo: sudo -u $KIOSK_USER kiosk doctor"
}

main "$@"
