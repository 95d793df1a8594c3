-- POST a feedback body like a survey tool would: one wrk script for both the ceiling and intake,
-- so both endpoints receive the same bytes (the ceiling ignores the Authorization header).
--
-- Arguments (after `--`): customer id prefix, API token.
-- Mix: NPS cycles through 0..10 (7 of 11 are detractors, which open a case or join the customer's
-- open case); each customer answers twice in a row, so some negatives attach to an open case.

local counter = 0
local prefix = "c"
local thread_id = 0
local threads_made = 0

function setup(thread)
  thread:set("thread_id", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  prefix = args[1] or prefix
  local token = args[2] or ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

local BODY = '{"customer": {"external_id": "%s-%d-%d", "name": "Anna", "email": "anna@example.com", '
  .. '"language": "nl"}, "location": "ams", "channel": "survey", "kind": "survey", "scores": {"nps": %d}, '
  .. '"text": "Het pakket kwam drie dagen te laat (%d)."}'

function request()
  counter = counter + 1
  local body = string.format(BODY, prefix, thread_id, math.floor(counter / 2), (counter * 7) % 11, counter)
  return wrk.format(nil, nil, nil, body)
end
