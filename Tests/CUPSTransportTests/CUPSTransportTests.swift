import ESCPOS
import KioskTesting
import Testing

@testable import CUPSTransport

@Suite(.serialized, .privateCUPSD)
struct CUPSTransportTests {
    let cupsd: PrivateCUPSD
    let transport: CUPSTransport

    init() throws {
        cupsd = try daemon()
        transport = CUPSTransport(server: .socket(path: cupsd.socketPath))
    }

    static let profile = PrinterProfile(
        id: "generic-80", name: "Generic 80 mm", paperWidthDots: 576,
        columns: .init(fontA: 48, fontB: 64), codePage: .pc437, codePageNumber: 0,
        features: .init(qrCode: true, barcodes: [.code128], cutter: .partial, gb18030: true))

    static func receiptBytes() throws -> [UInt8] {
        try ReceiptRenderer.render(Receipt([
            .text("自助服务回执", style: .title, alignment: .center),
            .separator,
            .keyValue(label: "受理编号", value: "A20260315-000123"),
            .qrCode("A20260315-000123"),
            .cut,
        ]), profile: profile)
    }

    @Test func listsTheQueuesWithTheDefaultAndTheirDevice() async throws {
        let destinations = try await transport.destinations()
        #expect(destinations.map(\.name).sorted() == cupsd.queues.sorted())
        let receipt = try #require(destinations.first { $0.name == "receipt" })
        #expect(receipt.isDefault)
        #expect(destinations.filter(\.isDefault).count == 1)
        #expect(receipt.state == .idle)
        #expect(receipt.isAcceptingJobs)
        #expect(receipt.stateReasons.isEmpty)
        #expect(receipt.status == .ready)
        #expect(receipt.deviceURI == "capture:\(cupsd.root.path)/capture/receipt.bin")
        #expect(receipt.makeAndModel == "Local Raw Printer")
        #expect(try await transport.destination(named: "receipt") == receipt)
    }

    @Test func printsARenderedReceiptByteForByte() async throws {
        let bytes = try Self.receiptBytes()
        #expect(bytes.count > 100)
        let job = try await transport.submitRaw(destination: "receipt", title: "回执", bytes: bytes)
        #expect(job > 0)
        try await transport.follow(job, timeout: .seconds(30))
        #expect(try await transport.jobState(job) == .completed)
        #expect(cupsd.captured("receipt") == bytes)
    }

    @Test func aBackendReportingNoPaperStopsTheQueueAndTheJobWaits() async throws {
        try cupsd.setFailMode("media-empty", for: "paper-out")
        defer { try? cupsd.setFailMode(nil, for: "paper-out") }
        let job = try await transport.submitRaw(destination: "paper-out", title: "回执", bytes: [0x1B, 0x40, 0x41, 0x0A])

        let error = await #expect(throws: CUPSError.self) {
            try await transport.follow(job, timeout: .seconds(30))
        }
        #expect(error?.kind == .jobNotCompleted)
        #expect(error?.printerStateReasons.contains("media-empty-error") == true)
        #expect(error?.printerStatus.paper == .out)
        #expect(error?.printerStatus.isOnline == false)
        #expect(error?.message.en.contains("media-empty-error") == true)

        let state = try await transport.jobState(job)
        #expect(state == .pending)
        #expect(cupsd.captured("paper-out") == nil)
        let queue = try await transport.destination(named: "paper-out")
        #expect(queue.state == .stopped)
        #expect(queue.status.paper == .out)

        // The job is kept, not lost: it can still be canceled (or resumed by staff).
        try await transport.cancel(job)
        #expect(try await transport.jobState(job) == .canceled)
    }

    @Test func cancelsAJobBeforeItFinishes() async throws {
        try cupsd.setFailMode("hold", for: "hold")
        defer { try? cupsd.setFailMode(nil, for: "hold") }
        let job = try await transport.submitRaw(destination: "hold", title: "回执", bytes: Array("hold".utf8))
        try await transport.cancel(job)

        let error = await #expect(throws: CUPSError.self) {
            try await transport.follow(job, timeout: .seconds(30))
        }
        #expect(error?.kind == .jobCanceled)
        #expect(try await transport.jobState(job) == .canceled)
        #expect(cupsd.captured("hold") == nil)

        let again = await #expect(throws: CUPSError.self) { try await transport.cancel(job) }
        #expect(again?.kind == .requestFailed)
    }

    @Test func aQueueThatDoesNotExist() async throws {
        let title = "张三 110101199003077777"
        let error = await #expect(throws: CUPSError.self) {
            try await transport.submitRaw(destination: "no-such-queue", title: title, bytes: [0x0A])
        }
        #expect(error?.kind == .noSuchDestination)
        #expect(error?.code == "noSuchDestination")
        #expect(error?.ippStatus == 0x0406)
        for text in [error?.message.en ?? "", error?.message.zh ?? ""] {
            #expect(text.contains("no-such-queue"))
            #expect(!text.contains("张三"))
            #expect(!text.contains("110101199003077777"))
        }

        let lookup = await #expect(throws: CUPSError.self) { try await transport.destination(named: "no-such-queue") }
        #expect(lookup?.kind == .noSuchDestination)
        let malformed = await #expect(throws: CUPSError.self) {
            try await transport.submitRaw(destination: "receipt/../x", title: "t", bytes: [0x0A])
        }
        #expect(malformed?.kind == .noSuchDestination)
    }

    @Test func aJobThatDoesNotExist() async throws {
        let error = await #expect(throws: CUPSError.self) { try await transport.jobState(999_999) }
        #expect(error?.kind == .noSuchJob)
        #expect(error?.message.en.hasPrefix("print job 999999 does not exist") == true)
    }

    @Test func anEmptyDocumentIsRefusedBeforeCreatingAJob() async throws {
        let error = await #expect(throws: CUPSError.self) {
            try await transport.submitRaw(destination: "receipt", title: "t", bytes: [])
        }
        #expect(error?.kind == .jobRejected)
    }

    @Test(arguments: [CUPSServer.socket(path: "/nonexistent/cups.sock"), .host("127.0.0.1", port: 1)])
    func aServerThatIsNotRunning(server: CUPSServer) async throws {
        let error = await #expect(throws: CUPSError.self) {
            try await CUPSTransport(server: server).destinations()
        }
        #expect(error?.kind == .serverUnavailable)
        #expect(error?.message.zh.hasPrefix("无法连接打印服务") == true)
    }
}
