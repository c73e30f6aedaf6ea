import Foundation
import HTTPTypes
import Hummingbird
import KioskCore

/// The terminal's reference touch UI: a flat directory of static files (HTML, CSS, JavaScript,
/// no build step, nothing fetched from the network), read once when the router is built.
///
/// Only the files found then are served, each by its bare name under `/ui/`: a request can name
/// nothing else, so `..`, encoded slashes and absolute paths cannot reach outside the directory.
public struct StaticUI: Sendable {
    public struct File: Sendable {
        public let contentType: String
        public let body: Data
        /// A strong validator of the body, so the screen revalidates cheaply after an update.
        public let etag: String
    }

    public let files: [String: File]

    /// The UI shipped with KioskServer: the resource bundle SwiftPM puts beside the executable
    /// (`kiosk_KioskServer.resources/ui`), the Debian package's `/usr/share/kiosk/ui` beside
    /// `/usr/bin` (`../share/kiosk/ui` from the executable), else the source tree it was built
    /// from. Not `Bundle.module`, whose accessor stops the process when the bundle is missing:
    /// a terminal without its UI files still serves its API.
    public static var bundledDirectory: URL? {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("kiosk_KioskServer.resources/ui"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("share/kiosk/ui"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/ui"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }

    public static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
        "json": "application/json; charset=utf-8", "ico": "image/x-icon",
    ]

    /// Reads the files of `directory` (not its subdirectories); a file of a type the table does
    /// not know is left out rather than served with a guessed type. No directory, no UI.
    public init(directory: URL?) {
        var files: [String: File] = [:]
        let names = directory.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        for name in names where !name.hasPrefix(".") {
            guard let directory, let type = Self.contentTypes[(name as NSString).pathExtension.lowercased()] else { continue }
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let body = try? Data(contentsOf: url) else { continue }
            files[name] = File(contentType: type, body: body, etag: "\"\(Self.fingerprint(body))\"")
        }
        self.files = files
    }

    private init(files: [String: File]) { self.files = files }

    /// The files whose names `keep` accepts (the display listener serves its page only).
    public func only(_ keep: (String) -> Bool) -> StaticUI {
        StaticUI(files: files.filter { keep($0.key) })
    }

    /// FNV-1a over the bytes: enough to tell one version of a file from the next.
    static func fingerprint(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16) + "-" + String(data.count, radix: 16)
    }

    func response(_ name: String, request: Request) throws -> Response {
        guard let file = files[name] else {
            throw APIError(.notFound, code: "notFound", message: .init(zh: "没有该页面：\(name)", en: "No such file: \(name)"))
        }
        // `no-cache` keeps the screen on the version the server ships (it revalidates each time)
        // while an unchanged file costs a 304; the kiosk is never behind a shared cache.
        var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: "no-cache", .eTag: file.etag]
        headers[.xContentTypeOptions] = "nosniff"
        if request.headers[.ifNoneMatch] == file.etag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(file.body.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.body)))
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}

extension KioskRoutes {
    static func addStaticUIRoutes(to router: Router<KioskRequestContext>, _ ui: StaticUI) {
        router.get("/") { _, _ in
            Response(status: .found, headers: [.location: "/ui/index.html", .cacheControl: "no-cache"])
        }
        router.get("/ui/{file}") { request, context in
            try ui.response(try context.parameters.require("file"), request: request)
        }
    }
}
