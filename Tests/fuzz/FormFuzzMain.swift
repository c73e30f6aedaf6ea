// libFuzzer's entry point for the form loader (see `fuzzFormLoader`), built by
// `run-form-fuzz.sh` together with Sources/FormEngine as one module.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzFormLoader(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
