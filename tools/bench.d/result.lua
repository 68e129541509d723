-- Shared by tools/bench's wrk scripts (loaded with dofile): keeps wrk's threads and, when the
-- run is done, prints one line "result: {json}" with the figures tools/bench reads: requests,
-- duration (s), requests/s, latency percentiles (ms), the responses that were not what the
-- script expected, and socket errors. Each script counts those responses in its globals
-- non200 and last_bad (globals, not locals: done() reads them with thread:get()).
local threads = {}

-- The scripts' setup() calls this with each thread.
function record_thread(thread)
  table.insert(threads, thread)
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
