-- wrk script: POSTs the pre-signed Slack events of benchmarks/sign-slack-events.py to
-- /slack/events, each once. Arguments: the events file, then "cycle" to wrap around (for the
-- bare route, which does not care). Without "cycle", running out asks for a path that answers
-- 404, so the benchmark fails instead of measuring dedupe hits.
local requests, index, cycle = {}, 0, false

function init(args)
  cycle = args[2] == "cycle"
  for line in io.lines(args[1]) do
    local ts, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", "/slack/events", {
      ["Content-Type"] = "application/json",
      ["X-Slack-Request-Timestamp"] = ts,
      ["X-Slack-Signature"] = signature,
    }, body)
  end
end

function request()
  index = index + 1
  if index > #requests then
    if not cycle then
      return wrk.format("POST", "/slack/events-exhausted")
    end
    index = 1
  end
  return requests[index]
end
