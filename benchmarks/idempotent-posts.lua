-- POST /webhook/count (or BENCH_PATH) with a new Idempotency-Key on every request, so each
-- records its answer and, through the bench pack's counter component, its state: the durable
-- path. With BENCH_PORTS="p1 p2 …" in the environment, wrk's threads are spread over those
-- ports of 127.0.0.1 round-robin (two runner nodes behind a trivial load balancer). With
-- BENCH_TENANT, every request names that tenant in x-greentic-tenant (TENANT_RESOLVER=header).
local threads = 0
function setup(thread)
  local ports = {}
  for port in string.gmatch(os.getenv("BENCH_PORTS") or "", "%d+") do ports[#ports + 1] = port end
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[(threads % #ports) + 1])[1]
  end
  threads = threads + 1
  thread:set("id", threads)
end

local path = os.getenv("BENCH_PATH") or "/webhook/count"
local tenant = os.getenv("BENCH_TENANT")
local prefix, counter = "", 0
function init(args)
  math.randomseed(os.time() + id)
  prefix = string.format("%d-%d-%d", os.time(), id, math.random(1, 1000000000))
end

function request()
  counter = counter + 1
  local headers = {["Content-Type"] = "text/plain", ["Idempotency-Key"] = prefix .. "-" .. counter}
  if tenant then headers["x-greentic-tenant"] = tenant end
  return wrk.format("POST", path, headers, "Ada")
end
