import type { HistoryPoint, MetricsSnapshot } from './metrics';

/** What the page shows in its first frame, before any fetch of its own has returned. */
export interface DashboardData {
  snapshot: MetricsSnapshot;
  history: HistoryPoint[];
}

/** JSON inside a script element: `<` escaped, so that no value (a route name) can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The live dashboard: one self-contained page (no external scripts: it must work where the
 * server has no internet). It is sent with the snapshot and the last minutes of history in it,
 * so the first frame shows them; then it polls the JSON snapshot every second and draws
 * throughput, latency, and threads and queue on canvases. `window.gopoolDashboard` exposes the
 * series, for tests and curious users.
 */
export function dashboardPage(base: string, data: DashboardData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gopool dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f172a; color: #e2e8f0; }
  header { padding: 12px 20px; background: #1e293b; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  .stat b { font-size: 18px; color: #f8fafc; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: #1e293b; border-radius: 8px; padding: 12px; }
  h2 { font-size: 14px; margin: 0 0 8px; color: #94a3b8; font-weight: 600; }
  canvas { width: 100%; height: 180px; display: block; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #334155; }
  .bar { height: 10px; background: #334155; border-radius: 5px; overflow: hidden; min-width: 120px; }
  .bar i { display: block; height: 100%; background: #38bdf8; }
  .legend span { margin-right: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
  .err { color: #f87171; }
</style>
</head>
<body>
<header>
  <h1 id="title">gopool</h1>
  <span class="stat">state <b id="state">…</b></span>
  <span class="stat">req/s <b id="rps">0</b></span>
  <span class="stat">p99 <b id="p99">0</b> ms</span>
  <span class="stat">threads <b id="threads">0</b></span>
  <span class="stat">queue <b id="queue">0</b></span>
  <span class="stat">master RSS <b id="rss">0</b> MB</span>
  <span class="stat">restarts <b id="restarts">0</b></span>
  <span class="err" id="error"></span>
</header>
<main>
  <section><h2>Throughput (requests/s)</h2><canvas id="throughput"></canvas><div class="legend" id="legend-throughput"></div></section>
  <section><h2>Latency (ms)</h2><canvas id="latency"></canvas><div class="legend" id="legend-latency"></div></section>
  <section><h2>Threads and queue</h2><canvas id="pool"></canvas><div class="legend" id="legend-pool"></div></section>
  <section><h2>Threads</h2><table id="thread-table"><thead><tr><th>thread</th><th>busy (event loop)</th><th>running</th><th>heap</th></tr></thead><tbody></tbody></table></section>
  <section style="grid-column: 1 / -1"><h2>Routes</h2><table id="route-table"><thead><tr><th>route</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>2xx</th><th>4xx</th><th>5xx</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
(() => {
  const base = ${JSON.stringify(base)};
  const token = new URLSearchParams(location.search).get('token');
  const headers = token ? { authorization: 'Bearer ' + token } : {};
  const WINDOW = 600;
  const series = { t: [], rps: [], p50: [], p99: [], threads: [], busy: [], queued: [] };
  const charts = {
    throughput: { lines: [['rps', '#38bdf8', 'requests/s']] },
    latency: { lines: [['p50', '#a3e635', 'p50'], ['p99', '#f472b6', 'p99']] },
    pool: { lines: [['threads', '#38bdf8', 'threads'], ['busy', '#facc15', 'busy'], ['queued', '#f87171', 'queued']] },
  };
  window.gopoolDashboard = { series, updates: 0, errors: 0, firstFrame: false };

  function push(point) {
    for (const key of Object.keys(series)) series[key].push(point[key]);
    if (series.t.length > WINDOW) for (const key of Object.keys(series)) series[key].shift();
  }

  function draw(id) {
    const canvas = document.getElementById(id);
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = w * ratio; canvas.height = h * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, w, h);
    const lines = charts[id].lines;
    let max = 1;
    for (const [key] of lines) for (const v of series[key]) if (v > max) max = v;
    const left = 44, bottom = h - 18, top = 8;
    g.strokeStyle = '#334155'; g.fillStyle = '#94a3b8'; g.font = '11px system-ui'; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = bottom - (bottom - top) * i / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(w, y); g.stroke();
      g.fillText(format(max * i / 4), 2, y + 4);
    }
    const n = series.t.length;
    if (n > 1) {
      const span = Math.max(series.t[n - 1] - series.t[0], 1);
      g.fillText(Math.round(span / 1000) + ' s', left, h - 4);
      for (const [key, color] of lines) {
        g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
        series[key].forEach((v, i) => {
          const x = left + (w - left) * (series.t[i] - series.t[0]) / span;
          const y = bottom - (bottom - top) * v / max;
          i ? g.lineTo(x, y) : g.moveTo(x, y);
        });
        g.stroke();
      }
    }
    document.getElementById('legend-' + id).innerHTML = lines.map(([key, color, label]) => '<span><i style="background:' + color + '"></i>' + label + ' ' + format(series[key][n - 1] || 0) + '</span>').join('');
  }

  function format(v) { return v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2); }
  function cell(text) { const td = document.createElement('td'); td.textContent = text; return td; }
  function text(id, value) { document.getElementById(id).textContent = value; }

  function render(s) {
    text('title', 'gopool · ' + s.name);
    text('state', s.ready ? 'ready' : 'not ready');
    text('rps', format(s.total.rps));
    text('p99', format(s.total.latencyMs.p99));
    text('threads', s.pool ? s.pool.threads + ' / ' + s.pool.maxThreads : 'single');
    text('queue', s.pool ? s.pool.queued : 0);
    text('rss', Math.round(s.master.rssBytes / 1048576));
    text('restarts', s.daemon ? s.daemon.restarts : 0);
    const threads = document.querySelector('#thread-table tbody');
    threads.replaceChildren(...s.threads.map((t) => {
      const tr = document.createElement('tr');
      const bar = document.createElement('td');
      bar.innerHTML = '<div class="bar"><i style="width:' + Math.round(t.utilization * 100) + '%"></i></div>';
      tr.append(cell('#' + t.threadId + (t.state === 'ready' ? '' : ' (' + t.state + ')')), bar, cell(t.running), cell(Math.round(t.heapUsedBytes / 1048576) + ' MB'));
      return tr;
    }));
    const routes = document.querySelector('#route-table tbody');
    routes.replaceChildren(...s.routes.map((r) => {
      const tr = document.createElement('tr');
      tr.append(cell(r.method + ' ' + r.route), cell(format(r.rps)), cell(format(r.latencyMs.p50)), cell(format(r.latencyMs.p90)), cell(format(r.latencyMs.p99)), cell(r.status['2xx']), cell(r.status['4xx']), cell(r.status['5xx']));
      return tr;
    }));
    for (const id of Object.keys(charts)) draw(id);
  }

  async function get(path) {
    const response = await fetch(base + path, { headers, cache: 'no-store' });
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  function show(s) {
    const p = s.pool;
    push({ t: s.time, rps: s.total.rps, p50: s.total.latencyMs.p50, p99: s.total.latencyMs.p99, threads: p ? p.threads : 0, busy: p ? p.busyThreads : 0, queued: p ? p.queued : 0 });
    render(s);
  }

  async function update() {
    try {
      show(await get(''));
      text('error', '');
      window.gopoolDashboard.updates++;
    } catch (err) {
      window.gopoolDashboard.errors++;
      text('error', 'cannot reach the server: ' + err.message);
    }
  }

  // The first frame: what the server put in the page, drawn before anything is fetched.
  const initial = ${scriptJson(data)};
  initial.history.forEach(push);
  show(initial.snapshot);
  window.gopoolDashboard.firstFrame = true;
  setInterval(update, 1000);
})();
</script>
</body>
</html>`;
}
