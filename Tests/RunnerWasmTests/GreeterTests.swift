import Foundation
import RunnerWasm
import Testing
import WAT

/// The demo pack's component, examples/demo-pack/components/greeter/component.wat.
@Suite struct GreeterTests {
    static let watPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/demo-pack/components/greeter/component.wat")

    let input =
        #"{"input":{"text":"hi \"there\" ünï"},"config":{"greeting":"hello"},"ctx":{"tenant":"t1","flow_id":"f","node_id":"n","session_key":"s","provider":"webchat","pack_id":"demo","pack_version":"1.0.0"}}"#

    private func payload(_ output: [UInt8]) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any]
        return try #require(object?["payload"] as? [String: Any])
    }

    @Test func countsVisitsAndWrapsTheRequestVerbatim() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let source = try String(contentsOf: Self.watPath, encoding: .utf8)
        let greeter = try runtime.compile(name: "greeter", digest: "demo", bytes: wat2wasm(source))

        let first = try await runtime.invoke(greeter, call(input))
        #expect(first.newState == [1, 0, 0, 0])
        let firstPayload = try payload(first.output)
        #expect(firstPayload["visits"] as? Int == 1)
        let request = try #require(firstPayload["request"] as? NSDictionary)
        let original = try #require(try JSONSerialization.jsonObject(with: Data(input.utf8)) as? NSDictionary)
        #expect(request == original)
        // Verbatim: the input bytes appear unchanged inside the output.
        #expect(String(decoding: first.output, as: UTF8.self) == #"{"payload":{"visits":1,"request":"# + input + "}}")

        let second = try await runtime.invoke(greeter, call(input, state: first.newState))
        #expect(try payload(second.output)["visits"] as? Int == 2)
        #expect(second.newState == [2, 0, 0, 0])

        // Multi-digit counts, and many calls on one pooled instance (post-return frees the heap).
        var state: [UInt8] = [8, 0, 0, 0]
        for expected in 9...40 {
            let result = try await runtime.invoke(greeter, call(input, state: state))
            #expect(try payload(result.output)["visits"] as? Int == expected)
            state = result.newState
        }
    }

    @Test func emptyInputBecomesNull() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let source = try String(contentsOf: Self.watPath, encoding: .utf8)
        let greeter = try runtime.compile(name: "greeter", digest: "demo", bytes: wat2wasm(source))
        let result = try await runtime.invoke(greeter, call(""))
        #expect(String(decoding: result.output, as: UTF8.self) == #"{"payload":{"visits":1,"request":null}}"#)
    }
}
