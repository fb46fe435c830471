-- wrk script: POST one GraphQL request body over and over and report as JSON.
--
--   BENCH_BODY_FILE=bench/.data/nested.json wrk -t1 -c16 -d10s --latency -s bench/post.lua http://127.0.0.1:8000/graphql
--
-- The body (a JSON document {"query": ..., "variables": ...}) is read from BENCH_BODY_FILE.
-- A 200 response whose body has a top-level "errors" member is a GraphQL error: counted in
-- "gql_errors" (non-2xx answers are wrk's own "status" errors). done() prints one line
-- starting with "BENCH_JSON " that run.py parses; latencies are in microseconds.

local path = os.getenv("BENCH_BODY_FILE")
if not path then
  error("BENCH_BODY_FILE is not set")
end
local fh = assert(io.open(path, "rb"))
local body = fh:read("*a")
fh:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  gql_errors = 0
  samples = 0
end

function response(status, headers, resp_body)
  samples = samples + 1
  if status == 200 and resp_body and string.find(resp_body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
  end
end

function done(summary, latency, requests)
  local gql = 0
  for _, t in ipairs(threads) do
    gql = gql + (t:get("gql_errors") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "graphql": %d}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %d, "max": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, gql,
    latency.mean, latency.stdev, latency.min, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
