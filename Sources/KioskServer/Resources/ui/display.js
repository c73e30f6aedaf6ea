// The hall's call display (叫号屏). It reads "now serving" once (GET /v1/display/queue) and then
// follows the queue's event stream (GET /v1/display/events), both with the display's read-only
// token, which the page takes from its address: /ui/display.html#token=kds1.… (a fragment never
// reaches the server or its logs). EventSource cannot send a token, so the stream is read with
// fetch; after a cut it reconnects with Last-Event-ID and the server sends what was missed.
"use strict";

(() => {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  const servingList = document.getElementById("now-serving");
  const recentList = document.getElementById("recent-calls");
  const state = document.getElementById("display-state");
  /** counter → { number, serviceId, fresh }, the latest call at each counter. */
  const serving = new Map();
  const recent = [];
  let lastEventId = null;

  function setState(text, live) {
    state.textContent = text;
    state.classList.toggle("live", live);
  }

  function render(freshCounter) {
    servingList.replaceChildren(...[...serving.entries()].map(([counter, ticket]) => {
      const item = document.createElement("li");
      item.dataset.counter = counter;
      item.dataset.number = ticket.number;
      if (counter === freshCounter) item.classList.add("fresh");
      const number = document.createElement("span");
      number.className = "number";
      number.textContent = ticket.number;
      const arrow = document.createElement("span");
      arrow.className = "arrow";
      arrow.textContent = "→";
      const place = document.createElement("span");
      place.className = "counter";
      place.textContent = `窗口 ${counter}`;
      item.append(number, arrow, place);
      return item;
    }));
    recentList.replaceChildren(...recent.map((call) => {
      const item = document.createElement("li");
      item.textContent = `${call.number} → ${call.counter}`;
      return item;
    }));
  }

  function chime() {
    // Optional: a short tone where the browser allows sound; silence otherwise.
    try {
      const context = new AudioContext();
      const tone = context.createOscillator();
      tone.frequency.value = 880;
      tone.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.3);
    } catch (_) { /* no audio on this machine */ }
  }

  function apply(event) {
    lastEventId = String(event.id);
    const counter = event.counter;
    if (event.kind === "called" || event.kind === "recalled") {
      serving.delete(counter);
      // The latest call first, as the hall reads it.
      const entries = [[counter, { number: event.number, serviceId: event.serviceId }], ...serving.entries()];
      serving.clear();
      for (const [key, value] of entries) serving.set(key, value);
      recent.unshift({ number: event.number, counter });
      recent.splice(8);
      render(counter);
      chime();
    } else if (["finished", "noShow", "transferred"].includes(event.kind) && serving.get(counter)?.number === event.number) {
      serving.delete(counter);
      render(null);
    }
  }

  async function loadQueue() {
    const response = await fetch("/v1/display/queue", { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`queue ${response.status}`);
    const body = await response.json();
    serving.clear();
    const all = body.services.flatMap((service) => service.nowServing.map((s) => ({ ...s, serviceId: service.serviceId })));
    all.sort((a, b) => (a.calledAt < b.calledAt ? 1 : -1));
    for (const ticket of all) if (!serving.has(ticket.counter)) serving.set(ticket.counter, ticket);
    lastEventId = body.lastEventId;
    render(null);
  }

  /** Reads server-sent events from a fetch body: blocks separated by a blank line. */
  async function follow() {
    const headers = { Authorization: `Bearer ${token}` };
    if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch("/v1/display/events", { headers, cache: "no-store" });
    if (!response.ok) throw new Error(`events ${response.status}`);
    setState("实时 Live", true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
        if (data) apply(JSON.parse(data));
      }
    }
  }

  async function run() {
    if (!token) {
      setState("缺少叫号屏令牌 No display token (…/display.html#token=…)", false);
      return;
    }
    for (;;) {
      try {
        if (lastEventId === null) await loadQueue();
        await follow();
      } catch (error) {
        setState(`重新连接中… Reconnecting… (${error.message})`, false);
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  run();
})();
