// Drives the built site in Firefox ESR over WebDriver BiDi (puppeteer-core), as a learner would:
// each demo page, a control changed from the keyboard, the editor and a quiz. Run by
// tests/test_browser_engines.py, which reads the one JSON object this prints on stdout.
//   node firefox.mjs <firefox binary> <site URL> <cases as JSON>
// The checks themselves (what must hold) are in the pytest test; this script only reports.
import puppeteer from "puppeteer-core";

const [executablePath, siteURL, casesJSON] = process.argv.slice(2);
const cases = JSON.parse(casesJSON);
const LIMIT = 120_000;

const report = { browser: "", pages: [], editor: {}, quiz: {} };
const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  protocol: "webDriverBiDi",
  // a fresh profile, no updates or telemetry reaching out from the test machine
  extraPrefsFirefox: {
    "app.update.enabled": false,
    "datareporting.policy.dataSubmissionEnabled": false,
    "toolkit.telemetry.enabled": false,
    "browser.shell.checkDefaultBrowser": false,
  },
});
report.browser = await browser.version();

async function openPage(path) {
  const page = await browser.newPage();
  page.setDefaultTimeout(LIMIT);
  const errors = [];
  // Firefox reports in a new tab that the service worker could not answer a request for the page
  // of the tab this script has just closed (seen once in three runs under load): that load was
  // given up by the test, not by the site. Such a message about any other address still fails.
  const abandoned = (text) => {
    const failed = /^Failed to load ‘([^’]+)’\. A ServiceWorker intercepted the request/.exec(text);
    return failed && new URL(failed[1]).pathname !== new URL(siteURL + path).pathname && closed.has(failed[1]);
  };
  page.on("pageerror", (error) => {
    const text = String(error.message || error);
    if (!abandoned(text)) errors.push(`pageerror: ${text}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  await page.goto(siteURL + path, { waitUntil: "load" });
  return { page, errors };
}

async function pythonReady(page) {
  // a reader reaching the first demo: Python starts when one comes near the screen
  await page.evaluate(() => document.querySelector(".gc-demo, .gc-exercise")?.scrollIntoView({ block: "center" }));
  await page.waitForFunction(() => window.genaiCourse.python.state === "ready", { timeout: LIMIT });
  return page.evaluate(() => ({
    readySeconds: window.genaiCourse.python.timings.ready / 1000,
    phases: window.genaiCourse.python.timings.phases,
  }));
}

let visit = null;
const closed = new Set(); // the pages of the tabs closed so far
for (const { path, demo, control, key, value } of cases) {
  const entry = { path, demo };
  // two demos on one page are tried in one visit
  if (!visit || visit.path !== path) {
    if (visit) {
      closed.add(siteURL + visit.path);
      await visit.page.close();
    }
    visit = { path, ...(await openPage(path)) };
  }
  const { page, errors } = visit;
  try {
    const root = `#gc-demo-${demo}`;
    entry.builtFigure = await page.$eval(root, (el) => el.querySelectorAll(".gc-figure svg").length);
    const before = await page.$eval(`${root} .gc-panels`, (el) => el.innerHTML);
    // once Python is ready, as a learner who has read the page first
    Object.assign(entry, await pythonReady(page));
    await page.focus(`${root} [name=${control}]`);
    await page.keyboard.press(key);
    entry.value = await page.$eval(`${root} [name=${control}]`, (el) => el.value);
    entry.expectedValue = value;
    // the new figure, or the time limit's "Stopped" (then reported, not waited out)
    await page.waitForFunction((sel) => document.querySelector(sel).dataset.state === "live" ||
      document.querySelector(`${sel} .gc-status`).textContent.startsWith("Stopped"), { timeout: LIMIT }, root);
    entry.updated = (await page.$eval(`${root} .gc-panels`, (el) => el.innerHTML)) !== before;
    entry.status = await page.$eval(`${root} .gc-status`, (el) => el.textContent);
  } catch (error) {
    entry.failure = String(error.message || error);
    entry.status = await page.$eval(`#gc-demo-${demo} .gc-status`, (el) => el.textContent).catch(() => null);
  }
  entry.errors = [...errors];
  report.pages.push(entry);
}
if (visit) await visit.page.close();

// The editor: an exception shows a traceback, Stop ends an endless loop, and the demo then works.
{
  const { page, errors } = await openPage("try-it/");
  const demo = "#gc-demo-numpy_check";
  const editor = report.editor;
  try {
    await pythonReady(page);
    await page.click(`${demo} .gc-editor summary`);
    const setCode = (replace) =>
      page.$eval(`${demo} .gc-code`, (el, [from, to]) => {
        el.value = el.value.replace(from, to);
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }, replace);
    const button = (name) =>
      page.$$eval(`${demo} button`, (buttons, n) => buttons.find((b) => b.textContent.trim() === n).click(), name);
    const line = "    p = attention.softmax(x)\n";
    await setCode([line, '    raise RuntimeError("boom")\n']);
    await button("Run");
    await page.waitForFunction((sel) => document.querySelector(sel).textContent.includes("RuntimeError: boom"),
      { timeout: LIMIT }, `${demo} .gc-output`);
    editor.traceback = await page.$eval(`${demo} .gc-output`, (el) => el.textContent);
    await button("Reset code");
    await setCode([line, "    while True:\n        pass\n"]);
    const runs = await page.$eval(demo, (el) => Number(el.dataset.runs || 0));
    await button("Run");
    // the page says the endless program runs: wait on that, not on time
    await page.waitForFunction((sel, before) => {
      const root = document.querySelector(sel);
      return Number(root.dataset.runs || 0) > before && root.dataset.running === "true"
        && root.querySelector(".gc-status").dataset.state === "running";
    }, { timeout: LIMIT }, demo, runs);
    await button("Stop");
    await page.waitForFunction((sel) => document.querySelector(sel).textContent.includes("Stopped"),
      { timeout: 10_000 }, `${demo} .gc-status`);
    editor.stopped = await page.$eval(`${demo} .gc-status`, (el) => el.textContent);
    await button("Reset code");
    await page.$eval(`${demo} [name=numbers]`, (el) => {
      el.value = "0, 1, 2";
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await page.waitForFunction((sel) => document.querySelector(sel).textContent.includes("softmax([0, 1, 2])"),
      { timeout: LIMIT }, `${demo} figcaption`);
    editor.afterwards = await page.$eval(`${demo} figcaption`, (el) => el.textContent);
  } catch (error) {
    editor.failure = String(error.message || error);
  }
  editor.errors = errors;
  await page.close();
}

// A quiz: the wrong answer and then the right one, chosen from the keyboard.
{
  const { page, errors } = await openPage("topics/attention/");
  const quiz = report.quiz;
  try {
    const question = ".gc-question";
    const answer = async (correct) => {
      await page.focus(`${question} input[data-correct="${correct}"]`);
      await page.keyboard.press(" ");
      return page.$eval(`${question} .gc-feedback`, (el) => el.textContent);
    };
    quiz.wrong = await answer("false");
    quiz.right = await answer("true");
  } catch (error) {
    quiz.failure = String(error.message || error);
  }
  quiz.errors = errors;
  await page.close();
}

await browser.close();
process.stdout.write(JSON.stringify(report));
