/// Every failure of this module. `code` is stable for machines; the messages carry no receipt
/// content, so they are safe to log and to show on the technician page.
public struct ESCPOSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// A status reply broke the fixed bits of DLE EOT: line noise or a non-Epson printer.
        case communicationError
        /// A status reply arrived while no DLE EOT query was outstanding.
        case unexpectedStatusReply
        /// QR data too long for the native command or for the raster fallback (version 10).
        case qrDataTooLong
        /// The QR raster does not fit the paper even at one dot per module.
        case qrTooWideForPaper
        /// The profile has neither native QR nor raster images.
        case qrUnsupported
        /// CODE128 data outside printable ASCII, empty, or longer than one GS k command holds.
        case barcodeDataInvalid
        /// A raster image whose bytes do not match its declared size, or too large for GS v 0.
        case rasterImageInvalid
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public var messageEN: String {
        switch code {
        case .communicationError: "The printer sent a malformed status reply."
        case .unexpectedStatusReply: "The printer sent a status reply that was not asked for."
        case .qrDataTooLong: "The QR code content is too long for this printer."
        case .qrTooWideForPaper: "The QR code does not fit the paper width."
        case .qrUnsupported: "This printer can print neither QR codes nor images."
        case .barcodeDataInvalid: "The barcode content cannot be encoded as CODE128."
        case .rasterImageInvalid: "The image size does not match its data or is too large."
        }
    }

    public var messageZH: String {
        switch code {
        case .communicationError: "打印机返回的状态数据格式错误。"
        case .unexpectedStatusReply: "打印机返回了未请求的状态数据。"
        case .qrDataTooLong: "二维码内容过长，此打印机无法打印。"
        case .qrTooWideForPaper: "二维码超出纸张宽度。"
        case .qrUnsupported: "此打印机既不支持二维码也不支持图像打印。"
        case .barcodeDataInvalid: "条码内容无法按 CODE128 编码。"
        case .rasterImageInvalid: "图像尺寸与数据不符或过大。"
        }
    }

    public var description: String { "ESCPOSError.\(code.rawValue): \(messageEN)" }
}
