import ArgumentParser
import CardReader
import Foundation
import KioskCore

struct IDCardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idcard", abstract: "The ID-card reader protocol.", subcommands: [Decode.self])

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode one raw read response frame from stdin and print the card as JSON (for a technician's diagnosis).")

        @Flag(help: "Standard input is hex text instead of binary.") var hex = false

        func run() throws {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            do {
                let bytes = hex ? try CardReader.bytes(fromHex: String(decoding: input, as: UTF8.self)) : [UInt8](input)
                print(try decodeResponse(bytes: bytes, today: CardReaderDevice.localToday()))
            } catch {
                throw fail(error)
            }
        }
    }
}
