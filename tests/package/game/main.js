// A game's start-up, the same in every setup: init at once, a span in the first frame (before
// the engine has loaded), then an action around a fetch to the API. The receiver's URL comes
// from the page's query string (?receiver=http://127.0.0.1:PORT).
import { init, ready } from "playtrace";
// WebSocket tracing ships apart: a game with sockets imports it for its effect.
import "playtrace/websocket";

const receiver = new URLSearchParams(location.search).get("receiver");
const tracer = init({
  serviceName: "setup-game",
  endpoint: `${receiver}/v1/traces`,
  propagateTo: [receiver],
  flushIntervalMs: 200,
  debug: true,
});

const boot = tracer.startSpan("boot", { attributes: { "game.setup": document.title } });
boot.addEvent("assets.requested");
boot.end();

ready()
  .then(() => tracer.action("load-level", { attributes: { "level.id": 1 } }, async () => {
    const response = await fetch(`${receiver}/api/level/1`);
    return response.json();
  }))
  .then((level) => {
    // A socket-like object (no network): traced when the import above survived the bundler.
    const socket = { url: "ws://127.0.0.1:9/chat", readyState: 3, send() {}, addEventListener() {}, removeEventListener() {} };
    const send = socket.send;
    window.socketTraced = tracer.instrumentWebSocket(socket) === socket && socket.send !== send;
    window.level = level;
    tracer.flush();
  })
  .catch((error) => {
    window.failure = String(error && error.stack);
  });
