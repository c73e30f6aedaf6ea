import Access
import Foundation
import Hummingbird
import HummingbirdTesting
import KioskApp
import Testing

extension KioskApplication {
    /// An `Authorization` value for a member of staff with `role`, signed in over HTTP the way
    /// the staff console does it (the account is created on first use).
    func bearer(_ client: any TestClientProtocol, role: Role) async throws -> String {
        let number = "T-\(role.rawValue)"
        if try await !access.listStaff().contains(where: { $0.number.value == number }) {
            _ = try await access.addStaff(
                number: StaffNumber(number), name: "测试", role: role, pin: PIN("4826"), by: .system, now: Date())
        }
        let response = try await client.execute(
            uri: "/v1/staff/sign-in", method: .post, body: ByteBuffer(string: #"{"number":"\#(number)","pin":"4826"}"#))
        let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return "Bearer " + (try #require(body?["token"] as? String))
    }
}
