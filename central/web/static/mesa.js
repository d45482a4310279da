// Mesa de Control: one key per decision. V valid, a–n an inconsistency (the ones that ask for a
// detail put the cursor there; Enter saves), Enter accepts the capture's suggestion, S sends to
// supervision, U opens the previous record, R replays the signature's trajectory.
// The decision is posted in the background and the browser moves to the next record, which it
// has already prerendered (speculation rules), so it appears at once.
(function () {
  const form = document.getElementById("decision");
  if (!form) return;
  const inciso = form.querySelector("#inciso");
  const detail = form.querySelector("#detalle");
  const required = form.dataset.required || "";
  const suggestion = form.dataset.suggestion || "";
  let sent = false;
  let seen = Promise.resolve();  // the /visto of a record loaded ahead, sent before its decision

  function submit(decision, letter) {
    if (sent) return;
    form.decision.value = decision;
    if (decision === "inconsistencia") {
      inciso.value = letter || inciso.value;
      if (!inciso.value) { inciso.focus(); return; }
      if (required.includes(inciso.value) && !detail.value.trim()) { detail.focus(); return; }
    } else {
      inciso.value = "";
    }
    sent = true;
    seen.then(function () {
      return fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Mesa": "1" } });
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (res.ok && res.body.next) { window.location.href = res.body.next; return; }
        problem((res.body && res.body.error) || "No se guardó la decisión; intente de nuevo.");
      })
      .catch(function () { problem("Sin conexión con el servidor: la decisión no se guardó; intente de nuevo."); });
  }

  function problem(text) {
    const p = document.getElementById("problema");
    p.textContent = text;
    p.hidden = false;
    sent = false;
  }

  // A record loaded ahead while the previous one was reviewed (prerendered, or its page
  // prefetched): the server counted a precarga; the view is audited when it is on screen.
  function shown() {
    const data = new FormData();
    data.append("csrf", form.csrf.value);
    seen = fetch(form.action + "/visto", { method: "POST", body: data, credentials: "same-origin", keepalive: true })
      .catch(function () {});
  }
  if (form.dataset.preloaded) {
    if (document.prerendering) document.addEventListener("prerenderingchange", shown, { once: true });
    else shown();
  }

  form.querySelectorAll("button[data-decision]").forEach(function (b) {
    b.addEventListener("click", function () { submit(b.dataset.decision); });
  });
  detail.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); submit("inconsistencia"); }
    if (e.key === "Escape") { detail.blur(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    const t = e.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") {
      if (t === "SELECT" && e.key === "Enter") { e.preventDefault(); submit("inconsistencia"); }
      return;
    }
    const k = e.key.toLowerCase();
    if (k === "v") { e.preventDefault(); submit("valido"); }
    else if (k.length === 1 && k >= "a" && k <= "n") { e.preventDefault(); submit("inconsistencia", k); }
    else if (k === "enter" && suggestion) { e.preventDefault(); submit("inconsistencia", suggestion); }
    else if (k === "s" && form.querySelector('[data-decision="disputa"]')) { e.preventDefault(); submit("disputa"); }
    else if (k === "u" && form.dataset.previous) { e.preventDefault(); window.location = form.dataset.previous; }
    else if (k === "r") { e.preventDefault(); replay(); }
  });

  // The signature's trajectory: points [t_ms, x, y, pressure, pen_down], drawn in time order.
  const canvas = document.getElementById("trazo");
  let trajectory = null;
  function draw(upTo) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!trajectory) return;
    const sx = canvas.width / (trajectory.width || 1), sy = canvas.height / (trajectory.height || 1);
    const s = Math.min(sx, sy);
    ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#1d2733";
    let prev = null;
    for (const p of trajectory.points) {
      if (p[0] > upTo) break;
      if (p[4] > 0.5 && prev && prev[4] > 0.5) {
        ctx.beginPath(); ctx.moveTo(prev[1] * s, prev[2] * s); ctx.lineTo(p[1] * s, p[2] * s); ctx.stroke();
      }
      prev = p;
    }
  }
  function replay() {
    if (!trajectory || !trajectory.points.length) return;
    const t0 = trajectory.points[0][0], t1 = trajectory.points[trajectory.points.length - 1][0];
    const start = performance.now();
    function frame(now) {
      const t = t0 + (now - start);
      draw(t);
      if (t < t1) requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  }
  if (canvas) {
    fetch(canvas.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) { trajectory = t; draw(Infinity); });
    document.getElementById("replay").addEventListener("click", replay);
  }
})();
