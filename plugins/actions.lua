-- actions: one dashboard of every action in every action plan.
--
-- An action comes from a document's front matter (`actions:` with action,
-- owner, due, rag and evidence) or, for an action plan whose front matter
-- has none, from a table in its body whose header has an "Action" column
-- and a "RAG" column (Owner, Due and Evidence columns are read when
-- present).
-- actions.html shows how many are red, amber and green, lists those past
-- their due date and not green, then every action by RAG rating and due
-- date, and who owns how many. "Overdue" is judged against the build's
-- date (the date of the commit being built), so a rebuild of the same
-- commit always says the same.
--
-- Options:
--   page: true     # write actions.html

local p = {}

local want_page = casebook.options.page ~= false

local months = { "January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December" }

-- "31 March 2026" for "2026-03-31".
local function date_label(date)
  local y, m, d = (date or ""):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y or not months[tonumber(m)] then return date or "" end
  return tonumber(d) .. " " .. months[tonumber(m)] .. " " .. y
end

local rag_label = { red = "Red", amber = "Amber", green = "Green" }
local rag_order = { red = 1, amber = 2, [""] = 3, green = 4 }

local function rag_of(text)
  local t = (text or ""):lower():match("^%s*(%a+)")
  if t == "r" then t = "red" elseif t == "a" then t = "amber" elseif t == "g" then t = "green" end
  return rag_label[t] and t or ""
end

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
    local head = tbl:match("<thead>(.-)</thead>") or ""
    local i = 0
    for cell in head:gmatch("<th[^>]*>(.-)</th>") do
      i = i + 1
      local c = column_of(plain(cell))
      if c and not have[c] then cols[i], have[c] = c, true end
    end
    if have.action and have.rag then
      for row in (tbl:match("<tbody>(.-)</tbody>") or ""):gmatch("<tr>(.-)</tr>") do
        local a, k = {}, 0
        for cell in row:gmatch("<td[^>]*>(.-)</td>") do
          k = k + 1
          if cols[k] then a[cols[k]] = plain(cell) end
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
        rag_label = rag_label[rag] or "Not rated",
        evidence = a.evidence or "",
        overdue = a.due ~= nil and rag ~= "green" and a.due < today,
        doc = d,
        source_url = d.url .. anchor,
      }
    end
  end
  if not want_page or #all == 0 then return end

  -- By RAG (red first), then due date (undated last), owner and wording.
  table.sort(all, function(x, y)
    if x.rag ~= y.rag then return rag_order[x.rag] < rag_order[y.rag] end
    if x.due ~= y.due then
      if x.due == "" or y.due == "" then return y.due == "" end
      return x.due < y.due
    end
    if x.owner ~= y.owner then return x.owner < y.owner end
    if x.action ~= y.action then return x.action < y.action end
    return x.doc.path < y.doc.path
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
  table.sort(overdue, function(x, y)
    if x.due ~= y.due then return x.due < y.due end
    if x.action ~= y.action then return x.action < y.action end
    return x.doc.path < y.doc.path
  end)
  table.sort(owners, function(x, y) return x.owner < y.owner end)

  local summary = { total = #all, overdue = #overdue }
  for _, rag in ipairs({ "red", "amber", "green" }) do
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
