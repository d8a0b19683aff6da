-- One wrk script for every route. The route comes from the environment:
--   BENCH_METHOD      GET or POST
--   BENCH_AUTH        a bearer token, or empty
--   BENCH_BODY_FILE   a request body (JSON, or the raw upload), or empty
--   BENCH_MODE        plain          the same request each time
--                     unique_key     a fresh Idempotency-Key per request (filing create)
--                     upload_file    upload BENCH_UPLOAD_FILE, then file with its id; repeat
--                     bodies         one line of BENCH_BODY_FILE per request (EDS sign-ins:
--                                    single-use challenges signed beforehand)
-- done() prints one JSON line that the driver reads.

local method = os.getenv("BENCH_METHOD") or "GET"
local auth = os.getenv("BENCH_AUTH") or ""
local mode = os.getenv("BENCH_MODE") or "plain"
local body_file = os.getenv("BENCH_BODY_FILE") or ""
local upload_file = os.getenv("BENCH_UPLOAD_FILE") or ""

local function slurp(path)
  if path == "" then return nil end
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local body = nil
local bodies = {}
local upload = nil
local counter = 0
local thread_id = 0
local next_attachment = nil
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  body = slurp(body_file)
  upload = slurp(upload_file)
  if mode == "bodies" then
    local all = body or ""
    local index = 0
    -- Each thread takes every n-th line so no challenge is used twice.
    local n = tonumber(os.getenv("BENCH_THREADS") or "1")
    for line in all:gmatch("[^\n]+") do
      if index % n == (tid - 1) then table.insert(bodies, line) end
      index = index + 1
    end
  end
end

local function headers(extra)
  local h = {}
  if auth ~= "" then h["Authorization"] = "Bearer " .. auth end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function request()
  counter = counter + 1
  if mode == "unique_key" then
    return wrk.format(method, nil, headers({
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("bench-%d-%d-%d", tid, counter, os.time()),
    }), body)
  elseif mode == "upload_file" then
    if next_attachment == nil then
      return wrk.format("POST", "/api/filings/attachments", headers({
        ["Content-Type"] = "application/pdf",
      }), upload)
    end
    local filing = string.gsub(body, "ATTACHMENT_ID", next_attachment)
    next_attachment = nil
    return wrk.format("POST", "/api/filings", headers({
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("bench-upload-%d-%d-%d", tid, counter, os.time()),
    }), filing)
  elseif mode == "bodies" then
    local line = bodies[((counter - 1) % math.max(#bodies, 1)) + 1] or "{}"
    return wrk.format(method, nil, headers({["Content-Type"] = "application/json"}), line)
  elseif body ~= nil then
    return wrk.format(method, nil, headers({["Content-Type"] = "application/json"}), body)
  else
    return wrk.format(method, nil, headers())
  end
end

-- Filings acknowledged by this thread (a 201 naming a registration number). Counted here, not
-- derived from request totals: on the upload route a thread's connections upload more files
-- than they file.
filed = 0

function response(status, hdrs, resp_body)
  if status == 201 and resp_body and string.find(resp_body, '"registration_number"', 1, true) then
    filed = filed + 1
  end
  if mode == "upload_file" and status == 201 and next_attachment == nil then
    local id = string.match(resp_body, '"id"%s*:%s*"([^"]+)"')
    if id and string.find(resp_body, '"sha256"') and not string.find(resp_body, '"registration_number"') then
      next_attachment = id
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local filed_total = 0
  for _, thread in ipairs(threads) do
    filed_total = filed_total + (tonumber(thread:get("filed")) or 0)
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"filed":%d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, filed_total))
end
