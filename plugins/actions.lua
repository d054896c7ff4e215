-- actions: one dashboard of every action in every action plan.
--
-- An action comes from a document's front matter (`actions:` with action,
-- owner, due, rag and evidence) or, for an action plan whose front matter
-- has none, from a table in its body whose header has an "Action" column
-- and a "RAG" column (Owner, Due and Evidence columns are read when
-- present).
-- actions.html shows how many are red, amber, green and blue (done; the
-- BRAG convention, "complete" accepted), lists those past their due date
-- and neither green nor blue, then every action by RAG rating and due
-- date, and who owns how many. "Overdue" is judged against the build's
-- date (the date of the commit being built), so a rebuild of the same
-- commit always says the same.
--
-- Options:
--   page: true     # write actions.html

local p = {}

-- Checked against casebook.yml by casebook (see related.lua).
p.options = {
  page = { type = "boolean", default = true, doc = "write actions.html" },
}

local want_page = casebook.options.page ~= false

-- "31 March 2026" for "2026-03-31": the host's label, as on every page.
local date_label = casebook.date_label

-- BRAG: blue is an action that is done ("complete" in many plans).
local ratings = { red = true, amber = true, green = true, blue = true }
local rag_order = { red = 1, amber = 2, [""] = 3, green = 4, blue = 5 }
local rag_word = { r = "red", a = "amber", g = "green", b = "blue", complete = "blue", completed = "blue",
  done = "blue" }

local function rag_of(text)
  local t = (text or ""):lower():match("^%s*(%a+)")
  t = rag_word[t] or t
  return ratings[t] and t or ""
end

-- Done, so never overdue: blue, and green (on track).
local function done(rag) return rag == "blue" or rag == "green" end

-- Which column holds what, from the header's words.
local function column_of(header)
  local h = header:lower()
  if h:find("rag") then return "rag" end
  if h:find("action") or h:find("recommendation") then return "action" end
  if h:find("owner") or h:find("lead") or h:find("responsib") then return "owner" end
  if h:find("due") or h:find("deadline") or h:find("by when") or h:find("date") then return "due" end
  if h:find("evidence") or h:find("impact") or h:find("progress") then return "evidence" end
  return nil
end

-- Actions from the RAG tables of a document (doc.tables: each cell's text).
local function table_actions(tables)
  local found = {}
  for _, t in ipairs(tables) do
    local cols, have = {}, {}
    for i, text in ipairs(t.header) do
      local c = column_of(text)
      if c and not have[c] then cols[i], have[c] = c, true end
    end
    if have.action and have.rag then
      for _, row in ipairs(t.rows) do
        local a = {}
        for k, text in ipairs(row) do
          if cols[k] then a[cols[k]] = text end
        end
        if a.action and a.action ~= "" then
          a.due = a.due and a.due:match("%d%d%d%d%-%d%d%-%d%d") or nil
          found[#found + 1] = a
        end
      end
    end
  end
  return found
end

-- Sorts list by the text key_of(item) gives each item. Keys join fields
-- with "\0", so they compare field by field, and end with the item's
-- place, so no two tie and the order is the same in every build. Sorting
-- the keys needs no comparison function written in Lua, which a big
-- library would call a few hundred thousand times.
local function sort_by(list, key_of)
  local keys, item_of = {}, {}
  for i, item in ipairs(list) do
    local key = key_of(item) .. "\0" .. string.format("%09d", i)
    keys[i] = key
    item_of[key] = item
  end
  table.sort(keys)
  for i, key in ipairs(keys) do list[i] = item_of[key] end
end

function p.site(site)
  local today = site.build_date
  local all = {}
  for _, d in ipairs(site.documents) do
    local list, anchor = d.actions, "#cb-actions"
    if #list == 0 and d.type == "action-plan" then
      list, anchor = table_actions(d.tables), ""
    end
    for _, a in ipairs(list) do
      local rag = rag_of(a.rag)
      all[#all + 1] = {
        action = a.action,
        owner = a.owner or "",
        due = a.due or "",
        due_label = date_label(a.due),
        rag = rag,
        rag_label = casebook.rag_label(rag),
        evidence = a.evidence or "",
        overdue = a.due ~= nil and not done(rag) and a.due < today,
        doc = d,
        source_url = d.url .. anchor,
      }
    end
  end
  if not want_page or #all == 0 then return end

  -- By RAG (red first), then due date (undated last), owner and wording.
  sort_by(all, function(a)
    return rag_order[a.rag] .. "\0" .. (a.due == "" and "1" or "0" .. a.due) .. "\0" .. a.owner .. "\0" ..
      a.action .. "\0" .. a.doc.path
  end)

  local groups, by_rag = {}, {}
  local overdue, owners, by_owner = {}, {}, {}
  for _, a in ipairs(all) do
    local g = by_rag[a.rag]
    if not g then
      g = { rag = a.rag, label = a.rag_label, actions = {}, id = "cb-rag-" .. (a.rag ~= "" and a.rag or "none") }
      by_rag[a.rag] = g
      groups[#groups + 1] = g
    end
    g.actions[#g.actions + 1] = a
    if a.overdue then overdue[#overdue + 1] = a end
    local name = a.owner ~= "" and a.owner or "No owner given"
    local o = by_owner[name]
    if not o then
      o = { owner = name, count = 0, overdue = 0, red = 0 }
      by_owner[name] = o
      owners[#owners + 1] = o
    end
    o.count = o.count + 1
    if a.overdue then o.overdue = o.overdue + 1 end
    if a.rag == "red" then o.red = o.red + 1 end
  end
  for _, g in ipairs(groups) do g.count = #g.actions end
  sort_by(overdue, function(a) return a.due .. "\0" .. a.action .. "\0" .. a.doc.path end)
  table.sort(owners, function(x, y) return x.owner < y.owner end)

  local summary = { total = #all, overdue = #overdue }
  for _, rag in ipairs({ "red", "amber", "green", "blue" }) do
    summary[rag] = by_rag[rag] and #by_rag[rag].actions or 0
  end
  summary.unrated = by_rag[""] and #by_rag[""].actions or 0

  casebook.add_page {
    path = "actions.html",
    template = "actions",
    title = "Actions",
    nav = "Actions",
    data = {
      summary = summary,
      overdue = overdue,
      has_overdue = #overdue > 0,
      groups = groups,
      owners = owners,
      build_date = today,
      build_date_label = date_label(today),
    },
  }
end

return p
