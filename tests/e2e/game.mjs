// The real devserver binary serving the built demo game, a Chromium for it, and what the tests
// of the game ask of them: a fresh game page, and a trace from the store once it is complete.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess } from "../process.mjs";
import { launch } from "./harness.mjs";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Starts the devserver with the game on a free port, with its own store, and the browser.
 * `allowOrigins`: pages of other origins that may send spans and open the chat, as
 * `make devserver ORIGIN=...` allows them. */
export async function startGame(allowOrigins = []) {
  const dbDir = mkdtempSync(join(tmpdir(), "playtrace-game-"));
  const server = await startProcess(join(root, "target/devserver/playtrace-devserver"),
    ["--game", join(root, "www/dist"), "--addr", "127.0.0.1:0", "--db", join(dbDir, "traces.sqlite"),
      ...allowOrigins.flatMap((o) => ["--allow-origin", o])],
    { ready: /game\s+(http:\/\/127\.0\.0\.1:\d+)\//, what: "the devserver" });
  const base = server.match[1];
  const browser = await launch();
  return {
    base,
    browser,
    /** A fresh page of the game, loaded; `page.errors` collects its uncaught errors. */
    async openGame() {
      const page = await (await browser.newContext()).newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e));
      await page.goto(`${base}/`);
      await page.waitForFunction(() => window.arena !== undefined);
      page.errors = errors;
      return page;
    },
    /** Polls the store until trace `id` has spans matching `ok`: its spans, each with `parent`. */
    async storedTrace(id, ok, ms = 8000) {
      const until = Date.now() + ms;
      for (;;) {
        const res = await fetch(`${base}/api/traces/${id}`);
        if (res.ok) {
          const t = await res.json();
          const flat = [];
          const walk = (s, parent) => { flat.push({ ...s, parent }); s.children.forEach((c) => walk(c, s)); };
          t.roots.forEach((r) => walk(r, null));
          if (ok(flat)) return flat;
        }
        if (Date.now() > until) throw new Error(`trace ${id} never complete`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** Stops the browser and the devserver (SIGINT: a graceful stop), and removes the store. */
    async stop(signal = "SIGINT") {
      await browser.close();
      await server.stop(signal);
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}
