-- POST a feedback body like a survey tool would: one wrk script for both the ceiling and intake,
-- so both endpoints receive the same bytes (the ceiling ignores the Authorization header).
--
-- Arguments (after `--`): customer id prefix, API token.
-- Mix: NPS cycles through 0..10 (7 of 11 are detractors, which open a case or join the customer's open case).
-- Every even request comes from a new customer; every odd one (after the first 1,000) from the customer who
-- answered 1,001 requests earlier, so about half the answers are from known customers and some negatives join
-- an open case. The repeat comes seconds later, never concurrently: two answers of one customer in flight at
-- once would make the run measure lock waits on that customer (real traffic rarely does that).

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

local BODY = '{"customer": {"external_id": "%s-%d-%s", "name": "Anna", "email": "anna@example.com", '
  .. '"language": "nl"}, "location": "ams", "channel": "survey", "kind": "survey", "scores": {"nps": %d}, '
  .. '"text": "Het pakket kwam drie dagen te laat (%d)."}'
local REPEAT_AFTER = 1001 -- odd, so that an odd request points back at an even (new-customer) one

function customer_for(n)
  if n % 2 == 0 then
    return tostring(n / 2)
  elseif n > REPEAT_AFTER then
    return tostring((n - REPEAT_AFTER) / 2)
  end
  return "x" .. n -- the first odd requests: new customers too
end

function request()
  counter = counter + 1
  local body = string.format(BODY, prefix, thread_id, customer_for(counter), (counter * 7) % 11, counter)
  return wrk.format(nil, nil, nil, body)
end
