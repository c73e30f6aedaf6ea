import CardReader
import DeviceKit
import Foundation
import IDCard
import Logging
import Synchronization
import Testing

/// A GA 467 reader on the master side of a pseudo-terminal: the device opens the slave path
/// as it would `/dev/ttyUSB0`. Answers arrive in 64-byte pieces, as a USB-serial bridge
/// delivers them.
final class PseudoTerminalReader: Sendable {
    // <asm-generic/ioctls.h>: TIOCSPTLCK and TIOCGPTN, macros Swift does not import.
    static let unlockSlave: UInt = 0x4004_5431
    static let slaveNumber: UInt = 0x8004_5430

    let master: Int32
    let slavePath: String
    let card: Mutex<CardFixture?>
    let stopped = Mutex(false)
    let finished = DispatchSemaphore(value: 0)

    init(card: CardFixture?) throws {
        self.card = Mutex(card)
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(ioctl(master, Self.unlockSlave, &unlock) == 0)
        try #require(ioctl(master, Self.slaveNumber, &number) == 0)
        slavePath = "/dev/pts/\(number)"
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Closes the master and returns once it is closed: the slave side sees a hang-up, as
    /// when a bridge is unplugged. Idempotent.
    func hangUp() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first { finished.wait() }
    }

    private func serve() {
        var pending: [UInt8] = []
        defer {
            close(master)
            finished.signal()
        }
        while !stopped.withLock({ $0 }) {
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 10) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            pending += buffer.prefix(count)
            while pending.count >= 10 {
                let request = Array(pending.prefix(10))
                pending.removeFirst(10)
                let answer = respond(to: request).encoded()
                for start in stride(from: 0, to: answer.count, by: 64) {
                    let piece = Array(answer[start..<min(start + 64, answer.count)])
                    _ = piece.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                }
            }
        }
    }

    private func respond(to request: [UInt8]) -> ResponseFrame {
        let card = card.withLock { $0 }
        switch Command(frame: request) {
        case .samStatus: return ResponseFrame(status: .success)
        case .findCard: return card == nil ? ResponseFrame(status: .findCardFailed) : ResponseFrame(status: .cardFound, data: [0, 0, 0, 0])
        case .selectCard: return card == nil ? ResponseFrame(status: .selectCardFailed) : ResponseFrame(status: .success, data: Array(repeating: 0, count: 8))
        case .readTextAndPhoto: return card.map { ResponseFrame(status: .success, data: $0.readResponseData) } ?? ResponseFrame(status: .readingFailed)
        default: return ResponseFrame(status: .commandError)
        }
    }
}

@Suite(
    .disabled(if: ProcessInfo.processInfo.environment["UMOCKDEV_DIR"] != nil, "umockdev's preload takes over /dev; runs in the plain pass"),
    .timeLimit(.minutes(1)))
struct SerialReaderTests {
    func device(path: String) -> CardReaderDevice {
        CardReaderDevice(
            info: DeviceInfo(id: "serial-reader", kind: .idCardReader, connection: "serial:" + path),
            statistics: InMemoryStatisticsStore(), logger: Logger(label: "test"), today: { today }
        ) { () throws(ReaderLinkError) -> any ReaderConnection in
            try await SerialReaderConnection.open(path: path)
        }
    }

    @Test func aCardIsReadOverASerialLineAndItsRemovalSeen() async throws {
        let fixtures = try loadFixtures()
        let reader = try PseudoTerminalReader(card: fixtures["residence-permit"])
        defer { reader.hangUp() }
        let device = device(path: reader.slavePath)
        let presented = await collect(device.cardEvents) {
            for _ in 0..<2 { await device.poll() }
        }
        #expect(presented.map(\.summary) == ["presented:residencePermit:"])
        guard case .cardPresented(let card, _)? = presented.first else { return }
        #expect(card.text.documentNumber == "810000199203040021")
        #expect(card.photo == (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 11) })

        reader.card.withLock { $0 = nil }
        #expect(await collect(device.cardEvents) { await device.poll() }.map(\.summary) == ["removed"])
    }

    @Test func aHangUpTakesTheReaderOffline() async throws {
        let reader = try PseudoTerminalReader(card: nil)
        let device = device(path: reader.slavePath)
        await device.poll()
        #expect(await device.state() == .idle)
        reader.hangUp()
        await device.poll()
        #expect(await device.state() == .offline)
    }

    @Test func theSerialProviderFindsProfilePathsThatExist() async throws {
        let reader = try PseudoTerminalReader(card: nil)
        defer { reader.hangUp() }
        let profile = ReaderProfile(id: "pty", name: .init(zh: "伪终端", en: "pty"),
                                    connection: .serial(.init(paths: [reader.slavePath, "/dev/ttyKIOSK-none*"], baudRate: 115_200)))
        let provider = SerialReaderProvider(profiles: [profile], statistics: InMemoryStatisticsStore(), logger: Logger(label: "test"))
        let found = await provider.discover()
        #expect(found.map(\.info.connection) == ["serial:" + reader.slavePath])
        #expect(found.first?.info.profile == "pty")
        let again = await provider.discover()
        #expect(again.first as? CardReaderDevice === found.first as? CardReaderDevice)
    }
}
