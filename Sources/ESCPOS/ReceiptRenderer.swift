/// Lays a `Receipt` out for one printer: as ESC/POS bytes, or as the plain-text preview the
/// technician page shows. Both come from the same line breaking, so the preview is the print.
public enum ReceiptRenderer {
    /// Lines the paper is fed before a cut, so the last printed line clears the cutter blade.
    static let feedBeforeCut: UInt8 = 4

    public static func render(_ receipt: Receipt, profile: PrinterProfile) throws(ESCPOSError) -> [UInt8] {
        var encoder = ESCPOSEncoder(profile: profile)
        // About a line and its style commands per block: grown a few times at most.
        encoder.reserveCapacity(receipt.blocks.count * 64)
        try encoder.append(.initialize)
        // Chinese models differ on whether ESC @ leaves Chinese mode on; say it outright.
        if profile.features.gb18030 { try encoder.append(.chineseMode(false)) }
        try encoder.append(.selectCodePage(profile.codePageNumber))
        for block in receipt.blocks {
            switch block {
            case let .text(text, style, alignment):
                try withStyle(style, alignment: alignment, &encoder) { encoder throws(ESCPOSError) in
                    try forEachWrappedParagraph(text, style: style, profile: profile) { text, lines throws(ESCPOSError) in
                        for line in lines {
                            encoder.append(text, glyphs: line)
                            try encoder.append(.lineFeed)
                        }
                    }
                }
            case let .keyValue(label, value, style):
                try withStyle(style, alignment: .left, &encoder) { encoder throws(ESCPOSError) in
                    let layout = keyValueLayout(label, value, style: style, profile: profile)
                    for row in layout.rows {
                        encoder.append(layout.label, glyphs: row.labelGlyphs)
                        encoder.appendRepeating(0x20, count: row.spacesBeforeValue)
                        encoder.append(layout.value, glyphs: row.valueGlyphs)
                        try encoder.append(.lineFeed)
                    }
                }
            case .separator:
                encoder.appendRepeating(0x2D, count: columns(TextStyle(), profile))
                try encoder.append(.lineFeed)
            case .blank:
                try encoder.append(.lineFeed)
            case let .qrCode(content, moduleSize, errorCorrection):
                try encoder.append(.align(.center))
                try encoder.append(qrCommand(Array(content.utf8), moduleSize, errorCorrection, profile))
                try encoder.append(.align(.left))
            case let .barcode(content):
                guard profile.features.barcodes.contains(.code128) else {
                    try encoder.append(.align(.center))
                    encoder.text(content)
                    try encoder.append(.lineFeed)
                    try encoder.append(.align(.left))
                    continue
                }
                try encoder.append(.align(.center))
                try encoder.append(.barcodeHeight(80))
                try encoder.append(.barcodeModuleWidth(2))
                try encoder.append(.barcodeTextPosition(.below))
                try encoder.append(.code128(content))
                try encoder.append(.align(.left))
            case .cut:
                try encoder.append(.feed(lines: feedBeforeCut))
                switch profile.features.cutter {
                case .none: break
                case .partial: try encoder.append(.cut(.partial))
                case .full: try encoder.append(.cut(.full))
                }
            }
        }
        return encoder.bytes
    }

    /// The receipt as text, one string line per printed line, without trailing spaces; one
    /// character of text per printer column (font B lines are as wide as font B's columns). A
    /// double-width character is followed by spaces for its extra columns so alignment holds;
    /// characters the printer cannot print show as "?"; QR codes and barcodes show as a
    /// bracketed label with their content.
    public static func preview(_ receipt: Receipt, profile: PrinterProfile) -> String {
        var lines: [String] = []
        let fullWidth = columns(TextStyle(), profile)
        func previewText(_ text: EncodedText, _ range: Range<Int>, doubleWidth: Bool) -> String {
            var line = ""
            for glyph in text.glyphs[range] {
                line += text.preview(glyph)
                if doubleWidth { line += String(repeating: " ", count: Int(glyph.width)) }
            }
            return line
        }
        func centred(_ content: String) {
            let text = EncodedText(content[...], profile: profile)
            for range in wrap(text.glyphs, columns: fullWidth) {
                let padding = String(repeating: " ", count: (fullWidth - text.width(of: range)) / 2)
                lines.append(padding + previewText(text, range, doubleWidth: false))
            }
        }
        for block in receipt.blocks {
            switch block {
            case let .text(text, style, alignment):
                let scale = style.doubleWidth ? 2 : 1
                forEachWrappedParagraph(text, style: style, profile: profile) { text, wrapped in
                    for line in wrapped {
                        let width = text.width(of: line) * scale
                        let slack = max(columns(TextStyle(font: style.font), profile) - width, 0)
                        let padding =
                            switch alignment {
                            case .left: 0
                            case .center: slack / 2
                            case .right: slack
                            }
                        lines.append(
                            String(repeating: " ", count: padding)
                                + previewText(text, line, doubleWidth: style.doubleWidth))
                    }
                }
            case let .keyValue(label, value, style):
                let layout = keyValueLayout(label, value, style: style, profile: profile)
                for row in layout.rows {
                    lines.append(
                        previewText(layout.label, row.labelGlyphs, doubleWidth: style.doubleWidth)
                            + String(repeating: " ", count: row.spacesBeforeValue * (style.doubleWidth ? 2 : 1))
                            + previewText(layout.value, row.valueGlyphs, doubleWidth: style.doubleWidth))
                }
            case .separator:
                lines.append(String(repeating: "-", count: fullWidth))
            case .blank:
                lines.append("")
            case let .qrCode(content, _, _):
                centred("[QR] \(content)")
            case let .barcode(content):
                centred(profile.features.barcodes.contains(.code128) ? "[CODE128] \(content)" : content)
            case .cut:
                lines += Array(repeating: "", count: Int(feedBeforeCut))
                lines.append(String(repeating: profile.features.cutter == .none ? "~" : "=", count: fullWidth))
            }
        }
        return lines.map { line in
            var line = line
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }

    // MARK: Layout

    /// Characters per line for `style`: the font's columns, halved at double width.
    static func columns(_ style: TextStyle, _ profile: PrinterProfile) -> Int {
        let base = style.font == .a ? profile.columns.fontA : profile.columns.fontB
        return max(style.doubleWidth ? base / 2 : base, 1)
    }

    private static func withStyle(
        _ style: TextStyle, alignment: Alignment, _ encoder: inout ESCPOSEncoder,
        _ body: (inout ESCPOSEncoder) throws(ESCPOSError) -> Void
    ) throws(ESCPOSError) {
        let sized = style.doubleWidth || style.doubleHeight
        if style.font != .a { try encoder.append(.font(style.font)) }
        if style.bold { try encoder.append(.bold(true)) }
        if style.underline != .none { try encoder.append(.underline(style.underline)) }
        if sized {
            try encoder.append(.characterSize(width: style.doubleWidth ? 2 : 1, height: style.doubleHeight ? 2 : 1))
        }
        if alignment != .left { try encoder.append(.align(alignment)) }
        try body(&encoder)
        if alignment != .left { try encoder.append(.align(.left)) }
        if sized { try encoder.append(.characterSize(width: 1, height: 1)) }
        if style.underline != .none { try encoder.append(.underline(.none)) }
        if style.bold { try encoder.append(.bold(false)) }
        if style.font != .a { try encoder.append(.font(.a)) }
    }

    /// Calls `body` with each paragraph of `text`, encoded, and the glyph ranges of its lines.
    private static func forEachWrappedParagraph<Failure: Error>(
        _ text: String, style: TextStyle, profile: PrinterProfile,
        _ body: (EncodedText, [Range<Int>]) throws(Failure) -> Void
    ) throws(Failure) {
        let width = columns(style, profile)
        for paragraph in paragraphs(text) {
            let encoded = EncodedText(paragraph, profile: profile)
            try body(encoded, wrap(encoded.glyphs, columns: width))
        }
    }

    /// `text` split at "\n", "\r\n" and "\r", found on the UTF-8 bytes to keep grapheme
    /// breaking out of the hot path.
    static func paragraphs(_ text: String) -> [Substring] {
        let utf8 = text.utf8
        let breaks =
            utf8.withContiguousStorageIfAvailable(lineBreaks) ?? Array(utf8).withUnsafeBufferPointer(lineBreaks)
        guard !breaks.isEmpty else { return [text[...]] }
        var result: [Substring] = []
        var start = utf8.startIndex
        for lineBreak in breaks {
            result.append(text[start..<utf8.index(utf8.startIndex, offsetBy: lineBreak.lowerBound)])
            start = utf8.index(utf8.startIndex, offsetBy: lineBreak.upperBound)
        }
        result.append(text[start...])
        return result
    }

    /// UTF-8 ranges of the line breaks.
    private static func lineBreaks(_ utf8: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var breaks: [Range<Int>] = []
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            index += 1
            guard byte == 0x0A || byte == 0x0D else { continue }
            let start = index - 1
            if byte == 0x0D, index < utf8.count, utf8[index] == 0x0A { index += 1 }
            breaks.append(start..<index)
        }
        return breaks
    }

    struct KeyValueLayout {
        /// A printed row: label glyphs, padding, value glyphs; either range may be empty.
        struct Row {
            var labelGlyphs: Range<Int>
            var spacesBeforeValue: Int
            var valueGlyphs: Range<Int>
        }

        var label: EncodedText
        var value: EncodedText
        var rows: [Row]
    }

    private static func keyValueLayout(
        _ label: String, _ value: String, style: TextStyle, profile: PrinterProfile
    ) -> KeyValueLayout {
        let width = columns(style, profile)
        let label = EncodedText(label[...], profile: profile)
        let value = EncodedText(value[...], profile: profile)
        let labelWidth = label.width(of: label.glyphs.indices)
        let valueWidth = value.width(of: value.glyphs.indices)
        if labelWidth + 1 + valueWidth <= width {
            let row = KeyValueLayout.Row(
                labelGlyphs: label.glyphs.indices, spacesBeforeValue: width - labelWidth - valueWidth,
                valueGlyphs: value.glyphs.indices)
            return KeyValueLayout(label: label, value: value, rows: [row])
        }
        var rows = wrap(label.glyphs, columns: width).map {
            KeyValueLayout.Row(labelGlyphs: $0, spacesBeforeValue: 0, valueGlyphs: 0..<0)
        }
        for range in wrap(value.glyphs, columns: width) {
            let padding = max(width - value.width(of: range), 0)
            rows.append(KeyValueLayout.Row(labelGlyphs: 0..<0, spacesBeforeValue: padding, valueGlyphs: range))
        }
        return KeyValueLayout(label: label, value: value, rows: rows)
    }

    /// May a line start at `index`? After a space, and on either side of a wide character,
    /// except where punctuation must stay with its neighbour.
    private static func canBreak(before index: Int, in glyphs: [Glyph]) -> Bool {
        let previous = glyphs[index - 1]
        let current = glyphs[index]
        if isClosingPunctuation(current.scalar) || isOpeningPunctuation(previous.scalar) { return false }
        if previous.isSpace { return !current.isSpace }
        return previous.width > 1 || current.width > 1
    }

    /// Must not begin a line (the Chinese line-breaking custom, and Latin punctuation).
    private static func isClosingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "，", "。", "、", "；", "：", "？", "！", "）", "」", "』", "》", "〉", "】", "〕", "”", "’", "…",
            ",", ".", ";", ":", "!", "?", ")", "]", "}", "%":
            true
        default: false
        }
    }

    /// Must not end a line.
    private static func isOpeningPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "（", "「", "『", "《", "〈", "【", "〔", "“", "‘", "(", "[", "{": true
        default: false
        }
    }

    /// Greedy line breaking on whole glyphs. Spaces at a break are dropped; a word longer than
    /// the line is cut between characters; a glyph wider than the line gets a line of its own.
    static func wrap(_ glyphs: [Glyph], columns: Int) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var width = 0
        var lastBreak: Int?
        var index = 0
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var end = range.upperBound
            while end > range.lowerBound && glyphs[end - 1].isSpace { end -= 1 }
            return range.lowerBound..<end
        }
        while index < glyphs.count {
            if index > start && canBreak(before: index, in: glyphs) { lastBreak = index }
            let glyphWidth = Int(glyphs[index].width)
            if width + glyphWidth <= columns || index == start {
                width += glyphWidth
                index += 1
                continue
            }
            let end = glyphs[index].isSpace ? index : (lastBreak ?? index)
            lines.append(trimmed(start..<end))
            start = end
            while start < glyphs.count && glyphs[start].isSpace { start += 1 }
            index = start
            width = 0
            lastBreak = nil
        }
        if start < glyphs.count || lines.isEmpty { lines.append(trimmed(start..<glyphs.count)) }
        return lines
    }

    private static func qrCommand(
        _ data: [UInt8], _ moduleSize: Int, _ errorCorrection: QRErrorCorrection, _ profile: PrinterProfile
    ) throws(ESCPOSError) -> ESCPOSCommand {
        if profile.features.qrCode {
            return .qrCode(data: data, moduleSize: moduleSize, errorCorrection: errorCorrection)
        }
        guard profile.features.rasterImage else { throw ESCPOSError(.qrUnsupported) }
        let symbol = try QRCode.encode(data, errorCorrection: errorCorrection)
        let scale = min(max(moduleSize, 1), profile.paperWidthDots / (symbol.size + 8))
        guard scale >= 1 else { throw ESCPOSError(.qrTooWideForPaper) }
        return .rasterImage(symbol.rasterImage(scale: scale))
    }
}
