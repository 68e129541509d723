-- wrk script: GET one path over and over, as the bench user.
-- Environment: DEALS_TOKEN (the Bearer token), DEALS_PATH (e.g. /api/deals?q=renewal).
-- Counts every response that is not exactly 200 (wrk's own "Non-2xx" line only counts >= 400)
-- and, when done, prints one line "result: {json}" with the figures tools/bench reads:
-- requests, duration (s), requests/s, latency percentiles (ms), non-200 and socket errors.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local req
-- Globals, not locals: done() reads them from each thread with thread:get().
non200 = 0
last_bad = 0

function init(args)
  local token = os.getenv("DEALS_TOKEN")
  local path = os.getenv("DEALS_PATH")
  if token == nil or path == nil then
    error("DEALS_TOKEN and DEALS_PATH must be set")
  end
  req = wrk.format("GET", path, {["Authorization"] = "Bearer " .. token,
                                 ["Accept"] = "application/json"})
end

function request()
  return req
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    last_bad = status
  end
end

function done(summary, latency, requests)
  local bad, bad_status = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non200") or 0)
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
