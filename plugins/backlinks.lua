-- backlinks: "referenced by" for every document, saying where.
--
-- casebook already knows which documents link to which. This plugin reads
-- each linking document to find the section the link sits in, so a reader
-- of a briefing sees not only that a review refers to it but that it does
-- so under "Key learning", and can jump straight there.
--
-- Sets on each document that others link to:
--   doc.backlinks      a list of { doc = the linking document,
--                        sections = { { text = heading, url = link to it } },
--                        has_sections = whether any section is known }
--   doc.has_backlinks  true

local p = {}

-- No options: casebook warns about any casebook.yml gives it.
p.options = {}

-- The sections of html that link to other documents: returns a table
-- from a document's slug to the ids of the headings the links sit under
-- (in order, each once; "" for links above the first heading).
local function links_by_section(html)
  -- Plain searches (no patterns) keep this quick on long documents.
  local found = {}
  local heading, next_h = "", html:find("<h", 1, true)
  local at = html:find('<a href="../documents/', 1, true)
  while at do
    -- The last heading before this link.
    while next_h and next_h < at do
      local id = html:match('^<h[2-6] id="([^"]*)"', next_h)
      if id then heading = id end
      next_h = html:find("<h", next_h + 2, true)
    end
    local slug = html:match('^<a href="%.%./documents/([^/#"]+)%.html', at)
    if slug then
      local sections = found[slug]
      if not sections then
        sections = {}
        found[slug] = sections
      end
      local seen = false
      for _, id in ipairs(sections) do seen = seen or id == heading end
      if not seen then sections[#sections + 1] = heading end
    end
    at = html:find('<a href="../documents/', at + 1, true)
  end
  return found
end

function p.site(site)
  local refs = {}
  -- Documents are visited in site order, so each list comes out newest
  -- first, like the rest of the site.
  for _, source in ipairs(site.documents) do
    local links = source.links
    if #links > 0 then
      -- The documents it links to, by the slug their address uses.
      local by_slug = {}
      for _, path in ipairs(links) do
        local target = site.by_path[path]
        if target then by_slug[target.slug] = target end
      end
      local text_of = {}
      for _, h in ipairs(source.headings) do text_of[h.id] = h.text end
      for slug, sections in pairs(links_by_section(source.html)) do
        local target = by_slug[slug]
        if target and target ~= source then
          local entry = { doc = source, sections = {} }
          for _, id in ipairs(sections) do
            if id ~= "" and text_of[id] then
              entry.sections[#entry.sections + 1] = { text = text_of[id], url = source.url .. "#" .. id }
            end
          end
          entry.has_sections = #entry.sections > 0
          if entry.has_sections then entry.sections[#entry.sections].last = true end
          refs[target] = refs[target] or {}
          table.insert(refs[target], entry)
        end
      end
    end
  end

  for _, d in ipairs(site.documents) do
    if refs[d] then
      d.backlinks = refs[d]
      d.has_backlinks = true
    end
  end
end

return p
