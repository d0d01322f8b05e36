#!/usr/bin/env bash
# Measures report.html in headless Chromium: file size, time to the page's
# DOMContentLoaded and load events (HTML parsed, embedded findings parsed,
# table rendered: the page's script runs before DOMContentLoaded), and how
# long a kind filter, a severity filter, a text search and a sort take.
#
#   scripts/measure-html.sh REPORT_DIR/report.html [RUNS]
#
# Each run is a fresh browser profile; the figures of every run are printed.
set -euo pipefail
report=$(realpath "$1")
runs=${2:-3}
browser=$("$(dirname "$0")/ensure-chromium.sh")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$report" "$dir/report.html"
cat >"$dir/measure.html" <<'HTML'
<!DOCTYPE html><html><body><pre id="results">not measured</pre>
<iframe id="f" width="1280" height="900" src="report.html"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {
  var w = this.contentWindow, d = this.contentDocument, out = [];
  var nav = w.performance.getEntriesByType("navigation")[0];
  out.push("dom_content_loaded_ms=" + nav.domContentLoadedEventEnd.toFixed(0));
  out.push("load_ms=" + nav.loadEventEnd.toFixed(0));
  function timed(name, change) {
    var t = w.performance.now();
    change();
    var count = d.getElementById("count");
    out.push(name + "_ms=" + (w.performance.now() - t).toFixed(0) + " matching=" + count.dataset.matching);
  }
  var kind = d.getElementById("f-kind"), sev = d.getElementById("f-severity"), q = d.getElementById("f-text");
  function fire(el) { el.dispatchEvent(new w.Event("change")); }
  timed("kind_filter", function () { kind.value = "duplicate_anchor"; fire(kind); });
  timed("all_again", function () { kind.value = ""; fire(kind); });
  timed("severity_filter", function () { sev.value = "high"; fire(sev); });
  sev.value = "";
  timed("first_text_search", function () { q.value = "partners"; fire(kind); });
  timed("second_text_search", function () { q.value = "contoso.com"; fire(kind); });
  q.value = "";
  timed("sort_by_account", function () { d.querySelectorAll("#findings-table th")[2].click(); });
  var first = d.querySelector("#findings-table tbody tr.row td:nth-child(3) .main");
  out.push("first_account_after_sort=" + (first ? first.textContent : "none"));
  out.push("total_findings=" + d.getElementById("count").dataset.total);
  out.push("rows_in_dom=" + d.querySelectorAll("#findings-table tbody tr.row").length);
  document.getElementById("results").textContent = out.join("\n");
});
</script></body></html>
HTML
echo "file=$report"
echo "bytes=$(stat -c %s "$report")"
for run in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --allow-file-access-from-files --user-data-dir="$dir/profile-$run" \
    --dump-dom "file://$dir/measure.html" 2>/dev/null |
    sed -n '/<pre id="results">/,/<\/pre>/p' | sed 's/<[^>]*>//g' | sed "s/^/run $run: /"
  echo "run $run: chromium_wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))"
done
