-- Load for GET /api/v1/customers/{id}/recommendations, walking the demo shop's customers
-- (C00001, C00002, ...) in turn:
--
--   PERSONA_API_KEY=KEY wrk -t1 -c32 -d10s --latency -s scripts/wrk/recommendations.lua http://127.0.0.1:8080
--
-- PERSONA_API_KEY is a key from `persona apikeys create`; PERSONA_WRK_CUSTOMERS is how many
-- customers to walk (default 4000). wrk prints a "Non-2xx or 3xx responses" line if any
-- answer was not 200.
local key = os.getenv("PERSONA_API_KEY") or error("set PERSONA_API_KEY")
local customers = tonumber(os.getenv("PERSONA_WRK_CUSTOMERS") or "4000")
local i = 0

request = function()
  i = i % customers + 1
  return wrk.format("GET", string.format("/api/v1/customers/C%05d/recommendations", i),
    { ["Authorization"] = "Bearer " .. key })
end
