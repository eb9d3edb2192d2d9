#!/usr/bin/env bash
# A self-signed certificate for an intranet without a CA of its own:
#
#   deploy/make-self-signed-cert.sh tracker.office.internal [DIR] [DAYS]
#
# writes DIR/fullchain.pem and DIR/privkey.pem (DIR defaults to deploy/tls, which docker-compose.yml mounts;
# on a Debian server use /etc/ssl/tracker). The name (and any further names, comma-separated, with IP: for
# addresses: "tracker.office.internal,IP:10.0.0.5") goes into the certificate's subjectAltName, which browsers
# check. Browsers warn once about the unknown issuer: install fullchain.pem as trusted on the office's machines.
set -euo pipefail

names=${1:?usage: $0 HOSTNAME[,MORE,IP:ADDRESS] [DIR] [DAYS]}
dir=${2:-"$(dirname "$0")/tls"}
days=${3:-825}

san=""
IFS=, read -ra parts <<<"$names"
for part in "${parts[@]}"; do
    if [[ $part == IP:* ]]; then san+="${san:+,}$part"; else san+="${san:+,}DNS:$part"; fi
done

mkdir -p "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -subj "/CN=${parts[0]#IP:}" -addext "subjectAltName=$san" \
    -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" 2>/dev/null
chmod 644 "$dir/fullchain.pem"
echo "Wrote $dir/fullchain.pem and $dir/privkey.pem for $san, valid $days days."
