/** The page shell: inline CSS and the few lines of script that sort tables. No external assets. */

export const STYLES = `
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#0969da;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;background:#f3f5f8;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}
header h1{margin:0 0 4px;font-size:24px;font-weight:650}
.sub{color:var(--muted);margin:0 0 18px}
.sub code{font-size:12px}
h2{font-size:17px;font-weight:620;margin:0 0 4px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 20px}
.note{color:var(--muted);margin:0 0 12px;font-size:13px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:0 0 20px}
.stat{background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.stat .k{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.stat .v{display:block;font-size:19px;white-space:nowrap;font-weight:620;font-variant-numeric:tabular-nums}
.stat[data-status=diverged] .v,.stat[data-status=failed] .v{color:var(--bad)}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;margin:0 0 12px;padding:0;font-size:13px}
.legend-entry{display:flex;align-items:center;gap:6px}
.legend .band{display:inline-block;width:26px;height:10px;background:rgba(87,96,106,.2);border-radius:2px}
.grid{display:grid;gap:14px}
.panel{margin:0;border:1px solid #e6e9ed;border-radius:8px;padding:8px 10px 4px;min-width:0}
.panel figcaption{display:flex;justify-content:space-between;align-items:center;font-size:13px;margin:0 0 2px}
.panel-title{font-weight:600;font-variant-numeric:tabular-nums}
.badge{font-size:11px;color:var(--muted);background:var(--soft);border:1px solid #e6e9ed;border-radius:999px;padding:0 8px}
.badge-diverged{color:var(--bad);background:#fdecea;border-color:#f6c6c1}
svg.marks{display:block;max-width:100%;height:auto}
.heatmap-chart{overflow-x:auto}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:12.5px;font-variant-numeric:tabular-nums}
th,td{padding:4px 6px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
th:nth-child(2),td:nth-child(2){text-align:left}
.retries th,.retries td{text-align:right}
.retries th:first-child,.retries td:first-child{text-align:left}
.failures td.error{white-space:pre-wrap;text-align:left;color:var(--bad)}
thead th{position:sticky;top:0;background:var(--soft);border-bottom:1px solid var(--line)}
th button{all:unset;cursor:pointer;font-weight:600}
th[aria-sort=ascending] button::after{content:" ▲";font-size:10px}
th[aria-sort=descending] button::after{content:" ▼";font-size:10px}
tbody tr:hover{background:#f6f8fa}
tr.row-diverged td,tr.row-failed td{color:#8c959f}
.status{font-size:11.5px;border-radius:999px;padding:1px 7px;background:#dafbe1;color:#116329}
.status-diverged,.status-failed{background:#fdecea;color:var(--bad)}
.status-cancelled{background:#eaeef2;color:var(--muted)}
.reused{font-size:11px;color:var(--muted);border:1px solid var(--line);border-radius:999px;padding:0 6px}
code{font:11.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
footer{color:var(--muted);font-size:12px;text-align:center}
`;

/** Sorts `table.sortable` by the clicked header; blanks stay last in both directions. */
export const SORT_SCRIPT = `
for (const table of document.querySelectorAll("table.sortable")) {
  const body = table.tBodies[0];
  for (const th of table.querySelectorAll("th[data-col]")) {
    th.querySelector("button").addEventListener("click", () => {
      const asc = th.getAttribute("aria-sort") !== "ascending";
      for (const other of table.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      const i = th.cellIndex;
      const numeric = th.dataset.type === "num";
      const key = (row) => row.cells[i].dataset.v;
      const rows = [...body.rows].sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === "" || y === "") return (x === "") - (y === "");
        const c = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true });
        return asc ? c : -c;
      });
      body.append(...rows);
    });
  }
}
`;

/** Wraps the sections in a complete, self-contained HTML document. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
${body}
</main>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
