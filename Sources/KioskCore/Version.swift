/// The version of this build of kiosk, reported by `/v1/info` and `kiosk --version`.
public enum KioskVersion {
    public static let current = "0.1.0"
}
