-- wrk script: durable creates. Every request creates a deal; the 201 comes after fsync.
-- The body is the deal the PostgreSQL baseline inserts too (tools/bench.d/pg_insert.sql).
-- Counts every response that is not 201; tools/bench.d/result.lua prints the "result:" line.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "result.lua")  -- record_thread, done

function setup(thread)
  record_thread(thread)
end

-- Globals, not locals: done() reads them from each thread with thread:get().
non200 = 0
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
    non200 = non200 + 1
    last_bad = status
  end
end
