import ESCPOS

public enum ESCPOSBenchmarks {
    /// Rendering rate of the standard self-service receipt: on a printer with native QR (the
    /// common case) and on one that needs the QR code drawn as a raster image.
    public static func run() -> [Figure] {
        let receipt = Receipt([
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
        let native = PrinterProfile(
            id: "bench-80", name: "Benchmark 80 mm", paperWidthDots: 576,
            columns: .init(fontA: 48, fontB: 64), codePage: .pc437, codePageNumber: 0,
            features: .init(
                qrCode: true, barcodes: [.code128], cutter: .partial, gb18030: true, rasterImage: true))
        var raster = native
        raster.features.qrCode = false
        let nativeRate = callsPerSecond { (try? ReceiptRenderer.render(receipt, profile: native))?.count ?? 0 }
        let rasterRate = callsPerSecond { (try? ReceiptRenderer.render(receipt, profile: raster))?.count ?? 0 }
        return [
            Figure(
                name: "escpos.receipt.render.nativeQR", value: nativeRate, unit: "receipts/s", target: "≥ 50000/s"),
            Figure(name: "escpos.receipt.render.rasterQR", value: rasterRate, unit: "receipts/s"),
        ]
    }
}
