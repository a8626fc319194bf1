-- nonce.lua: a scan nonce's first answer, for admit.lua and standby_admit.lua (--#include).
-- replayed(NONCE, nonce): the first answer again with replayed = true, or nil.

local function replayed(NONCE, nonce)
  if nonce == '' then return nil end
  local first = redis.call('HGET', NONCE, nonce)
  if not first then return nil end
  local r = cjson.decode(first)
  r.replayed = true
  return cjson.encode(r)
end
