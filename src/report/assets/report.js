// report.html behaviour: a virtualised, sortable, filterable findings table
// over the embedded data (html.rs, "Embedded data"). Only the rows in view
// are in the DOM, so every finding stays reachable on a million-account
// report. Values are inserted with textContent only (never innerHTML), so
// nothing from the inputs can become markup. Without JavaScript the page
// keeps its server-rendered first rows.
(function () {
  "use strict";
  var island = document.getElementById("findings-data");
  var table = document.getElementById("findings-table");
  var scroller = document.getElementById("findings-scroll");
  if (!island || !table || !scroller) { return; }
  var data;
  try { data = JSON.parse(island.textContent); } catch (e) { return; }
  var S = data.strings || [], C = data.data || [], N = data.count || 0, COLUMNS = data.columns || [];
  // Column indexes (see the columns of findings.jsonl).
  function column(name) { return COLUMNS.indexOf(name); }
  var ID = column("id"), KIND = column("kind"), SEV = column("severity"), DN = column("dn"),
    UPN = column("upn"), CLOUD_ID = column("cloud_id"), CLOUD_UPN = column("cloud_upn"),
    INTENDED = column("intended_user_type"), CLOUD_TYPE = column("cloud_user_type"),
    MATCHED = column("matched_by"), RULE = column("rule"), SOURCE = column("source"),
    DETAIL = column("detail"), WAIVER = column("waiver");
  var RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  // Rows rendered beyond the visible ones, above and below.
  var OVERSCAN = 8;
  // Browsers cap an element's height (about 17 million px in Firefox): past
  // this the scroll position maps to rows proportionally.
  var MAX_HEIGHT = 8000000;

  function part(x) { return typeof x === "number" ? S[x] : x; }
  // The value of column `col` for finding `i` (null when missing).
  function val(col, i) {
    var column = C[col], c = column ? column[i] : null;
    if (c == null) { return null; }
    if (c === true) { return val(UPN, i); }
    if (typeof c === "object") { return part(c[0]) + part(c[1]); }
    return part(c);
  }
  function s(v) { return v == null ? "" : v; }
  // A test of "column `col` of finding i is `value`" that compares string
  // numbers, not strings, for the cells that are shared strings (most are).
  function equals(col, value) {
    var numbers = {}, column = C[col] || [];
    for (var k = 0; k < S.length; k++) { if (S[k] === value) { numbers[k] = true; } }
    return function (i) {
      var c = column[i];
      return typeof c === "number" ? numbers[c] === true : val(col, i) === value;
    };
  }

  var q = document.getElementById("f-text"), sevSel = document.getElementById("f-severity"),
    kindSel = document.getElementById("f-kind"), count = document.getElementById("count"),
    detail = document.getElementById("finding-detail"), tbody = table.tBodies[0],
    heads = table.tHead.rows[0].cells;
  var titles = {};
  Array.prototype.forEach.call(kindSel.options, function (o) { if (o.value) { titles[o.value] = o.textContent; } });

  // True counts per kind and severity, shown in the choices.
  function tally(col) {
    var counts = {}, numbers = {}, column = C[col] || [];
    for (var i = 0; i < N; i++) {
      var c = column[i];
      if (typeof c === "number") { numbers[c] = (numbers[c] || 0) + 1; } else { var v = val(col, i); counts[v] = (counts[v] || 0) + 1; }
    }
    Object.keys(numbers).forEach(function (k) { counts[S[k]] = (counts[S[k]] || 0) + numbers[k]; });
    return counts;
  }
  var byKind = tally(KIND), bySev = tally(SEV);
  function label(select, counts) {
    Array.prototype.forEach.call(select.options, function (o) {
      var c = o.value ? counts[o.value] || 0 : N;
      o.textContent = (o.value ? titles[o.value] || o.textContent : o.textContent) + " (" + c.toLocaleString() + ")";
    });
  }
  Array.prototype.forEach.call(sevSel.options, function (o) { if (o.value) { titles[o.value] = titles[o.value] || o.textContent; } });
  label(kindSel, byKind);
  label(sevSel, bySev);

  // Lower-cased text of each finding, built on the first text search only.
  var hay = null;
  function haystack(i) {
    if (!hay) { hay = new Array(N); }
    if (hay[i] === undefined) {
      var parts = [titles[val(KIND, i)] || ""];
      for (var c = 0; c < COLUMNS.length; c++) { parts.push(s(val(c, i))); }
      hay[i] = parts.join("\u0001").toLowerCase();
    }
    return hay[i];
  }

  var collator = typeof Intl !== "undefined" ? new Intl.Collator(undefined, { numeric: true }) : null;
  // Sort keys of the six displayed columns.
  var keys = [
    function (i) { var r = RANK[val(SEV, i)]; return r === undefined ? 9 : r; },
    function (i) { return titles[val(KIND, i)] || s(val(KIND, i)); },
    function (i) { return s(val(UPN, i) || val(DN, i)); },
    function (i) { return s(val(CLOUD_UPN, i) || val(CLOUD_ID, i)); },
    function (i) { return s(val(INTENDED, i)) + " " + s(val(CLOUD_TYPE, i)); },
    function (i) { return s(val(DETAIL, i)); }
  ];
  var view = [], sortCol = -1, sortDir = 1, timer = 0, rowH = 0, selected = -1, frame = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text != null) { e.textContent = text; }
    return e;
  }
  // The same cells as the server-rendered rows (html.rs, static_row).
  function cell(main, sub) {
    var td = el("td");
    td.appendChild(el("div", "main", main == null || main === "" ? "\u2014" : main));
    if (sub) { td.appendChild(el("div", "sub", sub)); }
    return td;
  }
  function rowEl(i, pos) {
    var tr = el("tr", "row"), td = el("td"), sev = s(val(SEV, i)), kind = val(KIND, i), upn = val(UPN, i),
      cloudUpn = val(CLOUD_UPN, i), matched = val(MATCHED, i);
    tr.setAttribute("aria-rowindex", String(pos + 2));
    tr.tabIndex = 0;
    tr.dataset.pos = String(pos);
    if (i === selected) { tr.setAttribute("aria-selected", "true"); }
    td.appendChild(el("span", "badge " + sev, sev));
    if (WAIVER >= 0 && val(WAIVER, i) != null) { td.appendChild(el("div", "sub", "waived")); }
    tr.appendChild(td);
    tr.appendChild(cell(titles[kind] || kind, val(ID, i)));
    tr.appendChild(cell(upn || val(DN, i), upn ? val(DN, i) : null));
    var cloudSub = [cloudUpn ? val(CLOUD_ID, i) : null, matched ? "matched by " + matched : null];
    tr.appendChild(cell(cloudUpn || val(CLOUD_ID, i), cloudSub.filter(Boolean).join(" \u00b7 ")));
    tr.appendChild(cell((val(INTENDED, i) || "\u2014") + " \u2192 " + (val(CLOUD_TYPE, i) || "\u2014"), val(RULE, i)));
    var waiver = WAIVER >= 0 ? val(WAIVER, i) : null;
    tr.appendChild(cell(val(DETAIL, i), [val(SOURCE, i), waiver ? "waived: " + waiver : null].filter(Boolean).join(" \u00b7 ")));
    return tr;
  }
  function spacer(height) {
    var tr = el("tr", "spacer"), td = el("td");
    tr.setAttribute("aria-hidden", "true");
    td.colSpan = heads.length;
    td.style.height = height + "px";
    tr.appendChild(td);
    return tr;
  }
  // Height of one row, measured once from a rendered row (fonts differ). A
  // row is added for it, never put in place of the others: emptying the
  // table would reset the scroll position.
  function measure() {
    if (rowH || !view.length) { return; }
    var tr = rowEl(view[0], 0);
    tbody.appendChild(tr);
    rowH = tr.getBoundingClientRect().height;
    tbody.removeChild(tr);
    if (!(rowH > 0)) { rowH = 0; }
  }
  // Where the rows in view start: the first row, its top in px, how many
  // rows fill the view (counted generously: the box may still be growing).
  function geometry() {
    var h = rowH || 50, full = view.length * h, virt = Math.min(full, MAX_HEIGHT),
      viewH = scroller.clientHeight || 600, maxTop = Math.max(0, virt - viewH),
      top = Math.min(scroller.scrollTop, maxTop),
      rows = Math.ceil(Math.max(viewH, window.innerHeight || 0) / h);
    if (virt === full) { return { first: Math.floor(top / h), top: Math.floor(top / h) * h, virt: virt, h: h, viewH: viewH, rows: rows }; }
    var firstF = (maxTop ? top / maxTop : 0) * Math.max(0, view.length - viewH / h), first = Math.floor(firstF);
    return { first: first, top: Math.max(0, top - (firstF - first) * h), virt: virt, h: h, viewH: viewH, rows: rows, scaled: true };
  }
  function render() {
    frame = 0;
    measure();
    var g = geometry(), from = g.scaled ? g.first : Math.max(0, g.first - OVERSCAN),
      to = Math.min(view.length, g.first + g.rows + OVERSCAN),
      top = g.scaled ? g.top : from * g.h;
    var frag = document.createDocumentFragment();
    frag.appendChild(spacer(top));
    for (var p = from; p < to; p++) { frag.appendChild(rowEl(view[p], p)); }
    frag.appendChild(spacer(Math.max(0, g.virt - top - (to - from) * g.h)));
    tbody.textContent = "";
    tbody.appendChild(frag);
    if (!view.length) {
      var tr = el("tr"), td = el("td", null, N ? "No finding matches these filters." : "No findings to list.");
      td.colSpan = heads.length;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
  }
  function schedule() {
    if (!frame) { frame = window.requestAnimationFrame ? window.requestAnimationFrame(render) : setTimeout(render, 16); }
  }
  function showCount() {
    table.setAttribute("aria-rowcount", String(view.length + 1));
    count.dataset.matching = String(view.length);
    count.dataset.total = String(N);
    count.textContent = view.length.toLocaleString() + " of " + N.toLocaleString() + " findings";
  }
  function showDetail() {
    detail.textContent = "";
    if (selected < 0) { detail.hidden = true; return; }
    detail.hidden = false;
    detail.appendChild(el("h3", null, "Finding " + s(val(ID, selected)) + " (" + s(val(SOURCE, selected)) + ")"));
    var dl = el("dl");
    for (var c = 0; c < COLUMNS.length; c++) {
      dl.appendChild(el("dt", null, COLUMNS[c]));
      dl.appendChild(el("dd", c === DETAIL ? null : "mono", val(c, selected) == null ? "\u2014" : val(c, selected)));
    }
    detail.appendChild(dl);
  }
  function select(pos, scroll) {
    if (!(pos >= 0 && pos < view.length)) { selected = -1; showDetail(); render(); return; }
    selected = view[pos];
    if (scroll) {
      var g = geometry();
      scroller.scrollTop = g.virt === view.length * g.h ? pos * g.h :
        pos / Math.max(1, view.length - g.viewH / g.h) * Math.max(0, g.virt - g.viewH);
    }
    showDetail();
    render();
  }

  // The view's state in the address fragment: kind, severity, q, row.
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var eq = pair.indexOf("=");
      if (eq > 0) {
        try { out[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, " ")); } catch (e) { /* ignore a malformed pair */ }
      }
    });
    return out;
  }
  function writeHash() {
    var parts = [];
    if (kindSel.value) { parts.push("kind=" + encodeURIComponent(kindSel.value)); }
    if (sevSel.value) { parts.push("severity=" + encodeURIComponent(sevSel.value)); }
    if (q.value) { parts.push("q=" + encodeURIComponent(q.value)); }
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search); } catch (e) { /* file: URLs may refuse */ }
  }
  function setSelect(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.selectedIndex = i; return; }
    }
    select.selectedIndex = 0;
  }
  function fromHash() {
    var h = readHash();
    setSelect(kindSel, h.kind || "");
    setSelect(sevSel, h.severity || "");
    q.value = h.q || "";
    apply(false);
    if (h.row) {
      var pos = h.row === "last" ? view.length - 1 : parseInt(h.row, 10) - 1;
      select(pos, true);
    }
  }

  function apply(toHash) {
    var text = q.value.trim().toLowerCase(), sev = sevSel.value, kind = kindSel.value;
    var sevIs = sev && equals(SEV, sev), kindIs = kind && equals(KIND, kind);
    view = [];
    for (var i = 0; i < N; i++) {
      if ((sevIs && !sevIs(i)) || (kindIs && !kindIs(i))) { continue; }
      if (text && haystack(i).indexOf(text) < 0) { continue; }
      view.push(i);
    }
    if (sortCol >= 0) {
      var key = keys[sortCol], k = {};
      view.forEach(function (i) { k[i] = key(i); });
      view.sort(function (a, b) {
        var x = k[a], y = k[b];
        var c = typeof x === "number" ? x - y : collator ? collator.compare(x, y) : String(x).localeCompare(String(y));
        return c !== 0 ? c * sortDir : a - b;
      });
    }
    if (selected >= 0 && view.indexOf(selected) < 0) { selected = -1; showDetail(); }
    scroller.scrollTop = 0;
    showCount();
    render();
    if (toHash !== false) { writeHash(); }
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
  function rowOf(target) {
    while (target && target !== tbody) {
      if (target.dataset && target.dataset.pos) { return parseInt(target.dataset.pos, 10); }
      target = target.parentNode;
    }
    return -1;
  }
  tbody.addEventListener("click", function (e) { var p = rowOf(e.target); if (p >= 0) { select(p, false); } });
  tbody.addEventListener("keydown", function (e) {
    var p = rowOf(e.target);
    if (p < 0) { return; }
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(p, false); }
  });
  scroller.addEventListener("scroll", schedule);
  window.addEventListener("resize", function () { rowH = 0; schedule(); });
  window.addEventListener("hashchange", fromHash);
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 150); });
  sevSel.addEventListener("change", apply);
  kindSel.addEventListener("change", apply);
  document.documentElement.className += " js";
  document.getElementById("controls").hidden = false;
  var note = document.getElementById("static-note");
  if (note) { note.hidden = true; }
  fromHash();
})();
