extension CallsWebAssets {
    static let script = #"""
"use strict";
const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function duration(us) { return (us / 1e6).toFixed(3) + " s"; }

async function search(params) {
  $("search-status").textContent = "searching…";
  const tbody = $("results").tBodies[0];
  tbody.replaceChildren();
  try {
    const calls = await getJSON("/api/calls?" + params.toString());
    $("search-status").textContent = calls.length + (calls.length === 1 ? " call" : " calls");
    for (const c of calls) {
      const row = tbody.insertRow();
      row.className = "call";
      cell(row, c.start);
      const id = cell(row, "", "callid");
      const link = document.createElement("a");
      link.href = "/call?id=" + encodeURIComponent(c.call_id);
      link.textContent = c.call_id;
      id.appendChild(link);
      cell(row, c.from_user); cell(row, c.to_user); cell(row, c.method); cell(row, c.status);
      cell(row, duration(c.duration_us)); cell(row, String(c.messages)); cell(row, c.nodes.join(", "));
    }
  } catch (e) {
    $("search-status").textContent = "error: " + e.message;
  }
}

function drawLadder(call) {
  const ladder = $("ladder");
  ladder.replaceChildren();
  const column = Math.max(180, ...call.hosts.map((h) => h.length * 7.5 + 30),
                          ...call.messages.map((m) => m.label.length * 7.5 + 40));
  const left = 110, top = 40, step = 34;
  const x = (i) => left + i * column + column / 2;
  const height = top + call.messages.length * step + 20;
  const width = left + call.hosts.length * column + 20;
  ladder.setAttribute("width", width);
  ladder.setAttribute("height", height);
  ladder.setAttribute("viewBox", "0 0 " + width + " " + height);
  call.hosts.forEach((h, i) => {
    ladder.appendChild(svg("text", { x: x(i), y: 20, "text-anchor": "middle", class: "host" }, h));
    ladder.appendChild(svg("line", { x1: x(i), y1: 28, x2: x(i), y2: height - 8, class: "rail" }));
  });
  call.messages.forEach((m, i) => {
    const y = top + i * step + 16;
    const reply = /^[0-9]/.test(m.label);
    const g = svg("g", { class: "arrow" + (reply ? " reply" : ""), "data-index": String(i), tabindex: "0" });
    g.appendChild(svg("text", { x: 6, y: y + 4, class: "time" }, m.offset));
    const x1 = x(m.from), x2 = x(m.to);
    if (x1 === x2) {
      g.appendChild(svg("line", { x1: x1, y1: y, x2: x1 + 40, y2: y }));
      g.appendChild(svg("polygon", { points: `${x1},${y} ${x1 + 8},${y - 4} ${x1 + 8},${y + 4}` }));
      g.appendChild(svg("text", { x: x1 + 46, y: y + 4, class: "label" }, m.label));
    } else {
      const dir = x2 > x1 ? 1 : -1;
      g.appendChild(svg("line", { x1: x1, y1: y, x2: x2 - dir * 8, y2: y }));
      g.appendChild(svg("polygon", { points: `${x2},${y} ${x2 - dir * 9},${y - 5} ${x2 - dir * 9},${y + 5}` }));
      g.appendChild(svg("text", { x: (x1 + x2) / 2, y: y - 5, "text-anchor": "middle", class: "label" }, m.label));
    }
    // A wide transparent band makes the arrow easy to hit.
    g.appendChild(svg("rect", { x: Math.min(x1, x2), y: y - 16, width: Math.max(Math.abs(x2 - x1), 60), height: 22, fill: "transparent" }));
    g.addEventListener("click", () => showMessage(call, i));
    g.addEventListener("keydown", (e) => { if (e.key === "Enter") showMessage(call, i); });
    ladder.appendChild(g);
  });
}

function showMessage(call, i) {
  const m = call.messages[i];
  document.querySelectorAll("#ladder .arrow.selected").forEach((g) => g.classList.remove("selected"));
  const g = document.querySelector(`#ladder .arrow[data-index="${i}"]`);
  if (g) g.classList.add("selected");
  $("message-meta").textContent = `#${i + 1}  ${m.time} UTC (${m.offset} s)  ${m.src} → ${m.dst}  ${m.transport}` + (m.node ? `  node ${m.node}` : "");
  $("message").textContent = m.raw.replace(/\r\n/g, "\n");
}

async function openCall(id) {
  $("search-view").hidden = true;
  $("call-view").hidden = false;
  $("call-title").textContent = id;
  $("pcap-link").href = "/api/call.pcap?id=" + encodeURIComponent(id);
  try {
    const call = await getJSON("/api/call?id=" + encodeURIComponent(id));
    $("call-start").textContent = `start ${call.start} UTC · ${call.messages.length} messages · ${call.reports.length} reports`;
    drawLadder(call);
    const tbody = $("reports").tBodies[0];
    tbody.replaceChildren();
    for (const r of call.reports) {
      const row = tbody.insertRow();
      cell(row, r.offset); cell(row, r.kind); cell(row, r.src); cell(row, r.dst); cell(row, r.node); cell(row, r.text);
    }
  } catch (e) {
    $("call-start").textContent = "error: " + e.message;
  }
}

function polyline(el, values) {
  el.replaceChildren();
  if (values.length < 2) return;
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i * 300) / (values.length - 1)},${50 - (v / max) * 46 - 2}`).join(" ");
  el.appendChild(svg("polyline", { points }));
}

async function refreshLive() {
  try {
    const live = await getJSON("/api/live");
    const pts = live.points;
    const last = pts[pts.length - 1];
    polyline($("chart-packets"), pts.map((p) => p.packets));
    polyline($("chart-rows"), pts.map((p) => p.rows));
    const drops = pts.map((p) => Object.values(p.drops).reduce((a, b) => a + b, 0));
    polyline($("chart-drops"), drops);
    $("live-packets").textContent = last ? last.packets.toFixed(1) : "–";
    $("live-rows").textContent = last ? last.rows.toFixed(1) : "–";
    $("live-drops").textContent = last ? drops[drops.length - 1].toFixed(1) : "–";
    const reasons = last ? Object.entries(last.drops).filter(([, v]) => v > 0) : [];
    $("drop-legend").textContent = reasons.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(" · ");
  } catch (e) { /* the panel keeps its last picture */ }
}

document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(location.search);
  if (location.pathname === "/call" && params.get("id")) {
    openCall(params.get("id"));
  } else {
    const form = $("search");
    for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const query = new URLSearchParams();
      for (const el of form.elements) if (el.name && el.value.trim()) query.set(el.name, el.value.trim());
      history.replaceState(null, "", "/?" + query.toString());
      search(query);
    });
    if ([...params.keys()].length) search(params);
  }
  refreshLive();
  setInterval(refreshLive, 2000);
});
"""#
}
