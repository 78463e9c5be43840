-- LÖVE host test game (spec/hosts/love_host.lua runs it under xvfb-run).
-- luacheck: globals love
function love.conf(t)
  t.identity = "openrouter-host-test"
  t.window.title = "openrouter: LÖVE host test"
  t.window.width, t.window.height = 480, 240
  t.window.vsync = 0
  t.modules.audio, t.modules.sound = false, false
  t.modules.joystick, t.modules.physics, t.modules.video = false, false, false
end
