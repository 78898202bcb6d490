// enhancerlm serve: submit, poll the job, draw the table, sort it, explain a row. No libraries, no network
// beyond this server (the page's Content-Security-Policy would block it anyway).
"use strict";

const POLL_MS = 250;
const $ = (id) => document.getElementById(id);
const METHOD_NAMES = { ism: "ISM", ig: "integrated gradients" };
// A row's `training` value in words: [one of them, several of them].
const COPY_WORDS = {
  exact: ["an exact copy", "exact copies"],
  revcomp: ["the reverse complement", "reverse complements"],
  near: ["a near copy", "near copies"],
};
let rows = [];
let predictJob = null; // the scored table's job: {id, both_strands}
let selected = null; // the row being explained
let explaining = null; // the explain job running now: {id, token}
let token = 0; // increases with every explanation asked for; an older one's answer is dropped

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

const number = (n) => Number(n).toLocaleString("en-US");

function duration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

// One line on what a job is doing: its place in the queue, or its step, counts and the time left.
function describe(job) {
  if (job.status === "queued") return `${job.kind}: waiting (${job.ahead} job${job.ahead === 1 ? "" : "s"} ahead)`;
  if (job.cancelling) return `${job.kind}: cancelling...`;
  const p = job.progress || {};
  if (!p.step) return `${job.kind}: ${job.status}...`;
  let text = `${p.step}`;
  if (p.total) text += `: ${number(p.done)} of ${number(p.total)} ${p.unit}s`;
  if (p.seconds_left !== null && p.seconds_left !== undefined) text += `, about ${duration(p.seconds_left)} left`;
  return text + "...";
}

// Poll a job until it is done, failed or cancelled; resolves with the job's JSON. `onUpdate(job)` sees each poll.
async function waitFor(url, onUpdate) {
  for (;;) {
    const job = await readJson(await fetch(url));
    if (job.error && !job.status) throw new Error(job.error);
    if (job.status === "done" || job.status === "cancelled") return job;
    if (job.status === "failed") throw new Error(job.error);
    onUpdate(job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// Forget everything shown for an earlier input, so nothing stale can be read as the new input's result.
function clearResults() {
  cancelExplanation();
  rows = [];
  predictJob = null;
  selected = null;
  $("predictions").tBodies[0].replaceChildren();
  $("notes").replaceChildren();
  $("training-note").hidden = true;
  $("histogram").removeAttribute("src");
  $("results").hidden = true;
  clearExplanation();
  $("explain").hidden = true;
}

async function submit(event) {
  event.preventDefault();
  showError("");
  clearResults();
  $("submit").disabled = true;
  $("status").textContent = "sending...";
  try {
    const response = await fetch("/api/predict", { method: "POST", body: new FormData($("predict-form")) });
    const answer = await readJson(response);
    if (!response.ok) throw new Error(answer.error);
    const job = await waitFor(answer.url, (j) => { $("status").textContent = describe(j); });
    predictJob = { id: job.id, both_strands: job.result.both_strands };
    showResults(job);
    $("status").textContent = `${job.result.n} sequences scored in ${job.seconds.toFixed(2)} s`;
  } catch (err) {
    clearResults();
    showError(err.message);
    $("status").textContent = "";
  } finally {
    $("submit").disabled = false;
  }
}

function listItem(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function showResults(job) {
  const result = job.result;
  rows = result.rows;
  $("notes").replaceChildren(...result.notes.map(listItem));
  showTrainingNote(rows);
  $("histogram").src = `/api/jobs/${job.id}/histogram.svg`;
  $("download").href = `/api/jobs/${job.id}/predictions.tsv`;
  document.querySelectorAll("#predictions th").forEach((th) => th.classList.remove("asc", "desc"));
  drawRows();
  $("results").hidden = false;
  $("explain").hidden = true;
}

// Copies of training sequences, said in words: the model has seen them with their labels.
function showTrainingNote(rows) {
  const counts = {};
  rows.forEach((row) => { if (COPY_WORDS[row.training]) counts[row.training] = (counts[row.training] || 0) + 1; });
  const n = Object.values(counts).reduce((a, b) => a + b, 0);
  const box = $("training-note");
  box.hidden = n === 0;
  if (n === 0) return;
  const kinds = Object.entries(counts).map(([kind, k]) => (k === 1 ? COPY_WORDS[kind][0] : `${k} ${COPY_WORDS[kind][1]}`));
  const copies = n === 1 ? `One of these ${rows.length} sequences is a copy of a training sequence`
    : `${n} of these ${rows.length} sequences are copies of training sequences`;
  box.textContent = `${copies} (${kinds.join(", ")}). The model learned the training sequences with their `
    + "labels, so a score on a training sequence is not evidence that it is an enhancer: judge the model by its "
    + "scores on novel sequences.";
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
    const training = cell(row.training, `training ${row.training}`);
    if (COPY_WORDS[row.training]) training.title = "a copy of a training sequence: its score is not evidence";
    tr.append(
      cell(row.id, "id"),
      cell(String(row.length_bp), "number length"),
      cell(row.probability_shown, "number probability"),
      cell(row.call, "call"),
      cell(row.prediction, "prediction"),
      training,
    );
    if (selected && selected.row === row.row) tr.classList.add("selected");
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

function clearExplanation() {
  $("attribution-block").hidden = true;
  $("attribution").removeAttribute("src");
  $("windows-block").hidden = true;
  $("windows").removeAttribute("src");
  $("motifs").hidden = true;
  $("motif-note").textContent = "";
  $("explain-running").hidden = true;
  $("explain-status").textContent = "";
}

// Stop the explanation running now (if any); the server drops it between two model calls.
function cancelExplanation() {
  if (explaining) fetch(`/api/jobs/${explaining.id}/cancel`, { method: "POST" });
  explaining = null;
  token += 1;
}

async function explain(row, tr) {
  cancelExplanation();
  const mine = token;
  const method = $("method").value;
  selected = row;
  document.querySelectorAll("#predictions tr.selected").forEach((r) => r.classList.remove("selected"));
  if (tr) tr.classList.add("selected");
  clearExplanation();
  $("explain").hidden = false;
  $("explain-id").textContent = row.id;
  $("explain-method").textContent = METHOD_NAMES[method] || method;
  const copy = COPY_WORDS[row.training];
  $("explain-training").hidden = !copy;
  $("explain-training").textContent = copy ? `This sequence is ${copy[0]} of a training sequence: the model learned `
    + "it with its label, so neither its score nor this explanation is evidence about new DNA." : "";
  const status = $("explain-status");
  status.textContent = "explaining...";
  try {
    const form = new FormData();
    form.append("method", method);
    const response = await fetch(`/api/jobs/${predictJob.id}/rows/${row.row}/explain`, { method: "POST", body: form });
    const answer = await readJson(response);
    if (!response.ok) throw new Error(answer.error);
    if (mine !== token) return fetch(`/api/jobs/${answer.job}/cancel`, { method: "POST" });
    explaining = { id: answer.job };
    const job = await waitFor(answer.url, (j) => { if (mine === token) showProgress(j); });
    if (mine !== token) return;
    explaining = null;
    $("explain-running").hidden = true;
    if (job.status === "cancelled") {
      status.textContent = `${METHOD_NAMES[method] || method} attribution cancelled`;
      return;
    }
    showExplanation(job, row);
    const name = METHOD_NAMES[job.result.method] || job.result.method;
    status.textContent = `${name} attribution of ${number(job.result.length_bp)} bp in ${job.seconds.toFixed(1)} s`;
  } catch (err) {
    if (mine !== token) return;
    explaining = null;
    $("explain-running").hidden = true;
    status.textContent = `error: ${err.message}`;
  }
}

function showProgress(job) {
  $("explain-status").textContent = describe(job);
  $("explain-running").hidden = false;
  const bar = $("explain-progress");
  const p = job.progress || {};
  if (p.total) {
    bar.max = p.total;
    bar.value = p.done;
  } else {
    bar.removeAttribute("value"); // an indeterminate bar while queued or between steps
  }
}

function showExplanation(job, row) {
  const result = job.result;
  const target = document.body.dataset.positive;
  $("attribution").src = `/api/jobs/${job.id}/attribution.svg`;
  $("attribution-caption").textContent = `Height of each base: its ${METHOD_NAMES[result.method] || result.method} `
    + `attribution, in ${result.unit} of ${target}. Above the line a base supports the call ${target}, below it `
    + "opposes it. Bases are numbered from 1.";
  $("attribution-block").hidden = false;
  $("motif-note").textContent = result.motif_note;
  const body = $("motifs").tBodies[0];
  body.replaceChildren(...result.motifs.map((motif) => {
    const tr = document.createElement("tr");
    const names = motif.matches.map((m) => `${m.name} (${m.matrix_id}, q=${m.q_value.toPrecision(2)})`).join("; ");
    tr.append(
      cell(`${motif.start + 1}-${motif.end}`, "bases"),
      cell(motif.score.toPrecision(3), "number"),
      cell(motif.sequence, "sequence"),
      cell(names, "matches"),
    );
    return tr;
  }));
  $("motifs").hidden = result.motifs.length === 0;
  if (result.windows.length > 1) {
    $("windows").src = `/api/jobs/${job.id}/windows.svg`;
    $("windows-caption").textContent = windowsText(result, row);
    $("windows-block").hidden = false;
  }
}

// How a long sequence's score is made from its windows, in words.
function windowsText(result, row) {
  const n = result.windows.length;
  let text = `This sequence (${number(result.length_bp)} bp) is longer than the model's window, so it was scored as `
    + `${n} overlapping windows of ${number(result.window_bp)} bp, one every ${number(result.stride_bp)} bp, the last `
    + `ending at the sequence's end. Each segment is one window's score; the sequence's score is their mean, `
    + `${result.score.toFixed(3)}.`;
  if (predictJob && predictJob.both_strands) {
    text += ` The table's ${row.probability_shown} also averages the reverse complement's windows (both strands).`;
  }
  return text;
}

document.addEventListener("DOMContentLoaded", () => {
  $("predict-form").addEventListener("submit", submit);
  document.querySelectorAll("#predictions th").forEach((th) => th.addEventListener("click", () => sortBy(th)));
  // A new method re-explains the row shown, so the menu always names the method of the track on screen.
  $("method").addEventListener("change", () => {
    if (selected) explain(selected, document.querySelector(`#predictions tr[data-row="${selected.row}"]`));
  });
  $("cancel").addEventListener("click", () => {
    cancelExplanation();
    $("explain-running").hidden = true;
    $("explain-status").textContent = "cancelled";
  });
});
