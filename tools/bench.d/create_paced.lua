-- wrk script: creates at a paced rate. Each connection waits DEALS_DELAY_MS before each request,
-- so C connections send at most C * 1000 / (DEALS_DELAY_MS + latency) creates a second.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "create_deal.lua")

local pause = tonumber(os.getenv("DEALS_DELAY_MS") or "0")
delay = function()
  return pause
end
