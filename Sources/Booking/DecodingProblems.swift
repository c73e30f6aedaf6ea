/// Every problem a decoder found in one value, not only the first: a hall administrator fixes
/// `kiosk.conf` in one pass. Each error keeps the full coding path of its key, so the
/// configuration loader can name each one's line.
public struct DecodingProblems: Error {
    public let errors: [DecodingError]

    public init(_ errors: [DecodingError]) {
        self.errors = errors
    }
}

/// Decodes the keys of one value one by one, keeping the errors and going on.
struct ProblemCollector {
    private(set) var errors: [DecodingError] = []

    /// The value `body` decodes, or nil with its error kept.
    mutating func attempt<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            keep(error)
            return nil
        }
    }

    /// Each element of the array under `key`, decoded on its own: a bad element does not hide
    /// the next one. Nil when the key is absent or any element failed.
    mutating func elements<Element: Decodable, Key: CodingKey>(
        _ type: Element.Type, forKey key: Key, in container: KeyedDecodingContainer<Key>
    ) -> [Element]? {
        guard let attempts = attempt({ try container.decodeIfPresent([Attempted<Element>].self, forKey: key) }) ?? nil else {
            return nil
        }
        var elements: [Element] = []
        for attempted in attempts {
            switch attempted.result {
            case .success(let element): elements.append(element)
            case .failure(let error): keep(error)
            }
        }
        return elements.count == attempts.count ? elements : nil
    }

    mutating func keep(_ error: any Error) {
        switch error {
        case let error as DecodingError: errors.append(error)
        case let problems as DecodingProblems: errors += problems.errors
        default: errors.append(.dataCorrupted(.init(codingPath: [], debugDescription: "\(error)")))
        }
    }

    /// Throws what was kept, if anything.
    func finish() throws {
        if errors.count == 1, let only = errors.first { throw only }
        if !errors.isEmpty { throw DecodingProblems(errors) }
    }
}

/// One array element's outcome: decoding an array of these never stops at a bad element.
private struct Attempted<Value: Decodable>: Decodable {
    let result: Result<Value, any Error>

    init(from decoder: any Decoder) throws {
        do {
            result = .success(try Value(from: decoder))
        } catch {
            result = .failure(error)
        }
    }
}
