import ESCPOS

/// Bytes from a hex literal written with spaces, e.g. "1B 40".
func hex(_ text: String) -> [UInt8] {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16) ?? 0xFF }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}

let chineseProfile = PrinterProfile(
    id: "generic-80", name: "Generic 80 mm", paperWidthDots: 576,
    columns: .init(fontA: 48, fontB: 64), codePage: .pc437, codePageNumber: 0,
    features: .init(qrCode: true, barcodes: [.code128], cutter: .partial, gb18030: true, rasterImage: true))

let latinProfile = PrinterProfile(
    id: "latin-58", name: "Latin 58 mm", paperWidthDots: 384,
    columns: .init(fontA: 32, fontB: 42), codePage: .pc858, codePageNumber: 19,
    features: .init(cutter: .full, rasterImage: true))

/// The receipt a citizen takes home after a self-service filing.
let standardReceipt = Receipt([
    .text("「XX区政务服务中心」", style: .title, alignment: .center),
    .text("自助服务回执", alignment: .center),
    .separator,
    .keyValue(label: "事项", value: "居民身份证换领"),
    .keyValue(label: "受理编号", value: "A20260315-000123"),
    .keyValue(label: "身份证号", value: "110101********1234"),
    .keyValue(label: "办理时间", value: "2026-03-15 10:42"),
    .separator,
    .qrCode("A20260315-000123"),
    .text("扫码查询办理进度", alignment: .center),
    .separator,
    .text("后续步骤：请于5个工作日内凭本回执和身份证原件到3号窗口领取证件；如需邮寄，请拨打12345预约。"),
    .blank,
    .text("感谢您的使用 Thank you", alignment: .center),
    .cut,
])
