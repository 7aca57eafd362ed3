// A small Phaser 3 game with the playtrace plugin: a Boot scene that preloads local files (one
// of them missing) and starts a Menu scene, which preloads one more and runs an action on a
// click. `?plugin=0` runs it without the plugin, `?background=` sets where requests outside
// actions go, `?meta=0` drops the page's server-rendered traceparent, `?ready=1` starts the game
// once the engine has loaded (XHRs made before are not traced); the receiver is the collector
// and the game's API.
import Phaser from "phaser";
import { init, ready } from "playtrace";
import PlaytracePlugin from "playtrace/phaser";

const params = new URLSearchParams(location.search);
const receiver = params.get("receiver");
const withPlugin = params.get("plugin") !== "0";
if (params.get("meta") === "0") document.querySelector('meta[name="traceparent"]')?.remove();
init({
  serviceName: "phaser-game",
  endpoint: `${receiver}/v1/traces`,
  propagateTo: [receiver],
  flushIntervalMs: 500,
  ...(params.get("background") ? { background: params.get("background") } : {}),
});

if (params.get("ready") === "1") await ready();

class Boot extends Phaser.Scene {
  constructor() {
    super("Boot");
  }

  preload() {
    this.load.image("logo", "assets/logo.png");
    this.load.json("level", "assets/level.json");
    this.load.image("missing", "assets/missing.png");
    this.load.image("offline", "http://127.0.0.1:9/offline.png"); // refused: retried, then failed
  }

  create() {
    this.scene.start("Menu");
  }
}

class Menu extends Phaser.Scene {
  constructor() {
    super("Menu");
  }

  preload() {
    this.load.json("menu", "assets/menu.json");
  }

  create() {
    this.add.image(160, 90, "logo");
    const playtrace = this.plugins.get("playtrace");
    this.input.on("pointerdown", (pointer) => {
      const play = async () => {
        const res = await fetch(`${receiver}/api/score`);
        window.score = await res.json();
        await new Promise((r) => setTimeout(r, 150)); // the result shows a few frames later
      };
      if (playtrace) playtrace.action("menu.play", pointer, play);
      else play();
    });
    window.menuReady = true;
  }
}

new Phaser.Game({
  type: Phaser.CANVAS,
  width: 320,
  height: 180,
  parent: "game",
  banner: false,
  audio: { noAudio: true },
  scene: [Boot, Menu],
  plugins: withPlugin ? { global: [{ key: "playtrace", plugin: PlaytracePlugin, start: true }] } : {},
});
