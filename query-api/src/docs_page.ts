import { MAX_AGGREGATION_MINUTES, PLATFORMS } from "@ctr/schemas";

/** The human-readable page at /docs: what to send, what comes back, and the operational notes. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CTR API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.6rem;overflow:auto}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}</style>
</head><body>
<h1>CTR analytics API</h1>
<p>CTR = purchases / product views, per time bucket, platform and product. Every time is <b>GMT-3</b>
wall-clock time (UTC-03:00, no daylight saving). The machine-readable description is <a href="/openapi.json">/openapi.json</a>.</p>
<h2>GET /ctr and POST /ctr</h2>
<table>
<tr><th>field</th><th>required</th><th>meaning</th></tr>
<tr><td><code>startTimestamp</code></td><td>yes</td><td><code>YYYY-MM-DD HH:MM:SS</code>, seconds <code>00</code>; included</td></tr>
<tr><td><code>endTimestamp</code></td><td>yes</td><td>same format, after the start; excluded: the range is [start, end)</td></tr>
<tr><td><code>aggregation</code></td><td>yes</td><td>bucket width in whole minutes (1..${MAX_AGGREGATION_MINUTES}); bucket k covers [start + k·aggregation, start + (k+1)·aggregation), the last one cut at the end</td></tr>
<tr><td><code>product</code></td><td>no</td><td>one product code; absent: every product</td></tr>
<tr><td><code>platform</code></td><td>no</td><td>${PLATFORMS.join(", ")} (any case); absent: every platform</td></tr>
</table>
<p>GET takes them as query parameters (each once); POST as a JSON object (<code>aggregation</code> a number or a numeric string).</p>
<pre>curl 'http://localhost:3000/ctr?startTimestamp=2016-02-01%2010:00:00&amp;endTimestamp=2016-02-01%2012:00:00&amp;aggregation=60&amp;platform=ios'
curl -X POST http://localhost:3000/ctr -H 'Content-Type: application/json' \\
  -d '{"startTimestamp":"2016-02-01 10:00:00","endTimestamp":"2016-02-02 10:00:00","aggregation":1440}'</pre>
<h2>Response</h2>
<p>One row per (bucket, platform, product) with at least one view or purchase, ordered by timestamp, platform,
product in byte order (uppercase before lowercase):</p>
<pre>[{"timestamp":"2016-02-01 10:00:00","platform":"iOS","product":"ABC123","CTR":0.0150,"purchases":3,"productViews":200}]</pre>
<p><code>CTR</code> is rounded half up and always written with four decimals (<code>0.0313</code> for 1/32); it is
<code>null</code> when there are no views. The format follows <code>Accept</code>: a JSON array by default,
NDJSON for <code>application/x-ndjson</code>, CSV for <code>text/csv</code>.</p>
<h2>Limits and errors</h2>
<ul>
<li>A result over MAX_RESULT_ROWS (default 1,000,000) is refused with 422 before anything is sent: narrow the range, widen the aggregation or filter.</li>
<li>400 <code>{"error":{"code":"invalid_request","message":"...","field":"..."}}</code> names the bad field. 401 without a valid Bearer key when API_KEYS is set.
503 when ClickHouse is unreachable, 504 past REQUEST_TIMEOUT_MS. Every response carries <code>X-Request-Id</code>, which the logs use.</li>
<li>Rows stream from a ClickHouse server to the client without the whole result in memory. The embedded
store (chDB, when CLICKHOUSE_URL is unset) materializes each result before sending it: the row limit bounds that.</li>
</ul>
<h2>Other endpoints</h2>
<p><code>GET /products[?prefix=&amp;from=D&amp;to=D&amp;platform=P&amp;limit=N]</code>: the products with views in the GMT-3 days
<code>from</code>..<code>to</code> starting with <code>prefix</code>, in byte order, at most <code>limit</code> (default 20, at most 1000):
<code>{"products":[...],"more":false}</code>. <a href="/">The explorer page</a> uses it for its type-ahead.</p>
<p><code>GET /coverage[?from=D&amp;to=D&amp;platform=P]</code>: loaded platform-days of views (files, counts, load times)
and synced purchase days, to tell missing data from zero. <code>/healthz</code> (process up), <code>/readyz</code>
(ClickHouse reachable), <code>/metrics</code> (Prometheus). <code>POST /jobs/backfill</code> with
<code>{"from":"D","to":"D"[,"platform":"P"]}</code> submits a backfill (202 with its id) and
<code>GET /jobs/{id}</code> follows it, when the process has a job system (<code>ctr serve</code> does).</p>
</body></html>
`;
