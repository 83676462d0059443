/** The page's inline stylesheet and script (no external resources: system fonts only). */

export const PAGE_STYLE = `
:root{--fg:#1d2433;--muted:#687385;--line:#e3e7ee;--bg:#f4f6f9;--card:#fff;--good:#17803d;--bad:#c0362c;--head:#1f2a44}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:var(--head);color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
.subtitle{margin:4px 0 0;color:#c5cee0;font-size:13px}
.subtitle code{color:#fff}
main{max-width:1600px;margin:0 auto;padding:4px 28px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-top:18px}
h2{font-size:17px;margin:0 0 12px}
h3{font-size:12px;margin:18px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.count{font-size:12px;background:#eef1f6;color:var(--muted);border-radius:10px;padding:1px 8px;vertical-align:2px;font-weight:500}
.summary{display:flex;flex-wrap:wrap;gap:20px 40px;align-items:flex-start}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0;flex:1 1 420px}
dt{color:var(--muted)}
dd{margin:0}
.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 16px;min-width:210px;background:#fafbfd}
.card-label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em}
.card-value{font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}
.card-value .unit{font-size:14px;font-weight:500;color:var(--muted)}
.card-sub{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f2f4f8;font-weight:600;position:sticky;top:0}
.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow:auto;max-height:480px}
.good{color:var(--good)}
.bad{color:var(--bad);font-weight:600}
.muted{color:var(--muted)}
.warn{color:#b45309}
.per-rank{display:inline-block;margin-right:12px}
.command code{word-break:break-all}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
details.table-details{margin-top:12px}
details summary{cursor:pointer}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
figure.plot{position:relative;margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px 8px}
figcaption{font-weight:600;padding-right:110px}
figcaption .context,figcaption .unit{font-weight:500;font-size:11px;color:var(--muted);margin-left:6px}
figcaption .context{background:#eef1f6;border-radius:4px;padding:1px 6px;letter-spacing:.04em}
.log-switch{position:absolute;top:12px;right:86px;margin:0}
.log-switch+label{position:absolute;top:9px;right:14px;font-size:12px;color:var(--muted);cursor:pointer}
.log-switch:disabled+label{opacity:.45;cursor:not-allowed}
svg.chart{width:100%;height:auto;display:block;margin-top:4px}
svg.chart .frame{fill:#fff;stroke:#d5dae3}
svg.chart text{font-size:11px;fill:#4b5563}
svg.chart .axis line{stroke:#9aa3b2}
svg.chart .axis line.grid{stroke:#edf0f4}
svg.chart .axis-label{font-size:12px;fill:#374151}
svg.chart path.line{fill:none;stroke-width:1.5;stroke-linejoin:round;stroke-linecap:round}
svg.chart path.dots{fill:none;stroke-width:6;stroke-linecap:round;pointer-events:none}
svg.chart.focus path.dots{opacity:.12}
svg.chart .scale-log{display:none}
.log-switch:checked~svg .scale-log{display:inline}
.log-switch:checked~svg .scale-linear{display:none}
svg.chart.focus path.line{opacity:.12}
svg.chart.focus path.line.focused{opacity:1;stroke-width:2.5}
svg.chart .crosshair{stroke:#6b7280;stroke-dasharray:3 3}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 14px;padding:0;margin:6px 0 0;font-size:12px}
.legend li{cursor:default;white-space:nowrap}
.legend i{display:inline-block;width:14px;height:3px;border-radius:2px;vertical-align:middle;margin-right:5px}
.legend .last{color:var(--muted);font-variant-numeric:tabular-nums}
.legend-details summary{font-size:12px;color:var(--muted);margin-top:6px}
.note{color:var(--muted);font-size:12px;margin:6px 0 0}
.tooltip{position:absolute;pointer-events:none;background:rgba(255,255,255,.97);border:1px solid #cfd5df;border-radius:6px;padding:6px 8px;font-size:12px;box-shadow:0 2px 10px rgba(0,0,0,.12);z-index:2;min-width:140px}
.tooltip b{display:block;margin-bottom:2px}
.tooltip i{display:inline-block;width:10px;height:3px;vertical-align:middle;margin-right:5px}
.tooltip span{float:right;margin-left:14px;font-variant-numeric:tabular-nums}
details.graph{border:1px solid var(--line);border-radius:8px;margin-top:8px}
details.graph summary{padding:8px 12px;font-weight:600}
details.graph .note{padding:0 12px 10px}
.graph-view{overflow:auto;max-height:85vh;border-top:1px solid var(--line);background:#fff}
.graph-view svg{display:block;margin:0 auto;max-width:100%;height:auto}
ul.notes{margin:0;padding-left:20px;color:var(--muted)}
ul.findings{margin:0 0 10px;padding-left:20px}
tr.straggler td{background:#fff7e6}
`;

/**
 * Crosshair and exact values on the plots, and legend hover highlighting. Reads only what the page
 * holds (each figure's JSON); plain DOM, no globals, and text set with textContent.
 */
export const PAGE_SCRIPT = `
(() => {
  'use strict';
  const MAX_TOOLTIP_ROWS = 16;
  for (const figure of document.querySelectorAll('figure.plot')) {
    const svg = figure.querySelector('svg.chart');
    const dataElement = figure.querySelector('script.plot-data');
    const tooltip = figure.querySelector('.tooltip');
    const crosshair = svg && svg.querySelector('.crosshair');
    if (!svg || !dataElement || !tooltip || !crosshair) continue;
    const data = JSON.parse(dataElement.textContent);
    const x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1);
    const left = Number(svg.dataset.left), right = Number(svg.dataset.right);
    const colors = new Map();
    for (const path of svg.querySelectorAll('.scale-linear path.line')) colors.set(path.dataset.rank, path.getAttribute('stroke'));
    let pending = null;
    const hide = () => { tooltip.hidden = true; crosshair.setAttribute('visibility', 'hidden'); };
    const nearest = (line, step) => {
      let best = -1, distance = Infinity;
      for (let i = 0; i < line.steps.length; i++) {
        if (line.values[i] === null) continue;
        const d = Math.abs(line.steps[i] - step);
        if (d < distance) { distance = d; best = i; }
      }
      return best;
    };
    const show = (event) => {
      const matrix = svg.getScreenCTM();
      if (!matrix) return;
      const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
      if (point.x < left || point.x > right) { hide(); return; }
      const step = x0 + ((point.x - left) / (right - left)) * (x1 - x0);
      const rows = [];
      for (const line of data.lines) {
        const i = nearest(line, step);
        if (i >= 0) rows.push({ rank: line.rank, label: line.label || 'rank ' + line.rank, step: line.steps[i], value: line.values[i] });
      }
      if (rows.length === 0) { hide(); return; }
      crosshair.setAttribute('x1', String(point.x));
      crosshair.setAttribute('x2', String(point.x));
      crosshair.setAttribute('visibility', 'visible');
      tooltip.replaceChildren();
      const heading = document.createElement('b');
      heading.textContent = 'step ' + rows[0].step + (data.unit ? ' · ' + data.unit : '');
      tooltip.append(heading);
      for (const row of rows.slice(0, MAX_TOOLTIP_ROWS)) {
        const item = document.createElement('div');
        const swatch = document.createElement('i');
        swatch.style.background = colors.get(String(row.rank)) || '#888';
        const value = document.createElement('span');
        value.textContent = String(row.value);
        item.append(swatch, row.label + (row.step === rows[0].step ? '' : ' @' + row.step), value);
        tooltip.append(item);
      }
      if (rows.length > MAX_TOOLTIP_ROWS) {
        const more = document.createElement('div');
        more.textContent = '… ' + (rows.length - MAX_TOOLTIP_ROWS) + ' more lines';
        tooltip.append(more);
      }
      tooltip.hidden = false;
      const box = figure.getBoundingClientRect();
      const x = event.clientX - box.left;
      const flip = x + tooltip.offsetWidth + 16 > box.width;
      tooltip.style.left = (flip ? x - tooltip.offsetWidth - 12 : x + 12) + 'px';
      tooltip.style.top = Math.max(4, event.clientY - box.top - tooltip.offsetHeight / 2) + 'px';
    };
    svg.addEventListener('mousemove', (event) => {
      if (pending !== null) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => { pending = null; show(event); });
    });
    svg.addEventListener('mouseleave', () => {
      if (pending !== null) cancelAnimationFrame(pending);
      pending = null;
      hide();
    });
    for (const item of figure.querySelectorAll('.legend li')) {
      const paths = svg.querySelectorAll('path.line[data-rank="' + item.dataset.rank + '"]');
      item.addEventListener('mouseenter', () => { svg.classList.add('focus'); for (const path of paths) path.classList.add('focused'); });
      item.addEventListener('mouseleave', () => { svg.classList.remove('focus'); for (const path of paths) path.classList.remove('focused'); });
    }
  }
})();
`;
