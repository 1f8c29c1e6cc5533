/* Ringfence web UI glue: charts, the entity network and error notices.
   Every page is complete without this file; it only enhances what the server rendered. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /* Vega-Lite charts: <div class="chart" data-spec="script-id"> with the spec in a JSON block. */
  function drawCharts(root) {
    if (typeof window.vegaEmbed !== "function") return;
    root.querySelectorAll("[data-spec]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var spec = readJson(el.dataset.spec);
      if (!spec) return;
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
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg", ast: true }).then(function () {
        el.classList.add("chart-ready");
      }).catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err.message;
      });
    });
  }

  /* The entity network: <div class="network" data-network="script-id">. Nodes on the path to
     confirmed counterfeiters are drawn red and the path's edges thick. Clicking opens a node. */
  function drawNetwork(root) {
    if (typeof window.cytoscape !== "function") return;
    root.querySelectorAll("[data-network]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var graph = readJson(el.dataset.network);
      if (!graph) return;
      el.dataset.drawn = "1";
      var cy = window.cytoscape({
        container: el,
        elements: graph.nodes.concat(graph.edges),
        layout: { name: "cose", animate: false, padding: 24, nodeRepulsion: 16000,
                  idealEdgeLength: 110, randomize: false },
        style: [
          { selector: "node", style: {
              "background-color": "#8c96a8", "label": "", "font-size": 10,
              "color": cssVar("--text") || "#1c2330", "text-valign": "bottom",
              "text-margin-y": 4, "width": "mapData(risk, 0, 1, 14, 34)",
              "height": "mapData(risk, 0, 1, 14, 34)", "text-wrap": "ellipsis",
              "text-max-width": 120 } },
          { selector: "node[?watchlisted], node[?on_path], node[?focus], node.hover",
            style: { "label": "data(label)" } },
          { selector: "node[?watchlisted]", style: { "background-color": "#c62828" } },
          { selector: "node[?on_path]", style: { "border-width": 3, "border-color": "#e5534b" } },
          { selector: "node[?focus]", style: {
              "background-color": "#1f6feb", "border-width": 5, "border-color": "#9ec2ff",
              "font-weight": "bold", "z-index": 10 } },
          { selector: "node[?focus][?watchlisted]", style: { "border-color": "#c62828" } },
          { selector: "edge", style: {
              "width": 1.5, "line-color": "#c3cad6", "curve-style": "bezier",
              "font-size": 8, "color": "#8c96a8", "text-rotation": "autorotate" } },
          { selector: "edge.hover", style: { "label": "data(label)" } },
          { selector: "edge[?on_path]", style: { "width": 4, "line-color": "#e5534b" } }
        ]
      });
      cy.on("mouseover", "node, edge", function (evt) { evt.target.addClass("hover"); });
      cy.on("mouseout", "node, edge", function (evt) { evt.target.removeClass("hover"); });
      cy.on("tap", "node", function (evt) {
        var href = evt.target.data("href");
        if (href) window.location.href = href;
      });
      el.classList.add("network-ready");
    });
  }

  function enhance(root) {
    drawCharts(root);
    drawNetwork(root);
  }

  /* Failed htmx requests: show the server's one-line message instead of failing silently. */
  function showNotice(html) {
    var box = document.getElementById("notices");
    if (!box) return;
    box.innerHTML = html;
    box.hidden = false;
    window.clearTimeout(box._timer);
    box._timer = window.setTimeout(function () { box.hidden = true; }, 8000);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { enhance(evt.target); });
  document.addEventListener("htmx:responseError", function (evt) {
    showNotice(evt.detail.xhr.responseText || "The request failed.");
  });
  document.addEventListener("htmx:sendError", function () {
    showNotice('<div class="alert error" role="alert">The server cannot be reached.</div>');
  });
})();
