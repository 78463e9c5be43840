-- The model-slug variant suffixes OpenRouter documents ("openai/gpt-4o:nitro").
return { "nitro", "floor", "free", "exacto", "thinking", "extended", "online" }
