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

-- Plain text of a table cell's HTML.
local entities = { amp = "&", lt = "<", gt = ">", quot = '"', ["#39"] = "'" }
local function plain(html)
  local s = html
  if s:find("<", 1, true) then s = s:gsub("<[^>]*>", "") end
  if s:find("&", 1, true) then s = s:gsub("&(#?%w+);", entities) end
  if s:find("^%s") or s:find("%s$") then s = s:match("^%s*(.-)%s*$") end
  return s
end

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

-- Where the contents of each element between positions from and to
-- start and end, in order, as a list of {first, last}: each runs from the
-- end of an opening tag (open, such as "<tr>", or with attributes "<td"
-- up to the next ">") to the next closing tag close. Plain searches,
-- because patterns such as "<td[^>]*>(.-)</td>" try every character of a
-- long page one at a time.
local function elements(html, open, attributes, close, from, to)
  local found = {}
  while true do
    local s = html:find(open, from, true)
    if not s or s + #open - 1 > to then break end
    local first = s + #open
    if attributes then
      local gt = html:find(">", first, true)
      if not gt then break end
      first = gt + 1
    end
    local e = html:find(close, first, true)
    if not e or e + #close - 1 > to then break end
    found[#found + 1] = { first, e - 1 }
    from = e + #close
  end
  return found
end

-- Actions from the RAG tables of a document's HTML.
local function table_actions(html)
  local found = {}
  local from = 1
  while true do
    -- Plain searches find each table quickly in a long page.
    local s = html:find("<table>", from, true)
    if not s then break end
    local e = html:find("</table>", s, true) or #html
    local tbl = html:sub(s, e)
    from = e + 1
    local cols, have = {}, {}
    local head = elements(tbl, "<thead>", false, "</thead>", 1, #tbl)[1]
    if head then
      for i, cell in ipairs(elements(tbl, "<th", true, "</th>", head[1], head[2])) do
        local c = column_of(plain(tbl:sub(cell[1], cell[2])))
        if c and not have[c] then cols[i], have[c] = c, true end
      end
    end
    if have.action and have.rag then
      local body = elements(tbl, "<tbody>", false, "</tbody>", 1, #tbl)[1]
      for _, row in ipairs(body and elements(tbl, "<tr>", false, "</tr>", body[1], body[2]) or {}) do
        local a, k = {}, 0
        for _, cell in ipairs(elements(tbl, "<td", true, "</td>", row[1], row[2])) do
          k = k + 1
          if cols[k] then a[cols[k]] = plain(tbl:sub(cell[1], cell[2])) end
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
      list, anchor = table_actions(d.html), ""
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
