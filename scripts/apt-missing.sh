#!/usr/bin/env bash
# Installs, from Debian's packages, what is missing among the commands named: each
# argument is COMMAND=PACKAGE[,PACKAGE...], and the packages are installed (with sudo
# when not root) only when COMMAND is not on PATH, or, for a COMMAND given as a path, not
# executable there (/usr/bin/time: `time` alone is the shell's keyword). Nothing is done
# when all are there.
#
#   bash scripts/apt-missing.sh pdftoppm=poppler-utils node=nodejs,npm /usr/bin/time=time
set -euo pipefail
need=()
for arg in "$@"; do
  cmd=${arg%%=*}
  case $cmd in
    */*) [ -x "$cmd" ] && continue ;;
    *) command -v "$cmd" >/dev/null 2>&1 && continue ;;
  esac
  IFS=, read -r -a packages <<< "${arg#*=}"
  need+=("${packages[@]}")
done
[ ${#need[@]} -gt 0 ] || exit 0
echo "installing ${need[*]} (apt)" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
