#!/usr/bin/env bash
# Part of `make bench`: a minimal Hugo site over the same corpus, with the
# same taxonomies (themes, type, area), so Hugo does comparable work: one
# page per document, one page per theme, a home page.
#   tests/bench/hugo-site.sh CORPUS SITE
set -eu
corpus=$1
site=$2
rm -rf "$site"
mkdir -p "$site/layouts/_default" "$site/content"
cp -R "$corpus/content/." "$site/content/"
cat >"$site/hugo.toml" <<'TOML'
baseURL = "https://example.org/"
title = "bench"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[taxonomies]
  theme = "themes"
  area = "area"
[markup.goldmark.renderer]
  unsafe = false
TOML
cat >"$site/layouts/_default/baseof.html" <<'HTML'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main>{{ block "main" . }}{{ end }}</main></body></html>
HTML
cat >"$site/layouts/_default/single.html" <<'HTML'
{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>
<ul>{{ range .Params.themes }}<li><a href="{{ "themes/" | relURL }}{{ . | urlize }}/">{{ . }}</a></li>{{ end }}</ul>
{{ .Content }}{{ end }}
HTML
cat >"$site/layouts/_default/list.html" <<'HTML'
{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
HTML
cp "$site/layouts/_default/list.html" "$site/layouts/index.html"
