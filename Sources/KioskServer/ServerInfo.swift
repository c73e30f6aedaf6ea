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
    /// The hall's time zone (IANA), in which its days, hours and slots are counted.
    public var timeZone: String
    /// The hall's offset from UTC now, in minutes: the screen shows the hall's wall-clock times
    /// from instants with it (a terminal's browser may be set to any zone).
    public var utcOffsetMinutes: Int
}

/// The fixed part of `ServerInfo`, and how to fill in the parts that change.
public struct ServerIdentity: Sendable {
    public var terminalID: String
    public var terminalName: String
    public var siteID: String
    public var siteName: String
    public var version: String
    public var timeZone: TimeZone
    public var startedAt: Date

    public init(terminalID: String, terminalName: String, siteID: String, siteName: String, version: String, timeZone: TimeZone,
                startedAt: Date = Date()) {
        self.terminalID = terminalID
        self.terminalName = terminalName
        self.siteID = siteID
        self.siteName = siteName
        self.version = version
        self.timeZone = timeZone
        self.startedAt = startedAt
    }

    func info(schemaVersion: Int?, now: Date = Date()) -> ServerInfo {
        ServerInfo(
            terminalID: terminalID, terminalName: terminalName, siteID: siteID, siteName: siteName,
            version: version, schemaVersion: schemaVersion, startedAt: startedAt,
            uptimeSeconds: (now.timeIntervalSince(startedAt) * 1000).rounded() / 1000,
            timeZone: timeZone.identifier, utcOffsetMinutes: timeZone.secondsFromGMT(for: now) / 60)
    }
}
