/** The HTML report's inline style sheet and script (./html.ts): no external file, font or library. */

/** The style sheet. */
export const HTML_STYLE = `
:root{--fg:#1d232a;--muted:#5b6670;--line:#d9dee3;--bg:#f6f7f9;--err:#b4432f;--warn:#c28a12;--info:#3b6ea8;--ok:#2f7d4f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1280px;margin:0 auto;padding:16px 24px}
header{background:#fff;border-bottom:1px solid var(--line);max-width:none}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:0 0 6px}
h4{font-size:13px;margin:12px 0 4px;color:var(--muted)}h5{font-size:12px;margin:0 0 4px}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#fff;border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.verdict{font-weight:600;margin:4px 0}.verdict.bad{color:var(--err)}.verdict.warn{color:var(--warn)}.verdict.ok{color:var(--ok)}
.tiles{display:flex;gap:10px;flex-wrap:wrap;margin-top:10px}
.tile{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:6px 14px;min-width:100px}
.tile b{display:block;font-size:20px}.tile span{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:12px}
.chart{background:#fff;border:1px solid var(--line);border-radius:6px;margin:0;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}
svg text{font-size:11px;fill:var(--fg)}svg text.n{fill:var(--muted)}
.bar.filter{cursor:pointer}.bar.filter:hover rect{opacity:.75}
.filters{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:8px 0}
input[type=search]{width:280px;padding:4px 6px}select{padding:3px}
#shown{color:var(--muted)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f4;font-size:12px}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.detail td{background:#fbfcfd;padding:8px 16px}
.toggle{border:0;background:none;cursor:pointer;font-size:13px;width:20px}.toggle[aria-expanded=true]{transform:rotate(90deg)}
.sev{display:inline-block;border-radius:3px;padding:0 6px;font-size:11px;color:#fff;background:var(--info)}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}
.meter{display:inline-block;width:120px;height:8px;background:#f0d5d0;border-radius:4px;vertical-align:middle}
.meter span{display:block;height:100%;background:var(--ok);border-radius:4px}
.code{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:10px 0}
.examples{display:grid;grid-template-columns:1fr 1fr;gap:10px}.ex.valid h5{color:var(--ok)}.ex.invalid h5{color:var(--err)}
.none,.note{color:var(--muted)}
footer{color:var(--muted);font-size:12px}
`;

/** Filtering the groups table, opening a group's detail, and filtering from a chart's bar. */
export const HTML_SCRIPT = `
(function () {
  var filter = document.getElementById('filter');
  var severity = document.getElementById('severity');
  var shown = document.getElementById('shown');
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.group'));
  function apply() {
    var terms = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var sev = severity.value;
    var groups = 0, findings = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute('data-text');
      var ok = (!sev || row.getAttribute('data-severity') === sev) &&
        terms.every(function (t) { return text.indexOf(t) !== -1; });
      row.hidden = !ok;
      var detail = document.getElementById(row.id + '-detail');
      var open = row.querySelector('.toggle').getAttribute('aria-expanded') === 'true';
      detail.hidden = !(ok && open);
      if (ok) { groups++; findings += Number(row.getAttribute('data-count')); }
    });
    shown.textContent = groups + ' of ' + rows.length + ' groups, ' + findings + ' findings';
  }
  if (filter && severity) {
    filter.addEventListener('input', apply);
    severity.addEventListener('change', apply);
  }
  document.addEventListener('click', function (e) {
    var el = e.target;
    var toggle = el.closest && el.closest('.toggle');
    if (toggle) {
      var open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      document.getElementById(toggle.getAttribute('aria-controls')).hidden = !open;
      return;
    }
    var bar = el.closest && el.closest('[data-filter]');
    if (bar && filter) {
      filter.value = bar.getAttribute('data-filter');
      apply();
      document.getElementById('groups').scrollIntoView();
    }
  });
})();
`;
