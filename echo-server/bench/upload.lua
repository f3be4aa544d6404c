-- wrk script: POST /echo with a JSON object of UPLOAD_SIZE bytes (default 1 MiB); counts answers by status.
--   wrk -c500 -d20s -s echo-server/bench/upload.lua http://127.0.0.1:PORT/echo
local size = tonumber(os.getenv("UPLOAD_SIZE") or "1048576")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"p":"' .. string.rep("x", size - 8) .. '"}'

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  s200, s408, s413, s429, s503, other = 0, 0, 0, 0, 0, 0
end

function response(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 408 then s408 = s408 + 1
  elseif status == 413 then s413 = s413 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status == 503 then s503 = s503 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = {s200 = 0, s408 = 0, s413 = 0, s429 = 0, s503 = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format("answers: 200=%d 408=%d 413=%d 429=%d 503=%d other=%d; socket errors: connect=%d read=%d write=%d timeout=%d\n",
    t.s200, t.s408, t.s413, t.s429, t.s503, t.other, e.connect, e.read, e.write, e.timeout))
end
