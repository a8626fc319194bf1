-- accessible_left.lua: the wheelchair places and companion seats still kept for an activity now
-- (issue 29 item 6; quota.lua's rule, read only), for the activity page.
--
-- KEYS[1] A  activity state hash {p}act:{aid}
-- ARGV[1] now_ms
-- Returns {wheelchair places kept, companion seats kept} (0 once released, or none set).
--#include ../words.lua
--#include quota.lua
local A, now_ms = KEYS[1], tonumber(ARGV[1])
return {quota_left(A, STATUS.CH_WHEELCHAIR, now_ms), quota_left(A, STATUS.CH_COMPANION, now_ms)}
