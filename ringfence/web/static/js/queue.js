/* Ringfence queues (inspection and listing): keyboard triage, undo countdown, the conflict row,
   a loading sign. The queues work without this file (buttons post forms); it only makes a day's
   triage faster.

   Keys (not while typing in a field): j / k next / previous row, s opens the seizure form of the
   current row, i records irregular, c clear, Enter opens the shipment (the listing queue: the
   seller), u undoes the row's last outcome or action while that is possible, Escape closes an
   open form. The listing queue: h opens the hold form, t the take-down form, r the release or
   reinstate form. */
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr.task"));
  }

  function current() {
    return document.querySelector("table.queue tbody tr.task.current");
  }

  function select(row) {
    if (!row) return;
    rows().forEach(function (r) { r.classList.remove("current"); r.removeAttribute("aria-current"); });
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(current());
    var next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    select(all[next]);
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  }

  function press(row, selector) {
    var control = row && row.querySelector(selector);
    if (control) control.click();
    return !!control;
  }

  function openForm(row, selector) {
    var details = row && row.querySelector(selector);
    if (!details) return false;
    details.open = true;
    var first = details.querySelector("select, input:not([type=hidden])");
    if (first) first.focus();
    return true;
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.altKey || evt.ctrlKey || evt.metaKey || !document.querySelector("table.queue")) return;
    if (evt.key === "Escape") {
      var open = document.querySelector("table.queue details[open]");
      if (open) {
        open.open = false;
        select(open.closest("tr.task"));
        evt.preventDefault();
      }
      return;
    }
    if (typing(evt.target)) return;
    var row = current();
    var done = false;
    switch (evt.key) {
      case "j": move(1); done = true; break;
      case "k": move(-1); done = true; break;
      case "s": done = openForm(row, "details.seize"); break;
      case "h": done = openForm(row, "details.hold"); break;
      case "t": done = openForm(row, "details.take-down"); break;
      case "r": done = openForm(row, "details.end"); break;
      case "i": done = press(row, "button[data-outcome=irregular]"); break;
      case "c": done = press(row, "button[data-outcome=clear]"); break;
      case "u": done = press(row, "button[data-action=undo]"); break;
      case "Enter":
        if (evt.target === row || evt.target === document.body) {
          done = press(row, "td.shipment a, td.target a");
        }
        break;
    }
    if (done) evt.preventDefault();
  });

  /* Clicking a row (not a control) makes it the current one. */
  document.addEventListener("click", function (evt) {
    var row = evt.target.closest && evt.target.closest("table.queue tr.task");
    if (row && !evt.target.closest("a, button, summary, input, select, textarea, label")) select(row);
  });

  /* Undo buttons go away when their window closes (the server refuses later undos anyway). */
  function armUndo(root) {
    root.querySelectorAll("form.undo[data-undo-until]").forEach(function (form) {
      if (form.dataset.armed) return;
      form.dataset.armed = "1";
      var left = Date.parse(form.dataset.undoUntil) - Date.now();
      window.setTimeout(function () { form.remove(); }, Math.max(left, 0));
    });
  }

  /* A refused second outcome (409) comes back as the row as it now stands: swap it in. */
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr && xhr.status === 409 && /^\s*<tr\b/.test(xhr.responseText || "")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  /* After a swap keep the keyboard where it was: the replaced row stays current. (afterSettle:
     htmx puts the old row's attributes back on the new one until the swap has settled.) */
  document.addEventListener("htmx:afterSettle", function (evt) {
    var target = evt.detail.target;
    var row = target && target.id ? document.getElementById(target.id) : null;
    armUndo(document);
    if (row && row.matches("tr.task")) select(row);
  });

  /* Opening a shipment can take seconds the first time (its risk is computed): say so. */
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-loading]");
    if (!link || evt.button !== 0 || evt.ctrlKey || evt.metaKey || evt.shiftKey) return;
    var sign = document.getElementById("page-loading");
    if (!sign) return;
    sign.textContent = link.dataset.loading;
    sign.hidden = false;
  });
  window.addEventListener("pageshow", function () {
    var sign = document.getElementById("page-loading");
    if (sign) sign.hidden = true;
  });

  document.addEventListener("DOMContentLoaded", function () { armUndo(document); });
})();
