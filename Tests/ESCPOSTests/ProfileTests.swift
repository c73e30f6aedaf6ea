import Foundation
import Testing
import ESCPOS

@Suite struct ProfileTests {
    @Test func decodesSnakeCaseKeysWithoutAKeyStrategy() throws {
        let json = """
            {
              "id": "epson-tm-t88vi", "name": "Epson TM-T88VI", "paper_width_dots": 512,
              "columns": {"font_a": 42, "font_b": 56},
              "code_page": "pc858", "code_page_number": 19,
              "features": {"qr_code": true, "barcodes": ["code128", "upc_a"], "cutter": "partial",
                           "gb18030": false, "raster_image": true}
            }
            """
        let profile = try JSONDecoder().decode(PrinterProfile.self, from: Data(json.utf8))
        #expect(profile == PrinterProfile(
            id: "epson-tm-t88vi", name: "Epson TM-T88VI", paperWidthDots: 512,
            columns: .init(fontA: 42, fontB: 56), codePage: .pc858, codePageNumber: 19,
            features: .init(qrCode: true, barcodes: [.code128, .upcA], cutter: .partial, gb18030: false, rasterImage: true)))
    }

    @Test func missingFeaturesMeanAbsent() throws {
        let json = """
            {"id": "p", "name": "P", "paper_width_dots": 384, "columns": {"font_a": 32, "font_b": 42},
             "code_page": "pc437", "code_page_number": 0, "features": {"gb18030": true}}
            """
        let profile = try JSONDecoder().decode(PrinterProfile.self, from: Data(json.utf8))
        #expect(profile.features == .init(gb18030: true))
        let bare = json.replacingOccurrences(of: #", "features": {"gb18030": true}"#, with: "")
        #expect(try JSONDecoder().decode(PrinterProfile.self, from: Data(bare.utf8)).features == .init())
    }

    @Test func roundTripsThroughItsOwnEncoding() throws {
        let data = try JSONEncoder().encode(chineseProfile)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"paper_width_dots\":576"))
        #expect(text.contains("\"raster_image\":true"))
        #expect(try JSONDecoder().decode(PrinterProfile.self, from: data) == chineseProfile)
    }

    @Test(arguments: [
        #""paper_width_dots": 0"#, #""paper_width_dots": -5"#, #""font_a": 0"#, #""code_page": "pc999""#,
        #""cutter": "guillotine""#, #""code_page_number": 300"#,
    ])
    func rejectsBadValues(replacement: String) throws {
        var json = """
            {"id": "p", "name": "P", "paper_width_dots": 384, "columns": {"font_a": 32, "font_b": 42},
             "code_page": "pc437", "code_page_number": 0, "features": {"cutter": "full"}}
            """
        let key = String(replacement.prefix { $0 != ":" })
        guard let range = json.range(of: key + #":\s*("[^"]*"|-?\d+)"#, options: .regularExpression) else {
            Issue.record("no \(key) in template")
            return
        }
        json.replaceSubrange(range, with: replacement)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PrinterProfile.self, from: Data(json.utf8)) }
    }
}
