"use strict";
(function () {
  // The cluster table: filter, sort, drill-down. Data comes from the JSON block; text is only ever
  // set with textContent, never parsed as HTML.
  var table = document.getElementById("clusters");
  if (!table) { return; }
  var data = JSON.parse(document.getElementById("ndr-data").textContent);
  var byId = {};
  data.clusters.forEach(function (c) {
    c.search = [c.id, c.type, c.prefix, c.network, c.reason, c.blocklist, c.top_domains, c.providers,
                c.sending_ips, c.top_diagnostic, c.dns_checked, c.spf_result, c.listed_on].filter(Boolean)
      .join(" ").toLowerCase();
    byId[c.id] = c;
  });
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody.cluster"));
  var filter = document.getElementById("filter");
  var typeFilter = document.getElementById("type-filter");
  var shown = document.getElementById("shown");

  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var type = typeFilter.value;
    var count = 0;
    groups.forEach(function (g) {
      var c = byId[g.getAttribute("data-id")];
      var ok = (!type || c.type === type) && words.every(function (w) { return c.search.indexOf(w) >= 0; });
      g.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count === groups.length ? groups.length + " clusters" : count + " of " + groups.length + " clusters";
  }
  filter.addEventListener("input", apply);
  typeFilter.addEventListener("change", apply);

  function value(c, key, kind) {
    var v = c[key];
    if (kind === "num") { return typeof v === "number" ? v : -Infinity; }
    return v === null || v === undefined ? "" : String(v).toLowerCase();
  }
  var heads = Array.prototype.slice.call(table.querySelectorAll("thead th[data-key]"));
  heads.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      var kind = th.getAttribute("data-kind");
      var dir = th.getAttribute("aria-sort") === "descending" ? "ascending"
        : th.getAttribute("aria-sort") === "ascending" ? "descending" : (kind === "num" ? "descending" : "ascending");
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      groups.sort(function (a, b) {
        var ca = byId[a.getAttribute("data-id")], cb = byId[b.getAttribute("data-id")];
        var va = value(ca, key, kind), vb = value(cb, key, kind);
        if (va < vb) { return -sign; }
        if (va > vb) { return sign; }
        return ca.id < cb.id ? -1 : 1;
      });
      groups.forEach(function (g) { table.appendChild(g); });
    });
  });

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button.toggle");
    if (!button) { return; }
    var detail = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "▾" : "▸";
    detail.hidden = !open;
  });
})();
