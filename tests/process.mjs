// Servers the tests run as child processes (the devserver, Vite's dev server, the collector,
// Jaeger, Zipkin, the Go game server). A server that never prints its ready line is killed, and
// every server still running when the test file's process exits is killed with it, so a failed
// test never leaves a process behind that keeps the suite (or CI) waiting.

import { spawn } from "node:child_process";

const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

// Colour codes split a printed URL ("127.0.0.1:\x1b[1m5173\x1b[22m"); tools are asked for none
// and any that come anyway are removed before matching.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Starts `cmd` and resolves once its output (stdout and stderr, without colour codes) matches
 * `ready`, with `{ child, match, output(), stop() }`. Rejects, having killed the process, when
 * it exits first or `timeoutMs` passes.
 */
export function startProcess(cmd, args, { ready, what = cmd, cwd, env, timeoutMs = 30000 } = {}) {
  const childEnv = { ...process.env, ...env, NO_COLOR: "1", FORCE_COLOR: "0" };
  const child = spawn(cmd, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.on("exit", () => running.delete(child));
  let out = "";
  const stop = (signal = "SIGTERM") => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${message}: ${out}`));
    };
    const timer = setTimeout(() => fail(`${what} did not start within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
    const seen = (d) => {
      out += String(d).replace(ANSI, "");
      const match = !settled && out.match(ready);
      if (match) {
        settled = true;
        clearTimeout(timer);
        // A server left running does not keep the test file alive; the exit hook kills it.
        child.unref();
        child.stdout.unref();
        child.stderr.unref();
        resolve({ child, match, output: () => out, stop });
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("error", (e) => fail(`${what} could not start (${e.message})`));
    child.on("exit", (code, signal) => fail(`${what} exited (${signal || code})`));
  });
}
