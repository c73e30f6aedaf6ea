import DeviceKit
import ESCPOS
import Foundation
import KioskCore

/// `kiosk receipt render TEMPLATE --data FILE.json [--profile NAME]`: the exact bytes a printer
/// with that profile would get, from the shipped templates and profiles.
public enum ReceiptRendering {
    /// Renders template `templateID` of `receiptsDirectory` (`Forms/receipts`) with the JSON
    /// object `data`, laid out for profile `profileID` of `profilesDirectory`
    /// (`Devices/profiles`; the generic profile when nil). Throws `DefinitionFileError`,
    /// `TemplateError` or `DeviceFault` (`receiptNotRenderable`), each a `KioskError`.
    public static func render(
        templateID: String, data: Data, profileID: String? = nil, receiptsDirectory: String, profilesDirectory: String
    ) throws -> [UInt8] {
        let templates = try ReceiptTemplate.loadAll(directory: receiptsDirectory)
        guard let template = templates[templateID] else { throw TemplateError.unknownTemplate(templateID) }
        let catalog = try ProfileCatalog.load(directory: profilesDirectory)
        let wanted = profileID ?? ProfileCatalog.genericID
        guard let profile = catalog.profile(id: wanted) else { throw TemplateError.unknownProfile(wanted) }
        let values: TemplateData
        do {
            values = try JSONDecoder().decode(TemplateData.self, from: data)
        } catch {
            throw TemplateError.dataInvalid
        }
        do {
            return try ReceiptRenderer.render(try template.render(data: values), profile: profile.printer)
        } catch is ESCPOSError {
            throw DeviceFault.receiptNotRenderable
        }
    }
}

extension TemplateError {
    static func unknownTemplate(_ id: String) -> TemplateError {
        TemplateError(code: "templateNotFound", message: .init(zh: "没有回执模板 \(id)", en: "no receipt template \(id)"))
    }

    static func unknownProfile(_ id: String) -> TemplateError {
        TemplateError(code: "profileNotFound", message: .init(zh: "没有打印机配置 \(id)", en: "no printer profile \(id)"))
    }

    static let dataInvalid = TemplateError(
        code: "templateDataInvalid",
        message: .init(zh: "回执数据应为 JSON 对象，值为文本、数字或文本列表",
                       en: "the receipt data must be a JSON object of texts, numbers or lists of texts"))
}
