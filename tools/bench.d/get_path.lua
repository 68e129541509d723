-- wrk script: GET one path over and over, as the bench user.
-- Environment: DEALS_TOKEN (the Bearer token), DEALS_PATH (e.g. /api/deals?q=renewal).
-- Counts every response that is not exactly 200 (wrk's own "Non-2xx" line only counts >= 400);
-- tools/bench.d/result.lua prints the "result:" line tools/bench reads.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "result.lua")  -- record_thread, done

function setup(thread)
  record_thread(thread)
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
