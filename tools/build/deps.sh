#!/bin/bash
# Installs the Debian packages the project needs, and only those missing.
# Idempotent: when everything is present it only runs dpkg-query.
set -euo pipefail

packages=(
	linux-source-6.12
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod
	qemu-system-x86 busybox-static ccache python3
	cgroup-tools libcgroup-dev
	bpftool libbpf-dev clang llvm dwarves sparse
	zlib1g-dev libjson-c-dev
	runc crun python3-prometheus-client
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
