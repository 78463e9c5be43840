-- OpenRouter provider preferences (the `provider` object of a chat request),
-- as JSON-Schema (draft 7) data.  Null is cjson.null.
--
-- Source: OpenRouter's wire schema (ProviderPreferences), with every field,
-- enum and null it allows.  Deliberate differences, each on purpose:
--   1. max_price values may be numbers or numeric strings.  The wire schema
--      says strings; OpenRouter's own documentation and examples use numbers,
--      and the API accepts both.
--   2. `experimental` (an object or null) is accepted and passed through, as
--      the SDK documentation lists it.
--   3. order / only / ignore items are "any string": the wire schema's
--      anyOf [ProviderName enum, string] accepts every string anyway, and
--      slugs such as "deepinfra/turbo" must pass.  The enum is dropped
--      because it constrains nothing and would only cost time.
-- As on the wire, the object itself is closed (additionalProperties false:
-- a misspelt option is an error with a suggestion, never silently ignored)
-- and the nested objects are open.
local null = require("cjson").null

local ID = "urn:openrouter:schema:provider-preferences"

local function percentiles(what)
  local number_or_null = { type = { "number", "null" } }
  return {
    description = "Percentile-based " .. what .. " cutoffs",
    type = "object",
    properties = {
      p50 = number_or_null, p75 = number_or_null,
      p90 = number_or_null, p99 = number_or_null,
    },
  }
end

local provider_list = {
  type = { "array", "null" },
  items = { type = "string" },
}

-- A price per million tokens (or per unit): a number, or a decimal string.
local price = {
  anyOf = {
    { type = "number", minimum = 0 },
    { type = "string", pattern = "^(\\d+(\\.\\d*)?|\\.\\d+)$" },
  },
}

return {
  ["$schema"] = "http://json-schema.org/draft-07/schema#",
  ["$id"] = ID,
  title = "ProviderPreferences",
  definitions = {
    Quantization = {
      type = "string",
      enum = { "int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8",
               "fp16", "bf16", "fp32", "unknown" },
    },
    ProviderSort = {
      type = "string",
      enum = { "price", "throughput", "latency", "exacto" },
    },
    ProviderSortConfig = {
      type = "object",
      properties = {
        by = { type = { "string", "null" },
               enum = { "price", "throughput", "latency", "exacto", null } },
        partition = { type = { "string", "null" }, enum = { "model", "none", null } },
      },
    },
    PercentileThroughputCutoffs = percentiles("throughput (tokens/s, minimum)"),
    PercentileLatencyCutoffs = percentiles("latency (seconds, maximum)"),
  },
  type = { "object", "null" },
  additionalProperties = false,
  properties = {
    order = provider_list,
    only = provider_list,
    ignore = provider_list,
    allow_fallbacks = { type = { "boolean", "null" } },
    require_parameters = { type = { "boolean", "null" } },
    data_collection = { type = { "string", "null" }, enum = { "deny", "allow", null } },
    zdr = { type = { "boolean", "null" } },
    enforce_distillable_text = { type = { "boolean", "null" } },
    quantizations = {
      type = { "array", "null" },
      items = { ["$ref"] = "#/definitions/Quantization" },
    },
    sort = {
      anyOf = {
        { ["$ref"] = "#/definitions/ProviderSort" },
        { ["$ref"] = "#/definitions/ProviderSortConfig" },
        { type = "null" },
      },
    },
    preferred_min_throughput = {
      anyOf = {
        { type = "number" },
        { ["$ref"] = "#/definitions/PercentileThroughputCutoffs" },
        { type = "null" },
      },
    },
    preferred_max_latency = {
      anyOf = {
        { type = "number" },
        { ["$ref"] = "#/definitions/PercentileLatencyCutoffs" },
        { type = "null" },
      },
    },
    max_price = {
      type = "object",
      properties = {
        prompt = price, completion = price, request = price,
        image = price, audio = price,
      },
    },
    experimental = { type = { "object", "null" } },
  },
}
