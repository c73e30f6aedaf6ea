#!/usr/bin/env bash
# Builds kiosk_<version>_<arch>.deb from a built kiosk binary with Debian's own tools
# (dpkg-shlibdeps for Depends, dpkg-deb for the archive):
#
#   scripts/deb/build.sh BINARY OUTPUT_DIRECTORY [--toolchain-runtime]
#
# `make deb` passes the release build, linked with the Swift runtime inside
# (--static-swift-stdlib), so Depends names system libraries only. `make test` packages the
# debug build to save the release build's minutes: pass --toolchain-runtime, and the Swift
# runtime libraries it loads from the toolchain (/opt/swift) are left out of Depends — that
# package installs only on a machine with the toolchain, which the test machine is.
#
# The archive is compressed with dpkg-deb's default, xz; DPKG_DEB_COMPRESSOR_TYPE and
# DPKG_DEB_COMPRESSOR_LEVEL choose another (the package test uses gzip -1 for speed).
# Prints the path of the package on the last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary=${1:?usage: build.sh BINARY OUTPUT_DIRECTORY [--toolchain-runtime]}
output=${2:?usage: build.sh BINARY OUTPUT_DIRECTORY [--toolchain-runtime]}
runtime=${3:-}
[ -x "$binary" ] || { echo "deb: $binary is not an executable" >&2; exit 1; }
[ -z "$runtime" ] || [ "$runtime" = --toolchain-runtime ] || { echo "deb: unknown option $runtime" >&2; exit 1; }

version=$("$binary" --version)
arch=$(dpkg --print-architecture)
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || { echo "deb: '$version' (kiosk --version) is not a package version" >&2; exit 1; }

stage=$(mktemp -d -t kiosk-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
root=$stage/kiosk
mkdir -p "$root/DEBIAN"

# The program, stripped like dh_strip does (symbols out; the Swift metadata sections stay).
install -D -m 0755 "$binary" "$root/usr/bin/kiosk"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/kiosk"

# What the program reads: the touch UI (found at ../share/kiosk/ui from /usr/bin), the shipped
# filings, receipt templates and calendar, the device profiles and the simulator's test cards.
share=$root/usr/share/kiosk
install -d "$share" "$share/Devices"
cp -r "$repo/Sources/KioskServer/Resources/ui" "$share/ui"
cp -r "$repo/Forms" "$share/Forms"
cp -r "$repo/Devices/profiles" "$repo/Devices/cards" "$share/Devices/"
install -m 0644 "$repo/Devices/README.md" "$share/Devices/README.md"

# The configuration: the repository's kiosk.conf (every key documented) with the installed
# paths. Each replaced key must be found, so a renamed key stops the build here.
install -d "$root/etc/kiosk"
set_key() {  # SECTION KEY VALUE: replace `KEY = …` inside [SECTION] ("" for the top level)
    awk -v section="$1" -v key="$2" -v value="$3" '
        /^\[\[/ { current = "[[" }
        /^\[[^\[]/ { current = $0; sub(/^\[/, "", current); sub(/\].*/, "", current) }
        !done && current == section && index($0, key " = ") == 1 { print key " = " value; done = 1; next }
        { print }
        END { if (!done) exit 3 }' "$root/etc/kiosk/kiosk.conf" >"$stage/conf" \
        || { echo "deb: kiosk.conf has no key ${1:+$1.}$2" >&2; exit 1; }
    mv "$stage/conf" "$root/etc/kiosk/kiosk.conf"
}
{
    echo "# Installed by the kiosk package as /etc/kiosk/kiosk.conf: the paths point at the installed"
    echo "# files (/usr/share/kiosk) and the service's state (/var/lib/kiosk), and the devices are real."
    echo "# Your changes survive upgrades. Check them with: kiosk config check --config /etc/kiosk/kiosk.conf"
    echo "#"
    cat "$repo/kiosk.conf"
} >"$root/etc/kiosk/kiosk.conf"
set_key "" data_dir '"/var/lib/kiosk"'
set_key devices mode '"usb"'
set_key devices dir '"/usr/share/kiosk/Devices"'
set_key forms dir '"/usr/share/kiosk/Forms"'
# The secrets directory (when this kiosk has the key): beside the configuration, not the data.
if grep -q '^\[secrets\]' "$repo/kiosk.conf"; then set_key secrets dir '"/etc/kiosk/secrets"'; fi
chmod 0644 "$root/etc/kiosk/kiosk.conf"

# systemd units, udev rules, the screen's wrapper, PAM session and browser policy.
install -D -m 0644 -t "$root/lib/systemd/system" \
    "$here/kiosk.service" "$here/kiosk-browser.service" "$here/kiosk-backup.service" "$here/kiosk-backup.timer"
install -D -m 0644 "$repo/Devices/udev/60-kiosk.rules" "$root/lib/udev/rules.d/60-kiosk.rules"
install -D -m 0755 "$here/kiosk-browser" "$root/usr/libexec/kiosk/kiosk-browser"
install -D -m 0644 "$here/kiosk-browser.pam" "$root/etc/pam.d/kiosk-browser"
install -D -m 0644 "$here/chromium-policy.json" "$root/etc/chromium/policies/managed/kiosk.json"

# Documentation: the README, the copyright, a changelog and the manual page made from the
# program's own help (swift-argument-parser's generate-manual).
docs=$root/usr/share/doc/kiosk
install -D -m 0644 "$repo/README.md" "$docs/README.md"
install -m 0644 "$here/copyright" "$docs/copyright"
{
    echo "kiosk ($version) unstable; urgency=medium"
    echo
    echo "  * Built from $(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'a source tree without git')."
    echo
    echo " -- kiosk developers <kiosk@example.org>  $(date -R -d "@$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)")"
} | gzip -9n >"$docs/changelog.gz"
install -d "$root/usr/share/man/man1"
"$here/manual.sh" "$root/usr/bin/kiosk" | gzip -9n >"$root/usr/share/man/man1/kiosk.1.gz"
install -D -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/kiosk"

# Maintainer scripts and conffiles.
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
printf '%s\n' /etc/kiosk/kiosk.conf /etc/pam.d/kiosk-browser /etc/chromium/policies/managed/kiosk.json >"$root/DEBIAN/conffiles"

# Depends: exactly the libraries the binary loads, as dpkg-shlibdeps finds their packages.
mkdir -p "$stage/shlibs/debian"
touch "$stage/shlibs/debian/control"
ignore=()
[ "$runtime" = --toolchain-runtime ] && ignore=(--ignore-missing-info -l/opt/swift/usr/lib/swift/linux)
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "${ignore[@]}" "$root/usr/bin/kiosk" 2>"$stage/shlibdeps.log" \
    | sed -n 's/^shlibs:Depends=//p') || { cat "$stage/shlibdeps.log" >&2; exit 1; }
[ "$runtime" = --toolchain-runtime ] || [ ! -s "$stage/shlibdeps.log" ] || { cat "$stage/shlibdeps.log" >&2; exit 1; }
[ -n "$shlibs" ] || { echo "deb: dpkg-shlibdeps found no library" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
    "$here/control" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

mkdir -p "$output"
package=$output/kiosk_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$package" >/dev/null
echo "$package"
