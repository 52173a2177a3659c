// Offline use, the page's side: registers the service worker (sw.js, built with Workbox), runs
// the "Save the course for offline use" control of the home page, and fills in the offline page
// (what is kept on this device). No maths; every text it shows is set with textContent.
(function () {
  "use strict";

  const config = window.__genaiCourse || {};
  const siteRoot = new URL("../../", document.currentScript.src);
  const supported = Boolean(config.serviceWorker) && "serviceWorker" in navigator;
  const wasControlled = supported && Boolean(navigator.serviceWorker.controller);
  // kept: what the page loaded is in the service worker's copy; keptPython: the Python files and
  // the code editor too
  window.genaiCourseOffline = { kept: Promise.resolve(), keptPython: Promise.resolve() };

  if (supported) {
    // Registered once the page has loaded and, on a page with a demo, once its Python is up: a
    // first install reads the worker's scripts and list, and that should not slow Python's start
    // (on a repeat visit the worker is already in charge and this only checks for an update).
    const register = () =>
      navigator.serviceWorker
        .register(new URL(config.serviceWorker, siteRoot).href)
        .catch((error) => console.warn("genai-course: no offline use:", error.message));
    const course = window.genaiCourse;
    const afterLoad = (then) =>
      document.readyState === "complete" ? then() : window.addEventListener("load", then, { once: true });
    if (course && course.python.state === "loading" && !course.isQuiet()) {
      document.addEventListener("genai-course:quiet", () => afterLoad(register), { once: true });
    } else {
      afterLoad(register);
    }
    // A worker that takes charge of this page after it has loaded (the first one, or a new
    // build's) did not see what the page used: hand it over, so that it is kept too.
    // `kept` settles when that is done.
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      const urls = [location.href, ...performance.getEntriesByType("resource").map((r) => r.name)];
      const keep = { type: "genai-course:keep", urls: urls.filter((url) => url.startsWith(siteRoot.href)) };
      window.genaiCourseOffline.kept = ask(keep).catch(() => {});
    });
    if (!wasControlled) {
      window.genaiCourseOffline.kept = new Promise((resolve) =>
        navigator.serviceWorker.addEventListener("controllerchange", () =>
          window.genaiCourseOffline.kept.then(resolve),
        ),
      );
    }
    // Once Python is up (so as not to compete with it), ask for its files (from the browser's
    // cache, mostly: they went past the worker if it was not in charge yet) and for the code
    // editor's, which an exercise loads only when it comes near the screen: an exercise opened
    // offline later gets the editor, not the plain text box
    const keepPython = () =>
      Promise.all([window.genaiCourse.python.ready, window.genaiCourseOffline.kept])
        .then(() => ask({ type: "genai-course:keep", python: true }))
        .catch(() => {});
    if (window.genaiCourse) {
      window.genaiCourseOffline.keptPython = new Promise((resolve) => {
        const keep = () => keepPython().then(resolve);
        if (window.genaiCourse.python.worker) keep();
        else document.addEventListener("genai-course:python", keep, { once: true });
      });
    }
  } else if (!config.serviceWorker && "serviceWorker" in navigator) {
    // under mkdocs serve: a worker left by a build served on this address would hide live reload
    navigator.serviceWorker.getRegistrations().then((registrations) =>
      registrations.filter((r) => r.scope.startsWith(siteRoot.href)).forEach((r) => r.unregister()),
    );
  }

  // Ask the service worker something; it answers on a channel of its own.
  async function ask(message) {
    const registration = await navigator.serviceWorker.ready;
    return new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => reject(new Error("The offline helper did not answer.")), 60000);
      channel.port1.onmessage = (event) => {
        clearTimeout(timer);
        resolve(event.data);
      };
      registration.active.postMessage(message, [channel.port2]);
    });
  }

  const megabytes = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

  function mountControl(root) {
    if (root.dataset.mounted) return;
    root.dataset.mounted = "true";
    const saveButton = root.querySelector('[data-action="save"]');
    const removeButton = root.querySelector('[data-action="remove"]');
    const progress = root.querySelector("progress");
    const size = root.querySelector(".gc-offline-size");
    const message = root.querySelector(".gc-offline-status");
    root.hidden = false;
    if (!supported) {
      saveButton.disabled = true;
      message.textContent = config.serviceWorker
        ? "This browser cannot keep the course for offline use."
        : "Offline use is available on the published site (not under mkdocs serve).";
      return;
    }
    let state = null;

    function show(next, text) {
      state = next;
      size.textContent = megabytes(state.totalBytes);
      saveButton.hidden = state.saved;
      removeButton.hidden = !state.saved;
      if (text !== undefined) message.textContent = text;
    }

    async function save() {
      saveButton.disabled = true;
      progress.hidden = false;
      progress.value = 0;
      message.textContent = `Saving the course (${megabytes(state.totalBytes)})…`;
      const added = [];
      let done = 0;
      let next = 0;
      let failure = null;
      // a few downloads at a time; each answer moves the bar by that file's size
      async function lane() {
        while (next < state.count && !failure) {
          const index = next++;
          const answer = await ask({ type: "genai-course:save-file", build: state.build, index });
          if (!answer.ok) {
            failure = failure || answer.error;
            return;
          }
          if (answer.added) added.push(index);
          done += answer.bytes;
          progress.value = Math.round((100 * done) / state.totalBytes);
        }
      }
      try {
        await Promise.all([lane(), lane(), lane(), lane()]);
      } catch (error) {
        failure = failure || error.message;
      }
      if (failure) {
        await ask({ type: "genai-course:save-abort", build: state.build, added }).catch(() => {});
        progress.hidden = true;
        saveButton.disabled = false;
        message.textContent = `The course was not saved: ${failure} Nothing you had before was removed.`;
        return;
      }
      const answer = await ask({ type: "genai-course:save-done", build: state.build });
      progress.hidden = true;
      saveButton.disabled = false;
      if (!answer.ok) throw new Error(answer.error);
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
      show(answer, `Saved: the whole course (${megabytes(answer.totalBytes)}) is on this device and opens with no network.`);
    }

    async function remove() {
      removeButton.disabled = true;
      const answer = await ask({ type: "genai-course:remove" });
      removeButton.disabled = false;
      if (!answer.ok) throw new Error(answer.error);
      show(answer, "The saved copy is removed from this device. Pages you open from now on are kept as you go.");
      saveButton.focus();
    }

    saveButton.addEventListener("click", () => save().catch((error) => (message.textContent = error.message)));
    removeButton.addEventListener("click", () => remove().catch((error) => (message.textContent = error.message)));
    ask({ type: "genai-course:status" }).then(
      (answer) => show(answer, answer.saved ? "The whole course is saved on this device." : ""),
      (error) => (message.textContent = error.message),
    );
  }

  // The offline page, shown by the service worker at the address of a page it does not have:
  // which page that was, and the pages that are kept, with links.
  function mountOfflinePage(root) {
    if (root.dataset.mounted) return;
    root.dataset.mounted = "true";
    const offlinePage = new URL("offline/", siteRoot).href;
    const wanted = root.querySelector(".gc-offline-wanted");
    if (location.href.split(/[?#]/)[0] !== offlinePage) {
      wanted.querySelector("code").textContent = decodeURI(location.pathname);
      wanted.hidden = false;
    }
    // the learner is still at the address asked for: once online, a reload brings that page
    root.querySelector('[data-action="retry"]').addEventListener("click", () => location.reload());
    const list = root.querySelector(".gc-offline-kept");
    const none = root.querySelector(".gc-offline-none");
    if (!supported) {
      none.hidden = false;
      return;
    }
    const siteName = root.dataset.siteName;
    const named = (title) =>
      title === siteName ? "Home" : title.endsWith(` - ${siteName}`) ? title.slice(0, -siteName.length - 3) : title;
    ask({ type: "genai-course:kept-pages" }).then((answer) => {
      for (const page of answer.pages || []) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = page.url;
        link.textContent = named(page.title);
        item.append(link);
        list.append(item);
      }
      none.hidden = list.children.length > 0;
    }, () => (none.hidden = false));
    ask({ type: "genai-course:status" }).then(
      (answer) => (root.querySelector(".gc-offline-size").textContent = megabytes(answer.totalBytes)),
      () => {},
    );
  }

  function mount() {
    document.querySelectorAll(".gc-offline").forEach(mountControl);
    document.querySelectorAll(".gc-offline-page").forEach(mountOfflinePage);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
