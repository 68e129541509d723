-- wrk script: durable creates. Every request creates a deal; the 201 comes after fsync.
-- The body is the deal the PostgreSQL baseline inserts too (tools/bench.d/pg_insert.sql).
-- Prints one line "result: {json}" as get_path.lua does (non-201 under "non_200").
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Globals, not locals: done() reads them from each thread with thread:get().
non201 = 0
last_bad = 0

local counter = 0
request = function()
  counter = counter + 1
  local body = '{"name":"Bench deal ' .. counter .. '","stage_id":1,"amount":"1250.50"}'
  return wrk.format("POST", "/api/deals", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("DEALS_TOKEN"),
  }, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    non201 = non201 + 1
    last_bad = status
  end
end

function done(summary, latency, requests)
  local bad, bad_status = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non201") or 0)
    local s = t:get("last_bad") or 0
    if s ~= 0 then bad_status = s end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local function ms(us) return us / 1000.0 end
  io.write(string.format(
    'result: {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"non_200":%d,"last_bad_status":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"wrk_status_errors":%d}\n',
    summary.requests, seconds, seconds > 0 and summary.requests / seconds or 0,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
    ms(latency.max), ms(latency.mean), bad, bad_status,
    e.connect, e.read, e.write, e.timeout, e.status))
end
