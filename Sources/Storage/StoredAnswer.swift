import Booking
import Foundation
import KioskCore

/// An answer kept for idempotent retries, in a compact positional form: encoding it sits inside
/// the write transaction of every request, where JSON would cost more than the SQL.
///
/// A stored answer starts with its layout's version byte (`StoredAnswers.version`), so a layout
/// can change without guessing at the rows written before: `init(from:)` reads `reader.version`.
/// Version 0 marks the answers stored before the byte existed (the migrations that added it
/// prefixed them with 0); they end at most `StoredAnswers.retention` later.
package protocol StoredAnswer: Sendable {
    func write(to writer: inout AnswerWriter)
    init(from reader: inout AnswerReader) throws
}

/// The codec of stored answers and their lifetime, shared by both booking stores.
package enum StoredAnswers {
    /// The layout written today. 1: a ticket receipt always carries its optional rating token.
    package static let version: UInt8 = 1

    /// How long an answer is kept for a retry. Clients retry within seconds or minutes, and an
    /// outbox resends at once after a lost acknowledgement; a week covers a terminal that was
    /// switched off mid-request over a holiday. `sweep` deletes older ones, so the table holds
    /// about a week of requests instead of every request ever made.
    package static let retention: TimeInterval = 7 * 86_400

    /// Answers created before this instant are deleted by the sweep at `now`.
    package static func expiry(now: Date) -> Date { now.addingTimeInterval(-retention) }

    package static func encode(_ answer: some StoredAnswer) -> Data {
        var writer = AnswerWriter()
        answer.write(to: &writer)
        return Data(writer.bytes)
    }

    /// The answer in `data`, which must be read to its end; nil when it is not one.
    package static func decode<Answer: StoredAnswer>(_: Answer.Type, from data: Data) -> Answer? {
        guard var reader = AnswerReader(stored: Array(data)), let answer = try? Answer(from: &reader), reader.isAtEnd else {
            return nil
        }
        return answer
    }
}

/// One mutation's idempotency: its key and what makes a retry the same request.
package struct IdempotentRequest: Sendable {
    package let key: String
    package let operation: String
    package let fingerprint: Data

    /// A key is 1 to 128 printable ASCII characters.
    package init(_ request: Fingerprint, key: String) throws(BookingRuleError) {
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw BookingRuleError(.invalidIdempotencyKey)
        }
        self.key = key
        self.operation = request.operation
        self.fingerprint = request.digest
    }

    /// The answer an earlier request stored under this key (its `operation`, `fingerprint` and
    /// `response` columns): refused when that was another request, unreadable as corruption of
    /// the store at `location`.
    package func replay<Answer: StoredAnswer>(_: Answer.Type, operation: String, fingerprint: Data, response: Data?,
                                              location: String) throws -> Answer {
        guard operation == self.operation, fingerprint == self.fingerprint else {
            throw BookingRuleError(.idempotencyKeyReused)
        }
        guard let response, let answer = StoredAnswers.decode(Answer.self, from: response) else {
            throw StorageError.unavailable(path: location, reason: "unreadable value in idempotency_key")
        }
        return answer
    }
}

package struct AnswerWriter {
    package init() {}

    package private(set) var bytes: [UInt8] = [StoredAnswers.version]

    package mutating func add(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 }
    }

    package mutating func add(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    package mutating func add(_ value: Date) { add(value.timeIntervalSince1970) }

    package mutating func add(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func add(_ value: String) {
        add(value.utf8.count)
        bytes += value.utf8
    }

    package mutating func add<Value>(_ value: Value?, _ write: (inout AnswerWriter, Value) -> Void) {
        add(value != nil)
        if let value { write(&self, value) }
    }
}

package struct AnswerReader {
    package struct Malformed: Error {}

    /// The layout the answer was written in (its first byte).
    package let version: UInt8
    private let bytes: [UInt8]
    private var offset = 1

    /// Nil for an empty answer or one written in a layout newer than this build knows.
    package init?(stored bytes: [UInt8]) {
        guard let version = bytes.first, version <= StoredAnswers.version else { return nil }
        self.version = version
        self.bytes = bytes
    }

    package var isAtEnd: Bool { offset == bytes.count }

    package var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else { throw Malformed() }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func word() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    package mutating func int() throws -> Int { Int(Int64(bitPattern: try word())) }

    package mutating func double() throws -> Double { Double(bitPattern: try word()) }

    package mutating func date() throws -> Date { Date(timeIntervalSince1970: try double()) }

    package mutating func bool() throws -> Bool { try take(1).first == 1 }

    package mutating func string() throws -> String { String(decoding: try take(try int()), as: UTF8.self) }

    package mutating func optional<Value>(_ read: (inout AnswerReader) throws -> Value) throws -> Value? {
        try bool() ? try read(&self) : nil
    }

    package mutating func value<Value: RawRepresentable<String>>(_: Value.Type) throws -> Value {
        guard let value = Value(rawValue: try string()) else { throw Malformed() }
        return value
    }

    package mutating func localDate() throws -> LocalDate {
        guard let date = try? LocalDate(try string()) else { throw Malformed() }
        return date
    }
}

extension SlotHold: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(id)
        writer.add(slotID)
        writer.add(expiresAt)
    }

    package init(from reader: inout AnswerReader) throws {
        self.init(id: try reader.string(), slotID: try reader.string(), expiresAt: try reader.date())
    }
}

extension BookingRecord: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writeIdentity(to: &writer)
        writer.add(slotID)
        writer.add(serviceID)
        writer.add(date.description)
        writer.add(start)
        writer.add(end)
        writeState(to: &writer)
    }

    /// What `write` adds before the place.
    private func writeIdentity(to writer: inout AnswerWriter) {
        writer.add(id)
        writer.add(code.value)
    }

    /// What `write` adds after the place.
    private func writeState(to writer: inout AnswerWriter) {
        writer.add(maskedIDNumber)
        writer.add(status.rawValue)
        writer.add(sequence)
        writer.add(createdAt)
        writer.add(updatedAt)
        writer.add(onDayOff)
    }

    /// The stored answer of the booking made with `identity` (`NewBookingIdentity.booking(of:maskedIDNumber:at:)`),
    /// less its place: the district's `kiosk_confirm` reads the place from the hold it confirms and
    /// writes it between these pieces as `AnswerWriter` writes the slot, the service and the date
    /// (strings), then the start and the end (instants).
    package static func answerPieces(madeWith identity: NewBookingIdentity, maskedIDNumber: String, at now: Date) -> [Data] {
        // Any place: it is what the pieces leave out.
        let anywhere = BookedPlace(slotID: "", serviceID: "", date: LocalDate(containing: now, in: .gmt), start: now, end: now)
        let made = identity.booking(of: anywhere, maskedIDNumber: maskedIDNumber, at: now)
        var head = AnswerWriter()
        made.writeIdentity(to: &head)
        return [Data(head.bytes), AnswerWriter.piece { made.writeState(to: &$0) }]
    }

    package init(from reader: inout AnswerReader) throws {
        self.init(id: try reader.string(), code: try BookingCode(try reader.string()), slotID: try reader.string(),
                  serviceID: try reader.string(), date: try reader.localDate(), start: try reader.date(), end: try reader.date(),
                  maskedIDNumber: try reader.string(), status: try reader.value(BookingStatus.self),
                  sequence: try reader.int(), createdAt: try reader.date(), updatedAt: try reader.date(),
                  onDayOff: try reader.bool())
    }
}

extension Ticket: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(Int(id))
        writer.add(date.description)
        writer.add(number)
        writer.add(serviceID)
        writer.add(priority.rawValue)
        writer.add(queuedAt)
        writer.add(state.rawValue)
        writer.add(counter) { $0.add($1) }
        writer.add(calledAt) { $0.add($1) }
        writer.add(callCount)
        writer.add(bookingID) { $0.add($1) }
    }

    package init(from reader: inout AnswerReader) throws {
        self.init(id: Int64(try reader.int()), date: try reader.localDate(), number: try reader.string(),
                  serviceID: try reader.string(), priority: try reader.value(PriorityClass.self), queuedAt: try reader.date(),
                  state: try reader.value(TicketState.self), counter: try reader.optional { try $0.string() },
                  calledAt: try reader.optional { try $0.date() }, callCount: try reader.int(),
                  bookingID: try reader.optional { try $0.string() })
    }
}

extension TicketReceipt: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        ticket.write(to: &writer)
        // -1: not known (a terminal's own store always counts; kept faithful all the same).
        writer.add(ahead ?? -1)
        writer.add(ratingToken) { $0.add($1) }
    }

    /// Version 0 answers stored before tickets had rating tokens end after `ahead`.
    package init(from reader: inout AnswerReader) throws {
        let ticket = try Ticket(from: &reader), ahead = try reader.int()
        let legacyWithoutToken = reader.version == 0 && reader.isAtEnd
        self.init(ticket: ticket, ahead: ahead < 0 ? nil : ahead,
                  ratingToken: legacyWithoutToken ? nil : try reader.optional { try $0.string() })
    }
}

extension CheckInResult: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        booking.write(to: &writer)
        receipt.write(to: &writer)
        writer.add(late)
    }

    package init(from reader: inout AnswerReader) throws {
        let booking = try BookingRecord(from: &reader)
        let ticket = try Ticket(from: &reader), ahead = try reader.int()
        // Version 0: after `ahead`, the late flag (1 byte) of an answer stored before rating
        // tokens, or the token then the flag.
        let legacyWithoutToken = reader.version == 0 && reader.remaining == 1
        let token: String? = legacyWithoutToken ? nil : try reader.optional { try $0.string() }
        self.init(booking: booking, receipt: TicketReceipt(ticket: ticket, ahead: ahead < 0 ? nil : ahead, ratingToken: token), late: try reader.bool())
    }
}

extension Rating: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(Int(ticketID))
        writer.add(serviceID)
        writer.add(counter)
        writer.add(score)
        writer.add(reasons.count)
        for reason in reasons { writer.add(reason) }
        writer.add(createdAt)
    }

    package init(from reader: inout AnswerReader) throws {
        let ticketID = Int64(try reader.int())
        let serviceID = try reader.string()
        let counter = try reader.string()
        let score = try reader.int()
        let reasons = try (0..<max(try reader.int(), 0)).map { _ in try reader.string() }
        try self.init(ticketID: ticketID, serviceID: serviceID, counter: counter, score: score, reasons: reasons,
                      createdAt: try reader.date())
    }
}

extension Optional: StoredAnswer where Wrapped: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(self) { $1.write(to: &$0) }
    }

    package init(from reader: inout AnswerReader) throws {
        self = try reader.optional { try Wrapped(from: &$0) }
    }
}

extension CheckInResult {
    /// A check-in's stored answer, less the three values only the statement that numbers its ticket
    /// knows (the district's `kiosk_check_in`): the ticket's id, its number and how many wait ahead.
    /// The statement writes them between these pieces as `AnswerWriter` writes an integer, a string
    /// and an integer. The ticket is as issued: waiting, never called.
    package static func answerPieces(booking: BookingRecord, ticket: NewTicket, ratingToken: String, late: Bool) -> [Data] {
        var head = AnswerWriter()
        booking.write(to: &head)
        // The rest in `Ticket.write`'s order, then `TicketReceipt`'s and `CheckInResult`'s.
        return [
            Data(head.bytes),
            AnswerWriter.piece { $0.add(ticket.date.description) },
            AnswerWriter.piece { writer in
                writer.add(ticket.serviceID)
                writer.add(ticket.priority.rawValue)
                writer.add(ticket.queuedAt)
                writer.add(TicketState.waiting.rawValue)
                writer.add(String?.none) { $0.add($1) }
                writer.add(Date?.none) { $0.add($1) }
                writer.add(0)
                writer.add(ticket.bookingID) { $0.add($1) }
            },
            AnswerWriter.piece { writer in
                writer.add(ratingToken) { $0.add($1) }
                writer.add(late)
            },
        ]
    }
}

extension AnswerWriter {
    /// Bytes in the middle of an answer: what `write` adds, without the version byte.
    package static func piece(_ write: (inout AnswerWriter) -> Void) -> Data {
        var writer = AnswerWriter()
        write(&writer)
        return Data(writer.bytes.dropFirst())
    }
}
