import Foundation

/// What `/v1/info` says about this terminal. Nothing here is personal data.
public struct ServerInfo: Codable, Sendable, Equatable {
    public var terminalID: String
    public var terminalName: String
    public var siteID: String
    public var siteName: String
    public var version: String
    public var schemaVersion: Int?
    public var startedAt: Date
    public var uptimeSeconds: Double
}

/// The fixed part of `ServerInfo`, and how to fill in the parts that change.
public struct ServerIdentity: Sendable {
    public var terminalID: String
    public var terminalName: String
    public var siteID: String
    public var siteName: String
    public var version: String
    public var startedAt: Date

    public init(terminalID: String, terminalName: String, siteID: String, siteName: String, version: String, startedAt: Date = Date()) {
        self.terminalID = terminalID
        self.terminalName = terminalName
        self.siteID = siteID
        self.siteName = siteName
        self.version = version
        self.startedAt = startedAt
    }

    func info(schemaVersion: Int?, now: Date = Date()) -> ServerInfo {
        ServerInfo(
            terminalID: terminalID, terminalName: terminalName, siteID: siteID, siteName: siteName,
            version: version, schemaVersion: schemaVersion, startedAt: startedAt,
            uptimeSeconds: (now.timeIntervalSince(startedAt) * 1000).rounded() / 1000)
    }
}
