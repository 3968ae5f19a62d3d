#!/usr/bin/env bash
# Installs the Debian 12 packages ember needs to build, test and benchmark. Safe to rerun:
# it does nothing when everything is already installed.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libgtest-dev libbenchmark-dev
  libopenblas-openmp-dev libsleef-dev libdnnl-dev
  zlib1g-dev nlohmann-json3-dev libstb-dev dataset-fashion-mnist
  gnuplot-nox
  # the Python package; PyTorch is the tests' oracle and the benchmarks' peer, never linked
  pybind11-dev python3-dev python3-numpy python3-pytest python3-torch
  # the Python examples: progress bars and plots
  python3-tqdm python3-matplotlib
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "ember needs these Debian packages: ${missing[*]}" >&2
  echo "install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
