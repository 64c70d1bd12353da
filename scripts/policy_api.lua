-- wrk workload of the HTTP policy API (issue 17; bench/README.md, `make bench-http`).
--
--   wrk -t2 -c64 -d10s --latency -s scripts/policy_api.lua http://127.0.0.1:8080 \
--       -- <mode> <token> <tenant> <policies>
--
-- mode:   mixed   80% GET of a random policy (cached after the first read), 10% permission
--                 check, 5% list (20 per page), 5% PUT of a new version of a random policy
--         get     GET of one policy (the cache-hit path)
--         put     PUT of a new version of a random policy (no If-Match: always succeeds)
--         health  GET /healthz (the static baseline: same server, no store call)
-- token:  a bearer token of the server's tokens file; tenant and policies (p1..pN) must exist.

local mode, token, tenant, n
local auth

local doc = '{"providers": [{"id": "openai", "weight": %d}, {"id": "anthropic", "weight": 30}], '
  .. '"rules": [{"id": "r1", "match": {"model": "gpt-4*"}, "route": ["openai"], "priority": 10}], '
  .. '"fallback": {"provider": "anthropic"}}'

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  mode = args[1] or "mixed"
  token = args[2] or ""
  tenant = args[3] or "bench"
  n = tonumber(args[4] or "100")
  auth = { ["Authorization"] = "Bearer " .. token }
  math.randomseed((seed or 1) * 7919 + os.time())
end

local function policy_path(i)
  return "/v1/tenants/" .. tenant .. "/policies/p" .. i
end

local function put()
  local headers = { ["Authorization"] = auth["Authorization"], ["Content-Type"] = "application/json" }
  return wrk.format("PUT", policy_path(math.random(n)), headers, string.format(doc, math.random(1, 99)))
end

function request()
  if mode == "health" then
    return wrk.format("GET", "/healthz")
  elseif mode == "get" then
    return wrk.format("GET", policy_path(1), auth)
  elseif mode == "put" then
    return put()
  end
  local r = math.random(100)
  if r <= 80 then
    return wrk.format("GET", policy_path(math.random(n)), auth)
  elseif r <= 90 then
    return wrk.format("GET", "/v1/tenants/" .. tenant .. "/permissions/check?action=policy:read", auth)
  elseif r <= 95 then
    return wrk.format("GET", "/v1/tenants/" .. tenant .. "/policies?limit=20", auth)
  end
  return put()
end
