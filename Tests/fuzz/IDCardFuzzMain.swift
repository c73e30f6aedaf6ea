// libFuzzer's entry point for the reader-output parsers (see `fuzzFrameDecoder`), built by
// `run-idcard-fuzz.sh` together with Sources/KioskCore and Sources/IDCard as one module.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzFrameDecoder(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
