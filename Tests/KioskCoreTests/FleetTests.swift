import Foundation
import KioskCore
import Testing

/// What the fleet view makes of a heartbeat: what is wrong, what to bring, when a terminal is silent.
@Suite("Fleet: what is wrong and what to bring")
struct FleetTests {
    let sent = Date(timeIntervalSince1970: 1_790_560_800)

    func heartbeat(_ devices: [TerminalHeartbeat.Device], terminal: String = "T01", sentAt: Date? = nil, refused: Int = 0)
        -> TerminalHeartbeat {
        TerminalHeartbeat(terminalId: terminal, siteId: "hall-a", version: "0.1.0", sentAt: sentAt ?? sent, devices: devices,
                          outboxPending: 0, outboxRefused: refused, lastError: nil)
    }

    static let printerOK = TerminalHeartbeat.Device(id: "usb-0483-5743", kind: "receiptPrinter", state: "idle", paper: "ok")
    static let readerOK = TerminalHeartbeat.Device(id: "usb-0400-c35a", kind: "idCardReader", state: "idle")

    @Test func aTerminalWhoseDevicesWorkNeedsNothing() {
        let terminal = Fleet.assess(heartbeat([Self.printerOK, Self.readerOK]), now: sent.addingTimeInterval(30))
        #expect(terminal.problems.isEmpty && terminal.bring.isEmpty && !terminal.silent)
    }

    @Test func aPrinterOutOfPaperOrNearlySoAsksForPaper() {
        let out = TerminalHeartbeat.Device(id: "p", kind: "receiptPrinter", state: "error", fault: "paperOut", paper: "out")
        let terminal = Fleet.assess(heartbeat([out, Self.readerOK]), now: sent)
        #expect(terminal.bring == [.paperRoll])
        #expect(terminal.problems == [FleetProblem(code: "paperOut", deviceId: "p", deviceKind: "receiptPrinter")])
        let nearEnd = TerminalHeartbeat.Device(id: "p", kind: "receiptPrinter", state: "idle", paper: "nearEnd")
        let warned = Fleet.assess(heartbeat([nearEnd]), now: sent)
        #expect(warned.bring == [.paperRoll] && warned.problems.map(\.code) == ["paperNearEnd"])
    }

    @Test func aFailedReaderAsksForANewReaderAndAFailingLineForACable() {
        let sam = TerminalHeartbeat.Device(id: "r", kind: "idCardReader", state: "error", fault: "samSelfTestFailed")
        #expect(Fleet.assess(heartbeat([Self.printerOK, sam]), now: sent).bring == [.idCardReader])
        let noise = TerminalHeartbeat.Device(id: "r", kind: "idCardReader", state: "error", fault: "checksumError")
        #expect(Fleet.assess(heartbeat([noise]), now: sent).bring == [.usbCable])
        let gone = TerminalHeartbeat.Device(id: "p", kind: "receiptPrinter", state: "offline", fault: "deviceOffline")
        #expect(Fleet.assess(heartbeat([gone]), now: sent).bring == [.usbCable, .receiptPrinter])
        let cutter = TerminalHeartbeat.Device(id: "p", kind: "receiptPrinter", state: "error", fault: "cutterError", paper: "ok")
        #expect(Fleet.assess(heartbeat([cutter]), now: sent).bring == [.cutter])
    }

    @Test func faultsFixedOnTheSpotAreShownWithNothingToBring() {
        for fault in ["coverOpen", "printerStopped", "deviceAccessDenied", "scannerNotExclusive"] {
            let device = TerminalHeartbeat.Device(id: "d", kind: "receiptPrinter", state: "error", fault: fault)
            let terminal = Fleet.assess(heartbeat([device]), now: sent)
            #expect(terminal.bring.isEmpty && terminal.problems.map(\.code) == [fault])
        }
    }

    @Test func aTerminalSilentForFiveMinutesIsShownSo() {
        #expect(!Fleet.assess(heartbeat([]), now: sent.addingTimeInterval(299)).silent)
        let silent = Fleet.assess(heartbeat([]), now: sent.addingTimeInterval(300))
        #expect(silent.silent && silent.problems.map(\.code) == ["silent"] && silent.lastSeen == sent)
    }

    @Test func theSilentAndTheTroubledComeFirst() {
        let fine = heartbeat([Self.printerOK], terminal: "T01")
        let refused = heartbeat([Self.printerOK], terminal: "T02", refused: 3)
        let silent = heartbeat([Self.printerOK], terminal: "T03", sentAt: sent.addingTimeInterval(-600))
        let view = Fleet.view([fine, refused, silent], now: sent)
        #expect(view.map(\.terminalId) == ["T02", "T03", "T01"])
        #expect(view[0].problems.map(\.code) == ["outboxRefused"])
    }

    @Test func everySupplyHasBothLanguages() {
        for supply in FleetSupply.allCases { #expect(!supply.label.zh.isEmpty && !supply.label.en.isEmpty) }
    }
}
