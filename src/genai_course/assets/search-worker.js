// Material's search worker, started late on a page with a demo. Building the search index takes
// a core for about half a second; on a 2-core laptop that is the core Python needs to start. So
// this worker holds Material's messages until the page's Python is ready (or has failed), which
// python.js announces on the "genai-course" BroadcastChannel, or until 10 s have passed, then
// loads Material's own worker and hands it the messages in order. Search works as before; its
// index is built a second or two later, while the learner reads.
"use strict";

const name = new URL(self.location.href).searchParams.get("worker") || "";
const held = [];
const hold = (event) => held.push(event.data);
self.addEventListener("message", hold);
let started = false;
let channel = null;
let timer = null;

function start() {
  if (started) return;
  started = true;
  clearTimeout(timer);
  if (channel) channel.close();
  self.removeEventListener("message", hold);
  // only Material's search worker, from the theme's own folder
  if (!/^search\.[0-9a-f]+\.min\.js$/.test(name)) throw new Error(`not a search worker: ${name}`);
  importScripts(`../javascripts/workers/${name}`);
  for (const data of held) self.dispatchEvent(new MessageEvent("message", { data }));
}

timer = setTimeout(start, 10000);
if (typeof BroadcastChannel === "function") {
  channel = new BroadcastChannel("genai-course");
  channel.onmessage = (event) => {
    if (event.data === "python-settled") start();
  };
} else {
  start();
}
