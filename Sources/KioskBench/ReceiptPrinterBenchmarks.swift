import ESCPOS
import Foundation
import ReceiptPrinter

public enum ReceiptPrinterBenchmarks {
    /// The standard receipt's data: a filing receipt with typical values.
    static let standardData = TemplateData([
        "hall": .text("XX区政务服务中心"),
        "matter": .text("居民身份证换领"),
        "reference": .text("A20260315-000123"),
        "applicantName": .text("张三"),
        "applicantIdLabel": .text("身份证号"),
        "applicantId": .text("110105********002X"),
        "time": .text("2026-03-15 10:42"),
        "progressCode": .text("P1:S01-20260315-0042:abcdefghijkl"),
        "nextSteps": .list(["请于5个工作日内凭本回执和身份证原件到3号窗口领取证件", "如需邮寄，请拨打12345预约"]),
        "deferredMaterials": .list(["户口簿复印件"]),
    ])

    /// The shipped filing receipt filled with typical data, laid out for the Xprinter 80 mm
    /// profile: template → Receipt alone, and template → Receipt → ESC/POS bytes.
    public static func run() -> [Figure] {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let template = try? ReceiptTemplate.load(
                contentsOf: root.appendingPathComponent("Forms/receipts/filing-receipt.yaml").path),
              let profile = try? DeviceProfile.load(
                contentsOf: root.appendingPathComponent("Devices/profiles/xprinter-80.yaml").path)
        else { return [] }
        let data = standardData
        let toReceipt = callsPerSecond { (try? template.render(data: data))?.blocks.count ?? 0 }
        let toBytes = callsPerSecond {
            (try? template.render(data: data)).flatMap { try? ReceiptRenderer.render($0, profile: profile.printer) }?.count ?? 0
        }
        return [
            Figure(name: "receipt.template.receipt", value: toReceipt, unit: "receipts/s"),
            Figure(name: "receipt.template.bytes", value: toBytes, unit: "receipts/s", target: "≥ 50000/s"),
        ]
    }
}
