#!/bin/bash
# Give the central web app the keys it needs, and only those, from the processing worker's data
# dir: the authority key (it signs), the public sealing keys and which one is current (the
# kiosks seal to it), the Mesa key (the review pages open records in memory) and the fields key
# (compulsa export, sealed results). Never the sealing private keys nor the person key.
# Run as root after `init`, after the first `process run` and `fields pack`, and again after
# every `rotate-sealing-key`.
#   central-web-keys.sh /var/lib/apoyo-central/proceso /var/lib/apoyo-central/web [apoyo-central]
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "uso: $0 DIR_PROCESO DIR_WEB [USUARIO_WEB]" >&2
    exit 2
fi
src="$1/keys"
dst="$2/keys"
owner="${3:-}"
for needed in authority.key sealing.current mesa.key fields.key; do
    if [[ ! -f "$src/$needed" ]]; then
        echo "falta $src/$needed: corra antes init, process run y fields pack en el directorio de procesamiento" >&2
        exit 1
    fi
done

install -d -m 0700 "$2" "$dst"
shopt -s nullglob
for file in "$src"/authority.key "$src"/sealing.current "$src"/sealing-*.pub "$src"/mesa.key "$src"/fields.key; do
    install -m 0600 "$file" "$dst/$(basename "$file")"
done
rm -f "$dst"/sealing-*.key "$dst"/person.key  # left by an older layout: the web must not hold them
if [[ -n "$owner" ]]; then
    chown -R "$owner:$owner" "$2"
fi
echo "llaves de la web en $dst: $(cd "$dst" && echo *)"
