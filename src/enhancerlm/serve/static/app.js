// enhancerlm serve: submit, poll the job, draw the table, sort it, explain a row. No libraries, no network
// beyond this server (the page's Content-Security-Policy would block it anyway).
"use strict";

const POLL_MS = 250;
const $ = (id) => document.getElementById(id);
let rows = [];
let predictJob = null;

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch (err) {
    return { error: `the server answered ${response.status} ${response.statusText}` };
  }
}

// Poll a job until it is done or failed; resolves with the job's JSON.
async function waitFor(url, status) {
  for (;;) {
    const job = await readJson(await fetch(url));
    if (job.error && !job.status) throw new Error(job.error);
    if (job.status === "done") return job;
    if (job.status === "failed") throw new Error(job.error);
    status.textContent = `${job.kind}: ${job.status}...`;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function submit(event) {
  event.preventDefault();
  showError("");
  $("submit").disabled = true;
  $("status").textContent = "sending...";
  try {
    const response = await fetch("/api/predict", { method: "POST", body: new FormData($("predict-form")) });
    const answer = await readJson(response);
    if (!response.ok) throw new Error(answer.error);
    const job = await waitFor(answer.url, $("status"));
    predictJob = job.id;
    showResults(job);
    $("status").textContent = `${job.result.n} sequences scored in ${job.seconds.toFixed(2)} s`;
  } catch (err) {
    showError(err.message);
    $("status").textContent = "";
  } finally {
    $("submit").disabled = false;
  }
}

function showResults(job) {
  const result = job.result;
  rows = result.rows;
  $("notes").replaceChildren(...result.notes.map((note) => {
    const li = document.createElement("li");
    li.textContent = note;
    return li;
  }));
  $("histogram").src = `/api/jobs/${job.id}/histogram.svg`;
  $("download").href = `/api/jobs/${job.id}/predictions.tsv`;
  document.querySelectorAll("#predictions th").forEach((th) => th.classList.remove("asc", "desc"));
  drawRows();
  $("results").hidden = false;
  $("explain").hidden = true;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function drawRows() {
  const body = $("predictions").tBodies[0];
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.dataset.row = row.row;
    tr.append(
      cell(row.id, "id"),
      cell(String(row.length_bp), "number length"),
      cell(row.probability_text, "number probability"),
      cell(row.call, "call"),
      cell(row.prediction, "prediction"),
      cell(row.training, "training"),
    );
    tr.addEventListener("click", () => explain(row, tr));
    return tr;
  }));
}

function sortBy(th) {
  const key = th.dataset.key;
  const descending = th.classList.contains("asc");
  document.querySelectorAll("#predictions th").forEach((other) => other.classList.remove("asc", "desc"));
  th.classList.add(descending ? "desc" : "asc");
  const sign = descending ? -1 : 1;
  const compare = th.dataset.type === "number"
    ? (a, b) => a[key] - b[key]
    : (a, b) => String(a[key]).localeCompare(String(b[key]));
  rows.sort((a, b) => sign * compare(a, b) || a.row - b.row);
  drawRows();
}

async function explain(row, tr) {
  document.querySelectorAll("#predictions tr.selected").forEach((r) => r.classList.remove("selected"));
  tr.classList.add("selected");
  $("explain").hidden = false;
  $("explain-id").textContent = row.id;
  $("attribution").hidden = true;
  $("motifs").hidden = true;
  $("windows-block").hidden = true;
  $("motif-note").textContent = "";
  const status = $("explain-status");
  status.textContent = "explaining...";
  try {
    const form = new FormData();
    form.append("method", $("method").value);
    const response = await fetch(`/api/jobs/${predictJob}/rows/${row.row}/explain`, { method: "POST", body: form });
    const answer = await readJson(response);
    if (!response.ok) throw new Error(answer.error);
    const job = await waitFor(answer.url, status);
    showExplanation(job);
    status.textContent = `${job.result.method} attribution of ${job.result.length_bp} bp in ${job.seconds.toFixed(2)} s`;
  } catch (err) {
    status.textContent = `error: ${err.message}`;
  }
}

function showExplanation(job) {
  const result = job.result;
  $("attribution").src = `/api/jobs/${job.id}/attribution.svg`;
  $("attribution").hidden = false;
  $("motif-note").textContent = result.motif_note;
  const body = $("motifs").tBodies[0];
  body.replaceChildren(...result.motifs.map((motif) => {
    const tr = document.createElement("tr");
    const names = motif.matches.map((m) => `${m.name} (${m.matrix_id}, q=${m.q_value.toPrecision(2)})`).join("; ");
    tr.append(
      cell(`${motif.start}-${motif.end}`),
      cell(motif.score.toPrecision(3), "number"),
      cell(motif.sequence, "sequence"),
      cell(names, "matches"),
    );
    return tr;
  }));
  $("motifs").hidden = result.motifs.length === 0;
  if (result.windows.length > 1) {
    $("windows").src = `/api/jobs/${job.id}/windows.svg`;
    $("windows-block").hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("predict-form").addEventListener("submit", submit);
  document.querySelectorAll("#predictions th").forEach((th) => th.addEventListener("click", () => sortBy(th)));
});
