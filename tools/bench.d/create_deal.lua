-- wrk script: durable creates. Every request creates a deal; the 201 comes after fsync.
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"name":"Bench deal ' .. counter .. '","stage_id":1,"amount":"1250.50"}'
  return wrk.format("POST", "/api/deals", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("DEALS_TOKEN"),
  }, body)
end

local non201 = 0
response = function(status, headers, body)
  if status ~= 201 then non201 = non201 + 1 end
end
