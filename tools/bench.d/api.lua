-- wrk script: the API scenarios of `tools/bench --only api` (and the nginx baseline).
-- Environment:
--   DEALS_TOKEN     the Bearer token (a super-admin);
--   DEALS_SCENARIO  get       GET /api/deals/{id}, id uniformly random in DEALS_IDS;
--                   update    PUT /api/deals/{id} {"name":…,"amount":…};
--                   status    PUT /api/deals/{id}/status/won, then …/status/open on the same
--                             deal (the next request of this thread), then another deal. The
--                             ids must be deals that are open or won (never lost: lost -> won
--                             is a 409 under the lock rule, contract §6), so tools/bench gives
--                             the deals its create scenario just made;
--                   billable  POST /api/deals/{id}/billable with three lines (three catalog
--                             products, matched by name after the first request);
--   DEALS_IDS       "LO-HI", the range of deal ids to draw from.
-- Each wrk thread draws from its own fixed seed, so two runs send the same ids.
-- Counts every response that is not 2xx (wrk's "Non-2xx" line only counts >= 400) and prints
-- one line "result: {json}" (tools/bench.d/result.lua; non-2xx under "non_200").
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "result.lua")  -- record_thread, done
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  record_thread(thread)
end

-- Globals, not locals: done() reads them from each thread with thread:get().
non200 = 0
last_bad = 0

local scenario, lo, hi, headers
local counter = 0
local current = 0

local billable_body = '{"tax_type":"exclusive","products":[' ..
  '{"name":"Support plan","unit_price":1000,"qty":2,"discount_total":10,"tax_rate":10},' ..
  '{"name":"Onboarding workshop","unit_price":"450.50","qty":1,"tax_rate":10},' ..
  '{"name":"User licence","unit_price":"33.333","qty":3,"discount_type":"fixed",' ..
  '"discount_total":0.99,"tax_rate":7.5}]}'

function init(args)
  local token = os.getenv("DEALS_TOKEN")
  scenario = os.getenv("DEALS_SCENARIO")
  local ids = os.getenv("DEALS_IDS")
  if token == nil or scenario == nil or ids == nil then
    error("DEALS_TOKEN, DEALS_SCENARIO and DEALS_IDS must be set")
  end
  lo, hi = ids:match("^(%d+)-(%d+)$")
  lo, hi = tonumber(lo), tonumber(hi)
  if lo == nil or hi < lo then error("DEALS_IDS must be LO-HI") end
  if scenario ~= "get" and scenario ~= "update" and scenario ~= "status" and scenario ~= "billable" then
    error("unknown DEALS_SCENARIO " .. scenario)
  end
  headers = {["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json",
             ["Content-Type"] = "application/json"}
  math.randomseed(7919 * (thread_id or 1))
end

local function pick() return math.random(lo, hi) end

function request()
  counter = counter + 1
  if scenario == "get" then
    return wrk.format("GET", "/api/deals/" .. pick(), headers)
  elseif scenario == "update" then
    local body = string.format('{"name":"Bench update %d-%d","amount":"%d.25"}',
                               thread_id or 1, counter, 100 + counter % 5000)
    return wrk.format("PUT", "/api/deals/" .. pick(), headers, body)
  elseif scenario == "status" then
    local status
    if counter % 2 == 1 then
      current = pick()
      status = "won"
    else
      status = "open"
    end
    return wrk.format("PUT", "/api/deals/" .. current .. "/status/" .. status, headers)
  else
    return wrk.format("POST", "/api/deals/" .. pick() .. "/billable", headers, billable_body)
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non200 = non200 + 1
    last_bad = status
  end
end
