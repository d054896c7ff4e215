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

-- casebook checks casebook.yml's options against these (a warning for an
-- unknown or mistyped one) and fills in the defaults once this file has
-- run; code at the top of the file runs before that, so it falls back on
-- the defaults itself.
p.options = {
  max = { type = "integer", default = 5, doc = "documents listed" },
  threshold = { type = "number", default = 3, doc = "lowest score listed" },
  theme_weight = { type = "number", default = 2, doc = "per shared theme, times the share of documents without it" },
  audience_weight = { type = "number", default = 1, doc = "per shared agency, at most two" },
  text_weight = { type = "number", default = 3, doc = "for the best text match, less for weaker ones" },
  window = { type = "integer", default = 8, doc = "neighbours on each side, per theme" },
  text_max_documents = { type = "integer", default = 1000, doc = "text search only for libraries this size or smaller" },
}

local o = casebook.options
local function number(name) return tonumber(o[name]) or p.options[name].default end
local max = number("max")
local threshold = number("threshold")
local theme_weight = number("theme_weight")
local audience_weight = number("audience_weight")
local text_weight = number("text_weight")
local window = number("window")
local text_max = number("text_max_documents")

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

-- Every id in list gets a bit of its own (in the order first met), for
-- sets that are compared many times: a document's themes and agencies
-- become one integer each, and what two documents share is a single `&`.
-- Returns nil when there are more ids than bits, or a list names an id
-- twice (which the comparison below counts twice).
local function bits_of(lists, n)
  local bit, next_bit, masks = {}, 0, {}
  for i = 1, n do
    local list, m = lists[i], 0
    for k = 1, #list do
      local id = list[k]
      local b = bit[id]
      if not b then
        if next_bit == 64 then return nil end
        b = 1 << next_bit
        next_bit = next_bit + 1
        bit[id] = b
      end
      if m & b ~= 0 then return nil end
      m = m | b
    end
    masks[i] = m
  end
  return masks, bit
end

function p.site(site)
  local docs = site.documents
  local n = #docs
  if n < 2 then return end

  -- Documents are numbered in site order; everything below works on the
  -- numbers, which index plain arrays.
  local number = {}
  for i = 1, n do number[docs[i]] = i end

  -- Each document's themes and agencies, as lists and as sets.
  local theme_list, theme_set, agency_list, agency_set = {}, {}, {}, {}
  for i = 1, n do
    local d = docs[i]
    local themes, agencies, t, a = d.themes, d.audience, {}, {}
    for k = 1, #themes do t[themes[k]] = true end
    for k = 1, #agencies do a[agencies[k]] = true end
    theme_list[i], theme_set[i], agency_list[i], agency_set[i] = themes, t, agencies, a
  end
  -- Each theme's documents (newest first, like the site), each
  -- document's place in them, and the theme's weight: a theme on half
  -- the library counts half as much as a rare one.
  local members, weight, place = {}, {}, {}
  for _, theme in ipairs(site.themes) do
    local list, nums, at = theme.documents, {}, {}
    for k = 1, #list do
      local i = number[list[k]]
      nums[k] = i
      at[i] = k
    end
    members[theme.id] = nums
    weight[theme.id] = theme_weight * (1 - #list / n)
    place[theme.id] = at
  end
  -- The same sets as bits, when they fit (they do unless a library has
  -- more than 64 themes or agencies).
  local theme_bits, agency_bits, agency_bit = bits_of(theme_list, n), bits_of(agency_list, n)
  if not agency_bits then theme_bits = nil end

  local use_text = text_weight > 0 and n <= text_max
  -- How many titles each word is in; a word in more than one title in
  -- twenty (or two, in a small library) is too common to search for.
  local in_titles, rare = {}, math.max(2, n // 20)
  if use_text then
    for _, d in ipairs(docs) do
      for _, w in ipairs(title_words(d.title)) do in_titles[w] = (in_titles[w] or 0) + 1 end
    end
  end

  -- What a set of shared agencies (as bits) adds to a score: the weight
  -- for each, at most two. Filled in as sets are met.
  local agency_score = {}
  local function agency_score_of(shared)
    local count = 0
    for _, b in pairs(agency_bit) do
      if shared & b ~= 0 then count = count + 1 end
    end
    if count > 2 then count = 2 end
    agency_score[shared] = audience_weight * count
    return agency_score[shared]
  end

  -- seen[c] == i: document c is already a candidate of document i.
  local seen = {}
  local text_score = {}
  local floor, low = math.floor, threshold - 0.001

  for i = 1, n do
    local d = docs[i]
    local mine = theme_list[i]
    local nmine = #mine
    local weights = {}
    for k = 1, nmine do weights[k] = weight[mine[k]] or 0 end
    local my_themes = theme_bits and theme_bits[i]
    local my_agencies = theme_bits and agency_bits[i]
    local best = {}

    -- What each set of shared themes (as bits) adds to a score, summed in
    -- the order of this document's themes. Filled in as sets are met.
    local theme_score = {}
    local function theme_score_of(c, shared)
      local score, theirs = 0, theme_set[c]
      for k = 1, nmine do
        if theirs[mine[k]] then score = score + weights[k] end
      end
      theme_score[shared] = score
      return score
    end

    -- The score of candidate c, before rounding.
    local function score_of(c)
      local score
      if theme_bits then
        local shared = my_themes & theme_bits[c]
        score = theme_score[shared] or theme_score_of(c, shared)
        shared = my_agencies & agency_bits[c]
        score = score + (agency_score[shared] or agency_score_of(shared))
      else
        local theirs, agencies = theme_set[c], agency_set[i]
        score = 0
        for k = 1, nmine do
          if theirs[mine[k]] then score = score + weights[k] end
        end
        local shared, others = 0, agency_list[c]
        for k = 1, #others do
          if agencies[others[k]] then shared = shared + 1 end
        end
        if shared > 2 then shared = 2 end
        score = score + audience_weight * shared
      end
      if use_text then score = score + text_weight * (text_score[c] or 0) end
      return score
    end

    local function consider(c, score)
      -- Rounded, so that sums taken in another order compare equal.
      score = floor(score * 1000 + 0.5) / 1000
      if score >= threshold and (#best < max or score >= best[max].score) then
        offer(best, { doc = docs[c], score = score })
      end
    end

    -- Candidates: text matches (scored first, so that a neighbour found
    -- by its words too gets their score), and neighbours on each theme.
    seen[i] = i
    local hits = {}
    if use_text then
      local q = title_query(d.title, in_titles, rare)
      if q ~= "" then
        local top = nil
        for _, hit in ipairs(casebook.query(q, max + 1) or {}) do
          local c = number[hit.doc]
          if c ~= i and hit.score > 0 then
            top = top or hit.score
            text_score[c] = hit.score / top
            hits[#hits + 1] = c
          end
        end
      end
    end
    for k = 1, nmine do
      local id = mine[k]
      local list, at = members[id], place[id] and place[id][i]
      if list and at then
        for j = math.max(1, at - window), math.min(#list, at + window) do
          local c = list[j]
          if seen[c] ~= i then
            seen[c] = i
            local score
            if theme_bits and not use_text then
              -- score_of(c) written out, as this runs for every neighbour.
              local shared = my_themes & theme_bits[c]
              score = theme_score[shared] or theme_score_of(c, shared)
              shared = my_agencies & agency_bits[c]
              score = score + (agency_score[shared] or agency_score_of(shared))
            else
              score = score_of(c)
            end
            if score >= low then consider(c, score) end
          end
        end
      end
    end
    for k = 1, #hits do
      local c = hits[k]
      if seen[c] ~= i then
        seen[c] = i
        local score = score_of(c)
        if score >= low then consider(c, score) end
      end
      text_score[c] = nil
    end

    if #best > 0 then
      local related = {}
      for k, item in ipairs(best) do related[k] = item.doc end
      d.related = related
      d.has_related = true
    end
  end
end

return p
