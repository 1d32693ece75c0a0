-- whoHolds over HTTP with wrk, a load client outside the service's process.
--
--   TOKEN=<a DPO token> SUBJECTS=1000000 wrk -t2 -c32 -d15s --latency \
--     -s scripts/wrk_who_holds.lua http://127.0.0.1:8080/graphql
--
-- Each request asks about a random subject of the bench's generated register
-- (`subject<N>@bench.example`, N from 1 to SUBJECTS), with the same selection as the bench's own
-- whoHolds figure. Every answer is checked: one that is not HTTP 200 or carries GraphQL
-- `errors` is counted and the counts are printed at the end, so a run of refusals cannot pass
-- for a fast one.

local token = os.getenv("TOKEN") or error("set TOKEN to a DPO token")
local subjects = tonumber(os.getenv("SUBJECTS") or "1000000")

local query = 'query($s: SubjectIdentifierInput!) { whoHolds(subject: $s) { '
  .. 'subject { id } holdings { organisation { id name status } role dataCategories countries '
  .. 'path { id } offboarded } cycles { id } } }'

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + id)
  bad, answered = 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  local n = math.random(1, subjects)
  local body = '{"query":"' .. query .. '","variables":{"s":{"email":"subject' .. n
    .. '@bench.example"}}}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 or string.find(body, '"errors":', 1, true) or not string.find(body, '"whoHolds":', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local all, failed = 0, 0
  for _, thread in ipairs(threads) do
    all = all + thread:get("answered")
    failed = failed + thread:get("bad")
  end
  io.write(string.format("answers checked: %d, without a whoHolds answer or with errors: %d\n", all, failed))
end
