/* Ringfence web UI glue: charts and error notices (the entity network: network.js).
   Every page is complete without this file; it only enhances what the server rendered. */
(function () {
  "use strict";

  var scheme = window.matchMedia("(prefers-color-scheme: dark)");

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /* The charts' colours (ringfence/web/charts.py) as the dark scheme draws them: the same
     hues, lighter, so bars and lines keep their contrast on a dark background. */
  var DARK_COLOURS = { "#1f6feb": "#5b9bff", "#e5534b": "#ff7b72", "#8250df": "#b69cff",
                       "#2da44e": "#5fcf80", "#d29922": "#f0b45a", "#8c959f": "#9aa4b5" };

  function forScheme(spec) {
    if (!scheme.matches) return spec;
    return JSON.parse(JSON.stringify(spec).replace(/#[0-9a-fA-F]{6}\b/g, function (c) {
      return DARK_COLOURS[c.toLowerCase()] || c;
    }));
  }

  /* Vega-Lite charts: <div class="chart" data-spec="script-id"> with the spec in a JSON block. */
  function drawCharts(root) {
    if (typeof window.vegaEmbed !== "function") return;
    root.querySelectorAll("[data-spec]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var spec = readJson(el.dataset.spec);
      if (!spec) return;
      spec = forScheme(spec);
      el.dataset.drawn = "1";
      spec.config = Object.assign({
        font: cssVar("--font") || "system-ui",
        background: null,
        view: { stroke: null },
        axis: { labelColor: cssVar("--muted"), titleColor: cssVar("--muted"),
                gridColor: cssVar("--border"), domainColor: cssVar("--border"),
                tickColor: cssVar("--border") },
        legend: { labelColor: cssVar("--muted"), titleColor: cssVar("--muted") },
        range: { category: ["#1f6feb", "#e5534b", "#2da44e", "#bf8700", "#8250df", "#1b7c83"] }
      }, spec.config || {});
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg", ast: true }).then(function (result) {
        el._view = result.view;
        el.dataset.scheme = scheme.matches ? "dark" : "light";
        el.classList.add("chart-ready");
      }).catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err.message;
      });
    });
  }

  function enhance(root) {
    drawCharts(root);
  }

  /* The charts take their colours from the CSS variables when drawn: draw them again when the
     system switches between light and dark. */
  scheme.addEventListener("change", function () {
    document.querySelectorAll("[data-spec][data-drawn]").forEach(function (el) {
      if (el._view) el._view.finalize();
      el._view = null;
      el.classList.remove("chart-ready");
      delete el.dataset.drawn;
      el.textContent = "";
    });
    drawCharts(document);
  });

  /* Failed htmx requests: show the server's one-line message instead of failing silently. */
  function showNotice(html) {
    var box = document.getElementById("notices");
    if (!box) return;
    box.innerHTML = html;
    box.hidden = false;
    window.clearTimeout(box._timer);
    box._timer = window.setTimeout(function () { box.hidden = true; }, 8000);
  }

  /* Ingest form: choosing a feed picks the organisation's own mapping for it when it has
     exactly one (else "None"), as the server does for the default feed (data-default). */
  document.addEventListener("change", function (evt) {
    var feed = evt.target;
    if (!feed || feed.id !== "u-feed") return;
    var mapping = document.getElementById("u-mapping");
    if (!mapping) return;
    var own = Array.prototype.filter.call(mapping.options, function (o) {
      return o.dataset.default === "1" && o.dataset.feed === feed.value;
    });
    mapping.value = own.length === 1 ? own[0].value : "";
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { enhance(evt.target); });
  document.addEventListener("htmx:responseError", function (evt) {
    showNotice(evt.detail.xhr.responseText || "The request failed.");
  });
  document.addEventListener("htmx:sendError", function () {
    showNotice('<div class="alert error" role="alert">The server cannot be reached.</div>');
  });
})();
