import Foundation
import KioskApp
import Peripherals
import KioskTesting
import Testing

/// The udev rules the package installs against the device profiles: every USB id a profile
/// matches is granted, to the kiosk group only, and nothing else is.
@Suite("udev rules")
struct UdevRulesTests {
    static let devices = TestInstallation.repository.appendingPathComponent("Devices").path
    static let rulesFile = devices + "/udev/60-kiosk.rules"

    /// Every way the rules and the profiles can disagree, one line each.
    static func differences(rules: String, profiles: [UdevRules.Match: [String]]) -> [String] {
        let grants = UdevRules.grants(in: rules)
        var problems: [String] = []
        for match in profiles.keys.sorted() where !grants.contains(where: { $0.match == match }) {
            problems.append("\(match) (\(profiles[match]!.sorted().joined(separator: ", "))) has no rule")
        }
        for grant in grants where profiles[grant.match] == nil {
            problems.append("\(grant.match) has a rule but no profile matches it")
        }
        for grant in grants where grant.mode != UdevRules.mode || grant.group != UdevRules.group || !grant.others.isEmpty {
            problems.append("\(grant.match) grants MODE=\(grant.mode ?? "-") GROUP=\(grant.group ?? "-") \(grant.others), "
                            + "not MODE=\(UdevRules.mode) GROUP=\(UdevRules.group) alone")
        }
        let granted = grants.map(\.match)
        if Set(granted).count != granted.count { problems.append("a USB id has two rules") }
        for grant in grants where grant.match.product == nil && !grant.printersOnly {
            problems.append("\(grant.match) grants every device of the vendor, not only its printers")
        }
        for grant in grants where grant.match.product != nil && grant.printersOnly {
            problems.append("\(grant.match) asks an exact model for a printer interface")
        }
        return problems
    }

    @Test func theShippedRulesGrantExactlyWhatTheProfilesMatch() throws {
        let profiles = try UdevRules.profileMatches(devicesDirectory: Self.devices)
        let rules = try String(contentsOfFile: Self.rulesFile, encoding: .utf8)
        #expect(Self.differences(rules: rules, profiles: profiles) == [])
        // Never to everyone: no world-writable mode and no seat ACL anywhere in the file.
        #expect(!rules.contains("0666") && !rules.contains("uaccess") && !rules.contains("plugdev"))
    }

    /// What `kiosk devices udev-rules` prints is the shipped file, byte for byte.
    @Test func theShippedFileIsWhatTheProfilesMake() throws {
        let profiles = try UdevRules.profileMatches(devicesDirectory: Self.devices)
        #expect(UdevRules.render(profiles) == (try String(contentsOfFile: Self.rulesFile, encoding: .utf8)))
    }

    /// The check finds each kind of difference, so a forgotten profile cannot pass.
    @Test func eachDifferenceIsFound() throws {
        let profiles = try UdevRules.profileMatches(devicesDirectory: Self.devices)
        let rules = UdevRules.render(profiles)
        var added = profiles
        added[.init(vendor: 0x1a86, product: 0x7584)] = ["new-reader"]
        #expect(Self.differences(rules: rules, profiles: added) == ["1a86:7584 (new-reader) has no rule"])
        var removed = profiles
        removed[.init(vendor: 0x0400, product: 0xc35a)] = nil
        #expect(Self.differences(rules: rules, profiles: removed) == ["0400:c35a has a rule but no profile matches it"])
        let everyone = rules.replacingOccurrences(of: #"ATTR{idVendor}=="0400", ATTR{idProduct}=="c35a", MODE="0660""#,
                                                  with: #"ATTR{idVendor}=="0400", ATTR{idProduct}=="c35a", MODE="0666""#)
        #expect(Self.differences(rules: everyone, profiles: profiles)
            == [#"0400:c35a grants MODE=0666 GROUP=kiosk [], not MODE=0660 GROUP=kiosk alone"#])
        let twice = rules + #"ATTR{idVendor}=="0416", ATTR{idProduct}=="5011", MODE="0660", GROUP="kiosk""# + "\n"
        #expect(Self.differences(rules: twice, profiles: profiles) == ["a USB id has two rules"])
        let wholeVendor = rules.replacingOccurrences(of: #"ATTR{idVendor}=="0483", \#(UdevRules.printerInterface), "#,
                                                     with: #"ATTR{idVendor}=="0483", "#)
        #expect(Self.differences(rules: wholeVendor, profiles: profiles)
            == ["0483:* grants every device of the vendor, not only its printers"])
    }

    /// A vendor's rule reaches only its printer-class devices; an exact model has a rule of its
    /// own, since a vendor rule no longer covers it.
    @Test func aVendorRuleGrantsOnlyPrinters() {
        let rules = UdevRules.render([.init(vendor: 0x0416, product: 0x5011): ["xprinter-80"],
                                      .init(vendor: 0x0416, product: nil): ["generic-escpos"]])
        #expect(rules.contains(#"ATTR{idVendor}=="0416", ENV{ID_USB_INTERFACES}=="*:07????:*", MODE="0660", GROUP="kiosk""#))
        #expect(rules.contains(#"ATTR{idVendor}=="0416", ATTR{idProduct}=="5011", MODE="0660", GROUP="kiosk""#))
        #expect(UdevRules.grants(in: rules).map(\.printersOnly) == [true, false])
    }
}
