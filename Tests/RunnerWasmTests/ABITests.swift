import RunnerWasm
import Testing

/// The call sequence: lowering input/state, the result record, post-return, result checks.
@Suite struct ABITests {
    @Test func echoWrapsInputAndPassesStateThrough() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let echo = try component(Components.echo, on: runtime)
        let result = try await runtime.invoke(echo, call(#"{"a":[1,2]}"#, state: [9, 8, 7]))
        #expect(String(decoding: result.output, as: UTF8.self) == #"{"payload":{"a":[1,2]}}"#)
        #expect(result.newState == [9, 8, 7])
        #expect(result.fuelConsumed > 0)
        #expect(result.fuelConsumed < WasmLimits.defaultFuel)
        #expect(result.keyValueWrites.isEmpty)
        #expect(result.telemetryEvents.isEmpty)
    }

    @Test func emptyInputAndStateArePassedAsEmptyLists() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let echo = try component(Components.echo, on: runtime)
        let result = try await runtime.invoke(echo, call(""))
        #expect(String(decoding: result.output, as: UTF8.self) == #"{"payload":}"#)
        #expect(result.newState.isEmpty)
    }

    @Test func counterStateIncrements() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let counter = try component(Components.counter, on: runtime)
        var state: [UInt8] = []
        for expected in UInt32(1)...3 {
            let result = try await runtime.invoke(counter, call(state: state))
            #expect(u32(result.output) == expected)
            #expect(u32(result.newState) == expected)
            state = result.newState
        }
    }

    @Test func postReturnIsCalledAfterEachRun() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let posted = try component(Components.postReturn, on: runtime)
        let first = try await runtime.invoke(posted, call())
        let second = try await runtime.invoke(posted, call())
        let third = try await runtime.invoke(posted, call())
        #expect([u32(first.output), u32(second.output), u32(third.output)] == [0, 1, 2])
    }

    @Test func outOfBoundsResultRecordIsBadResult() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let bad = try component(Components.badRet, on: runtime)
        let error = await wasmError { _ = try await runtime.invoke(bad, call()) }
        #expect(error?.code == .badResult)
        // The host survived and still runs components.
        let echo = try component(Components.echo, on: runtime)
        #expect(try await runtime.invoke(echo, call("1")).output == Array(#"{"payload":1}"#.utf8))
    }

    @Test func outOfBoundsOutputRangesAreBadResult() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let bad = try component(Components.badRange, on: runtime)
        let huge = await wasmError { _ = try await runtime.invoke(bad, call("")) }
        #expect(huge?.code == .badResult)
        let wrapping = await wasmError { _ = try await runtime.invoke(bad, call("wrap")) }
        #expect(wrapping?.code == .badResult)
    }

    @Test func outputLargerThanTheLimitIsRejected() async throws {
        let runtime = makeRuntime()
        defer { runtime.shutdown() }
        let echo = try component(Components.echo, on: runtime)
        let error = await wasmError {
            _ = try await runtime.invoke(echo, call("0123456789", limits: WasmLimits(maxOutputBytes: 16)))
        }
        #expect(error?.code == .outputTooLarge)
        let state = await wasmError {
            _ = try await runtime.invoke(echo, call("1", state: Array(repeating: 1, count: 40), limits: WasmLimits(maxOutputBytes: 32)))
        }
        #expect(state?.code == .outputTooLarge)
    }
}
