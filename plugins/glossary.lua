-- glossary: explains acronyms from glossary.yml where readers meet them.
--
-- On every document page the first use of each glossary term in the text
-- becomes <abbr title="what it stands for">TERM</abbr>, so a reader can
-- hover or tap to see the expansion (screen readers can announce it too).
-- Only text is changed: never the inside of a tag or an attribute, code,
-- a heading, or a link. The site also gets glossary.html listing every
-- term, linked from the main navigation.
--
-- Options:
--   page: true            # write glossary.html (true by default)
--   abbreviate: true      # add <abbr> to documents (true by default)

local p = {}

-- Checked against casebook.yml by casebook (see related.lua).
p.options = {
  page = { type = "boolean", default = true, doc = "write glossary.html" },
  abbreviate = { type = "boolean", default = true, doc = "add <abbr> to documents" },
}

local options = casebook.options
local want_page = options.page ~= false
local want_abbr = options.abbreviate ~= false

local terms = casebook.glossary()
if #terms == 0 then return p end -- no glossary.yml: nothing to do

-- Terms are matched with their capitals ("DA" is an acronym, "da" is not).
local words = {}
local by_term = {}
for _, t in ipairs(terms) do
  words[#words + 1] = t.term
  by_term[t.term] = t
end
local matcher = casebook.matcher(words, true)

-- A Lua pattern for the term as it appears in HTML text ("A&E" is written
-- "A&amp;E"), standing alone rather than inside a longer word.
local function pattern(term)
  local escaped = casebook.escape(term):gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  local before = term:find("^%w") and "%f[%w]" or ""
  local after = term:find("%w$") and "%f[%W]" or ""
  return before .. escaped .. after
end

-- Elements whose text is left alone.
local keep_out = { code = true, pre = true, a = true, abbr = true, h1 = true, h2 = true, h3 = true,
  h4 = true, h5 = true, h6 = true, script = true, style = true }

-- Finds where each wanted term is first used in the text of html, and
-- returns the places sorted by position.
local function first_uses(html, wanted)
  local places, left = {}, 0
  local pats = {}
  for term in pairs(wanted) do
    pats[term] = pattern(term)
    left = left + 1
  end
  local depth = 0 -- inside how many keep_out elements
  local pos = 1
  while left > 0 and pos <= #html do
    local lt = html:find("<", pos, true) or (#html + 1)
    if depth == 0 and lt > pos then
      -- Text from pos to lt - 1: look for each term not yet placed.
      local text = html:sub(pos, lt - 1)
      for term, pat in pairs(pats) do
        local s, e = text:find(pat)
        if s then
          places[#places + 1] = { at = pos + s - 1, stop = pos + e - 1, term = term }
          pats[term] = nil
          left = left - 1
        end
      end
    end
    if lt > #html then break end
    local gt = html:find(">", lt, true)
    if not gt then break end
    local closing, name = html:sub(lt, gt):match("^<(/?)(%w+)")
    if name and keep_out[name:lower()] then
      depth = depth + (closing == "/" and -1 or 1)
      if depth < 0 then depth = 0 end
    end
    pos = gt + 1
  end
  -- Where two terms start at one place the longer wins ("CP-IS" over "CP").
  table.sort(places, function(a, b)
    if a.at ~= b.at then return a.at < b.at end
    if a.stop ~= b.stop then return a.stop > b.stop end
    return a.term < b.term
  end)
  return places
end

function p.document(doc)
  if not want_abbr then return end
  -- Cheap first look: which terms the document uses at all.
  local used = matcher:count(doc.text)
  if next(used) == nil then return end
  local html = doc.html
  local places = first_uses(html, used)
  if #places == 0 then return end
  local out, from = {}, 1
  for _, place in ipairs(places) do
    if place.at >= from then
      local t = by_term[place.term]
      out[#out + 1] = html:sub(from, place.at - 1)
      out[#out + 1] = '<abbr title="' .. casebook.escape(t.expansion) .. '">'
      out[#out + 1] = html:sub(place.at, place.stop)
      out[#out + 1] = "</abbr>"
      from = place.stop + 1
    end
  end
  out[#out + 1] = html:sub(from)
  doc.html = table.concat(out)
end

function p.site(site)
  if not want_page then return end
  local list = {}
  for _, t in ipairs(terms) do
    list[#list + 1] = {
      term = t.term,
      expansion = t.expansion,
      description = t.description or "",
      id = "term-" .. casebook.slug(t.term),
    }
  end
  casebook.add_page {
    path = "glossary.html",
    template = "glossary",
    title = "Glossary",
    nav = "Glossary",
    data = { terms = list, count = #list },
  }
end

return p
