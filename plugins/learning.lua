-- learning: connects the learning points of the whole library by theme.
--
-- casebook takes learning points from the body of each document (list
-- items under headings such as "Key learning" or "What to do"), and every
-- theme page lists those on its theme, grouped by document. This plugin
-- adds the two views that need the whole library at once:
--
--   * on each document, "More learning on these themes": for each of its
--     themes, how many learning points other documents hold on it (a point
--     is on the themes its own words or hashtags name), linking
--     to that theme's learning (doc.more_learning, doc.has_more_learning);
--   * learning/index.html, "Learning by theme": every theme with its count
--     and its most recent points, each linking to the exact heading it
--     comes from, in the main navigation.
--
-- Options:
--   recent: 3     # points shown per theme on learning/index.html
--   page: true    # write learning/index.html

local p = {}

-- Checked against casebook.yml by casebook (see related.lua).
p.options = {
  recent = { type = "integer", default = 3, doc = "points shown per theme on learning/index.html" },
  page = { type = "boolean", default = true, doc = "write learning/index.html" },
}

local o = casebook.options
local recent = tonumber(o.recent) or p.options.recent.default
local want_page = o.page ~= false

-- Whether list holds value.
local function has(list, value)
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

function p.site(site)
  -- How many of each document's points are on each of its themes: a
  -- point is on the themes its own words or hashtags name, not on every
  -- theme of its document (learning_themes is cheaper than the points).
  local on = {}
  for _, d in ipairs(site.documents) do on[d] = d.learning_themes end

  local totals, overview = {}, {}
  for _, theme in ipairs(site.themes) do
    local points, docs, shown = 0, 0, {}
    for _, d in ipairs(theme.documents) do
      local n = on[d][theme.id] or 0
      if n > 0 then
        points = points + n
        docs = docs + 1
        -- Documents come newest first: the first points are the latest.
        for _, lp in ipairs(#shown < recent and d.learning or {}) do
          if #shown >= recent then break end
          if has(lp.themes, theme.id) then
            shown[#shown + 1] = {
              html = lp.html,
              heading = lp.heading,
              anchor_url = d.url .. "#" .. lp.heading_id,
              doc = d,
            }
          end
        end
      end
    end
    totals[theme.id] = { points = points, docs = docs, theme = theme }
    if points > 0 then
      overview[#overview + 1] = {
        id = theme.id,
        label = theme.label,
        url = theme.url,
        learning_url = theme.url .. "#cb-learning",
        points = points,
        documents = docs,
        one_point = points == 1,
        one_document = docs == 1,
        recent = shown,
        more = points - #shown,
      }
    end
  end

  for _, d in ipairs(site.documents) do
    local more = {}
    for _, id in ipairs(d.themes) do
      local t = totals[id]
      if t then
        -- What the other documents hold on it, not this one.
        local mine = on[d][id] or 0
        local points = t.points - mine
        local docs = t.docs - (mine > 0 and 1 or 0)
        if points > 0 then
          more[#more + 1] = {
            label = t.theme.label,
            learning_url = t.theme.url .. "#cb-learning",
            points = points,
            documents = docs,
            one_point = points == 1,
            one_document = docs == 1,
          }
        end
      end
    end
    if #more > 0 then
      d.more_learning = more
      d.has_more_learning = true
    end
  end

  if want_page and #overview > 0 then
    casebook.add_page {
      path = "learning/index.html",
      template = "learning",
      title = "Learning by theme",
      nav = "Learning",
      data = { themes = overview, count = #overview },
    }
  end
end

return p
