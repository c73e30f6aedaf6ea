import Foundation
import SerialTransport
import Testing

/// A pseudo-terminal pair: the test holds the master side, `SerialPort` opens the slave path
/// as it would open `/dev/ttyUSB0`.
final class PseudoTerminal {
    let master: Int32
    let slavePath: String

    // <asm-generic/ioctls.h>: TIOCSPTLCK and TIOCGPTN, macros Swift does not import.
    static let unlockSlave: UInt = 0x4004_5431
    static let slaveNumber: UInt = 0x8004_5430

    /// Opens `/dev/ptmx` and unlocks the slave with the ioctls `posix_openpt`, `unlockpt`
    /// and `ptsname` wrap (Swift's Glibc module does not export those three).
    init() throws {
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(ioctl(master, Self.unlockSlave, &unlock) == 0)
        try #require(ioctl(master, Self.slaveNumber, &number) == 0)
        slavePath = "/dev/pts/\(number)"
    }

    deinit { closeMaster() }

    private var closed = false
    func closeMaster() {
        if !closed { close(master) }
        closed = true
    }

    func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Foundation.write(master, $0.baseAddress, $0.count) }
    }

    /// Reads exactly `count` bytes from the master side, waiting at most a second per chunk.
    func read(count: Int) -> [UInt8] {
        var received: [UInt8] = []
        while received.count < count {
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 1000) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: count - received.count)
            let got = buffer.withUnsafeMutableBytes { Foundation.read(master, $0.baseAddress, $0.count) }
            guard got > 0 else { break }
            received += buffer.prefix(got)
        }
        return received
    }
}

@Suite(.timeLimit(.minutes(1)))
struct SerialPortTests {
    @Test func writesEveryByteUnchangedInRawMode() async throws {
        let pty = try PseudoTerminal()
        let port = try await SerialPort.open(path: pty.slavePath)
        // Bytes a cooked terminal would translate or swallow: CR, LF, ^C, ^S, ^Q, 0xFF, NUL.
        let bytes: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x0D, 0x0A, 0x03, 0x13, 0x11, 0xFF, 0x00] + (0..<2000).map { UInt8($0 & 0xFF) }
        try await port.write(bytes)
        #expect(pty.read(count: bytes.count) == bytes)
        await port.close()
    }

    @Test func readsWhatArrivesAndKeepsTheRestForTheNextRead() async throws {
        let pty = try PseudoTerminal()
        let port = try await SerialPort.open(path: pty.slavePath)
        pty.write([0x0D, 0x0A, 0x03, 0x7F, 0x00, 0x90])
        var received: [UInt8] = []
        while received.count < 6 {
            let chunk = try await port.read(maxLength: 4, timeout: .seconds(1))
            try #require(!chunk.isEmpty)
            #expect(chunk.count <= 4)
            received += chunk
        }
        #expect(received == [0x0D, 0x0A, 0x03, 0x7F, 0x00, 0x90])
        await port.close()
    }

    @Test func aSilentLineReturnsNothingAfterTheTimeout() async throws {
        let pty = try PseudoTerminal()
        let port = try await SerialPort.open(path: pty.slavePath)
        #expect(try await port.read(timeout: .milliseconds(20)) == [])
        await port.close()
    }

    @Test func aHungUpLineIsReported() async throws {
        let pty = try PseudoTerminal()
        let port = try await SerialPort.open(path: pty.slavePath)
        pty.closeMaster()
        let error = await #expect(throws: SerialError.self) { try await port.read(timeout: .seconds(1)) }
        #expect(error?.code == "disconnected")
        await port.close()
    }

    @Test func aMissingPathIsNotFound() async {
        let error = await #expect(throws: SerialError.self) { try await SerialPort.open(path: "/dev/ttyKIOSK-nonexistent") }
        #expect(error?.code == "notFound")
        #expect(error?.errnoName == "ENOENT")
        #expect(error?.message.en == "The serial device was not found (ENOENT, open)")
    }

    @Test func aFileThatIsNotATerminalIsRefused() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-tty-\(UUID().uuidString)").path
        try Data().write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = await #expect(throws: SerialError.self) { try await SerialPort.open(path: path) }
        #expect(error?.code == "notATerminal")
    }

    @Test func aClosedPortThrowsClosedWithoutASystemCall() async throws {
        let pty = try PseudoTerminal()
        let port = try await SerialPort.open(path: pty.slavePath)
        await port.close()
        await port.close()
        let error = await #expect(throws: SerialError.self) { try await port.write([1]) }
        #expect(error == SerialError(.closed, operation: .write))
    }
}
