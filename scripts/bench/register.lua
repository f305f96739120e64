-- wrk script: every request registers a NEW Avro schema (a record with a unique field name) under
-- one of a few subjects, so each request is a durable write. Stops each thread after
-- SCHEMATA_BENCH_REQUESTS_PER_THREAD responses when that variable is set (used to load N schemas):
-- the first thread to get there ends wrk, so the total is close to, not exactly, 2x that.
-- `thread_id` is a global set per thread by setup(); a local here would shadow it.
local counter = 0
local limit = tonumber(os.getenv("SCHEMATA_BENCH_REQUESTS_PER_THREAD") or "0")
local done = 0

local next_thread = 0
function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/vnd.schemaregistry.v1+json"
end

function request()
  counter = counter + 1
  -- NONE-compatible subjects per thread keep the benchmark about storage, not about one subject's
  -- history growing with every request.
  local subject = string.format("bench-%d-%d", thread_id, counter % 64)
  local schema = string.format(
    '{\\"type\\":\\"record\\",\\"name\\":\\"E\\",\\"fields\\":[{\\"name\\":\\"f_%d_%d\\",\\"type\\":\\"long\\",\\"default\\":0}]}',
    thread_id, counter)
  return wrk.format(nil, "/subjects/" .. subject .. "/versions", nil, '{"schema":"' .. schema .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
  done = done + 1
  if limit > 0 and done >= limit then
    os.exit(0)
  end
end
