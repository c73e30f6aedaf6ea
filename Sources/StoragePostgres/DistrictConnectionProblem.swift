import Foundation
import KioskCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Why the district store cannot be reached, for technicians. Citizens keep the message of
/// `DistrictStoreUnavailable` ("please try again later"); `/readyz`, `GET /v1/district`,
/// `kiosk diag district` and the log name the cause: a wrong port, a missing database, failed
/// authentication. Texts name the host, port, user and database, never the password.
public struct DistrictConnectionProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Cause: String, Sendable {
        /// Nothing accepts connections on that host and port (a wrong port, PostgreSQL stopped).
        case connectionRefused
        /// The host name does not resolve.
        case hostNotFound
        /// No answer within the connect timeout (a wrong host, a firewall).
        case timedOut
        /// The server refused the user (wrong password, unknown role, pg_hba.conf).
        case authenticationFailed
        /// The server has no database of that name.
        case databaseMissing
        /// `sslmode=require`, and the server offers no TLS.
        case tlsUnavailable
        /// The server is starting, shutting down or full.
        case serverUnavailable
        /// The server answers, but this terminal could not migrate its schema when it started;
        /// it serves offline and retries in the background (`DistrictMigrationRetry`).
        case migrationPending
        case other
    }

    public let cause: Cause
    public let message: LocalizedText

    public var description: String { "\(cause.rawValue): \(message.en)" }

    /// Classifies what a direct connection attempt to `target` threw.
    static func classify(_ error: any Error, target: PostgresURL) -> DistrictConnectionProblem {
        let endpoint = "\(target.host):\(target.port)"
        func problem(_ cause: Cause, zh: String, en: String) -> DistrictConnectionProblem {
            DistrictConnectionProblem(cause: cause, message: .init(zh: zh, en: en))
        }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let said = error.serverInfo?[.message].map { ": \($0)" } ?? ""
                switch state {
                case "28P01", "28000":
                    return problem(.authenticationFailed,
                        zh: "区域数据库 \(endpoint) 拒绝了用户 \(target.user) 的登录（SQLSTATE \(state)\(said)），请核对 database 中的用户名和密码",
                        en: "the district database at \(endpoint) refused user \(target.user) (SQLSTATE \(state)\(said)); check the user and password in `database`")
                case "3D000":
                    return problem(.databaseMissing,
                        zh: "区域数据库服务器 \(endpoint) 上没有数据库 \(target.database)，请创建它（createdb \(target.database)）后运行 kiosk db migrate",
                        en: "the district server at \(endpoint) has no database \(target.database); create it (createdb \(target.database)), then run kiosk db migrate")
                case "57P03", "53300", "57P01", "57P02":
                    return problem(.serverUnavailable,
                        zh: "区域数据库服务器 \(endpoint) 暂不接受连接（SQLSTATE \(state)\(said)）",
                        en: "the district server at \(endpoint) does not take connections now (SQLSTATE \(state)\(said))")
                default:
                    return problem(.other,
                        zh: "区域数据库 \(endpoint) 拒绝连接（SQLSTATE \(state)\(said)）",
                        en: "the district database at \(endpoint) refused the connection (SQLSTATE \(state)\(said))")
                }
            }
            if error.code == .sslUnsupported {
                return problem(.tlsUnavailable,
                    zh: "区域数据库服务器 \(endpoint) 不支持 TLS，而 database 要求 sslmode=require",
                    en: "the district server at \(endpoint) offers no TLS, and `database` asks for sslmode=require")
            }
            if let underlying = error.underlying { return classify(underlying, target: target) }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return problem(.hostNotFound,
                    zh: "找不到主机 \(target.host)（域名无法解析），请核对 database 中的主机名",
                    en: "the host \(target.host) cannot be found (its name does not resolve); check the host in `database`")
            }
            if let first = error.connectionErrors.first?.error { return classify(first, target: target) }
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return problem(.connectionRefused,
                zh: "\(endpoint) 上没有服务接受连接：端口不对，或 PostgreSQL 没有运行",
                en: "nothing accepts connections at \(endpoint): a wrong port, or PostgreSQL is not running")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return problem(.timedOut,
                zh: "\(endpoint) 在 \(DistrictProbe.connectTimeoutSeconds) 秒内没有应答：主机不对或被防火墙拦截",
                en: "no answer from \(endpoint) within \(DistrictProbe.connectTimeoutSeconds) s: a wrong host, or a firewall in the way")
        }
        if let error = error as? IOError {
            return problem(.other,
                zh: "无法连接 \(endpoint)：\(String(cString: strerror(error.errnoCode)))",
                en: "cannot connect to \(endpoint): \(String(cString: strerror(error.errnoCode)))")
        }
        return problem(.other, zh: "无法连接 \(endpoint)（\(type(of: error))）", en: "cannot connect to \(endpoint) (\(type(of: error)))")
    }
}

/// One connection of its own, outside the pool: the pool retries a server it cannot reach and
/// keeps the reason to itself, so a caller only ever learns "unavailable".
enum DistrictProbe {
    static let connectTimeoutSeconds = 3

    /// Nil when a connection opens (and is closed again at once); else why not.
    static func connect(_ target: PostgresURL, logger: Logger) async -> DistrictConnectionProblem? {
        do {
            let tls: PostgresConnection.Configuration.TLS = target.requireTLS
                ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
            var configuration = PostgresConnection.Configuration(
                host: target.host, port: target.port, username: target.user, password: target.password, database: target.database,
                tls: tls)
            configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return DistrictConnectionProblem.classify(error, target: target)
        }
    }
}

/// The cause of the last failure, kept a few seconds (readiness is asked often, and a probe of
/// a silent host takes the connect timeout) and logged once per change, so the log tells the
/// technician why without repeating it on every request.
final class DistrictDiagnosis: Sendable {
    static let reuseFor: Duration = .seconds(5)

    private struct Found {
        var problem: DistrictConnectionProblem?
        var at: ContinuousClock.Instant
    }

    private let last = Mutex<Found?>(nil)
    private let logged = Mutex<DistrictConnectionProblem.Cause?>(nil)

    func cause(of target: PostgresURL, logger: Logger, location: String) async -> DistrictConnectionProblem? {
        if let found = last.withLock({ $0 }), ContinuousClock.now - found.at < Self.reuseFor { return found.problem }
        let problem = await DistrictProbe.connect(target, logger: logger)
        last.withLock { $0 = Found(problem: problem, at: .now) }
        let changed = logged.withLock { previous in
            defer { previous = problem?.cause }
            return previous != problem?.cause
        }
        if changed, let problem {
            logger.warning("district store unreachable", metadata: [
                "db.url": "\(location)", "district.cause": "\(problem.cause.rawValue)", "district.reason": "\(problem.message.en)",
            ])
        }
        return problem
    }

    func reachable(logger: Logger, location: String) {
        last.withLock { $0 = nil }
        let wasDown = logged.withLock { previous in
            defer { previous = nil }
            return previous != nil
        }
        if wasDown { logger.notice("district store reachable again", metadata: ["db.url": "\(location)"]) }
    }
}
