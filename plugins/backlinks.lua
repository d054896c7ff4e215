-- backlinks: "referenced by" for every document, saying where.
--
-- casebook already knows which documents link to which, and under which
-- heading each link sits (doc.links), so a reader of a briefing sees not
-- only that a review refers to it but that it does so under "Key
-- learning", and can jump straight there.
--
-- Sets on each document that others link to:
--   doc.backlinks      a list of { doc = the linking document,
--                        sections = { { text = heading, url = link to it } },
--                        has_sections = whether any section is known }
--   doc.has_backlinks  true

local p = {}

-- No options: casebook warns about any casebook.yml gives it.
p.options = {}

function p.site(site)
  local refs = {}
  -- Documents are visited in site order, so each list comes out newest
  -- first, like the rest of the site.
  for _, source in ipairs(site.documents) do
    -- The documents it links to, in the order it first links to each,
    -- with the sections the links sit in, each once.
    local entries, order = {}, {}
    for _, link in ipairs(source.links) do
      local target = link.doc
      if target ~= source then
        local entry = entries[target]
        if not entry then
          entry = { doc = source, sections = {}, seen = {} }
          entries[target] = entry
          order[#order + 1] = target
        end
        local id = link.section_id
        if id and not entry.seen[id] then
          entry.seen[id] = true
          entry.sections[#entry.sections + 1] = { text = link.section, url = source.url .. "#" .. id }
        end
      end
    end
    for _, target in ipairs(order) do
      local entry = entries[target]
      entry.seen = nil
      entry.has_sections = #entry.sections > 0
      if entry.has_sections then entry.sections[#entry.sections].last = true end
      refs[target] = refs[target] or {}
      table.insert(refs[target], entry)
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
