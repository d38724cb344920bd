internal import NIOCore

/// Sleeps on an event loop's timer. Unlike `Task.sleep`, a cancelled sleep gives its timer back
/// at once: a cancelled `Task.sleep` keeps its wake-up job until the deadline, so a 30 s body
/// timeout raced on every request held about 150 MiB under load.
enum EventLoopTimer {
    /// Returns after `duration`, or as soon as the task is cancelled.
    static func sleep(for duration: Duration, on loop: any EventLoop) async {
        let scheduled = loop.scheduleTask(in: TimeAmount(duration)) {}
        await withTaskCancellationHandler {
            _ = try? await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
