import ArgumentParser
import RunnerCLI

/// The executable: everything lives in `RunnerCLI` so it can be tested.
@main
struct GreenticRunnerMain {
    static func main() async {
        await GreenticRunnerCommand.main()
    }
}
