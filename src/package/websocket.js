// @ts-check
// `import "playtrace/websocket";` beside the import of playtrace: WebSocket tracing, shipped
// apart so that a game without sockets does not download it. Importing it makes
// `tracer.instrumentWebSocket(ws)` and `init({ instrument: { webSocket: true } })` work.
// (scripts/build-pkg.sh writes where the engine's modules are in place of SNIPPETS.)

import { useSockets } from "SNIPPETS/boundary.js";
import { instrumentWebSocket, wrapWebSocket } from "SNIPPETS/websocket.js";

useSockets(instrumentWebSocket, wrapWebSocket);
