/* The leaders' dashboard: a Telegram Mini App, and the meeting-room screen (/screen).
 *
 * Who is asking travels in the Authorization header: Telegram's signed initData (given to the
 * page in its URL fragment, #tgWebAppData=...) or a screen link's token (#k=...). Every text
 * that comes from the API is put on the page with textContent, never as HTML.
 */
"use strict";

const TEXT = {
  zh: {
    title: "重点项目调度看板", portfolio: "总体", wall: "挂图作战", lagging: "滞后项目",
    problems: "问题清单", problem: "问题", lights: "项目红黄绿灯", lagging_l: "滞后", at_risk_l: "预警",
    on_track_l: "正常", done_l: "完成", stages: "项目阶段", negotiating: "在谈", signed: "签约",
    started: "开工", completed: "竣工", unknown: "未知", investment: "本年投资完成",
    of_plan: "占年度计划", plan: "年度计划", done_amount: "本年完成", reported: "个项目已报",
    ranking: "单位排名", rank: "名次", unit: "单位", score: "得分", change: "变化",
    projects: "项目", project: "项目", progress: "进度", planned: "计划", behind: "落后",
    reasons: "原因", standing: "状态", none: "无", new: "新", all_units: "全部单位",
    all_lights: "全部状态", actual: "实际进度", plan_line: "计划进度", nodes: "节点",
    due: "时间", target: "目标", missed: "未完成", updates: "最近进展", files: "个附件",
    open_problems: "未解决问题", deadline: "期限", age: "已开天数", acting: "责任单位",
    overdue: "已超期", unit_page: "单位", leader: "牵头领导", stage: "阶段",
    stale: "天未更新", unauthorized: "请从 Telegram 中的机器人打开看板（登录已失效或无效）。",
    forbidden: "无权查看。", not_found: "未找到。", failed: "加载失败，请稍后重试。",
    screen: "会议室大屏", days: "天", role_admin: "管理员", role_leader: "领导",
    role_member: "成员", wan: "万元", back_wall: "返回挂图",
  },
  en: {
    title: "Key projects", portfolio: "Portfolio", wall: "Wall chart", lagging: "Lagging",
    problems: "Problems", problem: "Problem", lights: "Projects by light", lagging_l: "Lagging", at_risk_l: "At risk",
    on_track_l: "On track", done_l: "Done", stages: "Stages", negotiating: "Negotiating",
    signed: "Signed", started: "Started", completed: "Completed", unknown: "Unknown",
    investment: "Investment this year", of_plan: "of the annual plan", plan: "Annual plan",
    done_amount: "This year", reported: "projects reported", ranking: "Unit ranking",
    rank: "Rank", unit: "Unit", score: "Score", change: "Change", projects: "Projects",
    project: "Project", progress: "Progress", planned: "Planned", behind: "Behind",
    reasons: "Why", standing: "Light", none: "None", new: "new", all_units: "All units",
    all_lights: "All lights", actual: "Actual", plan_line: "Plan", nodes: "Nodes", due: "Due",
    target: "Target", missed: "missed", updates: "Last updates", files: "attachment(s)",
    open_problems: "Open problems", deadline: "Deadline", age: "Days open", acting: "Must act",
    overdue: "overdue", unit_page: "Unit", leader: "Leader", stage: "Stage",
    stale: "days without an update",
    unauthorized: "Open the dashboard from the bot in Telegram (the login is missing, invalid or expired).",
    forbidden: "Not yours to see.", not_found: "Not found.", failed: "Could not load; try again later.",
    screen: "Meeting-room screen", days: "days", role_admin: "admin", role_leader: "leader",
    role_member: "member", wan: "10k CNY", back_wall: "Back to the wall chart",
  },
};
const COLORS = { lagging: "#d64541", at_risk: "#f39c12", on_track: "#27ae60", done: "#2e86de" };
const LIGHTS = ["lagging", "at_risk", "on_track", "done"];

let lang = (navigator.language || "zh").toLowerCase().startsWith("en") ? "en" : "zh";
const tr = (key) => (TEXT[lang] && TEXT[lang][key]) || TEXT.zh[key] || key;
const charts = [];

/* ------------------------------------------------------------------ who is asking */

function credentials() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const initData = hash.get("tgWebAppData");
  const screenKey = hash.get("k");
  if (initData) sessionStorage.setItem("auth", "tma " + initData);
  if (screenKey) sessionStorage.setItem("auth", "screen " + screenKey);
  if (initData || screenKey) history.replaceState(null, "", location.pathname + "#/");
  return sessionStorage.getItem("auth");
}

const isScreen = location.pathname.startsWith("/screen");
let auth = null;

class ApiError extends Error {
  constructor(status) { super("HTTP " + status); this.status = status; }
}

async function api(path) {
  const response = await fetch(path, {
    headers: auth ? { Authorization: auth } : {}, cache: "no-store", credentials: "omit",
  });
  if (!response.ok) throw new ApiError(response.status);
  const data = await response.json();
  if (data.me && data.me.lang) lang = data.me.lang;
  return data;
}

/* ------------------------------------------------------------------ building the page */

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const card = (title, ...body) => el("section", { class: "card" }, el("h2", { text: title }), ...body);
const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 10) / 10}%`);
const num = (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString(lang === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: 1 }));
const light = (s) => el("span", { class: "dot " + s, title: tr(s + "_l") });
const projectLink = (p) => (isScreen ? el("span", { text: p.name })
  : el("a", { href: "#/project/" + encodeURIComponent(p.code), text: p.name }));
const unitLink = (name, id) => (isScreen || id === null || id === undefined ? el("span", { text: name })
  : el("a", { href: "#/unit/" + id, text: name }));

function bar(share) {
  const fill = el("span");
  fill.style.width = `${Math.max(0, Math.min(100, (share || 0) * 100))}%`;
  return el("div", { class: "bar" }, fill);
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map(([text, cls]) => el("th", { class: cls, text })))),
    el("tbody", {}, rows));
}

function changeCell(r) {
  if (r.change === null || r.change === undefined) return el("td", { class: "num", text: tr("new") });
  if (r.change > 0) return el("td", { class: "num up", text: "▲" + r.change });
  if (r.change < 0) return el("td", { class: "num down", text: "▼" + -r.change });
  return el("td", { class: "num", text: "–" });
}

function show(...nodes) {
  charts.splice(0).forEach((c) => c.dispose());
  const main = document.getElementById("main");
  main.replaceChildren(...nodes);
}

function chart(node, option) {
  if (!window.echarts) return;
  const c = window.echarts.init(node, null, { renderer: "canvas" });
  c.setOption(option);
  charts.push(c);
  return c;
}
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

function header(me) {
  document.documentElement.lang = lang;
  document.title = tr("title");
  document.getElementById("title").textContent = isScreen ? `${tr("title")} · ${tr("screen")}` : tr("title");
  const nav = document.getElementById("nav");
  const here = location.hash.split("/")[1] || "";
  nav.replaceChildren(...[["", "portfolio"], ["wall", "wall"], ["lagging", "lagging"], ["problems", "problems"]]
    .map(([path, key]) => el("a", { href: "#/" + path, class: here === path ? "on" : null, text: tr(key) })));
  const who = me && me.role ? `${me.name || ""} · ${tr("role_" + me.role)}${me.scope ? " · " + me.scope : ""}` : "";
  document.getElementById("who").textContent = isScreen ? new Date().toLocaleString() : who;
}

/* ------------------------------------------------------------------ pages */

function lightsCard(o) {
  return card(tr("lights"), el("div", { class: "lights" },
    LIGHTS.map((s) => el("div", { class: "light " + s, "data-light": s },
      el("b", { text: o.lights[s] || 0 }), tr(s + "_l")))));
}

function stagesCard(o) {
  const total = Object.values(o.stages).reduce((a, b) => a + b, 0) || 1;
  return card(tr("stages"), el("div", { class: "stages" },
    Object.entries(o.stages).flatMap(([stage, n]) => [el("span", { text: tr(stage) }), bar(n / total), el("b", { text: n })])));
}

function investmentCard(o) {
  const inv = o.investment;
  return card(`${tr("investment")} ${inv.year}`,
    el("p", {}, el("b", { class: "big", id: "invest-done", text: num(inv.this_year) }), ` / ${num(inv.plan)} ${tr("wan")} · `,
      el("b", { text: inv.share === null ? "—" : pct(inv.share * 100) }), ` ${tr("of_plan")}`),
    bar(inv.share), el("p", { class: "note", text: `${inv.reported} ${tr("reported")}` }));
}

function rankingCard(ranking) {
  return card(tr("ranking"), table(
    [[tr("rank"), "num"], [tr("unit")], [tr("score"), "num"], [tr("change"), "num"], [tr("projects"), "num"], [tr("lagging_l"), "num"]],
    ranking.map((r) => el("tr", { "data-unit": r.unit },
      el("td", { class: "num", text: r.rank }), el("td", {}, unitLink(r.unit, r.unit_id)),
      el("td", { class: "num", text: r.score }), changeCell(r),
      el("td", { class: "num", text: r.projects }), el("td", { class: "num", text: r.lagging })))));
}

function laggingTable(projects) {
  if (!projects.length) return el("p", { class: "note", text: tr("none") });
  return table([[tr("standing")], [tr("project")], [tr("unit")], [tr("progress"), "num"], [tr("planned"), "num"], [tr("reasons")]],
    projects.map((p) => el("tr", { class: "project-row", "data-code": p.code },
      el("td", {}, light(p.standing)), el("td", {}, projectLink(p)), el("td", {}, unitLink(p.unit, p.unit_id)),
      el("td", { class: "num", text: pct(p.progress) }), el("td", { class: "num", text: pct(p.planned) }),
      el("td", { class: "reasons", text: p.reasons.join("; ") }))));
}

async function portfolioPage() {
  const o = await api("/api/overview");
  header(o.me);
  const wall = el("div", { class: "wall", id: "wall" });
  const top = el("div", { class: "grid three" }, lightsCard(o), stagesCard(o), investmentCard(o));
  const lower = el("div", { class: "grid two" }, rankingCard(o.ranking), card(tr("lagging"), laggingTable(o.lagging.slice(0, 15))));
  if (!isScreen) return show(el("div", { class: "grid" }, top, lower));
  show(el("div", { class: "grid" }, top, card(tr("wall"), wall), lower));
  const data = await api("/api/projects");
  drawWall(wall, data.projects);
}

function drawWall(node, projects) {
  // Grouped by unit (the API lists them by unit, then code); worst light first within a unit.
  const order = projects.slice().sort((a, b) => a.unit.localeCompare(b.unit) || LIGHTS.indexOf(a.standing) - LIGHTS.indexOf(b.standing));
  const rows = order.slice().reverse();  // ECharts draws the first category at the bottom
  node.style.height = `${Math.max(320, rows.length * 26 + 80)}px`;
  const labels = rows.map((p) => `${p.unit.slice(0, 12)} · ${p.name.slice(0, 18)}`);
  const c = chart(node, {
    animation: false,
    grid: { left: 8, right: 24, top: 36, bottom: 24, containLabel: true },
    legend: { data: [tr("actual"), tr("plan_line")], top: 0 },
    tooltip: { trigger: "item", renderMode: "richText",
               formatter: (p) => `${rows[p.dataIndex].unit}\n${rows[p.dataIndex].name}\n${p.seriesName}: ${pct(p.value)}` },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: labels, axisLabel: { interval: 0 } },
    series: [
      { name: tr("actual"), type: "bar", barWidth: 14, data: rows.map((p) => ({ value: p.progress || 0, itemStyle: { color: COLORS[p.standing] } })) },
      { name: tr("plan_line"), type: "scatter", symbol: "rect", symbolSize: [4, 20], itemStyle: { color: "#17324d" },
        data: rows.map((p) => (p.planned === null ? null : p.planned)) },
    ],
  });
  if (c && !isScreen) c.on("click", (p) => { location.hash = "#/project/" + encodeURIComponent(rows[p.dataIndex].code); });
  node.dataset.projects = String(rows.length);
}

async function wallPage(params) {
  const data = await api("/api/projects");
  header(data.me);
  const unitSelect = el("select", { id: "unit-filter" }, el("option", { value: "", text: tr("all_units") }),
    data.units.map((u) => el("option", { value: u.name, text: u.name })));
  const lightSelect = el("select", { id: "light-filter" }, el("option", { value: "", text: tr("all_lights") }),
    LIGHTS.map((s) => el("option", { value: s, text: tr(s + "_l") })));
  unitSelect.value = params.get("unit") || "";
  lightSelect.value = params.get("light") || "";
  const wall = el("div", { class: "wall", id: "wall" });
  const redraw = () => {
    charts.splice(0).forEach((c) => c.dispose());
    const shown = data.projects.filter((p) => (!unitSelect.value || p.unit === unitSelect.value) && (!lightSelect.value || p.standing === lightSelect.value));
    drawWall(wall, shown);
  };
  unitSelect.addEventListener("change", redraw);
  lightSelect.addEventListener("change", redraw);
  show(card(tr("wall"), el("div", { class: "filters" }, unitSelect, lightSelect), wall));
  redraw();
}

async function laggingPage() {
  const data = await api("/api/projects");
  header(data.me);
  const behind = data.projects.filter((p) => p.standing === "lagging" || p.standing === "at_risk")
    .sort((a, b) => LIGHTS.indexOf(a.standing) - LIGHTS.indexOf(b.standing) || (b.behind || 0) - (a.behind || 0));
  show(card(tr("lagging"), laggingTable(behind)));
}

function problemsTable(problems) {
  if (!problems.length) return el("p", { class: "note", text: tr("none") });
  return table([["#", "num"], [tr("project")], [tr("problem")], [tr("acting")], [tr("age"), "num"], [tr("deadline")]],
    problems.map((q) => el("tr", { class: "problem-row" },
      el("td", { class: "num", text: q.id }),
      el("td", {}, projectLink({ code: q.project_code, name: q.project_name })),
      el("td", { text: q.text }), el("td", { text: q.acting_unit || "—" }),
      el("td", { class: "num", text: q.age_days }),
      el("td", { class: q.overdue ? "overdue" : null, text: q.deadline + (q.overdue ? ` (${tr("overdue")})` : "") }))));
}

async function problemsPage() {
  const data = await api("/api/problems");
  header(data.me);
  show(card(tr("open_problems"), problemsTable(data.problems)));
}

async function unitPage(id) {
  const data = await api("/api/units/" + encodeURIComponent(id));
  header(data.me);
  const r = data.rank;
  show(el("div", { class: "grid" },
    card(`${tr("unit_page")} · ${data.unit.name}`,
      r ? el("p", {}, `${tr("rank")} ${r.rank} · ${tr("score")} ${r.score} · ${tr("projects")} ${r.projects}`) : null),
    card(tr("projects"), laggingTable(data.projects)),
    card(tr("open_problems"), problemsTable(data.problems))));
}

const PICTURES_SHOWN = 4;  // an update's first pictures (documents are not shown)

function pictures(update) {
  const holder = el("div", { class: "photos" });
  for (let i = 0; i < Math.min(update.files, PICTURES_SHOWN); i++) {
    // An <img src> cannot send the Authorization header: fetched, then shown from a blob.
    fetch(`/api/updates/${update.id}/files/${i}`, { headers: { Authorization: auth }, cache: "no-store", credentials: "omit" })
      .then((response) => (response.ok ? response.blob() : null))
      .then((blob) => {
        if (!blob) return;
        const img = el("img", { class: "photo", alt: "", "data-update": update.id });
        img.src = URL.createObjectURL(blob);
        holder.append(img);
      })
      .catch(() => {});
  }
  return holder;
}

async function projectPage(code) {
  const data = await api("/api/projects/" + encodeURIComponent(code));
  header(data.me);
  const p = data.project;
  const progressChart = el("div", { class: "chart", id: "progress-chart" });
  const facts = table([[tr("standing")], [tr("unit")], [tr("stage")], [tr("progress"), "num"], [tr("planned"), "num"], [tr("leader")]],
    [el("tr", {}, el("td", {}, light(p.standing), tr(p.standing + "_l")), el("td", {}, unitLink(p.unit, p.unit_id)),
      el("td", { text: tr(p.stage || "unknown") }), el("td", { class: "num", text: pct(p.progress) }),
      el("td", { class: "num", text: pct(p.planned) }), el("td", { text: p.leader || "—" }))]);
  const nodes = data.nodes.length ? table([[tr("due")], [tr("target"), "num"], [tr("nodes")]],
    data.nodes.map((n) => el("tr", {}, el("td", { text: n.due }), el("td", { class: "num", text: pct(n.progress) }),
      el("td", { class: n.missed ? "overdue" : null, text: (n.title || "") + (n.missed ? ` (${tr("missed")})` : "") }))))
    : el("p", { class: "note", text: tr("none") });
  const updates = data.updates.length ? data.updates.map((u) => el("div", { class: "update" },
    el("div", { class: "meta", text: `${u.at.slice(0, 16).replace("T", " ")} · ${u.who}${u.files ? ` · ${u.files} ${tr("files")}` : ""}` }),
    el("p", { text: u.text }), u.files ? pictures(u) : null)) : [el("p", { class: "note", text: tr("none") })];
  show(el("div", { class: "grid" },
    card(`${p.code} · ${p.name}`, facts, p.reasons.length ? el("p", { class: "reasons", text: p.reasons.join("; ") }) : null),
    el("div", { class: "grid two" }, card(tr("progress"), progressChart), card(tr("nodes"), nodes)),
    el("div", { class: "grid two" }, card(tr("updates"), updates), card(tr("open_problems"), problemsTable(data.problems)))));
  chart(progressChart, {
    animation: false,
    grid: { left: 8, right: 24, top: 36, bottom: 24, containLabel: true },
    legend: { data: [tr("actual"), tr("plan_line")], top: 0 },
    tooltip: { trigger: "axis", renderMode: "richText" },
    xAxis: { type: "time" },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: tr("actual"), type: "line", step: "end", data: data.history.map((h) => [h.at, h.progress]), itemStyle: { color: COLORS[p.standing] } },
      { name: tr("plan_line"), type: "line", lineStyle: { type: "dashed" }, data: data.plan.map((pt) => [pt.on, pt.progress]), itemStyle: { color: "#17324d" } },
    ],
  });
}

/* ------------------------------------------------------------------ routing */

async function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const [page, arg] = path.split("/");
  const params = new URLSearchParams(query || "");
  try {
    if (isScreen || page === "") await portfolioPage();
    else if (page === "wall") await wallPage(params);
    else if (page === "lagging") await laggingPage();
    else if (page === "problems") await problemsPage();
    else if (page === "unit") await unitPage(decodeURIComponent(arg || ""));
    else if (page === "project") await projectPage(decodeURIComponent(arg || ""));
    else await portfolioPage();
    document.body.dataset.page = isScreen ? "screen" : page || "portfolio";
  } catch (error) {
    header(null);
    const key = error instanceof ApiError ? { 401: "unauthorized", 403: "forbidden", 404: "not_found" }[error.status] || "failed" : "failed";
    show(el("p", { class: "error", id: "error", "data-status": error.status || "", text: tr(key) }));
    document.body.dataset.page = "error";
  }
}

function start() {
  auth = credentials();
  if (isScreen) {
    document.body.classList.add("screen");
    setInterval(route, 5 * 60 * 1000);  // the wall stays current during the meeting
  }
  window.addEventListener("hashchange", route);
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
