-- related: "related documents" for every document.
--
-- Two documents are related when they share themes (a theme on half the
-- library counts half as much as a rare one), are written for the same
-- agencies, and use the same words (a full-text search for the rarer
-- words of one document's title finds the other). The score adds these up; documents at or above
-- the threshold are listed, best first, at most `max` of them. Equal
-- scores are ordered by path, so the list never changes between builds.
--
-- On a big library, comparing every document with every other would take
-- too long (10,000 documents make 50 million pairs), so each document is
-- compared only with its nearest neighbours in date on each of its themes
-- (`window` on either side), plus what its text search finds.
--
-- Options:
--   max: 5                  # documents listed
--   threshold: 3            # lowest score listed
--   theme_weight: 2         # per shared theme, times the share of documents without it
--   audience_weight: 1      # per shared agency, at most two
--   text_weight: 3          # for the best text match, less for weaker ones
--   window: 8               # neighbours on each side, per theme
--   text_max_documents: 1000 # text search only for libraries this size or smaller

local p = {}

local o = casebook.options
local max = tonumber(o.max) or 5
local threshold = tonumber(o.threshold) or 3
local theme_weight = tonumber(o.theme_weight) or 2
local audience_weight = tonumber(o.audience_weight) or 1
local text_weight = tonumber(o.text_weight) or 3
local window = tonumber(o.window) or 8
local text_max = tonumber(o.text_max_documents) or 1000

-- The words of a title worth searching for: four letters or more, each
-- once, lower case.
local function title_words(title)
  local words, seen = {}, {}
  for w in title:lower():gmatch("%a+") do
    if #w >= 4 and not seen[w] then
      seen[w] = true
      words[#words + 1] = w
    end
  end
  return words
end

-- A title as a search: its rarest words (those in few titles say most
-- about a document, and are quick to look up), any of which may match.
-- Empty when every word is common.
local function title_query(title, in_titles, rare)
  local words = {}
  for _, w in ipairs(title_words(title)) do
    if in_titles[w] <= rare then words[#words + 1] = w end
  end
  table.sort(words, function(a, b)
    if in_titles[a] ~= in_titles[b] then return in_titles[a] < in_titles[b] end
    return a < b
  end)
  for i = #words, 4, -1 do words[i] = nil end
  return table.concat(words, " OR ")
end

-- Keeps the best `max` of the candidates offered, best first.
local function better(a, b)
  if a.score ~= b.score then return a.score > b.score end
  return a.doc.path < b.doc.path
end

local function offer(best, item)
  if #best == max and not better(item, best[max]) then return end
  local i = math.min(#best, max - 1) + 1
  best[i] = item
  while i > 1 and better(best[i], best[i - 1]) do
    best[i], best[i - 1] = best[i - 1], best[i]
    i = i - 1
  end
end

function p.site(site)
  local docs = site.documents
  local n = #docs
  if n < 2 then return end

  -- Each document's themes and agencies, as lists and as sets.
  local theme_list, theme_set, agency_list, agency_set = {}, {}, {}, {}
  for _, d in ipairs(docs) do
    local themes, agencies, t, a = d.themes, d.audience, {}, {}
    for i = 1, #themes do t[themes[i]] = true end
    for i = 1, #agencies do a[agencies[i]] = true end
    theme_list[d], theme_set[d], agency_list[d], agency_set[d] = themes, t, agencies, a
  end
  -- Each theme's documents (newest first, like the site), each
  -- document's place in them, and the theme's weight: a theme on half
  -- the library counts half as much as a rare one.
  local members, weight, place = {}, {}, {}
  for _, theme in ipairs(site.themes) do
    local list = theme.documents
    members[theme.id] = list
    weight[theme.id] = theme_weight * (1 - #list / n)
    local at = {}
    for k = 1, #list do at[list[k]] = k end
    place[theme.id] = at
  end

  local use_text = text_weight > 0 and n <= text_max
  -- How many titles each word is in; a word in more than one title in
  -- twenty (or two, in a small library) is too common to search for.
  local in_titles, rare = {}, math.max(2, n // 20)
  if use_text then
    for _, d in ipairs(docs) do
      for _, w in ipairs(title_words(d.title)) do in_titles[w] = (in_titles[w] or 0) + 1 end
    end
  end

  for _, d in ipairs(docs) do
    -- Candidates: neighbours on each theme, and text matches.
    local candidates, seen, text_score = {}, { [d] = true }, {}
    local mine = theme_list[d]
    for i = 1, #mine do
      local id = mine[i]
      local list, k = members[id], place[id] and place[id][d]
      if list and k then
        for j = math.max(1, k - window), math.min(#list, k + window) do
          local c = list[j]
          if not seen[c] then
            seen[c] = true
            candidates[#candidates + 1] = c
          end
        end
      end
    end
    if use_text then
      local q = title_query(d.title, in_titles, rare)
      if q ~= "" then
        local top = nil
        for _, hit in ipairs(casebook.query(q, max + 1) or {}) do
          local c = hit.doc
          if c ~= d and hit.score > 0 then
            top = top or hit.score
            text_score[c] = hit.score / top
            if not seen[c] then
              seen[c] = true
              candidates[#candidates + 1] = c
            end
          end
        end
      end
    end

    local best = {}
    local agencies = agency_set[d]
    local weights = {}
    for i = 1, #mine do weights[i] = weight[mine[i]] or 0 end
    for k = 1, #candidates do
      local c = candidates[k]
      local score, theirs = 0, theme_set[c]
      for i = 1, #mine do
        if theirs[mine[i]] then score = score + weights[i] end
      end
      local shared, others = 0, agency_list[c]
      for i = 1, #others do
        if agencies[others[i]] then shared = shared + 1 end
      end
      if shared > 2 then shared = 2 end
      score = score + audience_weight * shared
      if use_text then score = score + text_weight * (text_score[c] or 0) end
      if score >= threshold - 0.001 then
        -- Rounded, so that sums taken in another order compare equal.
        score = math.floor(score * 1000 + 0.5) / 1000
        if score >= threshold then offer(best, { doc = c, score = score }) end
      end
    end

    if #best > 0 then
      local related = {}
      for i, item in ipairs(best) do related[i] = item.doc end
      d.related = related
      d.has_related = true
    end
  end
end

return p
