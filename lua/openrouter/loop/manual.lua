--- The manual adapter, for game loops and anything else with a frame:
-- nothing happens until the host calls client:update(), which never
-- blocks.  Call it once per frame; it moves every transfer on, resumes
-- the openrouter.async tasks whose request has news, runs callbacks, and
-- re-raises an error a task or a callback left behind.
--
--   local client = openrouter.new{ loop = "manual" }
--   openrouter.async(function()
--     for text in client:stream(req):text() do npc.line = npc.line .. text end
--   end)
--   function love.update(dt) client:update() end
local driver = require("openrouter.loop.driver")

local A = driver.new{ name = "manual" }
A.new = function() return driver.new{ name = "manual" } end
return A
