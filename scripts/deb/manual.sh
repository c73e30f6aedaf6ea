#!/usr/bin/env bash
# Writes kiosk(1) to standard output, made from the program's own help
# (`kiosk --experimental-dump-help`, swift-argument-parser's description of every command), so
# the manual cannot drift from the commands:
#
#   scripts/deb/manual.sh BINARY | gzip -9n > kiosk.1.gz
set -euo pipefail
binary=${1:?usage: manual.sh BINARY}
version=$("$binary" --version)

cat <<EOF
.TH KIOSK 1 "" "kiosk $version" "kiosk"
.SH NAME
kiosk \\- the backend of a self-service terminal in a government service hall
.SH SYNOPSIS
.B kiosk
.RI [ command ]
.RI [ options ]
.SH DESCRIPTION
kiosk drives the terminal's ID card reader and receipt printer, walks citizens through filings
defined as data, books appointments on the official holiday calendar, and serves the touch
screen's UI on loopback. Without a command it runs
.BR "kiosk serve" .
Every command reads the configuration from
.BR \\-\\-config ,
else
.BR \$KIOSK_CONFIG ,
else
.IR ./kiosk.conf ;
the package's is
.IR /etc/kiosk/kiosk.conf .
Any key can be overridden by KIOSK_ and its path upper-cased, dots as underscores
(KIOSK_LISTEN, KIOSK_DEVICES_MODE).
.SH COMMANDS
EOF

"$binary" --experimental-dump-help | jq -r '
    def roff: gsub("\\\\"; "\\e") | gsub("\n(?<dot>[.'"'"'])"; "\n\\&\(.dot)") | if startswith(".") or startswith("'"'"'") then "\\&" + . else . end;
    def flag: gsub("-"; "\\-");
    def names: [.names[]? | (if .kind == "long" then "--" elif .kind == "short" then "-" else "-" end) + .name] | join(", ") | flag;
    def command($path):
        ($path + [.commandName]) as $here
        | (if ($here | length) > 1 then
              ".SS \"\($here | join(" "))\"\n\(.abstract // "" | roff)\n"
              + (if .discussion then ".PP\n\(.discussion | roff)\n" else "" end)
              + ([.arguments[]? | select(.shouldDisplay and (.names // [] | map(.name) | index("help") | not) and (.names // [] | map(.name) | index("version") | not))
                  | ".TP\n"
                  + (if .kind == "positional" then "\\fI\(.valueName)\\fR"
                     elif .kind == "flag" then "\\fB\(names)\\fR"
                     else "\\fB\(names)\\fR \\fI\(.valueName)\\fR" end)
                  + "\n\(.abstract // "" | roff)"
                  + (if .defaultValue then " (default: \(.defaultValue | roff))" else "" end)]
                 | join("\n")) + "\n"
           else "" end)
          + ([.subcommands[]? | select(.shouldDisplay != false) | command($here)] | join(""));
    .command | command([])'

cat <<'EOF'
.SH FILES
.TP
.I /etc/kiosk/kiosk.conf
The terminal's configuration (every key documented in it); check a change with
.BR "kiosk config check" .
.TP
.I /etc/kiosk/secrets/
The terminal's keys (mode 0700, the kiosk user's), kept apart from the data they protect;
kiosk.service receives them as systemd credentials.
.TP
.I /var/lib/kiosk/
The database (kiosk.sqlite) and the nightly backups (backups/).
.TP
.I /usr/share/kiosk/
The shipped filings (Forms/), device profiles (Devices/) and the touch UI (ui/).
.TP
.I /lib/udev/rules.d/60-kiosk.rules
The kiosk group's access to the USB printers and readers of the profiles.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
.BR udevadm (8);
the units kiosk.service, kiosk-browser.service and kiosk-backup.timer;
.I /usr/share/doc/kiosk/README.md
EOF
