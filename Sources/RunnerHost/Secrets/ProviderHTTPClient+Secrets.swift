internal import NIOHTTP1
internal import RunnerChannels

extension ProviderHTTPClient {
    /// One call of a cloud secrets backend (10 s); a call that gets no answer is a
    /// ``SecretsError`` naming `service`.
    func secretsCall(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)],
        body: [UInt8]? = nil,
        service: String
    ) async throws(SecretsError) -> Response {
        switch await execute(method, url, headers: headers, body: body, timeout: .seconds(10)) {
        case .success(let response): response
        case .failure(let failure): throw SecretsError("\(service) cannot be reached: \(failure.description)")
        }
    }
}
