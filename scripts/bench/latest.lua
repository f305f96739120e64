-- wrk script: GET /subjects/{s}/versions/latest over SCHEMATA_BENCH_SUBJECTS subjects (named
-- mixed-0 .. mixed-N-1), a different subject each request, so reads spread over the whole state.
local subjects = tonumber(os.getenv("SCHEMATA_BENCH_SUBJECTS") or "1000")
local counter = 0

function request()
  counter = counter + 1
  return wrk.format("GET", string.format("/subjects/mixed-%d/versions/latest", counter % subjects))
end
