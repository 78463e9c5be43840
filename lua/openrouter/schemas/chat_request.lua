-- An OpenRouter chat-completions request body, as JSON-Schema (draft 7)
-- data.  The top level is open: unknown keys pass through untouched, so a new
-- API field is never blocked.  `provider` refers to the provider-preferences
-- schema (openrouter.schemas.provider) by its $id.
local PROVIDER = "urn:openrouter:schema:provider-preferences"

-- Model slugs: "author/slug" with an optional known variant, or
-- "openrouter/auto".  openrouter.validate turns a mismatch into a message
-- that lists the variants.
local VARIANTS = require("openrouter.schemas.model_variants")
local MODEL_PATTERN = "^(openrouter/auto|[^/\\s:]+/[^\\s:]+(:(" ..
  table.concat(VARIANTS, "|") .. "))?)$"

-- Function and json_schema names: 1 to 64 of [a-zA-Z0-9_-].
local NAME = { type = "string", pattern = "^[a-zA-Z0-9_-]+$", maxLength = 64 }

local function range(lo, hi, integer)
  return { type = { integer and "integer" or "number", "null" }, minimum = lo, maximum = hi }
end

local function when(prop, value, schema)
  return {
    ["if"] = { required = { prop }, properties = { [prop] = { const = value } } },
    ["then"] = schema,
  }
end

local function part(kind, inner)
  return when("type", kind, {
    required = { kind },
    properties = { [kind] = inner },
  })
end

local url_object = {
  type = "object",
  required = { "url" },
  properties = { url = { type = "string", minLength = 1 } },
}

return {
  ["$schema"] = "http://json-schema.org/draft-07/schema#",
  ["$id"] = "urn:openrouter:schema:chat-request",
  title = "ChatRequest",
  definitions = {
    Model = { type = "string", minLength = 1, pattern = MODEL_PATTERN },
    ContentPart = {
      type = "object",
      required = { "type" },
      properties = {
        type = { type = "string",
                 enum = { "text", "image_url", "file", "input_audio", "video_url" } },
      },
      allOf = {
        part("text", { type = "string" }),
        part("image_url", url_object),
        part("video_url", url_object),
        part("file", { type = "object" }),
        part("input_audio", {
          type = "object",
          required = { "data", "format" },
          properties = { data = { type = "string" }, format = { type = "string" } },
        }),
      },
    },
    Content = {
      anyOf = {
        { type = "string" },
        { type = "array", items = { ["$ref"] = "#/definitions/ContentPart" } },
      },
    },
    ToolCall = {
      type = "object",
      required = { "id", "type", "function" },
      properties = {
        id = { type = "string" },
        type = { type = "string" },
        ["function"] = {
          type = "object",
          required = { "name" },
          properties = { name = { type = "string" }, arguments = { type = "string" } },
        },
      },
    },
    Message = {
      type = "object",
      required = { "role" },
      properties = {
        role = { type = "string",
                 enum = { "system", "developer", "user", "assistant", "tool" } },
        content = { anyOf = { { ["$ref"] = "#/definitions/Content" }, { type = "null" } } },
        name = { type = "string" },
        tool_call_id = { type = "string" },
        tool_calls = { type = "array", items = { ["$ref"] = "#/definitions/ToolCall" } },
      },
      allOf = {
        -- a tool result answers a call
        when("role", "tool", { required = { "tool_call_id" } }),
        -- everyone but an assistant that calls tools has content
        {
          ["if"] = {
            required = { "role" },
            anyOf = {
              { properties = { role = { enum = { "system", "developer", "user", "tool" } } } },
              { properties = { role = { const = "assistant" } },
                ["not"] = { required = { "tool_calls" } } },
            },
          },
          ["then"] = {
            required = { "content" },
            properties = { content = { ["$ref"] = "#/definitions/Content" } },
          },
        },
      },
    },
    Tool = {
      type = "object",
      required = { "type" },
      properties = { type = { type = "string", minLength = 1 } },
      -- "function", or an OpenRouter server tool ("openrouter:web_search", ...)
      allOf = {
        when("type", "function", {
          required = { "function" },
          properties = {
            ["function"] = {
              type = "object",
              required = { "name" },
              properties = {
                name = NAME,
                description = { type = "string" },
                parameters = { type = "object" },
                strict = { type = { "boolean", "null" } },
              },
            },
          },
        }),
      },
    },
  },
  type = "object",
  properties = {
    model = { ["$ref"] = "#/definitions/Model" },
    models = {
      type = "array",
      minItems = 1,
      items = { ["$ref"] = "#/definitions/Model" },
    },
    messages = {
      type = "array",
      minItems = 1,
      items = { ["$ref"] = "#/definitions/Message" },
    },
    temperature = range(0, 2),
    top_p = range(0, 1),
    top_k = range(0, nil, true),
    frequency_penalty = range(-2, 2),
    presence_penalty = range(-2, 2),
    repetition_penalty = range(0, 2),
    min_p = range(0, 1),
    top_a = range(0, 1),
    seed = { type = { "integer", "null" } },
    max_tokens = range(1, nil, true),
    max_completion_tokens = range(1, nil, true),
    logit_bias = { type = { "object", "null" }, additionalProperties = { type = "number" } },
    logprobs = { type = { "boolean", "null" } },
    top_logprobs = range(0, 20, true),
    response_format = {
      type = "object",
      required = { "type" },
      properties = {
        type = { type = "string", enum = { "text", "json_object", "json_schema" } },
      },
      allOf = {
        when("type", "json_schema", {
          required = { "json_schema" },
          properties = {
            json_schema = {
              type = "object",
              required = { "name" },
              properties = {
                name = NAME,
                description = { type = "string" },
                schema = { type = "object" },
                strict = { type = { "boolean", "null" } },
              },
            },
          },
        }),
      },
    },
    stop = {
      anyOf = {
        { type = "string" },
        { type = "array", maxItems = 4, items = { type = "string" } },
        { type = "null" },
      },
    },
    tools = { type = "array", items = { ["$ref"] = "#/definitions/Tool" } },
    tool_choice = {
      anyOf = {
        { type = "string", enum = { "none", "auto", "required" } },
        {
          type = "object",
          required = { "type", "function" },
          properties = {
            type = { const = "function" },
            ["function"] = {
              type = "object",
              required = { "name" },
              properties = { name = { type = "string" } },
            },
          },
        },
      },
    },
    parallel_tool_calls = { type = { "boolean", "null" } },
    reasoning = {
      type = "object",
      properties = {
        effort = { type = "string",
                   enum = { "xhigh", "high", "medium", "low", "minimal", "none" } },
        max_tokens = { type = "integer", minimum = 0 },
        exclude = { type = "boolean" },
        enabled = { type = "boolean" },
      },
      ["not"] = { required = { "effort", "max_tokens" } },
    },
    provider = { ["$ref"] = PROVIDER },
    plugins = {
      type = "array",
      items = {
        type = "object",
        required = { "id" },
        properties = { id = { type = "string", minLength = 1 } },
      },
    },
    user = { type = "string" },
    session_id = { type = "string" },
    stream = { type = { "boolean", "null" } },
    stream_options = {
      type = { "object", "null" },
      properties = { include_usage = { type = "boolean" } },
    },
  },
  -- chat/completions also takes a bare `prompt`; otherwise messages are due
  ["if"] = { ["not"] = { required = { "prompt" } } },
  ["then"] = { required = { "messages" } },
}
