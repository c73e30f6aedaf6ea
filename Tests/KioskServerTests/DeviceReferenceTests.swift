import DeviceKit
import Foundation
@testable import KioskApp
@testable import Peripherals
import KioskTesting
import Testing

/// docs/DEVICE-FAULTS.md is generated from the code; these keep it complete and current.
@Suite struct DeviceReferenceTests {
    static let repository = TestInstallation.repository

    @Test func thePageIsTheGeneratedOne() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/DEVICE-FAULTS.md"), encoding: .utf8)
        #expect(page == DeviceReference.markdown(), "regenerate it: kiosk devices faults > docs/DEVICE-FAULTS.md")
    }

    /// Every `DeviceFault(code: "…")` and `DeviceFault.Code(rawValue: "…")` written anywhere in the sources is on the page, with what a
    /// technician does; a new fault without a line here fails.
    @Test func everyFaultTheCodeCanReportIsListedWithGuidance() throws {
        let sources = Self.repository.appendingPathComponent("Sources")
        var written: Set<String> = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: /DeviceFault\(\s*code: "([A-Za-z]+)"/) { written.insert(String(match.output.1)) }
            // The typed codes (`DeviceFault.Code`'s static members) name theirs once.
            for match in text.matches(of: /Code\(rawValue: "([A-Za-z]+)"\)/) { written.insert(String(match.output.1)) }
        }
        #expect(written.count >= 10, "the search finds the faults written in the sources: \(written.sorted())")
        let listed = Set(DeviceReference.faults.map(\.fault.code))
        #expect(written.subtracting(listed).isEmpty, "faults missing from the page: \(written.subtracting(listed).sorted())")
        for entry in DeviceReference.faults {
            #expect(DeviceReference.guides[entry.fault.code] != nil, "no guidance for \(entry.fault.code)")
        }
        #expect(Set(DeviceReference.guides.keys) == listed, "guidance for codes no device reports")
    }

    @Test func everyCounterIsDescribedOnce() {
        for kind in [DeviceKind.receiptPrinter, .idCardReader, .codeScanner] {
            let described = DeviceReference.counters.filter { $0.kind == kind }.map(\.name)
            #expect(described == StatisticNames.names(for: kind), "\(kind)")
        }
    }

    /// `access` (libusb's word) and `deviceAccessDenied` (the fault) were two names for one
    /// condition; the fault is the one technicians see, for every device.
    @Test func accessIsOneFaultForEveryDevice() {
        #expect(DeviceFault.common.contains(.accessDenied))
        #expect(DeviceFault.accessDenied.code == "deviceAccessDenied")
        #expect(!DeviceReference.faults.contains { $0.fault.code == "access" })
    }
}
