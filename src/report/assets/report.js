// report.html behaviour: sort and filter the findings table from the JSON
// data island. Values are inserted with textContent only (never innerHTML),
// so nothing from the inputs can become markup. Without JavaScript the page
// keeps its server-rendered table.
(function () {
  "use strict";
  var island = document.getElementById("findings-data");
  var table = document.getElementById("findings-table");
  if (!island || !table) { return; }
  var rows;
  try { rows = JSON.parse(island.textContent).rows || []; } catch (e) { return; }
  // Column indexes of a row (see the columns of findings.csv).
  var KIND = 0, SEV = 1, DN = 2, UPN = 3, CLOUD_ID = 5, CLOUD_UPN = 6, INTENDED = 7,
    CLOUD_TYPE = 8, MATCHED = 9, RULE = 10, SOURCE = 11, DETAIL = 12;
  var RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var PAGE = 500;
  var q = document.getElementById("f-text"), sevSel = document.getElementById("f-severity"),
    kindSel = document.getElementById("f-kind"), count = document.getElementById("count"),
    more = document.getElementById("more"), tbody = table.tBodies[0],
    heads = table.tHead.rows[0].cells;
  var titles = {};
  Array.prototype.forEach.call(kindSel.options, function (o) { if (o.value) { titles[o.value] = o.textContent; } });
  var hay = rows.map(function (r) {
    return (r.join("\u0001") + "\u0001" + (titles[r[KIND]] || "")).toLowerCase();
  });
  function s(v) { return v == null ? "" : v; }
  // Sort keys of the six displayed columns.
  var keys = [
    function (r) { return RANK.hasOwnProperty(r[SEV]) ? RANK[r[SEV]] : 9; },
    function (r) { return titles[r[KIND]] || s(r[KIND]); },
    function (r) { return s(r[UPN] || r[DN]); },
    function (r) { return s(r[CLOUD_UPN] || r[CLOUD_ID]); },
    function (r) { return s(r[INTENDED]) + " " + s(r[CLOUD_TYPE]); },
    function (r) { return s(r[DETAIL]); }
  ];
  var view = [], shown = 0, sortCol = -1, sortDir = 1, timer = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text != null) { e.textContent = text; }
    return e;
  }
  // The same cells as the server-rendered rows (html.rs, static_row).
  function cell(main, sub) {
    var td = el("td");
    td.appendChild(document.createTextNode(main == null || main === "" ? "\u2014" : main));
    if (sub) { td.appendChild(el("div", "sub", sub)); }
    return td;
  }
  function rowEl(r) {
    var tr = el("tr"), td = el("td");
    td.appendChild(el("span", "badge " + s(r[SEV]), r[SEV]));
    tr.appendChild(td);
    tr.appendChild(cell(titles[r[KIND]] || r[KIND], r[KIND]));
    tr.appendChild(cell(r[UPN] || r[DN], r[UPN] ? r[DN] : null));
    var cloudSub = [r[CLOUD_UPN] ? r[CLOUD_ID] : null, r[MATCHED] ? "matched by " + r[MATCHED] : null];
    tr.appendChild(cell(r[CLOUD_UPN] || r[CLOUD_ID], cloudSub.filter(Boolean).join("\n")));
    tr.appendChild(cell((r[INTENDED] || "\u2014") + " \u2192 " + (r[CLOUD_TYPE] || "\u2014"), r[RULE]));
    tr.appendChild(cell(r[DETAIL], r[SOURCE]));
    return tr;
  }
  function render() {
    var frag = document.createDocumentFragment();
    for (var i = 0; i < shown; i++) { frag.appendChild(rowEl(rows[view[i]])); }
    tbody.textContent = "";
    tbody.appendChild(frag);
    count.textContent = "Showing " + shown.toLocaleString() + " of " + view.length.toLocaleString() +
      " matching (" + rows.length.toLocaleString() + " in this page)";
    more.hidden = shown >= view.length;
  }
  function apply() {
    var text = q.value.trim().toLowerCase(), sev = sevSel.value, kind = kindSel.value;
    view = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if ((sev && r[SEV] !== sev) || (kind && r[KIND] !== kind)) { continue; }
      if (text && hay[i].indexOf(text) < 0) { continue; }
      view.push(i);
    }
    if (sortCol >= 0) {
      var key = keys[sortCol];
      var k = {};
      view.forEach(function (i) { k[i] = key(rows[i]); });
      view.sort(function (a, b) {
        var x = k[a], y = k[b];
        var c = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return c !== 0 ? c * sortDir : a - b;
      });
    }
    shown = Math.min(PAGE, view.length);
    render();
  }
  function sortBy(i) {
    sortDir = sortCol === i ? -sortDir : 1;
    sortCol = i;
    for (var j = 0; j < heads.length; j++) {
      heads[j].setAttribute("aria-sort", j !== i ? "none" : sortDir > 0 ? "ascending" : "descending");
    }
    apply();
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(i); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(i); }
    });
  });
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 150); });
  sevSel.addEventListener("change", apply);
  kindSel.addEventListener("change", apply);
  more.addEventListener("click", function () { shown = Math.min(shown + PAGE, view.length); render(); });
  document.documentElement.className += " js";
  document.getElementById("controls").hidden = false;
  var note = document.getElementById("static-note");
  if (note) { note.hidden = true; }
  apply();
})();
