/// The page of the calls web view: plain HTML, CSS and JavaScript shipped inside the binary (no build step,
/// no external resources).
enum CallsWebAssets {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>capd calls</title>
<link rel="stylesheet" href="/calls.css">
</head>
<body>
<header><h1><a href="/">capd</a> calls</h1>
<section id="live" aria-label="live traffic">
<div class="chart"><span>packets/s <b id="live-packets">–</b></span><svg id="chart-packets" viewBox="0 0 300 50" preserveAspectRatio="none"></svg></div>
<div class="chart"><span>rows/s <b id="live-rows">–</b></span><svg id="chart-rows" viewBox="0 0 300 50" preserveAspectRatio="none"></svg></div>
<div class="chart"><span>drops/s <b id="live-drops">–</b></span><svg id="chart-drops" viewBox="0 0 300 50" preserveAspectRatio="none"></svg><div id="drop-legend"></div></div>
</section>
</header>
<main>
<section id="search-view">
<form id="search">
<label>since <input name="since" placeholder="1h"></label>
<label>from <input name="from" placeholder="2026-12-01 08:00"></label>
<label>to <input name="to" placeholder="(now)"></label>
<label>Call-ID <input name="call_id" id="call-id"></label>
<label>from user <input name="from_user"></label>
<label>to user <input name="to_user"></label>
<label>method <input name="method" size="8"></label>
<label>status <input name="status" size="4"></label>
<label>IP <input name="ip"></label>
<label>limit <input name="limit" size="4" placeholder="100"></label>
<button type="submit" id="search-button">Search</button>
</form>
<p id="search-status"></p>
<table id="results"><thead><tr><th>start (UTC)</th><th>Call-ID</th><th>from</th><th>to</th><th>method</th><th>status</th><th>duration</th><th>msgs</th><th>nodes</th></tr></thead><tbody></tbody></table>
</section>
<section id="call-view" hidden>
<h2>Call <span id="call-title"></span></h2>
<p><a id="pcap-link" href="#">Download pcap</a> · <span id="call-start"></span></p>
<div id="ladder-box"><svg id="ladder" xmlns="http://www.w3.org/2000/svg"></svg></div>
<h3>Message</h3>
<p id="message-meta">Click an arrow to see its message.</p>
<pre id="message"></pre>
<h3>Reports and logs</h3>
<table id="reports"><thead><tr><th>offset</th><th>kind</th><th>from</th><th>to</th><th>node</th><th>text</th></tr></thead><tbody></tbody></table>
</section>
</main>
<script src="/calls.js"></script>
</body>
</html>
"""#

    static let style = #"""
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 16px; padding: 8px 16px; background: #1f3a5f; color: #fff; }
header h1 { font-size: 18px; margin: 0 16px 0 0; }
header a { color: #fff; text-decoration: none; }
#live { display: flex; gap: 12px; }
.chart { background: #2b4a73; padding: 4px 8px; border-radius: 4px; font-size: 12px; }
.chart svg { display: block; width: 200px; height: 40px; }
.chart polyline { fill: none; stroke: #9fd3ff; stroke-width: 1.5; }
#drop-legend { font-size: 11px; }
main { padding: 12px 16px; }
form { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; }
label { display: flex; flex-direction: column; font-size: 12px; color: #4a5563; }
input { font: inherit; padding: 3px 5px; }
button { font: inherit; padding: 4px 14px; }
table { border-collapse: collapse; margin-top: 10px; background: #fff; }
th, td { border: 1px solid #d8dde3; padding: 3px 8px; text-align: left; font-size: 13px; }
th { background: #eef1f5; }
td.callid a { font-family: ui-monospace, monospace; }
#ladder-box { overflow-x: auto; background: #fff; border: 1px solid #d8dde3; }
#ladder text { font: 12px ui-monospace, monospace; }
#ladder .host { font-weight: bold; }
#ladder .rail { stroke: #9aa5b1; stroke-dasharray: 4 3; }
#ladder .arrow { cursor: pointer; outline: none; }
#ladder .arrow line { stroke: #1f6fd1; stroke-width: 1.6; }
#ladder .arrow polygon { fill: #1f6fd1; }
#ladder .arrow.reply line { stroke: #2e8b57; }
#ladder .arrow.reply polygon { fill: #2e8b57; }
#ladder .arrow.selected line { stroke-width: 3; }
#ladder .arrow:hover text.label { text-decoration: underline; }
#ladder .time { fill: #6b7785; }
pre#message { background: #fff; border: 1px solid #d8dde3; padding: 8px; white-space: pre-wrap; max-height: 420px; overflow: auto; }
"""#
}
