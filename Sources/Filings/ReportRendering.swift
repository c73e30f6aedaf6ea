import Foundation
import KioskCore

/// The monthly report as CSV (one line per department and matter, then the totals) and as a
/// self-contained HTML page whose charts are inline SVG drawn here (no script, no file
/// fetched), laid out to print on A4.
extension MonthlyReport {
    static let columns: [(zh: String, en: String)] = [
        ("部门编号", "department id"), ("部门", "department"), ("事项编号", "matter key"), ("事项", "matter"),
        ("收件", "received"), ("受理", "accepted"), ("退回", "returned"), ("办结", "completed"),
        ("按时办结", "completed on time"), ("按时办结率", "on-time share"), ("超期", "overdue"),
        ("容缺受理", "deferred filings"), ("容缺按期补齐", "deferred in time"),
    ] + RatingGrade.allCases.map { ($0.text.zh, $0.text.en) } + [
        ("差评整改", "follow-ups"), ("按期整改", "follow-ups closed in time"),
    ]

    /// The forms a report is given in: over HTTP (`GET /v1/reports/monthly?format=`) and by
    /// `kiosk report monthly --format`, each rendered here and nowhere else.
    public enum Format: String, Sendable, CaseIterable {
        case json, csv, html, text

        public var contentType: String {
            switch self {
            case .json: "application/json; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            case .html: "text/html; charset=utf-8"
            case .text: "text/plain; charset=utf-8"
            }
        }
    }

    /// The report in `format`. JSON has sorted keys and ISO 8601 dates.
    public func rendered(_ format: Format) throws -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        case .csv: return csv()
        case .html: return html()
        case .text: return text()
        }
    }

    /// For a terminal's screen: a heading, then per department and matter the filings received,
    /// accepted, returned, completed (on time), overdue, 容缺 and 差评 with their follow-ups, and the totals.
    public func text() -> String {
        let header = ["部门 department", "事项 matter", "收件", "受理", "退回", "办结", "按时率", "超期", "容缺(按期)", "差评", "整改(按期)"]
        func cells(_ row: Row) -> [String] {
            [row.departmentId.isEmpty ? "合计 total" : row.departmentId, row.matterKey,
             String(row.received), String(row.accepted), String(row.returned), String(row.completed),
             row.onTimeShare.map(Self.percent) ?? "-", String(row.overdue), "\(row.deferredFilings)(\(row.deferredInTime))",
             String(row.badRatings), "\(row.followUps)(\(row.followUpsClosedInTime))"]
        }
        let table = [header] + rows.map(cells) + [cells(totals)]
        // Column widths in terminal cells: a CJK character takes two.
        func width(_ text: String) -> Int { text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) } }
        let widths = header.indices.map { column in table.map { width($0[column]) }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, text in
                let pad = String(repeating: " ", count: widths[column] - width(text))
                return column < 2 ? text + pad : pad + text
            }.joined(separator: "  ")
        }
        var lines = ["政务服务月度报告 Monthly report \(month) (\(scope))", "generated \(generatedAt.formatted(.iso8601))", ""]
        lines += table.prefix(1).map(line)
        lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        lines += table.dropFirst().dropLast().map(line)
        lines.append(line(table[table.count - 1]))
        let ratings = RatingGrade.allCases.map { "\($0.text.zh) \(totals.ratings[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        lines += ["", "评价 ratings: " + ratings]
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: a header line (Chinese / English), a line per row, then the totals; fields
    /// quoted where they need it, CRLF line ends.
    public func csv() -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        func line(_ row: Row) -> String {
            ([row.departmentId, row.department.zh, row.matterKey, row.matter.zh] + [
                row.received, row.accepted, row.returned, row.completed, row.completedOnTime,
            ].map(String.init) + [row.onTimeShare.map { String(format: "%.4f", $0) } ?? ""] + [
                row.overdue, row.deferredFilings, row.deferredInTime,
            ].map(String.init) + RatingGrade.allCases.map { String(row.ratings[$0.rawValue] ?? 0) } + [
                String(row.followUps), String(row.followUpsClosedInTime),
            ]).map(field).joined(separator: ",")
        }
        let header = Self.columns.map { field("\($0.zh) \($0.en)") }.joined(separator: ",")
        var lines = [header] + rows.map(line) + [line(totals)]
        // The whole terminal's (or district's) figures that belong to no department: each a
        // block of its own after an empty line, so the table above stays one rectangle.
        if let figures = helpFigureCells {
            lines += ["", "求助指标 help figure,值 value"] + figures.map { "\(field("\($0.zh) \($0.en)")),\($0.value)" }
        }
        if let policyPrints {
            lines += ["", "政策编号 policy id,打印份数 prints"] + policyPrints.map { "\(field($0.policyId)),\($0.prints)" }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The help-request figures as label and value, in the CSV's plain numbers (share 0…1,
    /// seconds with one decimal, empty where there is nothing to measure); nil without figures.
    var helpFigureCells: [(zh: String, en: String, value: String)]? {
        guard let help else { return nil }
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "" }
        return [
            ("求助次数", "help requests", String(help.requests)), ("已应答", "taken", String(help.taken)),
            ("超时前应答", "taken within the timeout", String(help.takenWithinTimeout)),
            ("应答用时中位数（秒）", "median seconds to take", seconds(help.medianSecondsToTake)),
            ("应答用时第90百分位（秒）", "90th percentile seconds to take", seconds(help.p90SecondsToTake)),
            ("应答率", "share answered", help.answeredShare.map { String(format: "%.4f", $0) } ?? ""),
            ("转交", "handed over", String(help.handedOver)),
        ]
    }

    /// The report page: summary, the table per department and matter, three charts.
    public func html() -> String {
        var page = """
            <!doctype html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>\(escape("政务服务月度报告 \(month) Monthly report"))</title>
            <style>
            @page { size: A4; margin: 14mm 12mm; }
            body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-size: 10pt; color: #111; margin: 0 auto; max-width: 186mm; }
            h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 6mm 0 2mm; break-after: avoid; }
            p.meta { color: #444; margin: 0 0 4mm; }
            table { border-collapse: collapse; width: 100%; font-size: 8pt; }
            th, td { border: 0.3mm solid #999; padding: 1mm 1.2mm; text-align: right; }
            th { background: #eee; } td.text, th.text { text-align: left; }
            tr { break-inside: avoid; } thead { display: table-header-group; } tfoot td { font-weight: bold; }
            .summary { display: flex; flex-wrap: wrap; gap: 3mm; margin: 2mm 0; }
            .summary div { border: 0.3mm solid #999; padding: 2mm 3mm; min-width: 28mm; }
            .summary strong { display: block; font-size: 13pt; }
            figure { margin: 3mm 0; break-inside: avoid; } figcaption { font-weight: bold; margin-bottom: 1mm; }
            svg text { font-family: inherit; font-size: 9px; }
            @media print { a { color: inherit; text-decoration: none; } }
            </style>
            </head>
            <body>
            <h1>\(escape("政务服务月度报告 Monthly report · \(month)"))</h1>
            <p class="meta">\(escape(scope == "district" ? "范围：全区域 Scope: the whole district" : "范围：本终端 Scope: this terminal")) · \(escape("生成 Generated \(generatedAt.formatted(.iso8601))"))</p>

            """
        let share = totals.onTimeShare.map { Self.percent($0) } ?? "—"
        page += "<div class=\"summary\" id=\"summary\">"
        for (label, value, id) in [
            ("收件 Received", String(totals.received), "received"), ("受理 Accepted", String(totals.accepted), "accepted"),
            ("退回 Returned", String(totals.returned), "returned"), ("办结 Completed", String(totals.completed), "completed"),
            ("按时办结率 On time", share, "on-time-share"), ("超期 Overdue", String(totals.overdue), "overdue"),
            ("差评 Bad ratings", String(totals.badRatings), "bad-ratings"),
            ("按期整改 Follow-ups in time", "\(totals.followUpsClosedInTime)/\(totals.followUps)", "follow-ups"),
        ] {
            page += "<div data-figure=\"\(id)\">\(escape(label))<strong>\(escape(value))</strong></div>"
        }
        page += "</div>\n"
        page += "<h2>\(escape("分部门分事项 By department and matter"))</h2>\n<table id=\"report-table\"><thead><tr>"
        for (index, column) in Self.columns.enumerated() where index != 0 && index != 2 {
            page += "<th\(index < 4 ? " class=\"text\"" : "")>\(escape(column.zh))<br>\(escape(column.en))</th>"
        }
        page += "</tr></thead><tbody>\n"
        func cells(_ row: Row) -> String {
            let numbers = [row.received, row.accepted, row.returned, row.completed, row.completedOnTime].map(String.init)
                + [row.onTimeShare.map(Self.percent) ?? "—"]
                + [row.overdue, row.deferredFilings, row.deferredInTime].map(String.init)
                + RatingGrade.allCases.map { String(row.ratings[$0.rawValue] ?? 0) }
                + [String(row.followUps), String(row.followUpsClosedInTime)]
            return "<td class=\"text\">\(escape(row.department.zh))</td><td class=\"text\">\(escape(row.matter.zh))</td>"
                + numbers.map { "<td>\(escape($0))</td>" }.joined()
        }
        for row in rows {
            page += "<tr data-matter=\"\(escape(row.matterKey))\" data-department=\"\(escape(row.departmentId))\">\(cells(row))</tr>\n"
        }
        page += "</tbody><tfoot><tr>\(cells(totals))</tr></tfoot></table>\n"
        if let figures = helpFigureCells, let help {
            page += "<h2>\(escape("呼叫工作人员 Calls for staff"))</h2>\n<table id=\"help-figures\"><tbody>\n"
            let shown = [String(help.requests), String(help.taken), String(help.takenWithinTimeout),
                         help.medianSecondsToTake.map(Self.seconds) ?? "—", help.p90SecondsToTake.map(Self.seconds) ?? "—",
                         help.answeredShare.map(Self.percent) ?? "—", String(help.handedOver)]
            for (figure, value) in zip(figures, shown) {
                page += "<tr data-figure=\"\(escape(figure.en))\"><td class=\"text\">\(escape(figure.zh))<br>\(escape(figure.en))</td><td>\(escape(value))</td></tr>\n"
            }
            page += "</tbody></table>\n"
        }
        if let policyPrints {
            page += "<h2>\(escape("惠企政策明白纸打印 Policy sheets printed"))</h2>\n<table id=\"policy-prints\"><thead><tr>"
            page += "<th class=\"text\">\(escape("政策编号"))<br>policy id</th><th>\(escape("打印份数"))<br>prints</th></tr></thead><tbody>\n"
            for count in policyPrints {
                page += "<tr data-policy=\"\(escape(count.policyId))\"><td class=\"text\">\(escape(count.policyId))</td><td>\(count.prints)</td></tr>\n"
            }
            if policyPrints.isEmpty { page += "<tr><td class=\"text\" colspan=\"2\">\(escape("本月未打印 None this month"))</td></tr>\n" }
            page += "</tbody></table>\n"
        }
        page += "<h2>\(escape("图表 Charts"))</h2>\n"
        page += figure("ratings-chart", "评价分布 Ratings", ratingsChart())
        page += figure("on-time-chart", "各部门按时办结率 On-time share per department", onTimeChart())
        page += figure("trend-chart", "近12个月趋势 Twelve-month trend", trendChart())
        page += "</body>\n</html>\n"
        return page
    }

    private func figure(_ id: String, _ caption: String, _ svg: String) -> String {
        "<figure id=\"\(id)\"><figcaption>\(escape(caption))</figcaption>\(svg)</figure>\n"
    }

    /// Five bars, 非常满意 to 非常不满意, with their counts.
    func ratingsChart() -> String {
        let counts = RatingGrade.allCases.map { totals.ratings[$0.rawValue] ?? 0 }
        let top = max(counts.max() ?? 0, 1)
        let width = 480, height = 170, bar = 56, base = 140
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"ratings\">"
        for (index, grade) in RatingGrade.allCases.enumerated() {
            let x = 20 + index * 92
            let h = counts[index] * 120 / top
            let colour = grade.isBad ? "#c0392b" : "#2e7d32"
            svg += "<rect x=\"\(x)\" y=\"\(base - h)\" width=\"\(bar)\" height=\"\(h)\" fill=\"\(colour)\" data-grade=\"\(grade.rawValue)\" data-count=\"\(counts[index])\"/>"
            svg += "<text x=\"\(x + bar / 2)\" y=\"\(base - h - 3)\" text-anchor=\"middle\">\(counts[index])</text>"
            svg += "<text x=\"\(x + bar / 2)\" y=\"\(base + 14)\" text-anchor=\"middle\">\(escape(grade.text.zh))</text>"
        }
        return svg + "</svg>"
    }

    /// A horizontal bar per department, 0 to 100 %.
    func onTimeChart() -> String {
        let rowHeight = 22, width = 480
        let height = max(departments.count, 1) * rowHeight + 10
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"on-time share\">"
        for (index, department) in departments.enumerated() {
            let y = 4 + index * rowHeight
            let share = department.onTimeShare ?? 0
            let length = Int((share * 260).rounded())
            svg += "<text x=\"0\" y=\"\(y + 14)\">\(escape(String(department.department.zh.prefix(14))))</text>"
            svg += "<rect x=\"170\" y=\"\(y)\" width=\"260\" height=\"16\" fill=\"#eee\"/>"
            svg += "<rect x=\"170\" y=\"\(y)\" width=\"\(length)\" height=\"16\" fill=\"#1565c0\" data-department=\"\(escape(department.departmentId))\" data-share=\"\(String(format: "%.4f", share))\"/>"
            svg += "<text x=\"436\" y=\"\(y + 13)\">\(department.onTimeShare.map(Self.percent) ?? "—")</text>"
        }
        return svg + "</svg>"
    }

    /// Completed filings per month as bars, their on-time share as a line, over twelve months.
    func trendChart() -> String {
        let width = 480, height = 190, base = 150, slot = 38
        let top = max(trend.map(\.completed).max() ?? 0, 1)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"trend\">"
        var points: [String] = []
        for (index, point) in trend.enumerated() {
            let x = 12 + index * slot
            let h = point.completed * 120 / top
            svg += "<rect x=\"\(x)\" y=\"\(base - h)\" width=\"26\" height=\"\(h)\" fill=\"#90a4ae\" data-month=\"\(point.month)\" data-completed=\"\(point.completed)\"/>"
            svg += "<text x=\"\(x + 13)\" y=\"\(base + 14)\" text-anchor=\"middle\">\(String(format: "%02d", point.month.month))</text>"
            if point.completed > 0 {
                let share = Double(point.onTime) / Double(point.completed)
                points.append("\(x + 13),\(base - Int((share * 120).rounded()))")
            }
        }
        if points.count > 1 {
            svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\"/>"
        }
        svg += "<text x=\"12\" y=\"\(base + 32)\">\(escape("柱：办结件数 Bars: completed · 线：按时办结率 Line: on-time share"))</text>"
        return svg + "</svg>"
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
    static func seconds(_ value: Double) -> String { String(format: "%.0f s", value) }
}

/// Text for HTML element content and attribute values.
func escape(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}
