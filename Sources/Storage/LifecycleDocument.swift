import Booking
import Filings
import FormEngine
import Foundation
import KioskCore

/// A lifecycle record's document (`LifecycleSQL.encode`) written byte for byte as Foundation's
/// `JSONEncoder` with sorted keys writes it (the stores hold documents of both), at a fraction
/// of its cost: the outbox's drain encodes one for every filing that arrives. The record's own
/// fields, its cases, 容缺 and commitments are written here, with their keys in the encoder's
/// order; the parts a new record never has (an acceptance, a clock, a return, a completion,
/// a rating, a follow-up, urges) go through `JSONEncoder` one by one. `LifecycleDocumentTests`
/// compare both writers on records in every state.
struct LifecycleDocument {
    private(set) var bytes: [UInt8] = []

    static func encode(_ record: FilingRecord) throws -> Data {
        var document = LifecycleDocument()
        document.bytes.reserveCapacity(1_024)
        try document.write(record)
        return Data(document.bytes)
    }

    private mutating func write(_ record: FilingRecord) throws {
        var object = Object()
        if let acknowledgedAt = record.acknowledgedAt { object.key("acknowledgedAt", &self); write(acknowledgedAt) }
        object.key("cases", &self)
        try array(record.cases) { document, item in try document.write(item) }
        object.key("commitments", &self)
        try array(record.commitments) { document, item in try document.write(item) }
        object.key("deferrals", &self)
        try array(record.deferrals) { document, item in try document.write(item) }
        object.key("department", &self); write(record.department)
        object.key("departmentID", &self); write(record.departmentID)
        if let followUp = record.followUp { object.key("followUp", &self); try delegate(followUp) }
        object.key("formID", &self); write(record.formID)
        object.key("hall", &self); write(record.hall)
        if let idHash = record.idHash { object.key("idHash", &self); write(idHash.base64EncodedString()) }
        if let idMasked = record.idMasked { object.key("idMasked", &self); write(idMasked) }
        if let rating = record.rating { object.key("rating", &self); try delegate(rating) }
        object.key("reference", &self); write(record.reference)
        object.key("terminal", &self); write(record.terminal)
        object.key("title", &self); write(record.title)
        object.key("urges", &self)
        if record.urges.isEmpty { bytes.append(contentsOf: [UInt8(ascii: "["), UInt8(ascii: "]")]) } else { try delegate(record.urges) }
        object.key("version", &self); write(record.version)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func write(_ item: FilingCase) throws {
        var object = Object()
        if let acceptance = item.acceptance { object.key("acceptance", &self); try delegate(acceptance) }
        object.key("afterReturn", &self); write(item.afterReturn.rawValue)
        object.key("announced", &self); write(item.announced.rawValue)
        if let clock = item.clock { object.key("clock", &self); try delegate(clock) }
        if let collectedAt = item.collectedAt { object.key("collectedAt", &self); write(collectedAt) }
        if let completion = item.completion { object.key("completion", &self); try delegate(completion) }
        object.key("department", &self); write(item.department)
        object.key("departmentID", &self); write(item.departmentID)
        object.key("firstSubmittedOn", &self); write(item.firstSubmittedOn.description)
        if let lastReturn = item.lastReturn { object.key("lastReturn", &self); try delegate(lastReturn) }
        object.key("matter", &self); write(item.matter)
        object.key("part", &self); write(item.part)
        if let receivedAt = item.receivedAt { object.key("receivedAt", &self); write(receivedAt) }
        object.key("state", &self); write(item.state.rawValue)
        object.key("submittedAt", &self); write(item.submittedAt)
        object.key("submittedOn", &self); write(item.submittedOn.description)
        object.key("timeLimitDays", &self); write(item.timeLimitDays)
        object.key("usedBeforeReturn", &self); write(item.usedBeforeReturn)
        object.key("version", &self); write(item.version)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func write(_ item: DeferralFollowUp) throws {
        var object = Object()
        object.key("departmentID", &self); write(item.departmentID)
        object.key("dueDate", &self); write(item.dueDate.description)
        if let handedInAt = item.handedInAt { object.key("handedInAt", &self); write(handedInAt) }
        object.key("materialID", &self); write(item.materialID)
        if let missedOn = item.missedOn { object.key("missedOn", &self); write(missedOn.description) }
        object.key("name", &self); write(item.name)
        if let part = item.part { object.key("part", &self); write(part) }
        if let receivedBy = item.receivedBy { object.key("receivedBy", &self); write(receivedBy) }
        if let receivedOn = item.receivedOn { object.key("receivedOn", &self); write(receivedOn.description) }
        object.key("remindOn", &self); write(item.remindOn.description)
        object.key("state", &self); write(item.state.rawValue)
        object.key("whenMissed", &self); write(item.whenMissed.rawValue)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func write(_ item: CommitmentCheck) throws {
        var object = Object()
        if let checkedBy = item.checkedBy { object.key("checkedBy", &self); write(checkedBy) }
        if let checkedOn = item.checkedOn { object.key("checkedOn", &self); write(checkedOn.description) }
        object.key("departmentID", &self); write(item.departmentID)
        object.key("materialID", &self); write(item.materialID)
        object.key("name", &self); write(item.name)
        if let note = item.note { object.key("note", &self); write(note) }
        if let part = item.part { object.key("part", &self); write(part) }
        object.key("state", &self); write(item.state.rawValue)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func write(_ text: LocalizedText) {
        var object = Object()
        object.key("en", &self); write(text.en)
        object.key("zh-CN", &self); write(text.zh)
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func write(_ actor: LifecycleActor) {
        var object = Object()
        if !actor.id.isEmpty { object.key("id", &self); write(actor.id) }
        object.key("kind", &self); write(actor.kind)
        bytes.append(UInt8(ascii: "}"))
    }

    /// A part written by `JSONEncoder` itself: what it writes for a value does not depend on
    /// where the value sits.
    private mutating func delegate(_ value: some Encodable) throws {
        bytes.append(contentsOf: try JSONEncoder.lifecycle.encode(value))
    }

    private mutating func array<T>(_ items: [T], _ element: (inout LifecycleDocument, T) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            try element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Opens an object on its first key and separates the others.
    private struct Object {
        private var empty = true

        init() {}

        mutating func key(_ name: StaticString, _ document: inout LifecycleDocument) {
            document.bytes.append(UInt8(ascii: empty ? "{" : ","))
            empty = false
            document.bytes.append(UInt8(ascii: "\""))
            document.bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            document.bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
    }

    // MARK: Values as JSONEncoder writes them

    private mutating func write(_ number: Int) {
        bytes.append(contentsOf: String(number).utf8)
    }

    /// Foundation's default: seconds since 2001 as a Double, written as its `description`
    /// without a trailing `.0`.
    private mutating func write(_ date: Date) {
        let seconds = date.timeIntervalSinceReferenceDate
        var text = seconds.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// Quoted, escaping what `JSONEncoder` escapes: the quote, the backslash, the slash, and the
    /// control characters (`\b \f \n \r \t` by name, the others as `\u00xx`); the rest as UTF-8.
    private mutating func write(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                || byte == UInt8(ascii: "/") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    let digits = Self.hexDigits.utf8Start
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: StaticString = "0123456789abcdef"
}
