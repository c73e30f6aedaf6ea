import CCUPS
import Testing

@testable import CUPSTransport

struct PrinterStatusTests {
    @Test(arguments: [
        ("media-empty-error", "media-empty", PrinterStateReason.Severity.error),
        ("media-low-warning", "media-low", .warning),
        ("offline-report", "offline", .report),
    ])
    func reasonsSplitTheirSeverity(value: String, keyword: String, severity: PrinterStateReason.Severity) {
        let reason = PrinterStateReason(value)
        #expect(reason.keyword == keyword)
        #expect(reason.severity == severity)
    }

    @Test func bareKeywordsAndABareSuffixStayWhole() {
        #expect(PrinterStateReason("paused") == PrinterStateReason("paused"))
        #expect(PrinterStateReason("paused").keyword == "paused")
        #expect(PrinterStateReason("paused").severity == nil)
        #expect(PrinterStateReason("-error").keyword == "-error")
        #expect(PrinterStateReason("-error").severity == nil)
    }

    @Test(arguments: [
        ([], PrinterStatus.ready),
        (["none"], .ready),
        (["media-empty-error"], PrinterStatus(paper: .out, cover: .closed, isOnline: true, hasOtherError: false)),
        (["media-needed-warning"], PrinterStatus(paper: .out, cover: .closed, isOnline: true, hasOtherError: false)),
        (["media-low-report"], PrinterStatus(paper: .nearEnd, cover: .closed, isOnline: true, hasOtherError: false)),
        (["media-empty-error", "media-low-warning"], PrinterStatus(paper: .out, cover: .closed, isOnline: true, hasOtherError: false)),
        (["media-low-warning", "media-empty-error"], PrinterStatus(paper: .out, cover: .closed, isOnline: true, hasOtherError: false)),
        (["cover-open-error"], PrinterStatus(paper: .ok, cover: .open, isOnline: true, hasOtherError: false)),
        (["door-open-warning"], PrinterStatus(paper: .ok, cover: .open, isOnline: true, hasOtherError: false)),
        (["offline-report"], PrinterStatus(paper: .ok, cover: .closed, isOnline: false, hasOtherError: false)),
        (["paused"], PrinterStatus(paper: .ok, cover: .closed, isOnline: false, hasOtherError: false)),
        (["media-empty-error", "paused"], PrinterStatus(paper: .out, cover: .closed, isOnline: false, hasOtherError: false)),
        (["other"], PrinterStatus(paper: .ok, cover: .closed, isOnline: true, hasOtherError: true)),
        (["other-warning"], PrinterStatus(paper: .ok, cover: .closed, isOnline: true, hasOtherError: true)),
        (["media-jam-error"], PrinterStatus(paper: .ok, cover: .closed, isOnline: true, hasOtherError: true)),
        (["toner-low-warning", "connecting-to-device"], .ready),
    ])
    func reasonsMapToStatus(reasons: [String], expected: PrinterStatus) {
        #expect(PrinterStatus(stateReasons: reasons) == expected)
    }

    @Test(arguments: [
        ("smb://user:secret@server/queue", "smb://server/queue"),
        ("ipp://a@b:c@host:631/printers/x", "ipp://host:631/printers/x"),
        ("usb://EPSON/TM-T88VI?serial=X@1", "usb://EPSON/TM-T88VI?serial=X@1"),
        ("capture:/tmp/a@b.bin", "capture:/tmp/a@b.bin"),
    ])
    func deviceURIsLoseTheirCredentials(uri: String, expected: String) {
        #expect(withoutCredentials(uri) == expected)
    }

    @Test func queueNames() {
        #expect(isValidQueueName("receipt"))
        #expect(isValidQueueName("回执打印机"))
        for bad in ["", "a b", "a/b", "a#b", "a?b", "a'b", "a\"b", "a\\b", "a\u{7f}", String(repeating: "x", count: 128)] {
            #expect(!isValidQueueName(bad))
        }
    }
}

struct CUPSErrorTests {
    @Test func theServersTextIsSanitized() {
        #expect(CUPSError.sanitized(nil, redacting: []) == nil)
        #expect(CUPSError.sanitized("", redacting: []) == nil)
        #expect(CUPSError.sanitized("Job #12 is done.", redacting: []) == "Job #12 is done.")
        #expect(CUPSError.sanitized("title 张三 bad", redacting: ["张三"]) == "title … bad")
        #expect(CUPSError.sanitized("id 110101199003077777 x", redacting: []) == "id … x")
        #expect(CUPSError.sanitized("a\u{1B}[2Jb\nc", redacting: []) == "a[2Jbc")
        #expect(CUPSError.sanitized(String(repeating: "x", count: 500), redacting: [])?.count == 160)
    }

    @Test func statusesMapToCodes() {
        #expect(CUPSError.classify(IPP_STATUS_ERROR_NOT_FOUND, .job(3)) == .noSuchJob)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_NOT_FOUND, .submit(destination: "x")) == .noSuchDestination)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_NOT_FOUND, .destination("x")) == .noSuchDestination)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS, .submit(destination: "x")) == .jobRejected)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_FORBIDDEN, .submit(destination: "x")) == .jobRejected)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_NOT_POSSIBLE, .job(3)) == .requestFailed)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_SERVICE_UNAVAILABLE, .listDestinations) == .serverUnavailable)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_INTERNAL, .connect) == .serverUnavailable)
        #expect(CUPSError.classify(IPP_STATUS_ERROR_INTERNAL, .listDestinations) == .requestFailed)
    }

    @Test func messagesComeInBothLanguagesWithTheQuotedReason() {
        let error = CUPSError.failure(
            .submit(destination: "receipt"), status: IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS,
            serverMessage: "Destination \"receipt\" is not accepting jobs.")
        #expect(error.code == "jobRejected")
        #expect(error.message.en == "the print queue \"receipt\" refused the job (CUPS: Destination \"receipt\" is not accepting jobs.)")
        #expect(error.message.zh == "打印队列“receipt”拒绝了打印任务（CUPS：Destination \"receipt\" is not accepting jobs.）")
        #expect(error.description == "jobRejected: " + error.message.en)

        let outcome = CUPSError.outcome(.jobNotCompleted, job: 7, printerStateReasons: ["media-empty-error", "paused"])
        #expect(outcome.message.en == "print job 7 did not complete: the print queue stopped [media-empty-error, paused]")
        #expect(outcome.printerStatus.paper == .out)
        #expect(outcome.ippStatus == nil)
    }
}
