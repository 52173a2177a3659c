// Today's, this week's and the next session, worked out in the learner's browser from the dates
// the build wrote into the schedule page (data-date on each row) and the home page's cards, so a
// built site stays right on every day of the term. Every sentence shown was written by the build;
// this script only chooses among them. Without it, the home page shows the card of the build's day.
(function () {
  "use strict";

  // today as YYYY-MM-DD in the course's time zone (the sessions' dates are days there)
  function today(timeZone) {
    const now = new Date();
    try {
      const parts = {};
      new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
        .formatToParts(now)
        .forEach((part) => (parts[part.type] = part.value));
      return `${parts.year}-${parts.month}-${parts.day}`;
    } catch (error) {
      const pad = (n) => String(n).padStart(2, "0");
      return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    }
  }

  // the Monday of the week of an ISO day, as an ISO day
  function monday(day) {
    const date = new Date(`${day}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
    return date.toISOString().slice(0, 10);
  }

  // ISO days compare as text; what is next is a class or presentation on or after today
  const byDate = (a, b) => (a.dataset.date < b.dataset.date ? -1 : 1);
  const upcoming = (items, day) =>
    items.find((item) => item.dataset.date >= day && item.dataset.kind !== "no-class");

  function markSchedule(schedule) {
    const day = today(schedule.dataset.timezone);
    const rows = Array.from(schedule.querySelectorAll("tr[data-date]")).sort(byDate);
    if (!rows.length) return;
    rows.forEach((row) => {
      delete row.dataset.when;
      row.removeAttribute("aria-current");
      row.querySelectorAll(".gc-when").forEach((badge) => badge.remove());
    });
    const mark = (row, when, words) => {
      row.dataset.when = when;
      const badge = document.createElement("strong");
      badge.className = "gc-when";
      badge.textContent = words;
      row.querySelector(".gc-s-title").append(" ", badge);
    };
    const next = upcoming(rows, day);
    if (next) mark(next, next.dataset.date === day ? "today" : "next", next.dataset.date === day ? "Today" : "Next");
    // this week's session, once it has taken place (sessions are Mondays)
    const week = rows.filter((row) => row.dataset.date >= monday(day) && row.dataset.date < day).pop();
    if (week) {
      mark(week, "week", "This week");
      week.setAttribute("aria-current", "date");
    }
    if (next && next.dataset.date === day) next.setAttribute("aria-current", "date");

    const state = !next ? "over" : day < rows[0].dataset.date ? "before" : next.dataset.date === day ? "today" : "next";
    const status = schedule.querySelector(".gc-schedule-now");
    status.querySelectorAll("[data-state]").forEach((line) => (line.hidden = line.dataset.state !== state));
    const link = status.querySelector(`[data-state="${state}"] .gc-now-link`);
    if (link) {
      link.href = `#${next.id}`;
      link.textContent = next.dataset.name;
    }
    status.hidden = !status.querySelector(`[data-state="${state}"]`);
  }

  function chooseCard(box) {
    const day = today(box.dataset.timezone);
    const cards = Array.from(box.querySelectorAll("[data-date]"));
    const dated = cards.filter((card) => card.dataset.date !== "over").sort(byDate);
    const shown = upcoming(dated, day) || box.querySelector('[data-date="over"]');
    cards.forEach((card) => (card.hidden = card !== shown));
    const isToday = shown.dataset.date === day;
    shown.querySelectorAll("[data-when]").forEach((words) => {
      words.hidden = (words.dataset.when === "today") !== isToday;
    });
  }

  function mount() {
    document.querySelectorAll(".gc-schedule").forEach(markSchedule);
    document.querySelectorAll(".gc-next-session").forEach(chooseCard);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mount);
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
