// Headless check of the admin dashboard (run by scripts/check-dashboard): opens the page in
// Debian's Chromium through playwright-core, checks that the figures appear, that they
// change while traffic flows and that the charts are drawn, and saves a screenshot.
//
//   node scripts/check_dashboard.mjs http://127.0.0.1:PORT/ screenshot.png
//
// Exits 0 when every check passes, 1 otherwise (the reason on stderr).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error("usage: check_dashboard.mjs URL SCREENSHOT.png");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "ramjet-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

// The numbers shown in the tiles and tables, as text.
async function readFigures(page) {
  return page.evaluate(() => {
    const text = (sel) => document.querySelector(sel)?.textContent.trim() ?? "";
    const inked = (id) => {  // pixels drawn on a chart's canvas
      const c = document.getElementById(id);
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
      return n;
    };
    return {
      rps: text("[data-testid=rps]"), total: text("#kpi-total"),
      success: text("[data-testid=success]"), p50: text("[data-testid=p50]"),
      p95: text("[data-testid=p95]"), p99: text("[data-testid=p99]"),
      connections: text("[data-testid=connections]"), rss: text("[data-testid=rss]"),
      ready: text("[data-testid=ready]"), updated: text("[data-testid=updated]"),
      routes: document.querySelectorAll("#routes tbody tr").length,
      upstreams: document.querySelectorAll("#upstreams tbody tr").length,
      firstRoute: text("#routes tbody tr"),
      ink: ["chart-rps", "chart-latency", "chart-status", "chart-memory"].map(inked),
    };
  });
}

try {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(url, { waitUntil: "load", timeout: 15000 });
  await page.waitForFunction(() => {
    const v = document.querySelector("[data-testid=p50]")?.textContent.trim();
    return v && v !== "–";
  }, null, { timeout: 15000 });
  const first = await readFigures(page);
  await page.waitForTimeout(4000);
  const second = await readFigures(page);
  console.log(JSON.stringify({ first, second }, null, 1));

  check(errors.length === 0, "page errors: " + errors.join("; "));
  check(first.ready === "ready", "readiness badge says " + first.ready);
  for (const key of ["rps", "total", "success", "p50", "p95", "p99", "connections", "rss"]) {
    check(second[key] !== "" && second[key] !== "–", key + " is empty");
  }
  check(/ms|s$/.test(second.p99), "p99 has no unit: " + second.p99);
  check(second.routes >= 1 && second.upstreams >= 1, "route or upstream table is empty");
  check(first.total !== second.total, "total requests did not change: " + second.total);
  check(first.updated !== second.updated, "the page did not refresh");
  check(second.ink.every((n) => n > 500), "a chart is blank: " + second.ink.join(","));
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (e) {
  failures.push(String(e));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error("dashboard check failed:\n  " + failures.join("\n  "));
  process.exit(1);
}
console.log("dashboard check: ok, screenshot " + screenshot);
