// The query UI: loads the named queries, runs the text in the textarea by POST to /sparql and
// shows SELECT and ASK answers in <table id="results">, graphs as Turtle. No network but this
// server; no libraries.
"use strict";

const ENDPOINT = "/sparql";
const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

let prefixes = {};
let base = "";

function byId(id) {
  return document.getElementById(id);
}

function setStatus(text, failed) {
  const status = byId("status");
  status.textContent = text;
  status.className = failed ? "error" : "";
}

// A prefixed name where a project prefix fits (for reading only), else the IRI in <>.
function shorten(iri) {
  let best = "";
  for (const [prefix, namespace] of Object.entries(prefixes)) {
    if (iri.startsWith(namespace) && namespace.length > (prefixes[best] || "").length) {
      const local = iri.slice(namespace.length);
      if (!/\s/.test(local)) best = prefix;
    }
  }
  return best ? best + ":" + iri.slice(prefixes[best].length) : "<" + iri + ">";
}

// A link to this server's page for the project's own IRIs, else to the IRI itself.
function iriCell(iri) {
  const link = document.createElement("a");
  link.textContent = shorten(iri);
  link.title = iri;
  // The paths the server answers (kg/server/pages.py, local_path): things, code lists and
  // concepts, the ontology and the shapes (a hash term lands on its element), the context.
  const own = base && iri.startsWith(base) &&
    /^(?:(?:id|vocab)\/[^\s#]+|(?:ontology|shapes)(?:#[\w.-]*|\/[\w.~-]+)?|context\/v1\.jsonld)$/
      .test(iri.slice(base.length));
  const scheme = /^https?:/.test(iri);
  if (own) link.href = "/" + iri.slice(base.length);
  else if (scheme) link.href = iri;
  else return document.createTextNode(iri);
  return link;
}

function termNode(term) {
  if (!term) return document.createTextNode("");
  if (term.type === "uri") return iriCell(term.value);
  if (term.type === "bnode") return document.createTextNode("_:" + term.value);
  const span = document.createElement("span");
  span.textContent = term.value;
  const lang = term["xml:lang"];
  if (lang || term.datatype) {
    const note = document.createElement("small");
    note.textContent = lang ? " @" + lang : " " + shorten(term.datatype);
    span.appendChild(note);
  }
  return span;
}

function clearResults() {
  const table = byId("results");
  table.tHead.replaceChildren();
  table.tBodies[0].replaceChildren();
  const graph = byId("graph");
  graph.hidden = true;
  graph.textContent = "";
}

function showTable(variables, rows) {
  const table = byId("results");
  const head = document.createElement("tr");
  for (const name of variables) {
    const th = document.createElement("th");
    th.textContent = name;
    head.appendChild(th);
  }
  table.tHead.appendChild(head);
  const body = table.tBodies[0];
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const name of variables) {
      const td = document.createElement("td");
      td.appendChild(termNode(row[name]));
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

async function run(event) {
  if (event) event.preventDefault();
  clearResults();
  const text = byId("query").value;
  setStatus("Running…", false);
  const started = performance.now();
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: ACCEPT },
      body: text,
    });
  } catch (error) {
    setStatus("The server did not answer: " + error, true);
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const type = (response.headers.get("Content-Type") || "").split(";")[0];
  const body = await response.text();
  if (!response.ok) {
    setStatus(response.status + " " + body.trim(), true);
    return;
  }
  if (type === "application/sparql-results+json") {
    const data = JSON.parse(body);
    if (typeof data.boolean === "boolean") {
      showTable(["boolean"], [{ boolean: { type: "literal", value: String(data.boolean) } }]);
      setStatus("ASK: " + data.boolean + " (" + seconds + " s)", false);
    } else {
      showTable(data.head.vars, data.results.bindings);
      const count = data.results.bindings.length;
      setStatus(count + (count === 1 ? " row" : " rows") + " (" + seconds + " s)", false);
    }
  } else {
    const graph = byId("graph");
    graph.textContent = body;
    graph.hidden = false;
    setStatus("Graph (" + seconds + " s)", false);
  }
}

function loadQuery(entry) {
  byId("query").value = entry.text;
  byId("query-description").textContent = entry.description;
  for (const item of document.querySelectorAll("#queries li")) {
    item.classList.toggle("selected", item.dataset.name === entry.name);
  }
  clearResults();
  setStatus("Loaded “" + entry.title + "”: press Run", false);
}

function listQueries(entries) {
  const list = byId("queries");
  for (const entry of entries) {
    const item = document.createElement("li");
    item.dataset.name = entry.name;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "query-title";
    button.textContent = entry.title;
    button.addEventListener("click", () => loadQuery(entry));
    const description = document.createElement("p");
    description.textContent = entry.description;
    item.append(button, description);
    if (entry.params.length) {
      const params = document.createElement("p");
      params.className = "params";
      params.textContent =
        "Parameters: " + entry.params.map((p) => p.name + " = " + p.example).join(", ");
      item.appendChild(params);
    }
    list.appendChild(item);
  }
}

async function start() {
  byId("endpoint").textContent = new URL(ENDPOINT, window.location.href).href;
  byId("query-form").addEventListener("submit", run);
  byId("query").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run(event);
  });
  const given = new URLSearchParams(window.location.search).get("query");
  if (given) byId("query").value = given;
  try {
    const response = await fetch("/api/queries", { headers: { Accept: "application/json" } });
    const catalogue = await response.json();
    prefixes = catalogue.prefixes;
    base = catalogue.base;
    listQueries(catalogue.queries);
    document.body.dataset.ready = "true";
  } catch (error) {
    setStatus("Cannot load the named queries: " + error, true);
  }
}

document.addEventListener("DOMContentLoaded", start);
