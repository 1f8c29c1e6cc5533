/* The entity network (Cytoscape): readable labels, zoom and fit, expand and collapse a node in
   place (its neighbours from the JSON twin, so the sharing policy applies as on the page),
   grouped shared values, a filter by link kind and a PNG export.
   Markup: <div class="network" data-network="script-id"> plus the controls in entity.html. */
(function () {
  "use strict";

  var LABEL_PX = 11;         // label size on screen, whatever the zoom (never smaller)
  var ALL_LABELS_ZOOM = 0.45; // from this zoom every node is labelled; below, the key ones
  var ALL_LABELS_NODES = 25;  // a drawing this small is labelled in full at any zoom
  var LABEL_WIDTH = 132;      // a label wraps onto more lines past this width on screen (px)
  var PNG_MAX = 3000;        // an exported PNG is at most this many pixels a side
  var RING = 110;             // distance of added neighbours from the node they belong to

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function style() {
    var text = cssVar("--text", "#1c2330"), surface = cssVar("--surface-2", "#f0f2f5");
    return [
      { selector: "node", style: {
          "background-color": "#8c96a8", "label": "", "color": text,
          "font-size": LABEL_PX, "text-valign": "bottom", "text-margin-y": 4,
          "text-wrap": "wrap", "text-max-width": LABEL_WIDTH,
          "text-background-color": surface, "text-background-opacity": 0.85,
          "text-background-padding": 2, "text-background-shape": "roundrectangle",
          "width": "mapData(risk, 0, 1, 16, 36)", "height": "mapData(risk, 0, 1, 16, 36)" } },
      { selector: "node.labelled, node.hub, node[?watchlisted], node[?on_path], node[?focus], node[?group], node.hover, node:selected",
        style: { "label": "data(label)" } },
      { selector: "node[?watchlisted]", style: { "background-color": "#c62828" } },
      { selector: "node[?on_path]", style: { "border-width": 3, "border-color": "#e5534b" } },
      { selector: "node[?focus]", style: {
          "background-color": "#1f6feb", "border-width": 5, "border-color": "#9ec2ff",
          "font-weight": "bold", "z-index": 10 } },
      { selector: "node[?focus][?watchlisted]", style: { "border-color": "#c62828" } },
      { selector: "node[?group]", style: {
          "shape": "round-rectangle", "background-color": "#bf8700", "width": 30, "height": 22,
          "text-max-width": 220 } },
      { selector: "node.expanded", style: { "border-width": 2, "border-style": "dashed",
          "border-color": "#1f6feb" } },
      { selector: "node:selected", style: { "overlay-opacity": 0.12, "overlay-color": "#1f6feb" } },
      { selector: "edge", style: {
          "width": 1.5, "line-color": "#c3cad6", "curve-style": "bezier", "label": "",
          "font-size": LABEL_PX - 1, "color": "#5d6778", "text-rotation": "autorotate",
          "text-background-color": surface, "text-background-opacity": 0.85 } },
      { selector: "edge.hover", style: { "label": "data(label)" } },
      { selector: "edge[?on_path]", style: { "width": 4, "line-color": "#e5534b" } }
    ];
  }

  /* Folded group members and links of an unticked kind are hidden (a display bypass: class
     selectors alone did not always re-render after other bypasses). */
  function refresh(cy) {
    cy.elements().forEach(function (el) {
      var hide = el.hasClass("folded") || el.hasClass("kind-hidden");
      el.style("display", hide ? "none" : "element");
    });
  }

  /* Labels keep LABEL_PX on screen; below ALL_LABELS_ZOOM only the key nodes keep theirs. */
  function fitLabels(cy) {
    var zoom = cy.zoom();
    cy.batch(function () {
      cy.nodes().style("font-size", LABEL_PX / zoom);
      cy.nodes("[!group]").style("text-max-width", LABEL_WIDTH / zoom);
      cy.nodes("[?group]").style("text-max-width", 260 / zoom);
      cy.edges().style("font-size", (LABEL_PX - 1) / zoom);
      var few = cy.nodes(":visible").length <= ALL_LABELS_NODES;
      if (few || zoom >= ALL_LABELS_ZOOM || cy.scratch("_allLabels")) cy.nodes().addClass("labelled");
      else cy.nodes().removeClass("labelled");
    });
  }

  function layout(cy, fit) {
    cy.layout({ name: "cose", animate: false, padding: 24, nodeRepulsion: 400000,
                idealEdgeLength: 120, nodeOverlap: 40, gravity: 0.15, numIter: 2000,
                randomize: false, fit: fit !== false }).run();
    fitLabels(cy);
  }

  /* Grouped entities start folded into their group node; a click on the group unfolds them. */
  function toggleGroup(cy, group) {
    var members = cy.nodes('[in_group = "' + group.id() + '"]');
    var folded = members.first().hasClass("folded");
    if (folded) placeAround(cy, group, members);
    members.toggleClass("folded", !folded);
    members.connectedEdges().toggleClass("folded", !folded);
    refresh(cy);
    fitLabels(cy);
  }

  /* Added nodes go on an arc around ``center``, facing away from the rest of the drawing, and
     nothing else moves: expanding or unfolding never re-lays out (and jumps) the whole graph. */
  function placeAround(cy, center, nodes) {
    var c = center.position(), others = cy.nodes(":visible").not(nodes).not(center);
    var away = 0;
    if (others.nonempty()) {
      var sx = 0, sy = 0;
      others.forEach(function (n) { sx += n.position("x"); sy += n.position("y"); });
      away = Math.atan2(c.y - sy / others.length, c.x - sx / others.length);
      if (Math.abs(c.x - sx / others.length) + Math.abs(c.y - sy / others.length) < 1) away = -Math.PI / 2;
    }
    var count = nodes.length;
    var span = Math.min(2 * Math.PI, Math.max(Math.PI / 2, count * 0.45));
    var radius = Math.max(RING, (count * 42) / span);
    nodes.forEach(function (n, i) {
      var angle = count === 1 ? away : away - span / 2 + (span * (i + 0.5)) / count;
      n.position({ x: c.x + radius * Math.cos(angle), y: c.y + radius * Math.sin(angle) });
    });
  }

  function announce(box, text) {
    var status = box.querySelector("[data-network-status]");
    if (status) status.textContent = text;
  }

  /* Expand: add the node's neighbours (one hop, from the JSON twin) in place; collapse: take
     away what that expansion added (nodes another expansion also brought stay). */
  function expand(cy, node, box) {
    var id = node.id();
    if (node.hasClass("expanded")) {
      var added = node.scratch("_added") || [];
      cy.remove(cy.collection(added.map(function (x) { return cy.getElementById(x); }))
        .filter(function (el) { return (el.scratch("_by") || []).length <= 1; }));
      node.removeClass("expanded");
      announce(box, "Collapsed " + node.data("label") + ".");
      fitLabels(cy);
      return;
    }
    announce(box, "Loading the links of " + node.data("label") + "…");
    fetch("/api/v1/entities/" + encodeURIComponent(id) + "?hops=1", {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error("the server answered " + response.status);
      return response.json();
    }).then(function (model) {
      var added = [];
      function mark(el) {
        el.scratch("_by", (el.scratch("_by") || []).concat([id]));
      }
      model.nodes.forEach(function (n) {
        var existing = cy.getElementById(n.entity_id);
        if (existing.nonempty()) return;
        var el = cy.add({ group: "nodes", data: {
          id: n.entity_id, label: n.name || n.entity_id, risk: n.network_risk || 0,
          watchlisted: !!n.watchlisted, hops: n.hops, href: "/entities/" + n.entity_id },
          position: { x: node.position("x"), y: node.position("y") } });
        mark(el);
        added.push(el.id());
      });
      model.edges.forEach(function (e) {
        var eid = e.source + ">" + e.target;
        if (cy.getElementById(eid).nonempty() || cy.getElementById(e.target + ">" + e.source).nonempty()) return;
        if (cy.getElementById(e.source).empty() || cy.getElementById(e.target).empty()) return;
        var el = cy.add({ group: "edges", data: { id: eid, source: e.source, target: e.target,
          label: e.kind || "", kind: e.kind || "link" } });
        mark(el);
        added.push(eid);
      });
      node.scratch("_added", added);
      node.addClass("expanded");
      placeAround(cy, node, cy.collection(added.map(function (x) { return cy.getElementById(x); })).nodes());
      applyKindFilter(cy, box);
      fitLabels(cy);
      var left = model.left_out_nodes ? " (" + model.left_out_nodes + " more left out: open its profile)" : "";
      var count = added.filter(function (x) { return x.indexOf(">") < 0; }).length;
      announce(box, count ? "Added " + count + (count === 1 ? " entity" : " entities") + " linked to " +
        node.data("label") + left + "." : "Every entity linked to " + node.data("label") + " is already drawn.");
    }).catch(function (err) {
      announce(box, "Could not load the links: " + err.message);
    });
  }

  function applyKindFilter(cy, box) {
    var hidden = {};
    box.querySelectorAll("[data-link-kind]").forEach(function (input) {
      if (!input.checked) hidden[input.value] = true;
    });
    cy.edges().forEach(function (e) { e.toggleClass("kind-hidden", !!hidden[e.data("kind")]); });
    cy.nodes("[?group]").forEach(function (g) { g.toggleClass("kind-hidden", !!hidden[g.data("kind")]); });
    refresh(cy);
  }

  function download(cy, el) {
    // At most PNG_MAX px a side: a full drawing at twice its size can be a canvas too big for
    // the browser (the tab crashes on a spread-out network). Cytoscape ignores maxWidth and
    // maxHeight when a scale is given, so the scale is worked out here.
    var box = cy.elements().boundingBox();  // what cy.png({full: true}) draws
    var scale = Math.min(2, PNG_MAX / Math.max(box.w, 1), PNG_MAX / Math.max(box.h, 1));
    var blob = cy.png({ full: true, scale: scale, output: "blob",
                        bg: cssVar("--surface", "#ffffff") });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = (el.dataset.name || "network") + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  /* What the panel and the tooltip say of a node besides its full name. */
  function facts(node) {
    var out = [];
    if (node.data("focus")) out.push("this entity");
    else if (node.data("hops") != null) out.push(node.data("hops") + (node.data("hops") === 1 ? " link" : " links") + " away");
    if (node.data("watchlisted")) out.push("watchlisted");
    if (node.data("risk")) out.push("network risk " + Math.round(node.data("risk") * 100) + " %");
    return out.join(" · ");
  }

  /* A node's full name on hover (labels wrap, but a dense drawing hides some). */
  function tooltip(cy, el) {
    var tip = document.createElement("div");
    tip.className = "network-tip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.appendChild(tip);
    function hide() { tip.hidden = true; }
    cy.on("mouseover", "node", function (evt) {
      var node = evt.target, at = node.renderedPosition(), box = el.getBoundingClientRect();
      tip.textContent = "";
      var name = document.createElement("strong");
      name.textContent = node.data("label");
      tip.appendChild(name);
      var more = node.data("group") ? "click to unfold" : facts(node);
      if (more) { var line = document.createElement("span"); line.textContent = more; tip.appendChild(line); }
      tip.hidden = false;
      var left = Math.min(box.left + at.x + 12, window.innerWidth - tip.offsetWidth - 8);
      tip.style.left = Math.max(8, left) + "px";
      tip.style.top = Math.max(8, box.top + at.y - tip.offsetHeight - 12) + "px";
    });
    cy.on("mouseout", "node", hide);
    cy.on("pan zoom tapstart", hide);
    window.addEventListener("scroll", hide, { passive: true });
  }

  function showSelected(box, node) {
    var panel = box.querySelector("[data-network-selected]");
    if (!panel) return;
    if (!node || node.data("group")) { panel.hidden = true; return; }
    panel.hidden = false;
    panel.querySelector("[data-selected-name]").textContent = node.data("label");
    var about = panel.querySelector("[data-selected-facts]");
    if (about) about.textContent = facts(node);
    panel.querySelector("[data-selected-open]").href = node.data("href");
    var button = panel.querySelector("[data-selected-expand]");
    if (button) button.textContent = node.hasClass("expanded") ? "Collapse its links" : "Expand its links here";
  }

  function draw(el) {
    if (el.dataset.drawn || typeof window.cytoscape !== "function") return;
    var graph = readJson(el.dataset.network);
    if (!graph) return;
    el.dataset.drawn = "1";
    var box = el.closest("[data-network-box]") || document;
    var cy = window.cytoscape({
      container: el,
      elements: graph.nodes.concat(graph.groups || [], graph.edges, graph.group_edges || []),
      style: style(), minZoom: 0.1, maxZoom: 4
    });
    cy.nodes("[in_group]").addClass("folded").connectedEdges().addClass("folded");
    cy.edges("[?group_edge]").removeClass("folded");
    refresh(cy);
    cy.nodes().filter(function (n) { return n.degree() >= 4; }).addClass("hub");  // always named
    layout(cy, true);
    cy.on("zoom", function () { fitLabels(cy); });
    tooltip(cy, el);
    cy.on("mouseover", "node, edge", function (evt) { evt.target.addClass("hover"); });
    cy.on("mouseout", "node, edge", function (evt) { evt.target.removeClass("hover"); });
    var selected = null;
    cy.on("tap", "node", function (evt) {
      var node = evt.target;
      if (node.data("group")) { toggleGroup(cy, node); return; }
      selected = node;
      showSelected(box, node);
    });
    cy.on("dbltap", "node", function (evt) {
      var href = evt.target.data("href");
      if (href) window.location.href = href;
    });
    cy.on("tap", function (evt) { if (evt.target === cy) { selected = null; showSelected(box, null); } });
    box.addEventListener("click", function (evt) {
      var button = evt.target.closest("[data-network-action]");
      if (!button) return;
      var action = button.dataset.networkAction;
      if (action === "zoom-in") cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: el.clientWidth / 2, y: el.clientHeight / 2 } });
      else if (action === "zoom-out") cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: el.clientWidth / 2, y: el.clientHeight / 2 } });
      else if (action === "fit") cy.fit(undefined, 24);
      else if (action === "png") download(cy, el);
      else if (action === "expand" && selected) { expand(cy, selected, box); showSelected(box, selected); }
      else if (action === "labels") {
        cy.scratch("_allLabels", !cy.scratch("_allLabels"));
        button.setAttribute("aria-pressed", cy.scratch("_allLabels") ? "true" : "false");
      }
      fitLabels(cy);
    });
    box.addEventListener("change", function (evt) {
      if (evt.target.matches("[data-link-kind]")) applyKindFilter(cy, box);
    });
    var resizing = null;
    window.addEventListener("resize", function () {  // a turned phone, a resized window
      window.clearTimeout(resizing);
      resizing = window.setTimeout(function () { cy.resize(); cy.fit(undefined, 24); fitLabels(cy); }, 150);
    });
    el.classList.add("network-ready");
    el._cy = cy;
  }

  function drawAll(root) { root.querySelectorAll("[data-network]").forEach(draw); }

  /* Depth: the select submits its form (no inline handler: the CSP forbids them). */
  function wireDepth(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); wireDepth(document); });
})();
