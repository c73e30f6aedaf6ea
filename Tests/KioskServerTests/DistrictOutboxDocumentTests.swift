import FormEngine
import Foundation
import Storage
import StoragePostgres
import Testing

extension DistrictOutboxBatchTests {
    /// The district stores the same bytes for a filing that arrived in a batch as for one sent
    /// alone (its lifecycle document written by `LifecycleDocument`, the filing as the terminal
    /// sent it), texts with every character COPY or JSON escapes included; and none of the
    /// indexes nothing reads is there to keep up.
    @Test func aBatchStoresTheBytesASingleFilingStores() async throws {
        try await withTerminal(batchSize: 8) { terminal, cluster in
            let awkward = "居\tb\nc\rd\\e \\N\\x00 '\"/,| 𠀋😀 \u{01}"
            let quoted = String(decoding: try JSONEncoder().encode(awkward), as: UTF8.self)
            func filing(_ reference: String) throws -> (filing: Filing, document: Data) {
                let document = Data("""
                    {"formID":"residence-permit","formVersion":1,"reference":"\(reference)","version":1,
                     "title":{"zh-CN":\(quoted),"en":\(quoted)},"department":{"zh-CN":\(quoted),"en":"Police"},
                     "timeLimitDays":15,"submittedAt":"2026-12-02T01:00:00Z","answers":{"note":\(quoted)},
                     "materials":[],"deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
                    """.utf8)
                return (try PostgresFilingLedger.decodeFiling(document), document)
            }
            let together = try ["S01-20261202-0001", "S01-20261202-0002"].map(filing)
            #expect(try await terminal.filings.receive(together, terminalID: "T07", hall: "S01", at: Self.morning) == 2)
            let alone = try filing("S01-20261202-0003")
            #expect(try await terminal.filings.receive(alone.filing, document: alone.document, terminalID: "T07", hall: "S01",
                                                       applicant: nil, at: Self.morning))

            func stored(_ table: String) async throws -> [String: String] {
                let rows = try await cluster.psql("SELECT reference || ' ' || encode(document, 'hex') FROM \(table) ORDER BY reference")
                var documents: [String: String] = [:]
                for line in rows.split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    let bytes = stride(from: 0, to: parts[1].count, by: 2).map { offset in
                        UInt8(parts[1].dropFirst(offset).prefix(2), radix: 16)!
                    }
                    documents[String(parts[0])] = String(decoding: bytes, as: UTF8.self)
                }
                return documents
            }
            let records = try await stored("lifecycle_record"), filings = try await stored("filing")
            let expected = try #require(records[alone.filing.reference])
            #expect(expected.contains(#"\t"#) && expected.contains(#"\\N"#) && expected.contains("𠀋"))
            for (sent, document) in together {
                let record = try #require(records[sent.reference])
                #expect(record.replacingOccurrences(of: sent.reference, with: alone.filing.reference) == expected)
                #expect(filings[sent.reference] == String(decoding: document, as: UTF8.self))
            }
            #expect(filings[alone.filing.reference] == String(decoding: alone.document, as: UTF8.self))

            let unread = (LifecycleSchema.unreadIndexes + ["filing_by_form"]).map { "'\($0)'" }.joined(separator: ",")
            let left = try await cluster.psql("SELECT count(*) FROM pg_indexes WHERE indexname IN (\(unread))")
            #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }
}
