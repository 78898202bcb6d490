#!/usr/bin/env bash
# Installs Debian's bcftools for the annotated-VCF test (needs root and apt; best effort).
set -eu
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-bcftools: not root or no apt-get; skipping" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends bcftools >/dev/null
bcftools --version | head -1
