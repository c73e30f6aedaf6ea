import ESCPOS
import Foundation
import Hummingbird
import KioskCore

extension KioskRoutes {
    /// The most a QR code of the screen carries: what fits version 10 at level M.
    static let qrCodeMaximumBytes = 200

    /// A QR code as SVG, for the screen to show what the printer could not print (the receipt's
    /// reference number when the paper ran out). Drawn by the same encoder as printed codes,
    /// so the screen needs no QR library; the text is the screen's own, never looked up.
    static func addQRCodeRoute(to router: Router<KioskRequestContext>) {
        router.get("/v1/qr-code") { request, _ in
            guard let text = request.uri.queryParameters.get("text"), !text.isEmpty, text.utf8.count <= qrCodeMaximumBytes,
                  let code = try? QRCode.encode(Array(text.utf8), errorCorrection: .m) else {
                throw APIError(.badRequest, code: "invalidField", message: .init(
                    zh: "参数 text 须为 1 至 \(qrCodeMaximumBytes) 字节的文本",
                    en: "The parameter text must be 1 to \(qrCodeMaximumBytes) bytes of text."))
            }
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: svg(code))))
        }
    }

    /// One path of unit squares with the four-module quiet zone; crisp at any size.
    static func svg(_ code: QRCode) -> String {
        let side = code.size + 8
        var path = ""
        for y in 0..<code.size {
            for x in 0..<code.size where code.isDark(x: x, y: y) { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
