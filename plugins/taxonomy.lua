-- taxonomy: keeps every document's themes in line with taxonomy.yml.
--
-- For each document it
--   * checks that each theme is in the taxonomy, suggesting the closest one
--     when it is not ("did you mean"), and
--   * looks for the words people use for a theme (its label and synonyms)
--     in the text, and either suggests the theme as a warning or adds it:
--     when they occur min_mentions times, or when a learning point is about
--     the theme (casebook.themes_of, as points get their own themes).
-- A word listed under two themes (an "ambiguous" synonym) is not used for
-- suggestions, because it cannot say which theme it means.
--
-- Options (casebook.yml):
--   plugins:
--     - name: taxonomy
--       options:
--         synonyms: suggest   # suggest (warnings), add, or off
--         min_mentions: 3     # how often the words must occur
--         max_added: 3        # at most this many themes added to a document

local p = {}

-- Checked against casebook.yml by casebook (see related.lua).
p.options = {
  synonyms = { type = "string", default = "suggest", doc = "suggest (warnings), add, or off" },
  min_mentions = { type = "integer", default = 3, doc = "how often the words must occur" },
  max_added = { type = "integer", default = 3, doc = "at most this many themes added to a document" },
}

local options = casebook.options
local mode = options.synonyms or p.options.synonyms.default
local min_mentions = tonumber(options.min_mentions) or p.options.min_mentions.default
local max_added = tonumber(options.max_added) or p.options.max_added.default

if mode ~= "suggest" and mode ~= "add" and mode ~= "off" then
  error("option 'synonyms' must be suggest, add or off, not '" .. tostring(mode) .. "'")
end

-- The taxonomy, looked up by id, and every phrase that names a theme.
local themes = casebook.taxonomy()
if #themes == 0 then return p end -- no taxonomy.yml: nothing to check against
local by_id, ids = {}, {}
local phrases, phrase_theme = {}, {}
for _, theme in ipairs(themes) do
  by_id[theme.id] = theme
  ids[#ids + 1] = theme.id
  local words = { theme.label }
  for _, synonym in ipairs(theme.synonyms) do
    words[#words + 1] = synonym
  end
  for _, phrase in ipairs(words) do
    local key = phrase:lower()
    if phrase_theme[key] == nil then
      phrases[#phrases + 1] = phrase
      phrase_theme[key] = theme.id
    elseif phrase_theme[key] ~= theme.id then
      phrase_theme[key] = false -- ambiguous
    end
  end
end
local matcher = casebook.matcher(phrases)

-- Edit distance, for "did you mean".
local function distance(a, b)
  local previous = {}
  for j = 0, #b do previous[j] = j end
  for i = 1, #a do
    local current = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      current[j] = math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    end
    previous = current
  end
  return previous[#b]
end

local function suggestion(id)
  -- A synonym written as an id ("wnb") names its theme exactly.
  local spoken = id:gsub("-", " ")
  if phrase_theme[spoken] then return phrase_theme[spoken] end -- false when ambiguous
  local best, best_d = nil, math.max(2, #id // 3) + 1
  for _, known in ipairs(ids) do
    local d = distance(id, known)
    if d < best_d then best, best_d = known, d end
  end
  return best
end

function p.document(doc)
  local current, lines = doc.themes, doc.theme_lines
  for i, id in ipairs(current) do
    if not by_id[id] then
      local near = suggestion(id)
      casebook.error("'" .. id .. "' is not a theme in the taxonomy" ..
        (near and ("; did you mean '" .. near .. "'?") or "; add it to the taxonomy first"),
        doc, lines[i])
    end
  end

  if mode == "off" then return end
  local has = {}
  for _, id in ipairs(current) do has[id] = true end
  -- How often each missing theme is named, and by which words.
  local counts, heard = {}, {}
  for phrase, n in pairs(matcher:count(doc.title .. "\n" .. doc.text)) do
    local id = phrase_theme[phrase:lower()]
    if id and not has[id] then
      counts[id] = (counts[id] or 0) + n
      heard[id] = heard[id] or {}
      table.insert(heard[id], phrase)
    end
  end
  -- A learning point about a theme the document lacks is reason enough,
  -- however few times its words occur: points are what theme pages list.
  local pointed = {}
  for _, lp in ipairs(doc.learning) do
    for _, id in ipairs(casebook.themes_of(lp.text, lp.heading)) do
      if not has[id] and not pointed[id] then pointed[id] = lp.line end
    end
  end
  local found = {}
  for id, n in pairs(counts) do
    if n >= min_mentions or pointed[id] then found[#found + 1] = id end
  end
  for id in pairs(pointed) do
    if not counts[id] then
      counts[id] = 0
      found[#found + 1] = id
    end
  end
  -- Most mentioned first; the id breaks ties, so the order never changes.
  table.sort(found, function(a, b)
    if counts[a] ~= counts[b] then return counts[a] > counts[b] end
    return a < b
  end)
  local added = {}
  for i, id in ipairs(found) do
    if i > max_added then break end
    if mode == "add" then
      current[#current + 1] = id
      added[#added + 1] = id
    else
      local what
      if counts[id] > 0 then
        table.sort(heard[id])
        what = "mentions '" .. table.concat(heard[id], "', '") .. "' " ..
          (counts[id] == 1 and "once" or (counts[id] .. " times"))
      end
      if pointed[id] then
        local point = "has a learning point on " .. by_id[id].label:lower() .. " (line " .. pointed[id] .. ")"
        what = what and (what .. " and " .. point) or point
      end
      casebook.warn(what .. " but is not filed under '" .. id .. "'; add it to 'themes' if the document is about " ..
        by_id[id].label:lower(), doc, lines[1] or 1)
    end
  end
  if #added > 0 then
    doc.themes = current
    doc.themes_added = added
  end
end

return p
