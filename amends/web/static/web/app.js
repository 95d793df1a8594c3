// Live SLA countdowns: every <time data-due> shows the time left (or overdue) and colours itself.
(function () {
  "use strict";
  const SOON_MS = 15 * 60 * 1000;

  function format(ms) {
    const total = Math.floor(Math.abs(ms) / 1000);
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    const pad = (n) => String(n).padStart(2, "0");
    if (days > 0) {
      const lang = document.documentElement.lang || "en";
      const dayText = new Intl.NumberFormat(lang, { style: "unit", unit: "day", unitDisplay: "narrow" }).format(days);
      return dayText + " " + pad(hours) + ":" + pad(minutes);
    }
    return pad(hours) + ":" + pad(minutes) + ":" + pad(seconds);
  }

  function tick() {
    const body = document.body;
    const left = body.dataset.i18nLeft || "%(time)s left";
    const overdue = body.dataset.i18nOverdue || "%(time)s overdue";
    const now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) return;
      const ms = due - now;
      if (!el.title) el.title = el.textContent.trim();
      el.textContent = (ms >= 0 ? left : overdue).replace("%(time)s", format(ms));
      el.classList.toggle("overdue", ms < 0);
      el.classList.toggle("soon", ms >= 0 && ms < SOON_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
})();

// Inbox keys: j / k move between cases, Enter opens, x ticks for bulk assignment, / jumps to the filters.
(function () {
  "use strict";
  let current = -1;

  function rows() {
    return Array.from(document.querySelectorAll("table.cases tbody tr[data-case]"));
  }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    all[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLElement && target.closest("input, select, textarea, [contenteditable]")) return;
    const all = rows();
    if (!all.length) return;
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "Enter" && current >= 0) { all[current].querySelector("a").click(); event.preventDefault(); }
    else if (event.key === "x" && current >= 0) {
      const box = all[current].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
      event.preventDefault();
    } else if (event.key === "/") {
      const filter = document.getElementById("id_status");
      if (filter) { filter.focus(); event.preventDefault(); }
    }
  });
  document.addEventListener("htmx:afterSwap", function () { current = -1; });
})();

// A select marked data-autosubmit sends its form when changed (the language menu): a listener here rather than an
// inline handler, which the Content-Security-Policy refuses.
document.addEventListener("change", function (event) {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
