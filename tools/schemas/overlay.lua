-- The overlay: what OpenRouter's documentation states and its OpenAPI
-- document does not, applied by tools/gen-schemas.lua on top of the
-- translated document.  Nothing else in lua/openrouter/schemas/ is written
-- by hand.  Each edit names the schema it changes by its JSON pointer in the
-- document (the generator stops if one no longer exists) and its source.
--
--   add = { keyword = value, ... }   keywords the document does not set
--                                    (never replaces one it sets)
--   also_types = { "number" }        more JSON types for the value
--   either = { "a", "b" }            "a" is required unless "b" is present
local PARAMETERS = "docs, API parameters (https://openrouter.ai/docs/api-reference/parameters)"
local OVERVIEW = "docs, API reference overview: 'Either \"messages\" or \"prompt\" is required'"
local ROUTING = "docs, provider routing: max_price examples use numbers (the document says strings)"

local CHAT = "#/components/schemas/ChatRequest"
local MAX_PRICE = "#/components/schemas/ProviderPreferences/properties/max_price/properties/"

local edits = {}

local function range(field, lo, hi)
  edits[#edits + 1] = {
    at = CHAT .. "/properties/" .. field,
    add = { minimum = lo, maximum = hi },
    source = PARAMETERS,
  }
end

-- Sampling parameters: "Optional, float, 0.0 to 2.0" and the like.
range("temperature", 0, 2)
range("top_p", 0, 1)
range("top_k", 0)                    -- "integer, 0 or above"
range("frequency_penalty", -2, 2)
range("presence_penalty", -2, 2)
range("repetition_penalty", 0, 2)
range("min_p", 0, 1)
range("top_a", 0, 1)
range("max_tokens", 1)               -- "integer, 1 or above"
range("max_completion_tokens", 1)    -- "integer, 1 or above"
range("top_logprobs", 0, 20)         -- "an integer between 0 and 20"
-- logit_bias: "an associated bias value from -100 to 100"
edits[#edits + 1] = {
  at = CHAT .. "/properties/logit_bias/additionalProperties",
  add = { minimum = -100, maximum = 100 },
  source = PARAMETERS,
}

-- /chat/completions takes a bare prompt instead of messages.
edits[#edits + 1] = { at = CHAT, either = { "messages", "prompt" }, source = OVERVIEW }

-- max_price: numbers as well as the document's strings.
for _, k in ipairs({ "prompt", "completion", "request", "image", "audio" }) do
  edits[#edits + 1] = { at = MAX_PRICE .. k, also_types = { "number" }, source = ROUTING }
end

return {
  edits = edits,
  -- Did-you-mean metadata: the model variants the docs list ("Model
  -- variants": :nitro, :floor, ...), published as
  -- openrouter.validate.model_variants.  The API takes any model string, so
  -- they describe, never restrict.
  model_variants = { "nitro", "floor", "free", "exacto", "thinking", "extended", "online" },
}
