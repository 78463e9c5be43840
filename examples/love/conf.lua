-- luacheck: globals love
function love.conf(t)
  t.identity = "openrouter-npc"
  t.window.title = "openrouter: an NPC that talks"
  t.window.width, t.window.height = 640, 360
  t.modules.audio, t.modules.sound = false, false
  t.modules.joystick, t.modules.physics, t.modules.video = false, false, false
end
