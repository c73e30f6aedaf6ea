import Foundation
import KioskTesting

// What the CLI tests read from `kiosk serve`'s answers, as small `Decodable`s: the routes' own
// view types live in KioskServer, which this target does not link (it runs the built binary).

/// `POST /v1/staff/sign-in`'s answer, the part a test uses.
struct SignedIn: Decodable {
    let token: String
}

/// `/readyz`: each component's warnings.
struct Readiness: Decodable {
    struct Component: Decodable {
        let name: String
        let warnings: [String]?
    }
    let components: [Component]

    func warnings(of name: String) -> [String] {
        components.first { $0.name == name }?.warnings ?? []
    }
}

/// A form of `GET /v1/forms`.
struct FormSummary: Decodable {
    let id: String
}

/// A slot of `GET /v1/services/{id}/slots`.
struct OfferedSlot: Decodable {
    let id: String
    let remaining: Int
}

/// `kiosk diag health --json`: a device's health check.
struct HealthCheck: Decodable {
    let passed: Bool
    let level: String
}

extension RawHTTP.Reply {
    /// The body as `View`: a misspelt key fails to decode instead of reading as nil.
    func decoded<View: Decodable>(_: View.Type) throws -> View {
        try JSONDecoder().decode(View.self, from: Data(body.utf8))
    }
}
